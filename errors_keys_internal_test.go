package quiltt

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// The keys newError reads are the ones Quiltt's documents show: errorId
// (OpenAPI) and error_id (its JS client), message, instruction, and a
// GraphQL answer's errors[] with their extensions. A top-level
// documentationUrl, which no Quiltt document shows, is not read.
func TestErrorBodyKeys(t *testing.T) {
	now := time.Now()
	json := http.Header{"Content-Type": {"application/json"}}

	e := newError(500, json, []byte(`{"message":"m","instruction":"i","errorId":"id-camel"}`), now)
	assert.Equal(t, "m", e.Message)
	assert.Equal(t, "i", e.Instruction)
	assert.Equal(t, "id-camel", e.ErrorID)

	e = newError(500, json, []byte(`{"message":"m","error_id":"id-snake"}`), now)
	assert.Equal(t, "id-snake", e.ErrorID)

	e = newError(500, json, []byte(`{"message":"m","errorId":"camel","error_id":"snake"}`), now)
	assert.Equal(t, "camel", e.ErrorID, "the OpenAPI's spelling first")

	e = newError(403, json, []byte(`{"message":"m","documentationUrl":"https://example.com/top"}`), now)
	assert.Empty(t, e.DocumentationURL, "no Quiltt document shows a top-level documentationUrl")

	e = newError(401, json, []byte(`{"errors":[{"message":"Not Authenticated","extensions":{"code":"UNAUTHENTICATED","documentationUrl":"https://www.quiltt.dev/api-reference/auth"}}]}`), now)
	assert.Equal(t, "Not Authenticated", e.Message)
	assert.Equal(t, "https://www.quiltt.dev/api-reference/auth", e.DocumentationURL, "from the first error's extensions")
}

// 409 has its own sentinel, and no other.
func TestErrConflict(t *testing.T) {
	e := &Error{StatusCode: http.StatusConflict}
	assert.ErrorIs(t, e, ErrConflict)
	for _, other := range []error{ErrBadRequest, ErrUnauthorized, ErrForbidden, ErrNotFound, ErrRateLimited, ErrServer, ErrOutcomeUnknown} {
		assert.NotErrorIs(t, e, other)
	}
	for _, status := range []int{400, 401, 403, 404, 422, 429, 500} {
		assert.NotErrorIs(t, &Error{StatusCode: status}, ErrConflict, status)
	}
}
