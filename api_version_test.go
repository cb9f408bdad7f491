package quiltt_test

import (
	"context"
	"log/slog"
	"sync"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// recordingHandler is a slog.Handler that keeps every record, attributes
// resolved, for tests to assert on.
type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler       { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler            { return h }

func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r.Clone())
	return nil
}

// atLeast returns the records at level or above.
func (h *recordingHandler) atLeast(level slog.Level) []slog.Record {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []slog.Record
	for _, r := range h.records {
		if r.Level >= level {
			out = append(out, r)
		}
	}
	return out
}

// attrs returns a record's attributes by key, as strings.
func attrs(r slog.Record) map[string]string {
	m := map[string]string{}
	r.Attrs(func(a slog.Attr) bool {
		m[a.Key] = a.Value.Resolve().String()
		return true
	})
	return m
}

func TestWithAPIVersionWarnsOnUnknownVersion(t *testing.T) {
	for _, tc := range []struct {
		version string
		warn    bool
	}{
		{"2024-01-01", false},
		{"2025-04-01", false},
		{"2026-04-01", false},
		{"", false}, // no WithAPIVersion
		{"2026-04-02", true},
		{"2025-01-15", true},
		{"2027-01-01", true},
	} {
		t.Run(tc.version, func(t *testing.T) {
			h := &recordingHandler{}
			opts := []quiltt.Option{quiltt.WithAPIKey(testAPIKey)}
			if tc.version != "" {
				opts = append(opts, quiltt.WithAPIVersion(tc.version))
			}
			// The logger after the version: the warning waits for NewClient.
			_, err := quiltt.NewClient(append(opts, quiltt.WithLogger(slog.New(h)))...)
			require.NoError(t, err)
			warnings := h.atLeast(slog.LevelWarn)
			if !tc.warn {
				assert.Empty(t, warnings)
				return
			}
			require.Len(t, warnings, 1, "one warning, at NewClient")
			assert.Equal(t, slog.LevelWarn, warnings[0].Level)
			assert.Equal(t, map[string]string{
				"version": tc.version,
				"known":   "2024-01-01, 2025-04-01, 2026-04-01",
			}, attrs(warnings[0]))
		})
	}
}

// An unknown version is still sent, on every request, and warned about once
// only.
func TestWithAPIVersionUnknownIsSent(t *testing.T) {
	srv := newAuthFake(t)
	h := &recordingHandler{}
	c := newAuthClient(t, srv, quiltt.WithAPIVersion("2025-01-15"), quiltt.WithLogger(slog.New(h)))
	_, err := c.ForProfile(srv.ProfileID()).Accounts(t.Context(), nil)
	require.NoError(t, err)
	_, err = c.IntrospectAPIKey(t.Context())
	require.NoError(t, err)

	reqs := srv.Requests()
	require.Len(t, reqs, 2)
	for _, r := range reqs {
		assert.Equal(t, "2025-01-15", r.Header.Get("Quiltt-Version"), r.Route)
	}
	assert.Equal(t, []quilttest.Route{quilttest.RouteGraphQL, quilttest.RouteAPIKeyIntrospect}, routes(srv))
	assert.Len(t, h.atLeast(slog.LevelWarn), 1, "calls add no warning")
}
