package redisstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt/internal/redistest"
)

// TestLimiterQueueSurvivesAnEmptyRestart: a Redis that comes back without
// its data does not hand out again a slot a limiter had reserved: the
// limiter's next Wait gives Redis the latest reservation it was handed,
// and the slot after it is the next free one, for that limiter and for
// the others that share the budget.
func TestLimiterQueueSurvivesAnEmptyRestart(t *testing.T) {
	srv := redistest.Start(t)
	rdbs := replicas(t, srv, 2)
	const interval = 2 * time.Second
	a := newLimiter(t, rdbs[0], "restart", rate.Every(interval), 1)
	b := newLimiter(t, rdbs[1], "restart", rate.Every(interval), 1)
	ctx := testCtx(t)
	require.NoError(t, a.Wait(ctx), "the first slot is free")

	require.NoError(t, srv.Kill())
	require.NoError(t, srv.Restart())
	keys, err := rdbs[1].Keys(ctx, "*").Result()
	require.NoError(t, err)
	require.Empty(t, keys, "Redis came back empty")

	// a's next slot is about 2 s away, as before the restart: a Wait that
	// cannot last 1 s is refused at once, and spends nothing.
	short, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	start := time.Now()
	err = a.Wait(short)
	require.ErrorIs(t, err, context.DeadlineExceeded, "the reserved slot is not handed out again")
	assert.Less(t, time.Since(start), 900*time.Millisecond, "refused at once, not waited out")

	// a's refused Wait wrote the restored queue back: b sees it too.
	short2, cancel2 := context.WithTimeout(ctx, time.Second)
	defer cancel2()
	assert.ErrorIs(t, b.Wait(short2), context.DeadlineExceeded, "the other limiter sees the restored queue")
}
