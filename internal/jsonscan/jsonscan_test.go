package jsonscan

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func valid(b []byte) error {
	s := Scanner{Buf: b}
	if err := s.Skip(); err != nil {
		return err
	}
	return s.End()
}

func TestSkipAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range []string{
		`{}`, `[]`, ` {"a" : [1, -2.5e+3, "x\"y\\u00e9", true, false, null, {}] } `,
		`"\ud800"`, "\"\xff\"", `0`, `-0`, `[[[]]]`, `{"a":{"b":{"c":[]}}}`,
		`{`, `[1,]`, `{"a":1,}`, `{"a" 1}`, `{1:2}`, `[1 2]`, `01`, `1.`, `.5`, `+1`, `"a`, "\"\x01\"",
		`"\x"`, `"\u12g4"`, `tru`, `nul`, `[}`, `{]`, `{} {}`, `[1]x`, "", " ", `"`, `\`,
	} {
		assert.Equal(t, json.Valid([]byte(in)), valid([]byte(in)) == nil, "%q", in)
	}
}

func TestDepth(t *testing.T) {
	ok := strings.Repeat("[", MaxDepth) + strings.Repeat("]", MaxDepth)
	require.NoError(t, valid([]byte(ok)))
	deep := "[" + ok + "]"
	var se *SyntaxError
	require.ErrorAs(t, valid([]byte(deep)), &se)
	assert.Contains(t, se.Error(), "too deep")
	var v any
	assert.Error(t, json.Unmarshal([]byte(deep), &v), "encoding/json refuses it too")
}

func TestStringOffsets(t *testing.T) {
	s := Scanner{Buf: []byte(`  "ab\ncd"x`)}
	s.SkipSpace()
	start, end, escaped, err := s.String()
	require.NoError(t, err)
	assert.Equal(t, `ab\ncd`, string(s.Buf[start:end]))
	assert.True(t, escaped)
	assert.Equal(t, byte('x'), s.Buf[s.Pos])
}

func TestElements(t *testing.T) {
	s := Scanner{Buf: []byte(` [ 1 , "a" ,[2]] x`)}
	require.Equal(t, byte('['), s.Peek())
	var seen []string
	var depths []int
	err := s.Elements(func(i int) error {
		assert.Equal(t, len(seen), i)
		depths = append(depths, s.Depth)
		start := s.Pos
		if err := s.Skip(); err != nil {
			return err
		}
		seen = append(seen, strings.TrimSpace(string(s.Buf[start:s.Pos])))
		return nil
	})
	require.NoError(t, err)
	assert.Equal(t, []string{"1", `"a"`, "[2]"}, seen)
	assert.Equal(t, []int{1, 1, 1}, depths)
	assert.Equal(t, 0, s.Depth)
	assert.Equal(t, byte('x'), s.Peek())

	empty := Scanner{Buf: []byte(`[ ]`)}
	require.NoError(t, empty.Elements(func(int) error { t.Fatal("called for an empty list"); return nil }))
	assert.NoError(t, empty.End())

	var se *SyntaxError
	bad := Scanner{Buf: []byte(`[1 2]`)}
	require.ErrorAs(t, bad.Elements(func(int) error { return bad.Number() }), &se)
	assert.Equal(t, 3, se.Offset)
}

func TestErrorsDoNotQuoteInput(t *testing.T) {
	err := valid([]byte(`{"secret-token-value": x}`))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

// FuzzSkip checks the scanner against encoding/json: it accepts exactly the
// texts json.Valid accepts (within MaxDepth), and never panics.
func FuzzSkip(f *testing.F) {
	for _, s := range []string{`{"a":[1,"b",null,true,{"c":-1.5e3}]}`, `[`, `"\u00e9"`, `{"a":1}x`, `[[[[]]]]`, `1e`, `"\`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		err := valid(b)
		if want := json.Valid(b); want != (err == nil) {
			t.Fatalf("%q: json.Valid %v, scanner %v", b, want, err)
		}
	})
}

// FuzzUnescape checks Unescape against encoding/json on strings of UTF-8.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{`a\"b`, `\u0069d`, `\u212aind`, `\ud83d\ude00`, `\ud800x`, `\ud800\u0041`, `\b\f\n\r\t\/\\`, `plain`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		quoted := []byte(`"` + raw + `"`)
		s := Scanner{Buf: quoted}
		start, end, _, err := s.String()
		if err != nil || s.Pos != len(quoted) || !utf8.ValidString(raw) {
			return
		}
		var want string
		if err := json.Unmarshal(quoted, &want); err != nil {
			t.Fatalf("%q: %v", quoted, err)
		}
		got, ok := Unescape(quoted[start:end], make([]byte, 0, len(raw)+utf8.UTFMax))
		if !ok || string(got) != want {
			t.Fatalf("%q: got %q (%v), want %q", quoted, got, ok, want)
		}
		if small, ok := Unescape(quoted[start:end], make([]byte, 0, 8)); ok && string(small) != want {
			t.Fatalf("%q: with a small buffer, %q", quoted, small)
		}
	})
}
