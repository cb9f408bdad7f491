package quiltt

import (
	"encoding/json"
	"testing"
)

// FuzzFastBalance checks the fast path against encoding/json: wherever
// fastBalance accepts a record, encoding/json accepts it too and decodes the
// same balance.
func FuzzFastBalance(f *testing.F) {
	for _, seed := range []string{
		`{"id":"bal_12wm3nAz3ZSpYWxauhLqrf","accountId":"acct_12wm3n4PaWHdcMgu6ZVDx5","at":"2024-06-07T08:27:37Z","source":"REFRESH","available":100.0,"current":110.0,"limit":null}`,
		` { "id" : "b" , "current" : -2134.34 , "limit" : -15000.00 } `,
		`{}`, `{"id":"b",}`, `{"id":"b"}x`, `{"id":"b","id":"c"}`, `{"ID":"b"}`, `{"id":"\u0062"}`,
		`{"available":1,"available":null}`, `{"available":"1"}`, `{"available":01}`, `{"available":1.}`,
		`{"available":1e400}`, `{"available":-0}`, `{"available":1E+2}`, `{"at":"2024-06-07T08:27:37+02:00"}`,
		`{"at":"2024-06-07"}`, `{"at":null,"id":null}`, `{"id":1}`, `{"source":"NEW"}`, `{"limit":nul}`,
		`{"id":"é"}`, `{"other":1}`, `[]`, `null`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, rec []byte) {
		var fast wireBalance
		if !fastBalance(rec, &fast) {
			return
		}
		var slow wireBalance
		if err := json.Unmarshal(rec, &slow); err != nil {
			t.Fatalf("fast path accepted what encoding/json refuses (%v): %q", err, rec)
		}
		fb, sb := fast.balance(), slow.balance()
		if fb.ID != sb.ID || fb.AccountID != sb.AccountID || fb.Source != sb.Source || !fb.At.Equal(sb.At) || fb.At.Location().String() != sb.At.Location().String() {
			t.Fatalf("fields differ: %+v vs %+v", fb, sb)
		}
		for _, pair := range [][2]*wireAmount{{fast.Available, slow.Available}, {fast.Current, slow.Current}, {fast.Limit, slow.Limit}} {
			a, b := pair[0].decimal(), pair[1].decimal()
			if (a == nil) != (b == nil) {
				t.Fatalf("nil-ness differs for %q", rec)
			}
			if a != nil && (a.Exponent() != b.Exponent() || a.Coefficient().Cmp(b.Coefficient()) != 0) {
				t.Fatalf("amount %s vs %s for %q", a, b, rec)
			}
		}
	})
}
