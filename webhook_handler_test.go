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

// logRecord is one record a logSink received, its attributes as text.
type logRecord struct {
	Level   slog.Level
	Message string
	Attrs   map[string]string
}

// logSink is a slog.Handler that keeps every record, so that tests assert
// levels, messages and attributes, not the text of a line.
type logSink struct {
	mu      sync.Mutex
	records []logRecord
}

func (s *logSink) Enabled(context.Context, slog.Level) bool { return true }
func (s *logSink) WithAttrs([]slog.Attr) slog.Handler       { return s }
func (s *logSink) WithGroup(string) slog.Handler            { return s }

func (s *logSink) Handle(_ context.Context, r slog.Record) error {
	rec := logRecord{Level: r.Level, Message: r.Message, Attrs: map[string]string{}}
	r.Attrs(func(a slog.Attr) bool {
		rec.Attrs[a.Key] = a.Value.String()
		return true
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	s.records = append(s.records, rec)
	return nil
}

// all returns the records of deliveries: every record but the one of the
// handler's pieces at its first delivery (pieces_test.go asserts that one).
func (s *logSink) all() []logRecord {
	var out []logRecord
	for _, r := range s.everything() {
		if r.Message != "quiltt: webhook handler pieces" {
			out = append(out, r)
		}
	}
	return out
}

// everything returns every record, the pieces record included.
func (s *logSink) everything() []logRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]logRecord(nil), s.records...)
}

// only returns the one record the sink holds, failing the test otherwise.
func (s *logSink) only(t *testing.T) logRecord {
	t.Helper()
	all := s.all()
	require.Len(t, all, 1, "log records: %+v", all)
	return all[0]
}

// assertClean checks that no record of s holds the secret or the body.
func (s *logSink) assertClean(t *testing.T, body []byte) {
	t.Helper()
	for _, r := range s.everything() {
		text := r.Message
		for k, v := range r.Attrs {
			text += " " + k + "=" + v
		}
		assert.NotContains(t, text, testSecret)
		assert.NotContains(t, text, rotatedSecret)
		if len(body) > 0 {
			assert.NotContains(t, text, string(body))
		}
	}
}

// testHandler is a WebhookHandler for testSecret at the tests' clock,
// without claims, logging to a fresh sink.
func testHandler(t testing.TB, rec *eventRecorder) (*quiltt.WebhookHandler, *logSink) {
	t.Helper()
	sink := &logSink{}
	return &quiltt.WebhookHandler{Verifier: testVerifier(t, testSecret), Handle: rec.handle, Logger: slog.New(sink)}, sink
}

func deliver(h http.Handler, method string, body []byte, header http.Header) *httptest.ResponseRecorder {
	return deliverCtx(context.Background(), h, method, body, header)
}

func deliverCtx(ctx context.Context, h http.Handler, method string, body []byte, header http.Header) *httptest.ResponseRecorder {
	req := httptest.NewRequestWithContext(ctx, method, "/hooks/quiltt", bytes.NewReader(body))
	for k, v := range header {
		req.Header[k] = v
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// assertAnswer checks a refusal: its status, and its plain-text reason.
func assertAnswer(t *testing.T, w *httptest.ResponseRecorder, status int, reason string) {
	t.Helper()
	assert.Equal(t, status, w.Code)
	assert.Equal(t, reason+"\n", w.Body.String())
	assert.Equal(t, "text/plain; charset=utf-8", w.Header().Get("Content-Type"))
}

func TestWebhookHandlerServesEnvelopeInOrder(t *testing.T) {
	body := readFixture(t, "envelope_several_events.json")
	rec := &eventRecorder{}
	h, sink := testHandler(t, rec)
	w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
	assert.Equal(t, http.StatusNoContent, w.Code)
	assert.Empty(t, w.Body.String())
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1", "evt_12wkam1rFDQg0m8OLObJM2", "evt_12wkam1rFDQg0m8OLObJM3", "evt_12wkam1rFDQg0m8OLObJM4", "evt_12wkam1rFDQg0m8OLObJM5"}, rec.ids)
	assert.Empty(t, sink.all(), "an accepted delivery logs nothing")
}

// Every forgery is refused 401 with the reason a person can act on, logged
// as a warning with that reason and the verifier's error; the callback is
// not called; neither the answer nor the log holds a secret or the body.
func TestWebhookHandlerRefusesForgeries(t *testing.T) {
	reasons := map[string]string{}
	for _, f := range forgeries(t) {
		t.Run(f.name, func(t *testing.T) {
			secrets := f.secrets
			if secrets == nil {
				secrets = []string{testSecret}
			}
			rec := &eventRecorder{}
			sink := &logSink{}
			v, _ := quiltt.NewWebhookVerifier(secrets...) // nil for an empty secret
			if v != nil {
				v.Now = fixedClock
			}
			h := &quiltt.WebhookHandler{Verifier: v, Handle: rec.handle, Logger: slog.New(sink)}
			w := deliver(h, http.MethodPost, f.body, f.header)
			assert.Zero(t, rec.calls, "callback called for a refused delivery")
			assert.NotContains(t, w.Body.String(), testSecret)
			sink.assertClean(t, f.body)

			r := sink.only(t)
			if f.want == quiltt.ErrWebhookSecret {
				assertAnswer(t, w, http.StatusInternalServerError, "webhook receiver misconfigured")
				assert.Equal(t, slog.LevelError, r.Level)
				assert.Equal(t, "quiltt: webhook handler misconfigured", r.Message)
				return
			}
			assert.Equal(t, http.StatusUnauthorized, w.Code)
			assert.Equal(t, slog.LevelWarn, r.Level)
			assert.Equal(t, "quiltt: webhook delivery refused", r.Message)
			assert.Equal(t, "401", r.Attrs["status"])
			assert.Equal(t, strings.TrimSuffix(w.Body.String(), "\n"), r.Attrs["reason"])
			assert.NotEmpty(t, r.Attrs["error"])
			reasons[f.name] = r.Attrs["reason"]
			switch {
			case errors.Is(f.want, quiltt.ErrWebhookTimestamp):
				assert.Contains(t, []string{"timestamp outside the 300 s window", "Quiltt-Timestamp header missing or malformed"}, r.Attrs["reason"])
			default:
				assert.Contains(t, []string{"signature does not match", "Quiltt-Signature header missing or malformed"}, r.Attrs["reason"])
			}
		})
	}
	// Each kind of reason was answered at least once.
	seen := map[string]bool{}
	for _, r := range reasons {
		seen[r] = true
	}
	assert.Equal(t, map[string]bool{
		"signature does not match": true, "Quiltt-Signature header missing or malformed": true,
		"timestamp outside the 300 s window": true, "Quiltt-Timestamp header missing or malformed": true,
	}, seen)
}

func TestWebhookHandlerWindowReasonNamesTheTolerance(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	rec := &eventRecorder{}
	h, sink := testHandler(t, rec)
	h.Verifier.Tolerance = 90 * time.Second
	w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix()-91, body))
	assertAnswer(t, w, http.StatusUnauthorized, "timestamp outside the 90 s window")
	assert.Equal(t, "timestamp outside the 90 s window", sink.only(t).Attrs["reason"])
	assert.Zero(t, rec.calls)
}

func TestWebhookHandlerStatusCodes(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	good := signedHeader(testSecret, testNow.Unix(), body)

	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodDelete} {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		w := deliver(h, method, body, good)
		assertAnswer(t, w, http.StatusMethodNotAllowed, "method not allowed: Quiltt delivers with POST")
		assert.Equal(t, http.MethodPost, w.Header().Get("Allow"))
		assert.Zero(t, rec.calls)
		r := sink.only(t)
		assert.Equal(t, slog.LevelWarn, r.Level)
		assert.Equal(t, method, r.Attrs["method"])
	}

	for name, b := range map[string][]byte{"not JSON": []byte(`{"id":"evt_1",}`), "unknown shape": []byte(`{"hello":"world"}`)} {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		w := deliver(h, http.MethodPost, b, signedHeader(testSecret, testNow.Unix(), b))
		assertAnswer(t, w, http.StatusBadRequest, "body is not a Quiltt webhook")
		assert.Zero(t, rec.calls, name)
		r := sink.only(t)
		assert.Equal(t, slog.LevelWarn, r.Level, name)
		assert.Equal(t, "quiltt: webhook delivery refused", r.Message, name)
		assert.Contains(t, r.Attrs["error"], quiltt.ErrWebhookPayload.Error(), name)
		sink.assertClean(t, b)
	}

	t.Run("body over the cap", func(t *testing.T) {
		rec := &eventRecorder{}
		h, sink := testHandler(t, rec)
		h.MaxBodyBytes = int64(len(body) - 1)
		assertAnswer(t, deliver(h, http.MethodPost, body, good), http.StatusRequestEntityTooLarge, "body larger than the receiver accepts")
		assert.Equal(t, "407", sink.only(t).Attrs["limit"])
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
		h, sink := testHandler(t, rec)
		w := deliver(h, http.MethodPost, env, signedHeader(testSecret, testNow.Unix(), env))
		assertAnswer(t, w, http.StatusInternalServerError, "callback failed; will be retried")
		assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1"}, rec.ids, "events after the failed one are not handled")
		assert.Equal(t, 2, rec.calls)
		r := sink.only(t)
		assert.Equal(t, logRecord{Level: slog.LevelError, Message: "quiltt: webhook callback failed", Attrs: map[string]string{
			"event": "evt_12wkam1rFDQg0m8OLObJM2", "type": "balance.created", "status": "500",
			"reason": "callback failed; will be retried", "error": "downstream unavailable",
		}}, r)
		sink.assertClean(t, env)
	})

	t.Run("misconfigured", func(t *testing.T) {
		rec := &eventRecorder{}
		sink := &logSink{}
		for _, h := range []*quiltt.WebhookHandler{
			quiltt.NewWebhookHandlerWithLogger("", rec.handle, slog.New(sink)),
			quiltt.NewWebhookHandlerWithLogger(testSecret, nil, slog.New(sink)),
			{Logger: slog.New(sink)},
		} {
			assertAnswer(t, deliver(h, http.MethodPost, body, good), http.StatusInternalServerError, "webhook receiver misconfigured")
		}
		assert.Zero(t, rec.calls)
		require.Len(t, sink.all(), 3)
		for _, r := range sink.all() {
			assert.Equal(t, slog.LevelError, r.Level)
			assert.Equal(t, "quiltt: webhook handler misconfigured", r.Message)
		}
	})
}

// NewWebhookHandler over a real loopback server, with the real clock: it
// reports to slog.Default(), and de-duplicates within the process.
func TestNewWebhookHandlerOverHTTP(t *testing.T) {
	sink := &logSink{}
	prev := slog.Default()
	slog.SetDefault(slog.New(sink))
	t.Cleanup(func() { slog.SetDefault(prev) })

	rec := &eventRecorder{}
	srv := httptest.NewServer(quiltt.NewWebhookHandler(testSecret, rec.handle))
	defer srv.Close()
	body := readFixture(t, "balance_created_event.json")

	post := func(header http.Header) (int, string) {
		req, err := http.NewRequest(http.MethodPost, srv.URL+"/hooks/quiltt", bytes.NewReader(body))
		require.NoError(t, err)
		req.Header = header
		resp, err := srv.Client().Do(req)
		require.NoError(t, err)
		text, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.NoError(t, resp.Body.Close())
		return resp.StatusCode, string(text)
	}
	status, text := post(signedHeader(testSecret, time.Now().Unix()-3600, body))
	assert.Equal(t, http.StatusUnauthorized, status, "stale")
	assert.Equal(t, "timestamp outside the 300 s window\n", text)
	assert.Empty(t, rec.ids)
	r := sink.only(t)
	assert.Equal(t, slog.LevelWarn, r.Level)
	assert.Equal(t, "timestamp outside the 300 s window", r.Attrs["reason"])
	sink.assertClean(t, body)

	status, _ = post(signedHeader(testSecret, time.Now().Unix(), body))
	assert.Equal(t, http.StatusNoContent, status)
	status, _ = post(signedHeader(testSecret, time.Now().Unix(), body))
	assert.Equal(t, http.StatusNoContent, status, "a redelivery of a processed event")
	assert.Equal(t, []string{"evt_12wkam1rFDQg0m8OLObJM1"}, rec.ids, "handled once")
	srv.CloseClientConnections()
}

// NewWebhookHandlerWithLogger returns the handler with its defaults, to
// adjust before serving.
func TestNewWebhookHandlerWithLogger(t *testing.T) {
	sink := &logSink{}
	h := quiltt.NewWebhookHandlerWithLogger(testSecret, (&eventRecorder{}).handle, slog.New(sink))
	require.NotNil(t, h.Verifier)
	assert.IsType(t, &quiltt.MemoryClaimStore{}, h.Claims)
	assert.Zero(t, h.MaxBodyBytes)
	var handler http.Handler = h
	w := deliver(handler, http.MethodPost, []byte(`{}`), http.Header{})
	assertAnswer(t, w, http.StatusUnauthorized, "Quiltt-Timestamp header missing or malformed")
	assert.Equal(t, "quiltt: webhook delivery refused", sink.only(t).Message)

	_, isStruct := quiltt.NewWebhookHandler(testSecret, (&eventRecorder{}).handle).(*quiltt.WebhookHandler)
	assert.True(t, isStruct, "NewWebhookHandler is the same handler")
}
