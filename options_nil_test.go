package quiltt_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"

	"github.com/quiltt-go/quiltt"
)

// ptrLock is a RefreshLock whose methods need their receiver, as
// *redisstore.RefreshLock's do.
type ptrLock struct{ held map[string]bool }

func (l *ptrLock) Acquire(context.Context, string, time.Duration) (func(context.Context) error, bool, error) {
	l.held["k"] = true
	return func(context.Context) error { return nil }, true, nil
}

func (l *ptrLock) Wait(context.Context, string) error { _ = l.held; return nil }

// Every option that takes an interface refuses a nil, and a typed nil
// behind it (a nil pointer, a nil func), at NewClient rather than
// panicking at the first call that uses it.
func TestInterfaceOptionsRefuseTypedNil(t *testing.T) {
	key := quiltt.WithAPIKey(testAPIKey)
	cases := map[string]quiltt.Option{
		"WithRefreshLock(nil)":                       quiltt.WithRefreshLock(nil),
		"WithRefreshLock((*ptrLock)(nil))":           quiltt.WithRefreshLock((*ptrLock)(nil)),
		"WithRefreshLock((*MemoryRefreshLock)(nil))": quiltt.WithRefreshLock((*quiltt.MemoryRefreshLock)(nil)),
		"WithLimiter(nil)":                           quiltt.WithLimiter(nil),
		"WithLimiter((*rate.Limiter)(nil))":          quiltt.WithLimiter((*rate.Limiter)(nil)),
		"WithLimiter(limiterFunc(nil))":              quiltt.WithLimiter(limiterFunc(nil)),
	}
	for name, opt := range cases {
		c, err := quiltt.NewClient(key, opt)
		assert.Error(t, err, name)
		assert.Nil(t, c, name)
		if err != nil {
			assert.Contains(t, err.Error(), "nil", name)
		}
	}
	c, err := quiltt.NewClient(key, quiltt.WithRefreshLock(&ptrLock{held: map[string]bool{}}),
		quiltt.WithLimiter(limiterFunc(func(context.Context) error { return nil })))
	require.NoError(t, err, "non-nil values are taken")
	require.NotNil(t, c)
}

// A WebhookHandler whose Claims field holds a nil pointer answers 500
// (misconfigured) instead of panicking; nil itself is fine. (A nil-pointer
// Feed counts as none: TestWebhookHandlerNilPointerFeed.)
func TestWebhookHandlerRefusesTypedNilFields(t *testing.T) {
	body := []byte(`{"id":"evt_1","at":"2026-01-02T05:42:41Z","type":"balance.created","profile":{"id":"p_1"},"record":{},"metadata":{}}`)
	for name, set := range map[string]func(h *quiltt.WebhookHandler){
		"Claims": func(h *quiltt.WebhookHandler) { h.Claims = (*quiltt.MemoryClaimStore)(nil) },
	} {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		set(h)
		w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
		assert.Equal(t, http.StatusInternalServerError, w.Code, name)
		assert.Contains(t, sink.only(t).Attrs["error"], "nil pointer", name)
	}
	h, _ := testHandler(t, &eventRecorder{})
	w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
	assert.Equal(t, http.StatusNoContent, w.Code, "nil fields are fine")
}
