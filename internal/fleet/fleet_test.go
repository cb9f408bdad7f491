package fleet_test

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/quiltt-go/quiltt/internal/redistest"
	"github.com/quiltt-go/quiltt/quilttest"
)

// TestFleet is the fleet simulation (see the package doc): the three
// phases against one Redis and one fake Quiltt API that enforces 25
// requests a second on its API key, one after the other so that each has
// the budget to itself, then the negative control that shows the fake
// enforces it. It prints one summary line, then fails for every figure
// that misses its target.
func TestFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("fleet: the simulation takes about 30 s; run without -short")
	}
	done := newCompleter()
	e := &env{
		redis: redistest.Start(t),
		api: quilttest.NewTestServer(t,
			quilttest.WithRateLimitGCRA(apiBudget, apiBudgetWindow),
			quilttest.WithRefreshDelay(quilttest.ManualRefresh),
			quilttest.WithRequestHook(done.hook),
		),
	}
	go done.run(e.api)
	t.Cleanup(done.close) // before the server's Close: cleanups run last in, first out

	ids := addRefreshAccounts(t, e.api)
	addFreshAccounts(t, e.api)

	r := runRefreshes(t, e, ids)
	h := runWebhooks(t, e, ids)
	freshReplicas := newFreshReplicas(t, e)
	cold := runFresh(t, e, freshReplicas, staleAccount, refreshedBalance)
	warm := runFresh(t, e, freshReplicas, warmAccount, freshBalanceOf)
	push := runPush(t, e)
	control := runControl(t, e, ids)

	fmt.Printf("fleet: refreshes=%d accepted=%d answers429=%d wall-x-ideal=%.2f deliveries=%d events=%d handled-once=%d double=%d lost=%d fresh-calls=%d fresh-billed=%d fresh-calls-warm=%d fresh-billed-warm=%d push-calls=%d push-billed=%d push-reads=%d push-wake-p99-ms=%d push-calls-warm=%d push-reads-warm=%d\n",
		r.refreshes, r.accepted, r.answers429, r.wallXIdeal,
		h.deliveries, h.events, h.handledOnce, h.double, h.lost,
		cold.calls, cold.billed, warm.calls, warm.billed,
		push.calls, push.billed, push.reads, push.wakeP99.Milliseconds(), push.warmCalls, push.warmReads)
	t.Logf("push rounds: %v", push.rounds)

	// One rate budget.
	assert.Zero(t, r.answers429, "answers 429")
	assert.Equal(t, r.refreshes, r.accepted, "refreshes accepted")
	assert.Zero(t, r.failed, "refreshes failed; first: %v", r.firstFailed)
	assert.LessOrEqual(t, r.wallXIdeal, 1.1, "wall time %v over the ideal %v", r.wall, idealRefreshWall)
	// The fake's budget was enforced: replicas with only their own
	// limiters, 16 × 25/s, are refused.
	assert.Positive(t, control, "answers 429 to replicas without the shared limiter")

	// One callback per event.
	assert.Equal(t, hookEvents*hookCopies, h.deliveries, "deliveries acknowledged (%d POSTs, answers %v)", h.attempts, h.answers)
	assert.Equal(t, h.events, h.handledOnce, "events handled exactly once")
	assert.Zero(t, h.double, "events handled more than once")
	assert.Zero(t, h.lost, "events never handled")
	// The faults were driven: the failing callbacks, and the outage that
	// made the handlers answer 503 until Redis was back.
	assert.Equal(t, hookEvents*hookFailingShare/100, h.injected, "first callbacks made to fail")
	assert.Positive(t, h.storeFailures, "claim store calls that failed while Redis was down")
	assert.Positive(t, h.answers[500], "deliveries answered 500 (a failed callback)")
	assert.Positive(t, h.answers[503], "deliveries answered 503 (busy, or Redis down)")

	// One billable refresh.
	assert.Equal(t, 1, cold.billed, "refreshes of the stale account")
	assert.Zero(t, cold.failed, "stale-account calls failed; first: %v", cold.firstErr)
	assert.Zero(t, cold.notFresh, "stale-account calls that did not return the refreshed balance")
	assert.Zero(t, warm.billed, "refreshes of the fresh account")
	assert.Zero(t, warm.failed, "fresh-account calls failed; first: %v", warm.firstErr)
	assert.Zero(t, warm.notFresh, "fresh-account calls that did not return its balance")

	// Push, not poll: every round one refresh and at most two reads, the
	// calls woken by the delivery; the warm calls served by the feed.
	for i, round := range push.rounds {
		assert.Equal(t, 1, round.billed, "push round %d: refreshes", i)
		assert.LessOrEqual(t, round.reads, pushMaxReads, "push round %d: GraphQL reads", i)
		assert.Positive(t, round.wakeP99, "push round %d: no delivery reached a handler", i)
	}
	assert.LessOrEqual(t, push.wakeP99, pushMaxWake, "push wake-up p99 (median round); rounds %v", push.rounds)
	assert.Zero(t, push.failed, "push calls failed; first: %v", push.firstErr)
	assert.Zero(t, push.notPushed, "push calls that did not return the delivered balance")
	assert.Zero(t, push.warmReads, "GraphQL reads of warm push calls")
	assert.Zero(t, push.warmBilled, "refreshes by warm push calls")
}
