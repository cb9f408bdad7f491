package signature_test

import (
	"testing"

	"github.com/quiltt-go/quiltt/internal/signature"
	"github.com/stretchr/testify/assert"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The expected value was computed independently of Go with:
//
//	printf '1%s%s' 1767332561 '{"id":"evt_1"}' | openssl dgst -sha256 -hmac whsec_test -binary | base64
func TestSignMatchesOpenSSL(t *testing.T) {
	got := signature.Sign([]byte("whsec_test"), 1767332561, []byte(`{"id":"evt_1"}`))
	assert.Equal(t, "A8lJ11cykM9xXui9/WHvK5zNLGb/MG6eM9J7dzS087A=", got)
}

func TestSignDependsOnEveryPart(t *testing.T) {
	base := signature.Sign([]byte("k"), 100, []byte("body"))
	assert.NotEqual(t, base, signature.Sign([]byte("k2"), 100, []byte("body")), "secret")
	assert.NotEqual(t, base, signature.Sign([]byte("k"), 101, []byte("body")), "timestamp")
	assert.NotEqual(t, base, signature.Sign([]byte("k"), 100, []byte("body ")), "body")
	// No separator between the parts: moving a digit from the timestamp to
	// the body signs the same bytes, which is why the timestamp is checked
	// as a number on its own by the verifier.
	assert.Equal(t, signature.Sign([]byte("k"), 10, []byte("0body")), base)
}
