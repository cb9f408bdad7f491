package quiltt_test

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/quiltt-go/quiltt"
	"github.com/quiltt-go/quiltt/internal/signature"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const (
	testSecret    = "whsec_test_0123456789abcdef"
	rotatedSecret = "whsec_rotated_fedcba9876543210"
)

// testNow is the injected clock of the tests: a little after the doc
// sample's event time.
var testNow = time.Unix(1767332561, 0)

func fixedClock() time.Time { return testNow }

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", "webhook", name))
	require.NoError(t, err)
	return b
}

// signedHeader returns the headers Quiltt would send with body, signed with
// secret at unix.
func signedHeader(secret string, unix int64, body []byte) http.Header {
	h := http.Header{}
	h.Set(quiltt.HeaderTimestamp, strconv.FormatInt(unix, 10))
	h.Set(quiltt.HeaderSignature, signature.Sign([]byte(secret), unix, body))
	return h
}

func testVerifier(t testing.TB, secrets ...string) *quiltt.WebhookVerifier {
	t.Helper()
	v, err := quiltt.NewWebhookVerifier(secrets...)
	require.NoError(t, err)
	v.Now = fixedClock
	return v
}

func TestVerifyWebhookDocSample(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	h := signedHeader(testSecret, time.Now().Unix(), body)
	assert.NoError(t, quiltt.VerifyWebhook(body, h, testSecret))
}

func TestVerifyWebhookEnvelope(t *testing.T) {
	body := readFixture(t, "envelope_several_events.json")
	h := signedHeader(testSecret, time.Now().Unix(), body)
	assert.NoError(t, quiltt.VerifyWebhook(body, h, testSecret))
}

// forgery is a delivery that must be refused.
type forgery struct {
	name    string
	body    []byte
	header  http.Header
	secrets []string // the verifier's secrets; testSecret when nil
	want    error
}

// forgeries returns the table of deliveries every verifier and the handler
// must refuse, each with the sentinel its error wraps.
func forgeries(t testing.TB) []forgery {
	body := readFixture(t, "balance_created_event.json")
	now := testNow.Unix()
	good := signedHeader(testSecret, now, body)
	with := func(key, value string) http.Header {
		h := good.Clone()
		h.Set(key, value)
		return h
	}
	without := func(key string) http.Header {
		h := good.Clone()
		h.Del(key)
		return h
	}
	tampered := append([]byte(nil), body...)
	tampered[len(tampered)-20] ^= 1
	sigAt := func(unix int64) string { return signature.Sign([]byte(testSecret), unix, body) }
	stamp := func(ts string, sig string) http.Header {
		h := http.Header{}
		h.Set(quiltt.HeaderTimestamp, ts)
		h.Set(quiltt.HeaderSignature, sig)
		return h
	}
	two := good.Clone()
	two.Add(quiltt.HeaderTimestamp, strconv.FormatInt(now, 10))
	many := ""
	for range 9 {
		many += sigAt(now) + ","
	}
	// Moving the body's first byte into the timestamp signs the same bytes.
	shiftTS := strconv.FormatInt(now, 10) + string(body[:1])

	return []forgery{
		{"tampered body", tampered, good, nil, quiltt.ErrWebhookSignature},
		{"empty body", []byte{}, good, nil, quiltt.ErrWebhookSignature},
		{"wrong secret", body, signedHeader("whsec_attacker", now, body), nil, quiltt.ErrWebhookSignature},
		{"rotated out secret", body, good, []string{rotatedSecret}, quiltt.ErrWebhookSignature},
		{"stale by 301 s", body, signedHeader(testSecret, now-301, body), nil, quiltt.ErrWebhookTimestamp},
		{"stale by a day", body, signedHeader(testSecret, now-86400, body), nil, quiltt.ErrWebhookTimestamp},
		{"future by 301 s", body, signedHeader(testSecret, now+301, body), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp zero", body, signedHeader(testSecret, 0, body), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp of another signature", body, with(quiltt.HeaderTimestamp, strconv.FormatInt(now-1, 10)), nil, quiltt.ErrWebhookSignature},
		{"missing timestamp", body, without(quiltt.HeaderTimestamp), nil, quiltt.ErrWebhookTimestamp},
		{"empty timestamp", body, with(quiltt.HeaderTimestamp, ""), nil, quiltt.ErrWebhookTimestamp},
		{"two timestamps", body, two, nil, quiltt.ErrWebhookTimestamp},
		{"timestamp with plus", body, stamp("+"+strconv.FormatInt(now, 10), sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"negative timestamp", body, stamp("-"+strconv.FormatInt(now, 10), sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp with space", body, stamp(" "+strconv.FormatInt(now, 10), sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp with leading zero", body, stamp("0"+strconv.FormatInt(now, 10), sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp in milliseconds", body, signedHeader(testSecret, now*1000, body), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp too long", body, stamp("1234567890123", sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp not a number", body, stamp("yesterday", sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp RFC 3339", body, stamp(testNow.UTC().Format(time.RFC3339), sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"timestamp fractional", body, stamp(strconv.FormatInt(now, 10)+".0", sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"byte moved from body to timestamp", body[1:], stamp(shiftTS, sigAt(now)), nil, quiltt.ErrWebhookTimestamp},
		{"missing signature", body, without(quiltt.HeaderSignature), nil, quiltt.ErrWebhookSignature},
		{"empty signature", body, with(quiltt.HeaderSignature, ""), nil, quiltt.ErrWebhookSignature},
		{"separators only", body, with(quiltt.HeaderSignature, " , ,"), nil, quiltt.ErrWebhookSignature},
		{"garbled signature", body, with(quiltt.HeaderSignature, "not-base64!"), nil, quiltt.ErrWebhookSignature},
		{"truncated signature", body, with(quiltt.HeaderSignature, sigAt(now)[:43]), nil, quiltt.ErrWebhookSignature},
		{"unpadded signature", body, with(quiltt.HeaderSignature, sigAt(now)[:43]+"A"), nil, quiltt.ErrWebhookSignature},
		{"hex signature", body, with(quiltt.HeaderSignature, fmt.Sprintf("%x", signature.Sum(nil, []byte(testSecret), strconv.FormatInt(now, 10), body))), nil, quiltt.ErrWebhookSignature},
		{"base64url signature", body, with(quiltt.HeaderSignature, "A8lJ11cykM9xXui9_WHvK5zNLGb_MG6eM9J7dzS087A="), nil, quiltt.ErrWebhookSignature},
		{"prefixed signature", body, with(quiltt.HeaderSignature, "v1="+sigAt(now)), nil, quiltt.ErrWebhookSignature},
		{"valid and garbled signatures", body, with(quiltt.HeaderSignature, sigAt(now)+", garbage"), nil, quiltt.ErrWebhookSignature},
		{"too many signatures", body, with(quiltt.HeaderSignature, many), nil, quiltt.ErrWebhookSignature},
		{"empty secret", body, good, []string{""}, quiltt.ErrWebhookSecret},
	}
}

func TestWebhookVerifierRefusesForgeries(t *testing.T) {
	for _, f := range forgeries(t) {
		t.Run(f.name, func(t *testing.T) {
			secrets := f.secrets
			if secrets == nil {
				secrets = []string{testSecret}
			}
			v, err := quiltt.NewWebhookVerifier(secrets...)
			if err != nil {
				assert.ErrorIs(t, err, f.want)
				return
			}
			v.Now = fixedClock
			err = v.Verify(f.body, f.header)
			require.Error(t, err)
			assert.ErrorIs(t, err, f.want)
			for _, s := range append(secrets, testSecret, rotatedSecret) {
				if s != "" {
					assert.NotContains(t, err.Error(), s)
				}
			}
		})
	}
}

func TestVerifyWebhookRefusesForgeries(t *testing.T) {
	for _, f := range forgeries(t) {
		if f.secrets != nil && f.secrets[0] != "" {
			continue // VerifyWebhook takes one secret: covered by the verifier
		}
		t.Run(f.name, func(t *testing.T) {
			// VerifyWebhook uses the real clock, for which every delivery
			// of the table is stale; the signature is checked first.
			h := f.header
			secret := testSecret
			if f.secrets != nil {
				secret = f.secrets[0]
			}
			err := quiltt.VerifyWebhook(f.body, h, secret)
			require.Error(t, err)
			if f.want == quiltt.ErrWebhookSignature || f.want == quiltt.ErrWebhookSecret {
				assert.ErrorIs(t, err, f.want)
			}
			assert.NotContains(t, err.Error(), testSecret)
		})
	}
}

func TestWebhookVerifierWindowBoundaries(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	v := testVerifier(t, testSecret)
	for _, d := range []int64{-300, -1, 0, 1, 300} {
		assert.NoError(t, v.Verify(body, signedHeader(testSecret, testNow.Unix()+d, body)), "skew %d s", d)
	}
	v.Tolerance = 10 * time.Second
	assert.NoError(t, v.Verify(body, signedHeader(testSecret, testNow.Unix()-10, body)))
	assert.ErrorIs(t, v.Verify(body, signedHeader(testSecret, testNow.Unix()-11, body)), quiltt.ErrWebhookTimestamp)
	assert.ErrorIs(t, v.Verify(body, signedHeader(testSecret, testNow.Unix()+11, body)), quiltt.ErrWebhookTimestamp)
}

func TestWebhookVerifierRotation(t *testing.T) {
	body := readFixture(t, "balance_created_event.json")
	v := testVerifier(t, testSecret, rotatedSecret)
	assert.NoError(t, v.Verify(body, signedHeader(testSecret, testNow.Unix(), body)), "old secret")
	assert.NoError(t, v.Verify(body, signedHeader(rotatedSecret, testNow.Unix(), body)), "new secret")
	assert.ErrorIs(t, v.Verify(body, signedHeader("whsec_other", testNow.Unix(), body)), quiltt.ErrWebhookSignature)

	// A header holding both signatures, as a sender mid-rotation might
	// send it: accepted by a verifier that knows either secret.
	h := signedHeader(testSecret, testNow.Unix(), body)
	h.Set(quiltt.HeaderSignature, signature.Sign([]byte("whsec_other"), testNow.Unix(), body)+", "+h.Get(quiltt.HeaderSignature))
	assert.NoError(t, testVerifier(t, testSecret).Verify(body, h))
	h.Add(quiltt.HeaderSignature, signature.Sign([]byte(rotatedSecret), testNow.Unix(), body))
	assert.NoError(t, testVerifier(t, rotatedSecret).Verify(body, h), "repeated header")
}

func TestWebhookVerifierNeedsSecrets(t *testing.T) {
	_, err := quiltt.NewWebhookVerifier()
	assert.ErrorIs(t, err, quiltt.ErrWebhookSecret)
	_, err = quiltt.NewWebhookVerifier(testSecret, "")
	assert.ErrorIs(t, err, quiltt.ErrWebhookSecret)

	body := readFixture(t, "balance_created_event.json")
	h := signedHeader(testSecret, time.Now().Unix(), body)
	var zero quiltt.WebhookVerifier
	assert.ErrorIs(t, zero.Verify(body, h), quiltt.ErrWebhookSecret)
	var nilV *quiltt.WebhookVerifier
	assert.ErrorIs(t, nilV.Verify(body, h), quiltt.ErrWebhookSecret)
	assert.ErrorIs(t, quiltt.VerifyWebhook(body, h, ""), quiltt.ErrWebhookSecret)
}

func TestWebhookVerifierDoesNotPrintSecrets(t *testing.T) {
	v := testVerifier(t, testSecret, rotatedSecret)
	for _, format := range []string{"%v", "%+v", "%#v", "%s", "%x", "%q"} {
		for _, arg := range []any{v, *v, []any{v}, struct{ V quiltt.WebhookVerifier }{*v}} {
			out := fmt.Sprintf(format, arg)
			assert.NotContains(t, out, testSecret)
			assert.NotContains(t, out, rotatedSecret)
			assert.NotContains(t, out, fmt.Sprintf("%x", testSecret))
		}
	}
}
