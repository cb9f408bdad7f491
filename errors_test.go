package quiltt_test

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestHTTPErrorsBecomeTypedErrors(t *testing.T) {
	cases := []struct {
		name        string
		status      int
		ctype       string
		body        []byte
		headers     []string
		attempts    int // the server must see exactly this many
		sentinel    error
		message     string
		instruction string
		errorID     string
	}{
		{name: "401", status: 401, ctype: "application/json", body: fixture(t, "error_401.json"), attempts: 1,
			sentinel: quiltt.ErrUnauthorized, message: "Not Authenticated",
			instruction: "Are you sending a valid API Key secret in the `Authorization` header?"},
		{name: "403 empty body", status: 403, attempts: 1, sentinel: quiltt.ErrForbidden, message: "Forbidden"},
		{name: "404", status: 404, ctype: "application/json", body: []byte(`{"message":"Not Found"}`), attempts: 1,
			sentinel: quiltt.ErrNotFound, message: "Not Found"},
		{name: "400", status: 400, ctype: "application/json", body: []byte(`{"message":"Bad Request","instruction":"x"}`), attempts: 1,
			sentinel: quiltt.ErrBadRequest, message: "Bad Request", instruction: "x"},
		{name: "429 retried to exhaustion", status: 429, ctype: "application/json", body: fixture(t, "error_429.json"),
			headers: []string{"Ratelimit-Limit", "25", "Ratelimit-Remaining", "0"}, attempts: 4,
			sentinel: quiltt.ErrRateLimited, message: "Too Many Requests",
			instruction: "The Connection provider's rate limit has been exceeded. Please try again later."},
		{name: "500 with errorId", status: 500, ctype: "application/json", body: fixture(t, "error_500.json"), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Internal Server Error", errorID: "d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3",
			instruction: "Something went wrong on our side. Please contact support with the errorId."},
		{name: "500 with error_id", status: 500, ctype: "application/json", body: fixture(t, "error_500_snake.json"), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Internal Server Error", errorID: "d3bb4c7b-3f0a-41a9-975c-b3f1aaa4bca3",
			instruction: "Something went wrong on our side."},
		{name: "502 html from a proxy", status: 502, ctype: "text/html", body: fixture(t, "proxy_502.html"), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Bad Gateway"},
		{name: "503 truncated json", status: 503, ctype: "application/json", body: []byte(`{"message":"Serv`), attempts: 4,
			sentinel: quiltt.ErrServer, message: "Service Unavailable"},
		{name: "501 not retried", status: 501, attempts: 1, sentinel: quiltt.ErrServer, message: "Not Implemented"},
		{name: "graphql errors on a 401", status: 401, ctype: "application/json",
			body: []byte(`{"errors":[{"message":"Token expired","extensions":{"code":"UNAUTHENTICATED"}}]}`), attempts: 1,
			sentinel: quiltt.ErrUnauthorized, message: "Token expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			client, mux, srv := setup(t)
			gql := handleGraphQL(t, mux, func(w http.ResponseWriter, _ *gqlRequest, _ int) {
				reply(w, tc.status, tc.ctype, tc.body, tc.headers...)
			})
			accounts, err := client.Accounts(context.Background(), nil)
			assert.Nil(t, accounts)
			var e *quiltt.Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tc.status, e.StatusCode)
			assert.ErrorIs(t, err, tc.sentinel)
			assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown, "reads never have an unknown outcome")
			assert.Equal(t, tc.message, e.Message)
			assert.Equal(t, tc.instruction, e.Instruction)
			assert.Equal(t, tc.errorID, e.ErrorID)
			assert.Equal(t, tc.attempts, e.Attempts)
			assert.Equal(t, tc.attempts, int(gql.attempts.Load()), "attempts the server saw")
			assert.Equal(t, "Accounts", e.Op)
			assert.Equal(t, http.MethodPost, e.Method)
			assert.Equal(t, srv.baseURL()+"/v1/graphql", e.URL)
			assert.Contains(t, err.Error(), "Accounts")
			assert.Contains(t, err.Error(), strconv.Itoa(tc.status))
			assert.NotContains(t, err.Error(), "<html>", "never the raw body")
		})
	}
}

// Wrapping a sentinel does not repeat the package's prefix: "quiltt: Op:
// missing credentials: …", not "quiltt: Op: quiltt: missing credentials".
// Every path that writes an SDK error inside another is driven, each
// checked to be the path meant (its type or sentinel), and each text says
// "quiltt:" once.
func TestErrorsSayQuilttOnce(t *testing.T) {
	ctx := context.Background()
	once := func(name string, err error) {
		t.Helper()
		require.Error(t, err, name)
		assert.Equal(t, 1, strings.Count(err.Error(), "quiltt:"), "%s: %v", name, err)
	}

	t.Run("credentials", func(t *testing.T) {
		closed := refusedBaseURL(t)
		keyOnly, err := quiltt.NewClient(quiltt.WithAPIKey(testAPIKey), quiltt.WithBaseURL(closed), quiltt.WithMaxRetries(0))
		require.NoError(t, err)
		tokenOnly, err := quiltt.NewClient(quiltt.WithSessionToken(testSessionToken), quiltt.WithBaseURL(closed))
		require.NoError(t, err)
		var zero quiltt.Client
		_, errNoCredentials := quiltt.NewClient()
		_, errNoProfile := keyOnly.Accounts(ctx, nil)
		_, errBadProfile := keyOnly.ForProfile("p:1").Account(ctx, "acct_1")
		_, errProfileNoKey := tokenOnly.ForProfile(testProfile).Accounts(ctx, nil)
		_, errZero := zero.Accounts(ctx, nil)
		_, errParams := keyOnly.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: testProfile, Email: "a@example.com"})
		for name, err := range map[string]error{
			"NewClient without credentials": errNoCredentials,
			"REST without an API key":       tokenOnly.RefreshBalance(ctx, "acct_1"),
			"GraphQL without a profile":     errNoProfile,
			"a malformed profile":           errBadProfile,
			"ForProfile without an API key": errProfileNoKey,
			"the zero Client":               errZero,
			"the zero Client's auth call":   zero.RevokeSessionToken(ctx, testSessionToken),
			"an empty session token":        keyOnly.RevokeSessionToken(ctx, ""),
			"session params both ways":      errParams,
			"a refused connection":          keyOnly.RefreshBalance(ctx, "acct_1"),
		} {
			once(name, err)
		}
		assert.ErrorIs(t, errBadProfile, quiltt.ErrMissingCredentials)
	})

	// balances.go, graphql.go (graphQLError, QueryError) and
	// graphql_answer.go (a refused answer).
	t.Run("GraphQL reads", func(t *testing.T) {
		read := func(answer func(http.ResponseWriter, *gqlRequest, int), opts ...quiltt.Option) *quiltt.Client {
			c, mux, _ := setup(t, append([]quiltt.Option{quiltt.WithMaxRetries(0)}, opts...)...)
			handleGraphQL(t, mux, answer)
			return c
		}
		_, err := read(replyFixture(t, "account_null.json")).Account(ctx, "")
		assert.ErrorIs(t, err, quiltt.ErrNotFound)
		once("Account of an empty ID", err)

		_, err = read(replyFixture(t, "account_null.json")).Account(ctx, "acct_missing")
		assert.ErrorIs(t, err, quiltt.ErrNotFound)
		once("Account of an unknown ID", err)

		_, err = read(replyFixture(t, "accounts_doc_sample.json")).Accounts(ctx, nil)
		assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		once("an incomplete answer", err)

		_, err = read(replyFixture(t, "truncated.json")).Accounts(ctx, nil)
		assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		once("a truncated answer", err)

		_, err = read(func(w http.ResponseWriter, _ *gqlRequest, _ int) {
			reply(w, http.StatusCreated, "application/json", fixture(t, "accounts_full.json"))
		}).Accounts(ctx, nil)
		assert.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		once("a 2xx other than 200", err)

		_, err = read(replyFixture(t, "errors_only.json")).Accounts(ctx, nil)
		assert.ErrorAs(t, err, new(*quiltt.QueryError))
		once("GraphQL errors[]", err)

		// The context ends while the answer's body is read: the transport
		// cancels it once the status line and headers are in.
		cut, cancel := context.WithCancel(ctx)
		defer cancel()
		base := http.DefaultTransport.(*http.Transport).Clone()
		t.Cleanup(base.CloseIdleConnections)
		hc := &http.Client{Transport: roundTripFunc(func(r *http.Request) (*http.Response, error) {
			resp, err := base.RoundTrip(r)
			cancel()
			return resp, err
		})}
		// The handler never finishes the body while the client reads it
		// (finishing it once the client cancelled raced the client's read:
		// a complete, short answer instead of a cut one); it returns when
		// the test ends, before its server closes.
		release := make(chan struct{})
		c := read(func(w http.ResponseWriter, r *gqlRequest, _ int) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusOK)
			_, _ = w.Write([]byte(`{"data":{"accounts":[`))
			_ = http.NewResponseController(w).Flush()
			<-release
		}, quiltt.WithHTTPClient(hc))
		t.Cleanup(func() { close(release) })
		_, err = c.Accounts(cut, nil)
		assert.ErrorIs(t, err, context.Canceled)
		assert.NotErrorAs(t, err, new(*quiltt.TransportError), "the answer was in; its body was cut")
		once("an answer cut by the context", err)
	})

	// refresh.go, refresh_wait.go (RefreshWaitError included),
	// refresh_many.go.
	t.Run("refreshes", func(t *testing.T) {
		client, mux, _ := setup(t)
		(&balanceServer{old: nullBalance, changeAfter: -1}).routes(t, mux)
		err := client.RefreshBalance(ctx, "acct/1")
		assert.ErrorIs(t, err, quiltt.ErrInvalidAccountID)
		once("RefreshBalance of an invalid ID", err)

		_, err = client.RefreshAndWait(ctx, "acct/1", nil)
		assert.ErrorIs(t, err, quiltt.ErrInvalidAccountID)
		once("RefreshAndWait of an invalid ID", err)
		_, err = client.RefreshAndWait(ctx, "acct_1", &quiltt.RefreshWaitOptions{MinInterval: -1})
		once("RefreshAndWait with invalid options", err)
		_, err = client.RefreshAndWait(ctx, "acct_2", nil)
		assert.ErrorIs(t, err, quiltt.ErrNotFound)
		once("RefreshAndWait of an unknown account", err)

		failing, mux, _ := setup(t, quiltt.WithMaxRetries(0))
		(&balanceServer{old: nullBalance, changeAfter: -1, gqlStatus: http.StatusForbidden}).routes(t, mux)
		_, err = failing.RefreshAndWait(ctx, "acct_1", fastPolls)
		var we *quiltt.RefreshWaitError
		require.ErrorAs(t, err, &we)
		assert.ErrorIs(t, err, quiltt.ErrForbidden)
		once("RefreshAndWait, a poll that failed", err)

		_, err = client.RefreshBalances(ctx, []string{"acct_1"}, &quiltt.RefreshBalancesOptions{Concurrency: -1})
		once("RefreshBalances with invalid options", err)
		ended, cancel := context.WithCancel(ctx)
		cancel()
		results, err := client.RefreshBalances(ended, []string{"acct_1", "acct_2"}, nil)
		once("RefreshBalances' summary", err)
		require.Len(t, results, 2)
		assert.ErrorIs(t, results[0].Err, context.Canceled)
		once("a refresh not sent", results[0].Err)
	})

	// refresh_fresh.go.
	t.Run("FreshBalance", func(t *testing.T) {
		s := freshServer(t)
		c := freshClient(t, s)
		_, err := c.FreshBalance(ctx, checking, -time.Second)
		once("FreshBalance with a negative maxAge", err)
		_, err = c.FreshBalance(ctx, "acct/1", time.Minute)
		assert.ErrorIs(t, err, quiltt.ErrInvalidAccountID)
		once("FreshBalance of an invalid ID", err)
		_, err = c.FreshBalance(ctx, "acct_unknown", time.Minute)
		assert.ErrorIs(t, err, quiltt.ErrNotFound)
		once("FreshBalance of an unknown account", err)

		storeDown := errors.New("dial tcp 127.0.0.1:6379: connection refused")
		locked := freshClient(t, s, quiltt.WithRefreshLock(&failingLock{acquireErr: storeDown}))
		_, err = locked.FreshBalance(ctx, checking, time.Minute)
		assert.ErrorIs(t, err, quiltt.ErrRefreshLock)
		assert.ErrorIs(t, err, storeDown)
		once("FreshBalance with a failing lock", err)
	})

	// classify.go.
	t.Run("classifier", func(t *testing.T) {
		var zero quiltt.AccountClassifier
		_, err := zero.Classify(ctx, "acct_1")
		once("the zero AccountClassifier", err)
		_, c := newFakeAccounts(t)
		_, err = quiltt.NewAccountClassifier(c.ForProfile(testProfile)).Classify(ctx, "acct_unknown")
		assert.ErrorIs(t, err, quiltt.ErrNotFound)
		once("a classifier's unknown account", err)
	})

	// webhook.go, webhook_event.go, webhook_record.go, webhook_handler.go.
	t.Run("webhooks", func(t *testing.T) {
		body := readFixture(t, "balance_created_event.json")
		once("a forged delivery", quiltt.VerifyWebhook(body, signedHeader("whsec_wrong", time.Now().Unix(), body), testSecret))
		_, err := quiltt.ParseWebhook([]byte(`{"id":`))
		assert.ErrorIs(t, err, quiltt.ErrWebhookPayload)
		once("a malformed payload", err)
		_, err = quiltt.Event{ID: "evt_1", Type: "connection.synced"}.Balance()
		assert.ErrorIs(t, err, quiltt.ErrWebhookEventType)
		once("a record of another type", err)

		// A claim store's error, wrapped in the handler's log record.
		h, sink := testHandler(t, &eventRecorder{})
		h.Claims = &failingClaims{claimErr: quiltt.ErrClaimStoreFull} // as a full MemoryClaimStore answers
		w := deliver(h, http.MethodPost, body, signedHeader(testSecret, testNow.Unix(), body))
		assert.Equal(t, http.StatusServiceUnavailable, w.Code)
		logged := sink.only(t).Attrs["error"]
		assert.Equal(t, 1, strings.Count(logged, "quiltt:"), "the handler's record: %s", logged)
	})
}
