package quiltt

import (
	"context"
	"errors"
	"net/http"
	"testing"

	"github.com/quiltt-go/quiltt/internal/retry"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// do returns an *Error or a *TransportError and nothing else, even for a
// request net/http refuses to build (here a method that is no token): a
// *TransportError of no attempt.
func TestDoReturnsOnlyItsDocumentedTypes(t *testing.T) {
	c, err := NewClient(WithAPIKey("qltt_test"), WithBaseURL("http://127.0.0.1:1"), WithMaxRetries(0))
	require.NoError(t, err)
	for _, method := range []string{"GET POST", "B\nAD"} {
		_, err = c.p.do(context.Background(), &request{op: "Test", kind: retry.Read, endpoint: c.p.api, method: method, path: "/v1/x"})
		var te *TransportError
		require.True(t, errors.As(err, &te), "a *TransportError: %T %v", err, err)
		assert.Zero(t, te.Attempts, "nothing was sent")
		assert.Contains(t, err.Error(), "building the request")
	}
	_, err = c.p.do(context.Background(), &request{op: "Test", kind: retry.Read, endpoint: c.p.api, method: http.MethodGet, path: "/v1/x"})
	var te *TransportError
	assert.True(t, errors.As(err, &te), "nothing listening: a *TransportError")
}
