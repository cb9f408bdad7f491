package exampleenv

import "github.com/shopspring/decimal"

// NoAmount stands for an amount Quiltt did not report. It is never printed
// as 0: nil means unknown, not zero.
const NoAmount = "—"

// Amount formats d exactly, with at least two decimal places ("3141.59",
// "-15000.00", "0.125"), or NoAmount when d is nil.
func Amount(d *decimal.Decimal) string {
	switch {
	case d == nil:
		return NoAmount
	case d.Equal(d.Round(2)):
		return d.StringFixed(2) // exact: nothing past the cents
	default:
		return d.String()
	}
}
