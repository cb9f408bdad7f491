package quiltt

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"
)

// ErrUnknownClass is returned by the sign-convention conversions for an
// account whose class is ClassUnknown (or any other value): the sign of its
// amounts cannot be read, so it is not guessed.
var ErrUnknownClass = errors.New("quiltt: account class unknown: cannot convert the sign convention")

// AmountOwed returns how much the holder owes on the account: the opposite
// of Current when Current is negative, and zero when the balance is in the
// holder's favour. Quiltt's convention makes this the same for every class:
// an overdrawn checking account at -25.00 and a credit card at -2134.34 owe
// 25.00 and 2134.34. It returns nil when Current is nil (not reported).
func (b Balance) AmountOwed() *decimal.Decimal {
	if b.Current == nil {
		return nil
	}
	owed := decimal.Zero
	if b.Current.IsNegative() {
		owed = b.Current.Neg()
	}
	return &owed
}

// AvailableFunds returns the funds available: Available when reported,
// else Current, else nil. On an asset account that is the money the holder
// can use. On a liability account Available is, as Quiltt reports it, the
// credit left to draw (positive), while Current is the negative amount
// owed: read the result of a liability's fallback to Current accordingly,
// or use AmountOwed.
func (b Balance) AvailableFunds() *decimal.Decimal {
	if b.Available != nil {
		return copyAmount(b.Available)
	}
	return copyAmount(b.Current)
}

// ToLiabilityPositive returns a copy of b in the convention Plaid and MX
// use, where a liability's balance is positive when the holder owes it: for
// ClassLiability, Current is negated (Quiltt's -2134.34 becomes 2134.34);
// for ClassAsset the copy is unchanged, as both conventions agree. Available
// is left as reported, since on liabilities both conventions report the
// credit left to draw as a positive amount, and Limit is left as reported,
// since Quiltt's documents disagree on its sign. Nil amounts stay nil. It
// returns a zero Balance and an error wrapping ErrUnknownClass for any other
// class.
func (b Balance) ToLiabilityPositive(class Class) (Balance, error) {
	return b.flipLiability(class)
}

// FromLiabilityPositive returns a copy of b, whose amounts follow the
// liability-positive convention of Plaid and MX, in Quiltt's convention:
// the inverse of ToLiabilityPositive, with the same rules and errors.
func (b Balance) FromLiabilityPositive(class Class) (Balance, error) {
	return b.flipLiability(class)
}

// flipLiability negates Current of a liability; the conversion is its own
// inverse.
// The copy shares no pointer with b.
func (b Balance) flipLiability(class Class) (Balance, error) {
	if class != ClassAsset && class != ClassLiability {
		return Balance{}, fmt.Errorf("%w (class %q)", ErrUnknownClass, class)
	}
	b.Available, b.Current, b.Limit = copyAmount(b.Available), copyAmount(b.Current), copyAmount(b.Limit)
	if class == ClassLiability && b.Current != nil {
		*b.Current = b.Current.Neg()
	}
	return b, nil
}

// copyAmount returns a new pointer to a copy of d; nil stays nil.
func copyAmount(d *decimal.Decimal) *decimal.Decimal {
	if d == nil {
		return nil
	}
	c := *d
	return &c
}
