package quilttest_test

import (
	"errors"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// sdkClient is a quiltt.Client as a service would hold it, for the
// end-to-end tests: the server's API key, reads as the default profile,
// retries on with millisecond backoff (so no test waits on the SDK's
// defaults), and the client-side limiter off so that the fake's answers
// alone decide. Later opts override these.
func sdkClient(t *testing.T, s *quilttest.Server, opts ...quiltt.Option) *quiltt.Client {
	t.Helper()
	base := []quiltt.Option{
		quiltt.WithAPIKey(s.APIKey()),
		quiltt.WithMaxRetries(3),
		quiltt.WithRetryWait(time.Millisecond, 4*time.Millisecond),
		quiltt.WithRateLimit(rate.Inf, 1),
	}
	return newClient(t, s, append(base, opts...)...).ForProfile(s.ProfileID())
}

// requireError returns err as the *quiltt.Error it must be.
func requireError(t *testing.T, err error) *quiltt.Error {
	t.Helper()
	var qe *quiltt.Error
	require.True(t, errors.As(err, &qe), "want a *quiltt.Error, got %T: %v", err, err)
	return qe
}

// requestsTo returns the server's log of requests to route, oldest first.
func requestsTo(s *quilttest.Server, route quilttest.Route) []quilttest.Request {
	var out []quilttest.Request
	for _, r := range s.Requests() {
		if r.Route == route {
			out = append(out, r)
		}
	}
	return out
}

// statuses returns the status each logged request was answered, 0 for a
// dropped connection.
func statuses(reqs []quilttest.Request) []int {
	out := make([]int, len(reqs))
	for i, r := range reqs {
		out[i] = r.StatusCode
	}
	return out
}
