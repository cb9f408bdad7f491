package quiltt_test

import (
	"context"
	"net/http"
	"os"
	"runtime/coverage"
	"testing"

	"github.com/quiltt-go/quiltt"
	"golang.org/x/time/rate"
)

func TestZZFilesPerAccounts(t *testing.T) {
	dir := os.Getenv("COVDIR")
	if dir == "" {
		t.Skip()
	}
	body := hundredAccounts()
	srv := benchServerT(t, body)
	c, err := quiltt.NewClient(quiltt.WithBaseURL(srv), quiltt.WithAPIKey(testAPIKey), quiltt.WithRateLimit(rate.Inf, 1))
	if err != nil {
		t.Fatal(err)
	}
	p := c.ForProfile(testProfile)
	if _, err := p.Accounts(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := coverage.ClearCounters(); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Accounts(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
	if err := coverage.WriteCountersDir(dir); err != nil {
		t.Fatal(err)
	}
	if err := coverage.WriteMetaDir(dir); err != nil {
		t.Fatal(err)
	}
	_ = http.MethodGet
}
