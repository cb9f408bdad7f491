package quiltt_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt"
)

// rawEchoServer answers every request with the raw HTTP/1.1 text that
// answer makes of its Authorization header: answers net/http refuses to
// parse, as a broken proxy might send them. It returns the base URL.
func rawEchoServer(t *testing.T, answer func(auth, cred string) string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() {
				defer conn.Close()
				req, err := http.ReadRequest(bufio.NewReader(conn))
				if err != nil {
					return
				}
				// Read the body before answering: closing a connection
				// with unread bytes resets it, and the client may then
				// see EOF instead of the answer (1 run in 4 under load).
				_, _ = io.Copy(io.Discard, req.Body)
				auth := req.Header.Get("Authorization")
				_, cred, _ := strings.Cut(auth, " ")
				_, _ = conn.Write([]byte(answer(auth, cred)))
			})
		}
	})
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	return "http://" + ln.Addr().String()
}

// Errors that net/http itself makes of a broken answer quote what the
// server sent: a header line without a colon, an unparsable Location. When
// that echoes the credential, neither the error nor the debug log holds it.
func TestNoCredentialInNetHTTPErrors(t *testing.T) {
	answers := map[string]func(auth, cred string) string{
		"a malformed header line": func(auth, _ string) string {
			return "HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 0\r\n" + auth + "\r\n\r\n"
		},
		"an unparsable Location": func(auth, cred string) string {
			return "HTTP/1.1 302 Found\r\nLocation: http://%zz/" + cred + "?" + auth + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
		},
	}
	for name, answer := range answers {
		t.Run(name, func(t *testing.T) {
			lc := newLeakCheck()
			base := rawEchoServer(t, answer)
			opts := []quiltt.Option{
				quiltt.WithBaseURL(base), quiltt.WithAuthURL(base), quiltt.WithLogger(lc.logger),
				quiltt.WithMaxRetries(0),
			}
			c := newClient(t, base, append(opts, quiltt.WithAPIKey(testAPIKey))...)
			tc := newClient(t, base, append(opts, quiltt.WithSessionToken(testSessionToken))...)
			ctx := context.Background()
			_, err := c.ForProfile(testProfile).Accounts(ctx, nil)
			require.Error(t, err)
			lc.add(err)
			_, err = tc.Accounts(ctx, nil)
			lc.add(err)
			lc.add(tc.RevokeSessionToken(ctx, testSessionToken))
			_, err = c.IntrospectAPIKey(ctx)
			lc.add(err)
			lc.add(c.RefreshBalance(ctx, "acct_1"))
			lc.verify(t)
			assert.Contains(t, strings.Join(lc.texts, "\n"), "[redacted]", "net/http's error quoted the echo, redacted")
			assert.Contains(t, lc.logs.String(), "[redacted]", "the debug log quoted it too, redacted")
		})
	}
}

// A billable call never follows a redirect: its 3xx is the answer, an
// *Error with that status, even when net/http could not parse the
// Location. Nothing says the outcome is unknown: Quiltt answered.
func TestTriggerRedirectWithUnparsableLocation(t *testing.T) {
	base := rawEchoServer(t, func(_, cred string) string {
		return "HTTP/1.1 307 Temporary Redirect\r\nLocation: http://%zz/" + cred + "\r\nConnection: close\r\nContent-Length: 0\r\n\r\n"
	})
	c := newClient(t, base, quiltt.WithAuthURL(base))
	ctx := context.Background()
	_, issueErr := c.IssueSessionToken(ctx, &quiltt.SessionParams{UserID: testProfile})
	for _, err := range []error{c.RefreshBalance(ctx, "acct_1"), issueErr} {
		var e *quiltt.Error
		require.True(t, errors.As(err, &e), "an *Error: %v", err)
		assert.Equal(t, http.StatusTemporaryRedirect, e.StatusCode)
		assert.NotErrorIs(t, err, quiltt.ErrOutcomeUnknown)
		var te *quiltt.TransportError
		assert.False(t, errors.As(err, &te), "not a transport error")
		assert.NotContains(t, err.Error(), testAPIKey)
	}
}

// CallInfo.RequestID is redacted as Error.RequestID is: a proxy that echoes
// the Authorization header into X-Request-Id puts no credential into it.
func TestCallInfoRequestIDRedacted(t *testing.T) {
	for _, status := range []int{200, 202, 401} {
		t.Run(fmt.Sprint(status), func(t *testing.T) {
			srv := echoServer(t, status, "application/json", `{"message":"%s %s"}`)
			c := newClient(t, srv.URL, quiltt.WithMaxRetries(0))
			var info quiltt.CallInfo
			_ = c.RefreshBalance(quiltt.WithCallInfo(context.Background(), &info), "acct_1")
			require.Equal(t, status, info.StatusCode)
			assert.NotContains(t, info.RequestID, testAPIKey)
			assert.Contains(t, info.RequestID, "[redacted]")

			info = quiltt.CallInfo{}
			ctx, cancel := context.WithTimeout(quiltt.WithCallInfo(context.Background(), &info), 5*time.Second)
			defer cancel()
			_, _ = c.ForProfile(testProfile).Accounts(ctx, nil)
			assert.NotContains(t, info.RequestID, testAPIKey)
			assert.NotEmpty(t, info.RequestID)
			assert.Contains(t, info.RequestID, "[redacted]")
		})
	}
}
