package quiltt_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// BenchmarkRefreshBalances refreshes 2,000 accounts through RefreshBalances
// against a loopback server that enforces 500 requests/s (a token bucket
// with room for 20 ms of jitter) and answers 429 past it. The ideal is
// 2,000 / 500 = 4.0 s; the client is set to the server's budget with
// WithRateLimit(500, 1). It reports the wall time, its ratio to the ideal
// (x-ideal), the 429 answers the client received and the failed refreshes,
// each per run of 2,000.
func BenchmarkRefreshBalances(b *testing.B) {
	const (
		accounts   = 2000
		serverRate = 500
	)
	ideal := time.Duration(accounts) * time.Second / serverRate

	var tooMany, accepted atomic.Int64
	budget := rate.NewLimiter(serverRate, serverRate/50)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if !budget.Allow() {
			tooMany.Add(1)
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		accepted.Add(1)
		w.WriteHeader(http.StatusAccepted)
	}))
	defer srv.Close()
	c, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(srv.URL+basePath),
		quiltt.WithRateLimit(serverRate, 1))
	if err != nil {
		b.Fatal(err)
	}
	defer c.CloseIdleConnections()
	ids := make([]string, accounts)
	for i := range ids {
		ids[i] = fmt.Sprintf("acct_%04d", i)
	}

	var runs, failures int
	var wall time.Duration
	for b.Loop() {
		start := time.Now()
		results, _ := c.RefreshBalances(b.Context(), ids, &quiltt.RefreshBalancesOptions{Concurrency: 16})
		wall += time.Since(start)
		runs++
		for _, r := range results {
			if r.Err != nil {
				failures++
			}
		}
	}
	perRun := wall / time.Duration(runs)
	b.ReportMetric(perRun.Seconds(), "wall-s")
	b.ReportMetric(perRun.Seconds()/ideal.Seconds(), "x-ideal")
	b.ReportMetric(float64(tooMany.Load())/float64(runs), "429s")
	b.ReportMetric(float64(failures)/float64(runs), "failures")
}
