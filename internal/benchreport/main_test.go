package main

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestReportPairsBaselinesAndTakesMedians(t *testing.T) {
	in := `goos: linux
pkg: github.com/quiltt-go/quiltt
cpu: Test CPU
BenchmarkAccounts-2   	 100	  1200 ns/op	  300 B/op	  40 allocs/op
BenchmarkAccounts-2   	 100	  1100 ns/op	  300 B/op	  40 allocs/op
BenchmarkAccounts-2   	 100	  9000 ns/op	  300 B/op	  40 allocs/op
BenchmarkAccountsBaseline-2 	 100	  1000 ns/op	  200 B/op	  30 allocs/op
pkg: github.com/quiltt-go/quiltt/quilttest
BenchmarkRefresh-2    	 1	  4100000000 ns/op	 0 429s	 1.025 x-ideal
`
	var out strings.Builder
	require.NoError(t, run(strings.NewReader(in), &out))
	got := out.String()
	assert.Contains(t, got, "Test CPU")
	assert.Contains(t, got, "| `BenchmarkAccounts` | 1200 | 300 | 40 | 1000 | 30 | 1.20× | ≤ 1.10×: MISSED |  |")
	assert.NotContains(t, got, "| `BenchmarkAccountsBaseline`", "a baseline shows on its benchmark's row")
	assert.Contains(t, got, "| `quilttest.BenchmarkRefresh` | 4100000000 |  |  |  |  |  |  | 0 429s, 1.025 x-ideal |")
	assert.NotContains(t, got, "Against other libraries", "no comparison on the input")
}

// Another library's benchmark is shown beside the SDK's in its own table;
// a ratio with a target says whether it is met.
func TestReportComparesWithOtherLibrariesAndTargets(t *testing.T) {
	in := `pkg: github.com/quiltt-go/quiltt
BenchmarkVerifyAndParseWebhook-2           100  1600 ns/op  2000 B/op  40 allocs/op
BenchmarkVerifyAndParseWebhookBaseline-2   100  1000 ns/op  1400 B/op  34 allocs/op
pkg: github.com/quiltt-go/quiltt/internal/benchcmp/stripe
BenchmarkVerifyAndParseWebhook-2           100  1500 ns/op  30.00 MB/s  2000 B/op  40 allocs/op
BenchmarkVerifyAndParseWebhookVsStripe-2   100  5000 ns/op  9.00 MB/s  4000 B/op  97 allocs/op
`
	var out strings.Builder
	require.NoError(t, run(strings.NewReader(in), &out))
	got := out.String()
	assert.Contains(t, got, "| `BenchmarkVerifyAndParseWebhook` | 1600 | 2000 | 40 | 1000 | 34 | 1.60× | ≤ 1.50×: MISSED |  |")
	assert.Contains(t, got, "## Against other libraries")
	assert.Contains(t, got, "| `internal/benchcmp/stripe.BenchmarkVerifyAndParseWebhook` | 1500 | 2000 | 40 | Stripe | 5000 | 4000 | 97 | 0.30× | ≤ 0.75×: met | 30 MB/s |")
	assert.NotContains(t, got, "| `internal/benchcmp/stripe.BenchmarkVerifyAndParseWebhook` | 1500 | 2000 | 40 |  |", "not in the first table")
	assert.NotContains(t, got, "VsStripe`", "the other library has no row of its own")
}

func TestReportRejectsEmptyInput(t *testing.T) {
	assert.Error(t, run(strings.NewReader("PASS\n"), &strings.Builder{}))
}

// Runs made side by side are paired: a round where the machine was slow
// for both does not skew the ratio.
func TestReportPairsRounds(t *testing.T) {
	in := `pkg: github.com/quiltt-go/quiltt
BenchmarkX-2           100  1200 ns/op
BenchmarkXBaseline-2   100  1000 ns/op
BenchmarkX-2           100  6000 ns/op
BenchmarkXBaseline-2   100  5000 ns/op
BenchmarkX-2           100  3600 ns/op
BenchmarkXBaseline-2   100  3000 ns/op
`
	var out strings.Builder
	require.NoError(t, run(strings.NewReader(in), &out))
	// Medians 3600 / 3000 and every pair: 1.20×.
	assert.Contains(t, out.String(), "| `BenchmarkX` | 3600 |  |  | 3000 |  | 1.20× |  |  |")

	in = strings.Replace(in, "6000 ns/op", "1300 ns/op", 1) // pairs 1.2, 0.26, 1.2; medians 1300 / 3000
	out.Reset()
	require.NoError(t, run(strings.NewReader(in), &out))
	assert.Contains(t, out.String(), "| `BenchmarkX` | 1300 |  |  | 3000 |  | 1.20× |  |  |", "the median pair, not 0.43× of the medians")
}

// A benchmark that measures its baseline within its own runs is compared
// run by run with it, and its target applies.
func TestReportInRunBaseline(t *testing.T) {
	in := `pkg: github.com/quiltt-go/quiltt/otelquiltt
BenchmarkAccountsObserved/noop-2   100  1040 ns/op  1000 baseline-ns/op  300 B/op  30 allocs/op  27 baseline-allocs/op
BenchmarkAccountsObserved/sdk-2    100  1400 ns/op  1000 baseline-ns/op  320 B/op  33 allocs/op  27 baseline-allocs/op
BenchmarkAccountsObserved/noop-2   100  5400 ns/op  5000 baseline-ns/op  300 B/op  30 allocs/op  27 baseline-allocs/op
BenchmarkAccountsObserved/sdk-2    100  6000 ns/op  5000 baseline-ns/op  320 B/op  33 allocs/op  27 baseline-allocs/op
BenchmarkAccountsObserved/noop-2   100  2060 ns/op  2000 baseline-ns/op  300 B/op  30 allocs/op  27 baseline-allocs/op
BenchmarkAccountsObserved/sdk-2    100  2400 ns/op  2000 baseline-ns/op  320 B/op  33 allocs/op  27 baseline-allocs/op
`
	var out strings.Builder
	require.NoError(t, run(strings.NewReader(in), &out))
	got := out.String()
	// noop: pairs 1.04, 1.08, 1.03; sdk: 1.40, 1.20, 1.20.
	assert.Contains(t, got, "| `otelquiltt.BenchmarkAccountsObserved/noop` | 2060 | 300 | 30 | 2000 | 27 | 1.04× | ≤ 1.05×: met |  |")
	assert.Contains(t, got, "| `otelquiltt.BenchmarkAccountsObserved/sdk` | 2400 | 320 | 33 | 2000 | 27 | 1.20× | ≤ 1.30×: met |  |")
}
