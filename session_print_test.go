package quiltt_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// issuedSessions issues n sessions for the fake's Profile: equal in every
// field but the token (the fake's clock stands still).
func issuedSessions(t *testing.T, n int) []*quiltt.Session {
	t.Helper()
	srv := newAuthFake(t)
	c := newAuthClient(t, srv)
	var out []*quiltt.Session
	for range n {
		s, err := c.IssueSessionToken(t.Context(), &quiltt.SessionParams{UserID: quilttest.DefaultProfileID})
		require.NoError(t, err)
		require.NotEmpty(t, s.Token())
		out = append(out, s)
	}
	return out
}

// A Session prints without its token under every fmt verb, in slog
// records (text and JSON) and in encoding/json, alone or inside other
// values.
func TestSessionDoesNotPrintItsToken(t *testing.T) {
	s := issuedSessions(t, 1)[0]
	token := s.Token()

	type holder struct {
		Session *quiltt.Session
		Value   quiltt.Session
	}
	h := holder{Session: s, Value: *s}
	var texts []string
	for _, v := range []any{s, *s, h, &h, []*quiltt.Session{s}, []quiltt.Session{*s}, map[string]*quiltt.Session{"s": s}} {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
			texts = append(texts, fmt.Sprintf(verb, v))
		}
		texts = append(texts, fmt.Sprint(v), fmt.Sprintln(v))
	}
	texts = append(texts, s.String(), fmt.Errorf("wrapped: %v", s).Error())

	var logs bytes.Buffer
	for _, logger := range []*slog.Logger{
		slog.New(slog.NewTextHandler(&logs, nil)),
		slog.New(slog.NewJSONHandler(&logs, nil)),
	} {
		logger.Info("issued", "session", s, "value", *s)
		logger.Info("issued", slog.Any("session", s), slog.Group("g", slog.Any("s", *s)))
		logger.With("session", s).Info("with")
	}
	texts = append(texts, logs.String())

	for _, v := range []any{s, *s, h, []*quiltt.Session{s}} {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		texts = append(texts, string(b))
	}

	all := strings.Join(texts, "\n")
	assert.NotContains(t, all, token)
	// What does print: the other fields, and the token's place.
	assert.Contains(t, all, s.UserID)
	assert.Contains(t, all, "token [redacted]")
	assert.Contains(t, logs.String(), `token=[redacted]`)
	assert.Contains(t, logs.String(), `"token":"[redacted]"`)
	assert.Equal(t, "quiltt.Session{user p_12uGLpPexyTkZCcJJntSjb, uuid 018a72f8-5434-7262-a029-a186fb0c5f33, "+
		"environment env_12quiltTestEnvironment, expires 2026-01-03T05:42:41Z, token [redacted]}", fmt.Sprintf("%#v", s))

	var nilSession *quiltt.Session
	assert.Empty(t, nilSession.Token())
	assert.Equal(t, "<nil>", fmt.Sprint(nilSession))
}
