package quiltt_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// TestLimiterWaitPastDeadline: when the client's rate limiter would hold an
// attempt past the context's deadline, the call fails at once, unsent, with
// an error that matches context.DeadlineExceeded, and is not retried.
func TestLimiterWaitPastDeadline(t *testing.T) {
	t.Parallel()
	srv, rec := scripted(t, answer(t, 202, ""))
	c := newClient(t, srv.URL+prefix, quiltt.WithRateLimit(0.5, 1)) // one request per 2 s
	require.NoError(t, c.RefreshBalance(t.Context(), "acct_1"))     // takes the only token
	ctx, cancel := context.WithTimeout(t.Context(), 500*time.Millisecond)
	defer cancel()

	err := c.RefreshBalance(ctx, "acct_1")

	assert.ErrorIs(t, err, context.DeadlineExceeded)
	assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "never sent")
	assert.Equal(t, 1, asTransportError(t, err).Attempts, "not retried")
	assert.NoError(t, ctx.Err(), "failed before the deadline, without waiting for it")
	assert.EqualValues(t, 1, rec.n.Load())
}
