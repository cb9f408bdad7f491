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
	assert.Contains(t, got, "| `BenchmarkAccounts` | 1200 | 300 | 40 | 1000 | 30 | 1.20× |  |")
	assert.NotContains(t, got, "| `BenchmarkAccountsBaseline`", "a baseline shows on its benchmark's row")
	assert.Contains(t, got, "| `quilttest.BenchmarkRefresh` | 4100000000 |  |  |  |  |  | 0 429s, 1.025 x-ideal |")
}

func TestReportRejectsEmptyInput(t *testing.T) {
	assert.Error(t, run(strings.NewReader("PASS\n"), &strings.Builder{}))
}
