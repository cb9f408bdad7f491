package quiltt

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// jsonProblem cuts another decoder's long message after the redactor ran:
// at every offset of the credential around the cut, no prefix of it is
// left.
func TestJSONProblemCutsAfterRedaction(t *testing.T) {
	const key = "qltt_CUTKEY_0123456789abcdef"
	r := newRedactor(seal(key))
	cut := 0
	for n := range maxProblemLen + len(key) {
		text := jsonProblem(r.error(errors.New(strings.Repeat("x", n) + key + " and more")))
		if strings.HasSuffix(text, "…") {
			cut++
		}
		assert.NotContains(t, text, key[:6], "offset %d: %s", n, text)
	}
	assert.Positive(t, cut, "the messages reached the cut")
}
