package quiltt

import (
	"crypto/hmac"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/quiltt-go/quiltt/internal/signature"
)

// HeaderSignature is the header of a webhook delivery that carries its
// signature: base64 (standard, padded) of an HMAC-SHA256 of "1", the
// timestamp and the raw body, keyed with the subscription's secret.
const HeaderSignature = "Quiltt-Signature"

// HeaderTimestamp is the header of a webhook delivery that carries the time
// it was signed, in Unix seconds.
const HeaderTimestamp = "Quiltt-Timestamp"

// DefaultWebhookTolerance is how far a delivery's timestamp may be from the
// receiver's clock, in either direction, when no other tolerance is set.
const DefaultWebhookTolerance = 300 * time.Second

const (
	// maxSignatures bounds how many signatures one delivery may carry.
	maxSignatures = 8
	// maxTimestampDigits bounds the length of a timestamp: Unix seconds
	// have 10 digits until the year 2286.
	maxTimestampDigits = 12
	// encodedSignatureLen is the length of a base64std HMAC-SHA256.
	encodedSignatureLen = 44
)

// Webhook errors. A delivery that fails verification gives an error for
// which errors.Is holds with ErrWebhookSignature or ErrWebhookTimestamp;
// neither, nor any other error of this package, contains a secret.
var (
	// ErrWebhookSignature marks a delivery whose signature does not match
	// (tampered body, wrong or rotated-out secret, forged header), or whose
	// Quiltt-Signature header is missing or malformed.
	ErrWebhookSignature = errors.New("quiltt: webhook signature does not match")

	// ErrWebhookTimestamp marks a delivery whose Quiltt-Timestamp header is
	// missing, repeated, not a plain decimal number of seconds, or outside
	// the tolerance (stale, or from the future).
	ErrWebhookTimestamp = errors.New("quiltt: webhook timestamp invalid or outside the tolerance")

	// ErrWebhookSecret marks a verifier built without a secret, or with an
	// empty one: nothing can be verified with it.
	ErrWebhookSecret = errors.New("quiltt: empty webhook secret")
)

// strictBase64 refuses non-canonical encodings (stray trailing bits).
var strictBase64 = base64.StdEncoding.Strict()

// VerifyWebhook checks that body, received with header, was signed by Quiltt
// with secret within the last DefaultWebhookTolerance (or as far in the
// future). Pass the raw bytes received, before any JSON decoding.
//
// It returns nil for a genuine delivery; an error wrapping ErrWebhookSecret
// if secret is empty; an error wrapping ErrWebhookTimestamp if the
// Quiltt-Timestamp header is missing, repeated, not a plain decimal number
// (no sign, space or leading zero; at most 12 digits) or more than 300 s away
// from the clock; an error wrapping ErrWebhookSignature if the
// Quiltt-Signature header is missing or malformed or no signature in it
// matches. Signatures are compared in constant time.
//
// A Quiltt-Signature header may hold several signatures, separated by commas
// or spaces, or be repeated (up to 8 signatures in all; an assumption: no
// Quiltt document shows more than one, but a sender rotating its secret
// may sign twice): every one must be
// well-formed base64 of 32 bytes, and the delivery is genuine when any one of
// them matches. Header keys are looked up in canonical form, as net/http
// stores them (build a header by hand with http.Header.Set). To accept
// several secrets at once (rotation), another
// tolerance or another clock, use a WebhookVerifier.
func VerifyWebhook(body []byte, header http.Header, secret string) error {
	if secret == "" {
		return fmt.Errorf("%w: VerifyWebhook needs the subscription's secret", ErrWebhookSecret)
	}
	keys := [1][]byte{[]byte(secret)}
	return verifyWebhook(body, header, keys[:], DefaultWebhookTolerance, time.Now())
}

// WebhookVerifier verifies webhook deliveries against one or more secrets.
// Build one with NewWebhookVerifier; it is safe for concurrent use once its
// fields are set. Its zero value has no secret and refuses every delivery
// with ErrWebhookSecret. Printing a verifier never shows its secrets.
type WebhookVerifier struct {
	// Tolerance is how far a delivery's timestamp may be from the clock, in
	// either direction, counted in whole seconds. Zero or negative means
	// DefaultWebhookTolerance.
	Tolerance time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time

	// keys returns the secrets' bytes. A func, not a slice, so that no
	// printer, however deep it looks, shows them.
	keys func() [][]byte
}

// NewWebhookVerifier returns a verifier that accepts a delivery signed with
// any one of secrets, for instance the old and the new secret while a
// subscription's secret is rotated. It returns an error wrapping
// ErrWebhookSecret if no secret is given or one of them is empty.
func NewWebhookVerifier(secrets ...string) (*WebhookVerifier, error) {
	if len(secrets) == 0 {
		return nil, fmt.Errorf("%w: NewWebhookVerifier needs at least one secret", ErrWebhookSecret)
	}
	keys := make([][]byte, len(secrets))
	for i, s := range secrets {
		if s == "" {
			return nil, fmt.Errorf("%w: secret %d of %d", ErrWebhookSecret, i+1, len(secrets))
		}
		keys[i] = []byte(s)
	}
	return &WebhookVerifier{keys: func() [][]byte { return keys }}, nil
}

// Verify checks a delivery as VerifyWebhook does, against every secret of v,
// with v's tolerance and clock. It returns an error wrapping
// ErrWebhookSecret if v has no secret (a nil or zero verifier), and otherwise
// the errors VerifyWebhook documents.
func (v *WebhookVerifier) Verify(body []byte, header http.Header) error {
	if v == nil || v.keys == nil {
		return fmt.Errorf("%w: the WebhookVerifier has no secret", ErrWebhookSecret)
	}
	tol := v.Tolerance
	if tol <= 0 {
		tol = DefaultWebhookTolerance
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	return verifyWebhook(body, header, v.keys(), tol, now())
}

// verifyWebhook is the scheme of internal/signature applied to a delivery:
// strict headers first, then every signature against every key in constant
// time, then the window.
func verifyWebhook(body []byte, header http.Header, keys [][]byte, tol time.Duration, now time.Time) error {
	ts, unix, err := webhookTimestamp(header)
	if err != nil {
		return err
	}
	var sigs [maxSignatures][signature.Size]byte
	n, err := webhookSignatures(header, &sigs)
	if err != nil {
		return err
	}
	var buf [signature.Size]byte
	match := 0
	for _, key := range keys {
		sum := signature.Sum(buf[:], key, ts, body)
		for i := range n {
			if hmac.Equal(sum, sigs[i][:]) {
				match = 1
			}
		}
	}
	if match == 0 {
		return ErrWebhookSignature
	}
	skew := now.Unix() - unix
	if skew > int64(tol/time.Second) || -skew > int64(tol/time.Second) {
		return &windowError{skew: skew, tol: tol}
	}
	return nil
}

// windowError is the error of a genuine delivery signed outside the
// tolerance. It wraps ErrWebhookTimestamp; the handler names the window in
// its answer.
type windowError struct {
	skew int64 // now − timestamp, in seconds
	tol  time.Duration
}

func (e *windowError) Error() string {
	if e.skew < 0 {
		return fmt.Sprintf("%v: signed %d s in the future, tolerance %v", ErrWebhookTimestamp, -e.skew, e.tol)
	}
	return fmt.Sprintf("%v: signed %d s ago, tolerance %v", ErrWebhookTimestamp, e.skew, e.tol)
}

func (e *windowError) Unwrap() error { return ErrWebhookTimestamp }

// headerError is the error of a delivery whose Quiltt-Signature or
// Quiltt-Timestamp header is missing or malformed (before any signature is
// compared). It wraps ErrWebhookSignature or ErrWebhookTimestamp.
type headerError struct {
	sentinel error
	header   string
	problem  string // "missing", "is not Unix seconds", …
}

func (e *headerError) Error() string {
	return fmt.Sprintf("%v: %s", e.sentinel, e.problem)
}

func (e *headerError) Unwrap() error { return e.sentinel }

// webhookTimestamp returns the one Quiltt-Timestamp value of header, which
// must be a plain decimal integer: ASCII digits only, no sign, no space, no
// leading zero, at most maxTimestampDigits. Anything looser would let bytes
// move between the timestamp and the body, which are signed back to back.
func webhookTimestamp(header http.Header) (string, int64, error) {
	vals := header.Values(HeaderTimestamp)
	switch {
	case len(vals) == 0 || vals[0] == "":
		return "", 0, timestampError(HeaderTimestamp + " header missing")
	case len(vals) > 1:
		return "", 0, timestampError(fmt.Sprintf("%d %s headers", len(vals), HeaderTimestamp))
	}
	s := vals[0]
	if len(s) > maxTimestampDigits || (s[0] == '0' && len(s) > 1) {
		return "", 0, timestampError(HeaderTimestamp + " is not Unix seconds")
	}
	var n int64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return "", 0, timestampError(HeaderTimestamp + " is not Unix seconds")
		}
		n = n*10 + int64(c-'0')
	}
	return s, n, nil
}

// webhookSignatures decodes every signature of header's Quiltt-Signature
// values (each a list separated by commas or spaces) into sigs, returning
// how many there are. Every one must be strict base64std of 32 bytes.
func webhookSignatures(header http.Header, sigs *[maxSignatures][signature.Size]byte) (int, error) {
	vals := header.Values(HeaderSignature)
	n := 0
	for _, v := range vals {
		for start := 0; start < len(v); {
			if v[start] == ',' || v[start] == ' ' || v[start] == '\t' {
				start++
				continue
			}
			end := start
			for end < len(v) && v[end] != ',' && v[end] != ' ' && v[end] != '\t' {
				end++
			}
			if n == maxSignatures {
				return 0, signatureError(fmt.Sprintf("more than %d signatures in %s", maxSignatures, HeaderSignature))
			}
			if !decodeSignature(v[start:end], &sigs[n]) {
				return 0, signatureError("malformed " + HeaderSignature + " header")
			}
			n++
			start = end
		}
	}
	if n == 0 {
		return 0, signatureError(HeaderSignature + " header missing")
	}
	return n, nil
}

func timestampError(problem string) error {
	return &headerError{sentinel: ErrWebhookTimestamp, header: HeaderTimestamp, problem: problem}
}

func signatureError(problem string) error {
	return &headerError{sentinel: ErrWebhookSignature, header: HeaderSignature, problem: problem}
}

// decodeSignature decodes one base64std signature of exactly 32 bytes.
func decodeSignature(tok string, dst *[signature.Size]byte) bool {
	if len(tok) != encodedSignatureLen {
		return false
	}
	var buf [signature.Size + 1]byte // DecodedLen(44) is 33
	var src [encodedSignatureLen]byte
	copy(src[:], tok)
	n, err := strictBase64.Decode(buf[:], src[:])
	if err != nil || n != signature.Size {
		return false
	}
	copy(dst[:], buf[:n])
	return true
}
