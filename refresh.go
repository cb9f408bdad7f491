package quiltt

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/quiltt-go/quiltt/internal/transport"
)

// ErrInvalidAccountID is returned, before any request is sent, for an
// account ID that cannot name an account: see RefreshBalance.
var ErrInvalidAccountID = errors.New("quiltt: invalid account ID")

// maxAccountIDLen bounds an account ID. Quiltt's IDs ("acct_…") are about
// 27 bytes; anything this long is a mistake, not an ID.
const maxAccountIDLen = 256

// RefreshBalance asks Quiltt to fetch the account's balance from its
// provider now: POST {base}/v1/accounts/{accountID}/balances/refresh, with
// the API key as a Bearer token. It returns nil when Quiltt accepted the
// refresh (202, or any other 2xx); the new balance arrives later, as a
// balance.created webhook with source REFRESH and as the account's balance
// over GraphQL (see RefreshAndWait).
//
// Quiltt's OpenAPI also lists ProcessorTokenBasicAuth (Basic credentials
// of a processor token, for Quiltt's processor partners) as a way to
// authenticate this call. The SDK sends the API key as a Bearer token only:
// a client built for a processor token has no call of this SDK to make.
//
// Each refresh is billable and Quiltt has no idempotency key, so the request
// is retried only where Quiltt cannot have acted on it: the connection was
// never established, a 429 or a 503 answer (after the wait Retry-After or
// Ratelimit-Reset asks for, up to one minute; a longer wait, or one past the
// context's deadline, returns the answer at once). A 2xx answer whose body
// fails to read is still a success: Quiltt has accepted the refresh.
//
// Failure modes:
//   - an error wrapping ErrMissingCredentials, without a request, when the
//     client has no API key (a session token cannot authenticate REST);
//   - an error wrapping ErrInvalidAccountID, without a request, when
//     accountID is empty, ".", "..", longer than 256 bytes, not UTF-8, or
//     holds '/', '\\', whitespace or control characters (other characters,
//     such as '?', '#' or '%', are path-escaped);
//   - an *Error for a non-2xx answer: errors.Is(err, ErrBadRequest) for 400
//     (the provider cannot refresh that kind of account) and 422 (field
//     errors in Error.Validation), ErrUnauthorized (401), ErrForbidden (403,
//     the connection is not active), ErrNotFound (404), ErrRateLimited (429,
//     after retries), ErrServer (5xx);
//   - a *TransportError when no answer came (the context ended, a timeout,
//     a connection refused or lost).
//
// errors.Is(err, ErrOutcomeUnknown) holds when Quiltt may have acted on the
// request: a 5xx answer other than 503 (500, 502, 504, …), a timeout, a
// connection lost after the request was written, or a transport that tried
// to send it twice (below). Do not refresh again blindly: the refresh may
// have been billed; check the balance (or wait for its webhook) first.
//
// One POST per attempt, on every transport that reports to net/http/httptrace
// (net/http's, over HTTP/1.1, HTTP/2 over TLS or unencrypted HTTP/2, and
// wrappers such as OpenTelemetry's that pass the request's context on): Go's
// HTTP/2 client resends a request on its own after some stream resets
// (RST_STREAM PROTOCOL_ERROR or REFUSED_STREAM) and GOAWAYs; the SDK stops
// that resend before its headers are written, and the call fails with a
// *TransportError wrapping ErrOutcomeUnknown (REFUSED_STREAM and a GOAWAY
// below the stream included, though the server says it did not process
// them). A transport of your own (WithHTTPClient) that resends without
// looking for a connection first cannot be stopped: its second write is
// seen, and the call fails the same way, even on a 2xx. A transport that
// reports nothing to httptrace can be neither stopped nor seen. An attempt
// that obtained a connection or wrote its request is never taken for one
// that was not sent, whatever error follows.
func (c *Client) RefreshBalance(ctx context.Context, accountID string) error {
	return c.refresh(ctx, "RefreshBalance", accountID)
}

// refresh sends one balance refresh on behalf of the SDK operation op.
func (c *Client) refresh(ctx context.Context, op, accountID string) error {
	if err := c.restReady(op); err != nil {
		return err
	}
	path, err := refreshPath(accountID)
	if err != nil {
		return errorf("%s: %w", op, err)
	}
	resp, err := c.p.do(ctx, &request{
		op:       op,
		kind:     retry.Trigger,
		endpoint: c.p.api,
		method:   http.MethodPost,
		path:     path,
		auth:     c.p.restAuth,
	})
	if err != nil {
		return err
	}
	// The status line was a 2xx: Quiltt accepted the refresh. The body
	// (none is documented) is drained for connection reuse; a read error
	// cannot undo the acceptance, so it is ignored.
	transport.DrainAndClose(resp.Body)
	return nil
}

// refreshPath checks an account ID and returns the refresh endpoint's path
// for it, with the ID path-escaped.
func refreshPath(accountID string) (string, error) {
	if err := checkAccountID(accountID); err != nil {
		return "", err
	}
	return "/v1/accounts/" + url.PathEscape(accountID) + "/balances/refresh", nil
}

// checkAccountID rejects IDs that could not name an account or that would
// change the request's path. The error never quotes the ID.
func checkAccountID(id string) error { return checkID(id, ErrInvalidAccountID) }

// checkID rejects IDs that could not name a resource or that would change
// a request's path, with an error wrapping sentinel. The error never quotes
// the ID.
func checkID(id string, sentinel error) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: empty", sentinel)
	case id == "." || id == "..":
		return fmt.Errorf("%w: a dot segment", sentinel)
	case len(id) > maxAccountIDLen:
		return fmt.Errorf("%w: longer than %d bytes", sentinel, maxAccountIDLen)
	case !utf8.ValidString(id):
		return fmt.Errorf("%w: not UTF-8", sentinel)
	case strings.ContainsAny(id, `/\`):
		return fmt.Errorf("%w: holds a slash", sentinel)
	}
	for _, r := range id {
		// unicode.IsSpace covers every Unicode space (U+0085, U+00A0,
		// U+1680, U+2000-U+200A, U+2028, U+2029, U+202F, U+205F, U+3000);
		// the control characters are C0, DEL and C1.
		if r <= ' ' || (r >= 0x7f && r <= 0x9f) || unicode.IsSpace(r) {
			return fmt.Errorf("%w: holds whitespace or control characters", sentinel)
		}
	}
	return nil
}
