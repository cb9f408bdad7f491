package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// noEnv is an environment where no variable is set: the example uses the fake.
func noEnv(string) string { return "" }

// requestLog collects the fake's requests through its request hook.
type requestLog struct {
	mu   sync.Mutex
	reqs []quilttest.Request
}

func (l *requestLog) add(r quilttest.Request) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.reqs = append(l.reqs, r)
}

func (l *requestLog) all() []quilttest.Request {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]quilttest.Request(nil), l.reqs...)
}

func fixedClock() time.Time { return time.Date(2026, 1, 2, 5, 42, 41, 0, time.UTC) }

func TestRunAgainstFake(t *testing.T) {
	var stdout, stderr bytes.Buffer
	log := &requestLog{}
	require.NoError(t, run(t.Context(), noEnv, &stdout, &stderr,
		quilttest.WithClock(fixedClock), quilttest.WithRequestHook(log.add)))

	assert.Equal(t, ""+
		"API key \"quilttest\": environment quilttest (TEST), API version 2026-04-01\n"+
		"Issued a session token for p_12uGLpPexyTkZCcJJntSjb, valid until 2026-01-03T05:42:41Z\n"+
		"Introspected: Profile p_12uGLpPexyTkZCcJJntSjb (018a72f8-5434-7262-a029-a186fb0c5f33), environment env_12quiltTestEnvironment\n"+
		"ACCOUNT               CURRENT\n"+
		"Premium Checking      3141.59\n"+
		"Premium Credit Card  -2134.34\n"+
		"Revoked the session token.\n"+
		"The revoked token no longer reads: 401 Unauthorized.\n",
		stdout.String())
	assert.Contains(t, stderr.String(), "QUILTT_API_KEY_SECRET and QUILTT_PROFILE_ID are unset")
	assert.Equal(t, 1, strings.Count(stderr.String(), "\n"), "one line on stderr")
	assert.NotContains(t, stdout.String()+stderr.String(), "eyJ", "no token is printed")

	type step struct {
		route  quilttest.Route
		auth   quilttest.Auth
		status int
	}
	var steps []step
	for _, r := range log.all() {
		steps = append(steps, step{r.Route, r.Auth, r.StatusCode})
	}
	assert.Equal(t, []step{
		{quilttest.RouteAPIKeyIntrospect, quilttest.AuthAPIKey, 200},
		{quilttest.RouteSessionIssue, quilttest.AuthAPIKey, 201},
		{quilttest.RouteSessionIntrospect, quilttest.AuthSessionToken, 200},
		{quilttest.RouteGraphQL, quilttest.AuthSessionToken, 200},
		{quilttest.RouteSessionRevoke, quilttest.AuthSessionToken, 204},
		{quilttest.RouteGraphQL, quilttest.AuthInvalid, 401},
	}, steps)
}

// A failure after the token was issued still revokes it.
func TestRunRevokesOnFailure(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	log := &requestLog{}
	hook := func(r quilttest.Request) {
		log.add(r)
		if r.Route == quilttest.RouteSessionIntrospect {
			cancel() // the caller gives up once the token is issued and being used
		}
	}
	var stdout, stderr bytes.Buffer
	err := run(ctx, noEnv, &stdout, &stderr, quilttest.WithRequestHook(hook))
	require.ErrorIs(t, err, context.Canceled)

	reqs := log.all()
	require.NotEmpty(t, reqs)
	last := reqs[len(reqs)-1]
	assert.Equal(t, quilttest.RouteSessionRevoke, last.Route)
	assert.Equal(t, 204, last.StatusCode, "the token was revoked")
}

// Against a standalone fake reached through QUILTT_BASE_URL and
// QUILTT_AUTH_URL (here an in-process one in its place), the session
// token's reads go to that host too, not to api.quiltt.io.
func TestRunAgainstStandaloneFake(t *testing.T) {
	log := &requestLog{}
	fake := quilttest.NewTestServer(t, quilttest.WithRequestHook(log.add))
	vars := map[string]string{
		"QUILTT_BASE_URL": fake.URL(), "QUILTT_AUTH_URL": fake.AuthURL(),
		"QUILTT_API_KEY_SECRET": fake.APIKey(), "QUILTT_PROFILE_ID": fake.ProfileID(),
	}
	var stdout, stderr bytes.Buffer
	require.NoError(t, run(t.Context(), func(k string) string { return vars[k] }, &stdout, &stderr))
	assert.Contains(t, stdout.String(), "Premium Checking      3141.59\n")
	var tokenReads int
	for _, r := range log.all() {
		if r.Route == quilttest.RouteGraphQL && r.Auth == quilttest.AuthSessionToken {
			tokenReads++
		}
	}
	assert.Equal(t, 1, tokenReads, "the session token read the fake's balances")
}
