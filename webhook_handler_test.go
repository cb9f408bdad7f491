package quiltt_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// eventRecorder is a Handle func that records the events it is called with and
// fails for the IDs in fail.
type eventRecorder struct {
	mu    sync.Mutex
	ids   []string
	fail  map[string]bool
	calls int
}

func (r *eventRecorder) handle(_ context.Context, e quiltt.Event) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.fail[e.ID] {
		return errors.New("downstream unavailable")
	}
	r.ids = append(r.ids, e.ID)
	return nil
}

func testHandler(t testing.TB, rec *eventRecorder, logs io.Writer) *quiltt.WebhookHandler {
	t.Helper()
	h := &quiltt.WebhookHandler{Verifier: testVerifier(t, testSecret), Handle: rec.handle}
	if logs != nil {
		h.Logger = slog.New(slog.NewTextHandler(logs, nil))
	}
	return h
}

func deliver(h http.Handler, method string, body []byte, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequest(method, "/hooks/quiltt", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

func TestWebhookHandlerServesEnvelopeInOrder(t *testing.T) {
	body := readFixture(t, "envelope_several_events.json")
	rec := &eventRecorder{}
	w := deliver(testHandler(t, rec, nil), http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2", "evt_12wkam1rFDQg0m8OLObJM3", "evt_12wkam1rFDQg0m8OLObJM4", "evt_12wkam1rFDQg0m8OLObJM5"}, rec.ids)
}

func TestWebhookHandlerRefusesForgeries(t *testing.T) {
	for _, f := range forgeries(t) {
		t.Run(f.name, func(t *testing.T) {
			secrets := f.secrets
			if secrets == nil {
				secrets = []string{testSecret}
			}
			rec := &eventRecorder{}
			var logs bytes.Buffer
			v, _ := quiltt.NewWebhookVerifier(secrets...) // nil for an empty secret
			if v != nil {
				v.Now = fixedClock
			}
			h := &quiltt.WebhookHandler{Verifier: v, Handle: rec.handle, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
			w := deliver(h, http.MethodPost, f.body, f.header)
			want := http.StatusUnauthorized
			if f.want == quiltt.ErrWebhookSecret {
				want = http.StatusInternalServerError
			}
			assert.Equal(t, want, w.Code)
			assert.Zero(t, rec.calls, "callback called for a refused delivery")
			assert.NotContains(t, logs.String(), testSecret)
			assert.NotContains(t, w.Body.String(), testSecret)
		})
	}
}

func TestWebhookHandlerStatusCodes(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	good := signedHeader(testSecret, testNow.Unix(), body)
	notJSON := []byte(`{"id":"evt_1",}`)
	unknownShape := []byte(`{"hello":"world"}`)

	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodHead, http.MethodDelete} {
		rec := &eventRecorder{}
		w := deliver(testHandler(t, rec, nil), method, body, good)
		assert.Equal(t, http.StatusMethodNotAllowed, w.Code, method)
		assert.Equal(t, http.MethodPost, w.Header().Get("Allow"))
		assert.Zero(t, rec.calls)
	}

	for name, b := range map[string][]byte{"not JSON": notJSON, "unknown shape": unknownShape} {
		rec := &eventRecorder{}
		w := deliver(testHandler(t, rec, nil), http.MethodPost, b, signedHeader(testSecret, testNow.Unix(), b))
		assert.Equal(t, http.StatusBadRequest, w.Code, name)
		assert.Zero(t, rec.calls, name)
	}

	t.Run("body over the cap", func(t *testing.T) {
		rec := &eventRecorder{}
		h := testHandler(t, rec, nil)
		h.MaxBodyBytes = int64(len(body) - 1)
		assert.Equal(t, http.StatusRequestEntityTooLarge, deliver(h, http.MethodPost, body, good).Code)
		h.MaxBodyBytes = int64(len(body))
		assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, body, good).Code)
		big := bytes.Repeat([]byte(" "), quiltt.DefaultWebhookMaxBody+1)
		h.MaxBodyBytes = 0
		assert.Equal(t, http.StatusRequestEntityTooLarge, deliver(h, http.MethodPost, big, signedHeader(testSecret, testNow.Unix(), big)).Code)
		assert.Equal(t, 1, rec.calls)
	})

	t.Run("callback fails", func(t *testing.T) {
		env := readFixture(t, "envelope_several_events.json")
		rec := &eventRecorder{fail: map[string]bool{"evt_12wkam1rFDQg0m8OLObJM2": true}}
		var logs bytes.Buffer
		w := deliver(testHandler(t, rec, &logs), http.MethodPost, env, signedHeader(testSecret, testNow.Unix(), env))
		assert.Equal(t, http.StatusInternalServerError, w.Code)
		assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1"}, rec.ids, "events after the failed one are not handled")
		assert.Equal(t, 2, rec.calls)
		assert.Contains(t, logs.String(), "evt_12wkam1rFDQg0m8OLObJM2")
		assert.NotContains(t, logs.String(), testSecret)
	})

	t.Run("misconfigured", func(t *testing.T) {
		rec := &eventRecorder{}
		assert.Equal(t, http.StatusInternalServerError, deliver(quiltt.NewWebhookHandler("", rec.handle), http.MethodPost, body, good).Code)
		assert.Equal(t, http.StatusInternalServerError, deliver(quiltt.NewWebhookHandler(testSecret, nil), http.MethodPost, body, good).Code)
		assert.Equal(t, http.StatusInternalServerError, deliver(&quiltt.WebhookHandler{}, http.MethodPost, body, good).Code)
		assert.Zero(t, rec.calls)
	})
}

// NewWebhookHandler over a real loopback server, with the real clock.
func TestNewWebhookHandlerOverHTTP(t *testing.T) {
	rec := &eventRecorder{}
	srv := httptest.NewServer(quiltt.NewWebhookHandler(testSecret, rec.handle))
	defer srv.Close()
	body := readFixture(t, "balance_created_event.json")

	post := func(header http.Header) int {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/hooks/quiltt", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header = header
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		_, _ = io.Copy(io.Discard, resp.Body)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusUnauthorized, post(signedHeader(testSecret, testNow.Unix()-3600, body)), "stale")
	assert.Empty(t, rec.ids)
	assert.Equal(t, http.StatusNoContent, post(signedHeader(testSecret, time.Now().Unix(), body)))
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1"}, rec.ids)
	srv.CloseClientConnections()
}

func TestWebhookHandlerSkipsSeenEvents(t *testing.T) {
	env := readFixture(t, "envelope_several_events.json")
	header := signedHeader(testSecret, testNow.Unix(), env)
	rec := &eventRecorder{fail: map[string]bool{"evt_12wkam1rFDQg0m8OLObJM3": true}}
	h := testHandler(t, rec, nil)
	h.Seen = quiltt.NewMemorySeenEvents(0)

	assert.Equal(t, http.StatusInternalServerError, deliver(h, http.MethodPost, env, header).Code)
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2"}, rec.ids)

	// Quiltt delivers again: the two handled events are skipped.
	rec.fail = nil
	assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, env, header).Code)
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2",
		"evt_12wkam1rFDQg0m8OLObJM3", "evt_12wkam1rFDQg0m8OLObJM4", "evt_12wkam1rFDQg0m8OLObJM5"}, rec.ids)

	// And once more: nothing left to do, still 2xx.
	calls := rec.calls
	assert.Equal(t, http.StatusNoContent, deliver(h, http.MethodPost, env, header).Code)
	assert.Equal(t, calls, rec.calls)
}

// failingStore is a SeenEvents whose every call fails.
type failingStore struct{ seenErr, markErr error }

func (f failingStore) Seen(context.Context, string) (bool, error) { return false, f.seenErr }
func (f failingStore) MarkSeen(context.Context, string) error     { return f.markErr }

func TestWebhookHandlerStoreFailure(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	header := signedHeader(testSecret, testNow.Unix(), body)
	for name, store := range map[string]failingStore{
		"Seen fails":     {seenErr: errors.New("db down")},
		"MarkSeen fails": {markErr: errors.New("db down")},
	} {
		rec := &eventRecorder{}
		h := testHandler(t, rec, nil)
		h.Seen = store
		assert.Equal(t, http.StatusInternalServerError, deliver(h, http.MethodPost, body, header).Code, name)
	}
}

func TestMemorySeenEventsIsBounded(t *testing.T) {
	ctx := context.Background()
	m := quiltt.NewMemorySeenEvents(3)
	for _, id := range []string{"a", "b", "c", "a", "d"} {
		require.NoError(t, m.MarkSeen(ctx, id))
	}
	for id, want := range map[string]bool{"a": false, "b": true, "c": true, "d": true, "e": false} {
		seen, err := m.Seen(ctx, id)
		require.NoError(t, err)
		assert.Equal(t, want, seen, id)
	}

	var zero quiltt.MemorySeenEvents
	seen, err := zero.Seen(ctx, "a")
	require.NoError(t, err)
	assert.False(t, seen)
	require.NoError(t, zero.MarkSeen(ctx, "a"))
	seen, _ = zero.Seen(ctx, "a")
	assert.True(t, seen)
}

func TestMemorySeenEventsConcurrent(t *testing.T) {
	ctx := context.Background()
	m := quiltt.NewMemorySeenEvents(64)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				id := strings.Repeat("x", g) + string(rune('a'+i%26))
				_ = m.MarkSeen(ctx, id)
				_, _ = m.Seen(ctx, id)
			}
		})
	}
	wg.Wait()
}
