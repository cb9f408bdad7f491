package quiltt_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/quilttest"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
)

// secretWebhook is the recognisable webhook secret of this test.
const secretWebhook = "whsec_SECRETWEBHOOK_5e4d3c"

// leakCheck gathers every error string and log record a test produces, then
// looks for each credential in them.
type leakCheck struct {
	logs     bytes.Buffer
	texts    []string
	logger   *slog.Logger
	sessions int // Sessions the auth calls returned, printed into texts
}

func newLeakCheck() *leakCheck {
	lc := &leakCheck{}
	lc.logger = slog.New(slog.NewTextHandler(&lc.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	return lc
}

// add records an error's text under every verb a log line might use.
func (lc *leakCheck) add(err error) {
	if err != nil {
		lc.texts = append(lc.texts, err.Error(), fmt.Sprintf("%v %+v %#v %q", err, err, err, err))
	}
}

// addAuthCalls makes every call of the auth API, the session token given
// as an argument (withKey holds none of its own), and records their errors.
func (lc *leakCheck) addAuthCalls(ctx context.Context, withKey, withToken *quiltt.Client) {
	s, err := withKey.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: testProfile})
	lc.add(err)
	if s != nil {
		lc.sessions++
		lc.texts = append(lc.texts, fmt.Sprintf("%v %+v %#v", s, s, *s))
	}
	_, err = withKey.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: testProfile, Email: testSessionToken})
	lc.add(err)
	for _, c := range []*quiltt.Client{withKey, withToken} {
		lc.add(c.RevokeSessionToken(ctx, testSessionToken))
		s, err = c.IntrospectSessionToken(ctx, testSessionToken)
		lc.add(err)
		if s != nil {
			lc.sessions++
			lc.texts = append(lc.texts, fmt.Sprintf("%v %+v %#v", s, s, *s))
		}
	}
	_, err = withKey.IntrospectAPIKey(ctx)
	lc.add(err)
}

func (lc *leakCheck) verify(t *testing.T) {
	t.Helper()
	basic := base64.StdEncoding.EncodeToString([]byte(testProfile + ":" + testAPIKey))
	all := strings.Join(lc.texts, "\n") + "\n" + lc.logs.String()
	for _, s := range []string{testAPIKey, testSessionToken, secretWebhook, basic} {
		assert.NotContains(t, all, s)
	}
	assert.NotEmpty(t, lc.texts, "the test drove error paths")
}

// echoServer answers every request with status and a body that repeats the
// request's Authorization header: the worst a misconfigured proxy can do.
func echoServer(t *testing.T, status int, contentType, shape string) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		_, cred, _ := strings.Cut(auth, " ")
		w.Header().Set("Content-Type", contentType)
		w.Header().Set("X-Request-Id", auth)
		w.WriteHeader(status)
		fmt.Fprintf(w, shape, auth, cred)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestNoCredentialInAnyErrorOrLog drives every error path of the SDK with
// recognisable credentials, at debug level, and finds none of them in any
// error text or log record.
func TestNoCredentialInAnyErrorOrLog(t *testing.T) {
	lc := newLeakCheck()
	ctx := context.Background()
	shapes := []struct {
		status int
		ctype  string
		shape  string
	}{
		{401, "application/json", `{"message":"bad %s","instruction":"%s","errorId":"%[1]s"}`},
		{403, "application/json", `{"message":"%s","documentationUrl":"https://x/%s"}`},
		{422, "application/json", `{"%s":["%s"]}`},
		{429, "application/json", `{"message":"%s %s"}`},
		{500, "application/json", `{"errors":[{"message":"%s","extensions":{"code":"%s"}}]}`},
		{502, "text/html", `<html>%s %s</html>`},
		{200, "application/json", `{"data":null,"errors":[{"message":"%s","path":["%s"],"extensions":{"code":"UNAUTHENTICATED","instruction":"%[1]s"}}]}`},
		{200, "application/json", `{"data":{"accounts":[{"id":"a","name":"n","balance":{"id":"b","at":"%s","current":"%s"}}]}}`},
		{202, "application/json", `{"echo":"%s %s"}`},
		// 2xx answers of the auth API that echo the credential into a
		// UserSession or an ApiKey of the wrong shape.
		{201, "application/json", `{"token":"%s","userId":"%s","userUuid":1}`},
		{200, "application/json", `{"id":"%s","environment":"%s"}`},
		{204, "", `%s %s`},
		// A well-formed UserSession whose token is the echoed credential:
		// the Session must print without it.
		{201, "application/json", `{"token":"%[2]s","userId":"p_1","userUuid":"u_1","environmentId":"env_1","expiration":1767418961,"expiresAt":"2026-01-03T05:42:41Z"}`},
	}
	for _, sh := range shapes {
		srv := echoServer(t, sh.status, sh.ctype, sh.shape)
		opts := []quiltt.Option{
			quiltt.WithBaseURL(srv.URL), quiltt.WithAuthURL(srv.URL), quiltt.WithLogger(lc.logger),
			quiltt.WithRetryWait(time.Millisecond, time.Millisecond), quiltt.WithMaxRetries(1),
			quiltt.WithRateLimit(rate.Inf, 1),
		}
		keyClient, err := quiltt.NewClient(append(opts, quiltt.WithAPIKey(testAPIKey))...)
		require.NoError(t, err)
		tokenClient, err := quiltt.NewClient(append(opts, quiltt.WithSessionToken(testSessionToken))...)
		require.NoError(t, err)
		profile := keyClient.ForProfile(testProfile)

		_, err = profile.Accounts(ctx, nil)
		lc.add(err)
		_, err = profile.Account(ctx, "acct_1")
		lc.add(err)
		_, err = tokenClient.Accounts(ctx, nil)
		lc.add(err)
		lc.add(keyClient.RefreshBalance(ctx, "acct_1"))
		lc.add(tokenClient.RefreshBalance(ctx, "acct_1"))
		short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
		_, err = profile.RefreshAndWait(short, "acct_1", &quiltt.RefreshWaitOptions{MinInterval: time.Millisecond})
		cancel()
		lc.add(err)
		_, err = keyClient.RefreshBalances(ctx, []string{"acct_1", "acct_2"}, nil)
		lc.add(err)
		lc.addAuthCalls(ctx, keyClient, tokenClient)
		keyClient.CloseIdleConnections()
		tokenClient.CloseIdleConnections()
	}

	// No answer at all: refused, and a deadline.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	c, err := quiltt.NewClient(quiltt.WithBaseURL(closed.URL), quiltt.WithAPIKey(testAPIKey), quiltt.WithLogger(lc.logger),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	_, err = c.ForProfile(testProfile).Accounts(ctx, nil)
	lc.add(err)
	lc.add(c.RefreshBalance(ctx, "acct_1"))
	c, err = quiltt.NewClient(quiltt.WithAuthURL(closed.URL), quiltt.WithAPIKey(testAPIKey), quiltt.WithLogger(lc.logger),
		quiltt.WithRetryWait(time.Millisecond, time.Millisecond))
	require.NoError(t, err)
	lc.addAuthCalls(ctx, c, c)

	// Token arguments that cannot be tokens.
	for _, tok := range []string{testSessionToken + " x", "\n" + testSessionToken, testSessionToken + "\x00"} {
		lc.add(c.RevokeSessionToken(ctx, tok))
		_, err = c.IntrospectSessionToken(ctx, tok)
		lc.add(err)
	}

	// Options that refuse a credential.
	for _, opt := range []quiltt.Option{
		quiltt.WithAPIKey(testAPIKey + "\n"), quiltt.WithSessionToken(testSessionToken + " x"),
		quiltt.WithBaseURL("https://user:" + testAPIKey + "@api.quiltt.io"),
	} {
		_, err := quiltt.NewClient(opt)
		lc.add(err)
	}

	// Webhooks: forged deliveries through a handler that logs at debug.
	v, err := quiltt.NewWebhookVerifier(secretWebhook)
	require.NoError(t, err)
	h := &quiltt.WebhookHandler{Verifier: v, Logger: lc.logger, Handle: func(context.Context, quiltt.Event) error {
		return fmt.Errorf("callback failed")
	}}
	body := []byte(`{"id":"evt_1","at":"2026-01-02T05:42:41Z","type":"balance.created","profile":{"id":"p_1"},"record":{},"metadata":{}}`)
	now := time.Now()
	for _, hdr := range []http.Header{
		quilttest.SignWebhook(body, "whsec_wrong", now),
		quilttest.SignWebhook(body, secretWebhook, now.Add(-time.Hour)),
		quilttest.SignWebhook(body, secretWebhook, now), // reaches the failing callback
		{},
	} {
		req := httptest.NewRequest(http.MethodPost, "/webhooks", bytes.NewReader(body))
		for k, vals := range hdr {
			req.Header[k] = vals
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		lc.texts = append(lc.texts, rec.Body.String())
		lc.add(quiltt.VerifyWebhook(body, hdr, secretWebhook))
	}
	_, err = quiltt.NewWebhookVerifier(secretWebhook, "")
	lc.add(err)
	lc.texts = append(lc.texts, fmt.Sprintf("%v %+v %#v", v, v, *v))

	lc.verify(t)
	assert.Contains(t, lc.logs.String(), "quiltt: retrying", "the logger was in use")
	assert.Contains(t, strings.Join(lc.texts, "\n"), "[redacted]", "echoed credentials were found and redacted")
	for _, op := range []string{"IssueSessionToken", "RevokeSessionToken", "IntrospectSessionToken", "IntrospectAPIKey"} {
		assert.Contains(t, lc.logs.String(), "op="+op, "the auth calls were driven")
		assert.Contains(t, strings.Join(lc.texts, "\n"), op+": ", "the auth calls' errors were checked")
	}
	assert.Positive(t, lc.sessions, "a Session holding an echoed credential was printed")
}

// TestRedactionBeforeTruncation: an answer that puts a credential where
// the SDK describes a decoding failure leaves no prefix of it in the error,
// at every offset. A time that does not parse is no longer quoted at all;
// the cut of other decoders' messages, after redaction, is
// TestJSONProblemCutsAfterRedaction's.
func TestRedactionBeforeTruncation(t *testing.T) {
	srv := newGQLServer(t, func(w http.ResponseWriter, _ *gqlRequest, n int) {
		at := strings.Repeat("x", n-1) + testAPIKey
		reply(w, 200, "application/json", []byte(`{"data":{"accounts":[`+answerAccount+
			`,"balance":{"id":"b","at":"`+at+`","source":"SYNC","available":null,"current":1,"limit":null}}]}}`))
	})
	c := newGQLClient(t, srv)
	for range 200 {
		_, err := c.Accounts(context.Background(), nil)
		require.ErrorIs(t, err, quiltt.ErrInvalidResponse)
		text := err.Error()
		assert.NotContains(t, text, testAPIKey[:6], "no prefix of the key: %s", text)
		assert.NotContains(t, text, "xxx", "the value is not quoted: %s", text)
	}
}
