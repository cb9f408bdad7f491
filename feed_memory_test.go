package quiltt_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

func memBalance(account, id string, at time.Time) *quiltt.Balance {
	return &quiltt.Balance{ID: id, AccountID: account, At: at, Source: quiltt.BalanceSourceRefresh}
}

// Deliveries out of order keep the newest by At; the same again, or an
// older one, wakes no subscription.
func TestMemoryBalanceFeedKeepsNewest(t *testing.T) {
	f := quiltt.NewMemoryBalanceFeed(0)
	ctx := t.Context()
	ch, stop, err := f.Subscribe(ctx, "acct_1")
	require.NoError(t, err)
	defer stop()
	now := time.Now()

	require.NoError(t, f.Publish(ctx, memBalance("acct_1", "bal_new", now)))
	assert.Equal(t, "bal_new", (<-ch).ID)
	require.NoError(t, f.Publish(ctx, memBalance("acct_1", "bal_old", now.Add(-time.Minute))))
	require.NoError(t, f.Publish(ctx, memBalance("acct_1", "bal_new", now)))
	select {
	case b := <-ch:
		t.Fatalf("woken by %s, not newer than the kept one", b.ID)
	default:
	}
	got, err := f.Latest(ctx, "acct_1")
	require.NoError(t, err)
	assert.Equal(t, "bal_new", got.ID)
	other, err := f.Latest(ctx, "acct_2")
	require.NoError(t, err)
	assert.Nil(t, other)
}

// A receiver that lags finds the newest balance, not the first.
func TestMemoryBalanceFeedLaggingReceiverGetsNewest(t *testing.T) {
	f := quiltt.NewMemoryBalanceFeed(0)
	ctx := t.Context()
	ch, stop, err := f.Subscribe(ctx, "acct_1")
	require.NoError(t, err)
	now := time.Now()
	for i := range 5 {
		require.NoError(t, f.Publish(ctx, memBalance("acct_1", fmt.Sprintf("bal_%d", i), now.Add(time.Duration(i)*time.Second))))
	}
	assert.Equal(t, "bal_4", (<-ch).ID)
	stop()
	stop()
	_, open := <-ch
	assert.False(t, open, "stop closes the channel")
	require.NoError(t, f.Publish(ctx, memBalance("acct_1", "bal_5", now.Add(time.Minute))), "publishing after stop")
}

// The feed holds at most size accounts, forgetting the one published least
// recently.
func TestMemoryBalanceFeedBounded(t *testing.T) {
	f := quiltt.NewMemoryBalanceFeed(2)
	ctx := t.Context()
	now := time.Now()
	require.NoError(t, f.Publish(ctx, memBalance("acct_1", "bal_1", now)))
	require.NoError(t, f.Publish(ctx, memBalance("acct_2", "bal_2", now)))
	require.NoError(t, f.Publish(ctx, memBalance("acct_1", "bal_1b", now.Add(time.Second)))) // acct_1 is now the most recent
	require.NoError(t, f.Publish(ctx, memBalance("acct_3", "bal_3", now)))
	for account, want := range map[string]string{"acct_1": "bal_1b", "acct_2": "", "acct_3": "bal_3"} {
		b, err := f.Latest(ctx, account)
		require.NoError(t, err)
		if want == "" {
			assert.Nil(t, b, account)
			continue
		}
		require.NotNil(t, b, account)
		assert.Equal(t, want, b.ID)
	}
}

// Publish refuses a balance it cannot key; the zero MemoryBalanceFeed is
// usable; the balances it returns are copies.
func TestMemoryBalanceFeedInputs(t *testing.T) {
	var f quiltt.MemoryBalanceFeed
	ctx := t.Context()
	for _, b := range []*quiltt.Balance{nil, {AccountID: "acct_1"}, {ID: "bal_1"}} {
		assert.Error(t, f.Publish(ctx, b))
	}
	b := memBalance("acct_1", "bal_1", time.Now())
	require.NoError(t, f.Publish(ctx, b))
	b.ID = "changed"
	got, err := f.Latest(ctx, "acct_1")
	require.NoError(t, err)
	assert.Equal(t, "bal_1", got.ID)
	got.ID = "changed again"
	again, err := f.Latest(ctx, "acct_1")
	require.NoError(t, err)
	assert.Equal(t, "bal_1", again.ID)
}
