package quiltt_test

import (
	"fmt"
	"testing"

	"github.com/quiltt-go/quiltt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// failureRecorder is an assert.TestingT that keeps the failure messages
// instead of failing the test.
type failureRecorder struct{ messages []string }

func (r *failureRecorder) Errorf(format string, args ...any) {
	r.messages = append(r.messages, fmt.Sprintf(format, args...))
}

// Reflection-based printers do not reach the token either: testify's
// assert.Equal prints its diff with go-spew with DisableMethods set, which
// walks unexported fields and follows pointers, whatever String or Format
// say; fmt prints a Session held in an unexported field without its
// methods, and a verb other than %v (%s, %q, %d) makes it print the
// *secret it holds as a value. Two sessions that differ only in their
// token make testify print exactly the fields that hold the token.
func TestSessionTokenHiddenFromReflection(t *testing.T) {
	ss := issuedSessions(t, 2)
	a, b := ss[0], ss[1]
	require.NotEqual(t, a.Token(), b.Token())

	type holder struct {
		private  *quiltt.Session
		privateV quiltt.Session
	}
	h := holder{private: a, privateV: *a}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
		for _, v := range []any{h, &h, []holder{h}} {
			assert.NotContains(t, fmt.Sprintf(verb, v), a.Token(), "fmt %s of a Session in an unexported field", verb)
		}
	}

	for name, pair := range map[string][2]any{
		"*Session":   {a, b},
		"Session":    {*a, *b},
		"[]*Session": {[]*quiltt.Session{a}, []*quiltt.Session{b}},
	} {
		t.Run(name, func(t *testing.T) {
			rec := &failureRecorder{}
			assert.False(t, assert.Equal(rec, pair[0], pair[1]), "they differ")
			require.Len(t, rec.messages, 1)
			msg := rec.messages[0]
			assert.Contains(t, msg, "Diff:", "testify printed its reflection diff")
			assert.NotContains(t, msg, a.Token())
			assert.NotContains(t, msg, b.Token())
		})
	}
}
