// Package amount reads money amounts from JSON exactly. It holds the one
// rule every path of the SDK applies to an amount, GraphQL answers and
// webhook records alike:
//
//   - an amount is a JSON number token (RFC 8259: -?int frac? exp?); a
//     string such as "12.34", true, an object or any other value is refused,
//     and so is JSON null where a value is required (a nullable field's
//     null never reaches Parse: it stays a nil pointer);
//   - it is read exactly into a decimal.Decimal, never through float64:
//     3141.59 stays 3141.59, 1e2 is exactly 100, -0 is 0;
//   - a token longer than MaxLen bytes, or whose decimal exponent (the
//     power of ten of its last written digit) lies outside
//     [-MaxExponent, MaxExponent], is refused as out of range. Every finite
//     IEEE 754 double, which is what a GraphQL Float carries, fits with room
//     to spare; the bounds keep a hostile answer from making the parser, or
//     later arithmetic on the result, work without bound.
package amount

import (
	"errors"
	"math/big"

	"github.com/quiltt-go/quiltt/internal/jsonscan"
	"github.com/shopspring/decimal"
)

// MaxLen is the longest number token accepted, in bytes.
const MaxLen = 64

// MaxExponent bounds the magnitude of an accepted amount's decimal exponent.
const MaxExponent = 400

// The errors Parse returns. Neither quotes the input.
var (
	ErrNotNumber  = errors.New("amount is not a JSON number")
	ErrOutOfRange = errors.New("amount out of range")
)

// maxInt64Digits is how many decimal digits always fit an int64.
const maxInt64Digits = 18

// Parse reads the JSON number token b exactly. It returns ErrNotNumber if
// b is not exactly one JSON number (no surrounding space either), and
// ErrOutOfRange if it is longer than MaxLen bytes or its exponent is out of
// bounds.
func Parse(b []byte) (decimal.Decimal, error) {
	if end, ok := jsonscan.NumberEnd(b, 0); !ok || end != len(b) {
		return decimal.Decimal{}, ErrNotNumber
	}
	if len(b) > MaxLen {
		return decimal.Decimal{}, ErrOutOfRange
	}
	// b is one JSON number token, -?int(.frac)?([eE][+-]?exp)?: what
	// follows reads its parts without checking them again.
	i := 0
	neg := b[0] == '-'
	if neg {
		i++
	}
	// digits holds the significant digits (leading zeros dropped) of the
	// integer and fraction parts; MaxLen bounds it.
	var digits [MaxLen]byte
	n := 0
	var mant int64
	for ; i < len(b) && isDigit(b[i]); i++ {
		mant, n = push(&digits, n, mant, b[i])
	}
	exp := 0
	if i < len(b) && b[i] == '.' {
		i++
		for ; i < len(b) && isDigit(b[i]); i++ {
			mant, n = push(&digits, n, mant, b[i])
			exp--
		}
	}
	if i < len(b) { // e or E
		i++
		expNeg := b[i] == '-'
		if b[i] == '+' || b[i] == '-' {
			i++
		}
		e := 0
		for ; i < len(b); i++ {
			if e <= 10*MaxExponent { // saturate: MaxLen bounds the fraction far below
				e = e*10 + int(b[i]-'0')
			}
		}
		if expNeg {
			e = -e
		}
		exp += e
	}
	if exp < -MaxExponent || exp > MaxExponent {
		return decimal.Decimal{}, ErrOutOfRange
	}
	if n <= maxInt64Digits {
		if neg {
			mant = -mant
		}
		return decimal.New(mant, int32(exp)), nil
	}
	v, ok := new(big.Int).SetString(string(digits[:n]), 10)
	if !ok { // unreachable: digits holds only ASCII digits
		return decimal.Decimal{}, ErrNotNumber
	}
	if neg {
		v.Neg(v)
	}
	return decimal.NewFromBigInt(v, int32(exp)), nil
}

// push appends the digit c to the significant digits, skipping leading
// zeros, and keeps their int64 value while they fit one.
func push(digits *[MaxLen]byte, n int, mant int64, c byte) (int64, int) {
	if n == 0 && c == '0' {
		return mant, n
	}
	digits[n] = c
	n++
	if n <= maxInt64Digits {
		mant = mant*10 + int64(c-'0')
	}
	return mant, n
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Amount is a decimal.Decimal that decodes from JSON by Parse's rule. Bind
// nullable amount fields as *Amount: encoding/json leaves the pointer nil
// for null without calling UnmarshalJSON.
type Amount decimal.Decimal

// UnmarshalJSON decodes the JSON number b exactly. It returns ErrNotNumber
// for anything else (null included) and ErrOutOfRange as Parse does.
func (a *Amount) UnmarshalJSON(b []byte) error {
	d, err := Parse(b)
	if err != nil {
		return err
	}
	*a = Amount(d)
	return nil
}

// Decimal returns a as a *decimal.Decimal sharing its memory; nil stays nil.
func (a *Amount) Decimal() *decimal.Decimal { return (*decimal.Decimal)(a) }
