package amount

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseExact(t *testing.T) {
	for in, want := range map[string]string{
		"3141.59":            "3141.59",
		"-2134.34":           "-2134.34",
		"-15000.00":          "-15000",
		"0":                  "0",
		"-0":                 "0",
		"0.00":               "0",
		"1e2":                "100",
		"1E+2":               "100",
		"1.0e+20":            "100000000000000000000",
		"12.5e-1":            "1.25",
		"0.00012345":         "0.00012345",
		"1e400":              "1" + strings.Repeat("0", 400),
		"1e-400":             "0." + strings.Repeat("0", 399) + "1",
		"999999999999999999": "999999999999999999",
		"123456789012345678901234567890.123456789": "123456789012345678901234567890.123456789",
		"-9223372036854775809":                     "-9223372036854775809",
		"1.7976931348623157e308":                   "17976931348623157" + strings.Repeat("0", 292),
	} {
		d, err := Parse([]byte(in))
		require.NoError(t, err, in)
		assert.Equal(t, want, d.String(), in)
		ref, err := decimal.NewFromString(in)
		require.NoError(t, err, in)
		assert.True(t, ref.Equal(d), "%s: same value as decimal.NewFromString", in)
		assert.Equal(t, ref.Exponent(), d.Exponent(), "%s: same exponent as decimal.NewFromString", in)
	}
	d, err := Parse([]byte("-0"))
	require.NoError(t, err)
	assert.False(t, d.IsNegative(), "-0 is zero, not negative")
}

func TestParseRefuses(t *testing.T) {
	for in, want := range map[string]error{
		`"12.34"`:                               ErrNotNumber,
		`"−12.5"`:                               ErrNotNumber,
		`"1e2"`:                                 ErrNotNumber,
		`null`:                                  ErrNotNumber,
		`true`:                                  ErrNotNumber,
		`{}`:                                    ErrNotNumber,
		`[1]`:                                   ErrNotNumber,
		``:                                      ErrNotNumber,
		`-`:                                     ErrNotNumber,
		`+1`:                                    ErrNotNumber,
		`01`:                                    ErrNotNumber,
		`.5`:                                    ErrNotNumber,
		`1.`:                                    ErrNotNumber,
		`1e`:                                    ErrNotNumber,
		`1e+`:                                   ErrNotNumber,
		`1 `:                                    ErrNotNumber,
		` 1`:                                    ErrNotNumber,
		`1_000`:                                 ErrNotNumber,
		`0x10`:                                  ErrNotNumber,
		`−12.5`:                                 ErrNotNumber,
		`NaN`:                                   ErrNotNumber,
		`Infinity`:                              ErrNotNumber,
		`1e401`:                                 ErrOutOfRange,
		`1e-401`:                                ErrOutOfRange,
		`1.5e-400`:                              ErrOutOfRange,
		`1e999999999999999999999`:               ErrOutOfRange,
		`1e-999999999999999999999`:              ErrOutOfRange,
		"1" + strings.Repeat("0", MaxLen):       ErrOutOfRange,
		"1" + strings.Repeat("0", 1<<20):        ErrOutOfRange,
		"1" + strings.Repeat("0", MaxLen) + "x": ErrNotNumber,
	} {
		_, err := Parse([]byte(in))
		assert.ErrorIs(t, err, want, "%.40q", in)
	}
}

func TestAmountUnmarshalJSON(t *testing.T) {
	var v struct {
		A *Amount `json:"a"`
		B *Amount `json:"b"`
	}
	require.NoError(t, json.Unmarshal([]byte(`{"a":3141.59,"b":null}`), &v))
	require.NotNil(t, v.A)
	assert.Equal(t, "3141.59", v.A.Decimal().String())
	assert.Nil(t, v.B, "null stays a nil pointer")
	assert.Nil(t, v.B.Decimal(), "a nil *Amount is a nil *decimal.Decimal")

	for _, bad := range []string{`{"a":"12.34"}`, `{"a":"−12.5"}`, `{"a":true}`, `{"a":{}}`, `{"a":1e401}`} {
		err := json.Unmarshal([]byte(bad), &v)
		assert.Error(t, err, bad)
	}
	var plain Amount
	assert.ErrorIs(t, plain.UnmarshalJSON([]byte("null")), ErrNotNumber, "null where a value is required")
}

// FuzzParse checks Parse against encoding/json's grammar and
// decimal.NewFromString's value: it accepts exactly the JSON numbers within
// its bounds and reads them as NewFromString does.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"3141.59", "-0", "1e2", "1E-7", "0.00012345", `"12.34"`, "1e401", "123456789012345678901234567890.5", "-", "01", "1.e5"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := Parse(b)
		last := len(b) - 1
		isNumber := len(b) > 0 && (b[0] == '-' || isDigit(b[0])) && isDigit(b[last]) && json.Valid(b)
		if !isNumber {
			if err == nil {
				t.Fatalf("%q is not a JSON number, yet accepted", b)
			}
			return
		}
		ref, refErr := decimal.NewFromString(string(b))
		if err != nil {
			if err != ErrOutOfRange {
				t.Fatalf("%q: valid JSON number refused with %v", b, err)
			}
			if len(b) <= MaxLen && refErr == nil && ref.Exponent() >= -MaxExponent && ref.Exponent() <= MaxExponent {
				t.Fatalf("%q: refused as out of range, exponent %d", b, ref.Exponent())
			}
			return
		}
		if refErr != nil {
			t.Fatalf("%q: accepted, but decimal.NewFromString says %v", b, refErr)
		}
		if !ref.Equal(d) || ref.Exponent() != d.Exponent() {
			t.Fatalf("%q: got %s (exp %d), want %s (exp %d)", b, d, d.Exponent(), ref, ref.Exponent())
		}
	})
}
