// Package jsonscan walks a JSON text held in memory without building
// anything: it finds where strings, numbers, literals and whole values end,
// checking their syntax as encoding/json does (RFC 8259; invalid UTF-8 is
// let through, as encoding/json lets it through). Callers use it to check
// the shape of a document before decoding it, so that nothing is built
// from a document that is then refused.
package jsonscan

import (
	"bytes"
	"fmt"
)

// MaxDepth is the deepest nesting Skip accepts: encoding/json's own limit,
// so that the scanner never accepts what the decoder refuses for depth.
const MaxDepth = 10000

// SyntaxError is a JSON syntax error, at a byte offset of the text.
type SyntaxError struct {
	Offset int
	What   string
}

// Error implements the error interface. The text never quotes the input.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.What)
}

// Scanner reads the JSON text Buf from offset Pos. Its zero value with Buf
// set reads Buf from the start.
type Scanner struct {
	Buf []byte
	Pos int
	// Depth is how many containers are open around Pos, as the caller
	// counts them: Skip refuses nesting deeper than MaxDepth in all.
	Depth int

	stack []byte // open containers of Skip: '}' or ']'
	small [32]byte
}

// Fail returns a *SyntaxError at the current offset.
func (s *Scanner) Fail(what string) error { return &SyntaxError{Offset: s.Pos, What: what} }

// SkipSpace moves past JSON whitespace.
func (s *Scanner) SkipSpace() {
	for s.Pos < len(s.Buf) {
		switch s.Buf[s.Pos] {
		case ' ', '\t', '\n', '\r':
			s.Pos++
		default:
			return
		}
	}
}

// Peek skips whitespace and returns the next byte, 0 at the end of the text.
func (s *Scanner) Peek() byte {
	s.SkipSpace()
	if s.Pos >= len(s.Buf) {
		return 0
	}
	return s.Buf[s.Pos]
}

// Expect skips whitespace and consumes the byte c, or fails.
func (s *Scanner) Expect(c byte, what string) error {
	if s.Peek() != c {
		return s.Fail(what)
	}
	s.Pos++
	return nil
}

// strPlain marks the bytes that may stand for themselves inside a string.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// String reads the string at Pos (which must be '"') and returns the
// offsets of its contents, between the quotes, and whether they hold an
// escape.
func (s *Scanner) String() (start, end int, escaped bool, err error) {
	if s.Pos >= len(s.Buf) || s.Buf[s.Pos] != '"' {
		return 0, 0, false, s.Fail("want a string")
	}
	b := s.Buf
	i := s.Pos + 1
	start = i
	for {
		for i < len(b) && strPlain[b[i]] {
			i++
		}
		if i >= len(b) {
			s.Pos = i
			return 0, 0, false, s.Fail("unterminated string")
		}
		switch c := b[i]; {
		case c == '"':
			s.Pos = i + 1
			return start, i, escaped, nil
		case c == '\\':
			escaped = true
			if i+1 >= len(b) {
				s.Pos = i
				return 0, 0, false, s.Fail("unterminated string")
			}
			switch b[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(b) || !isHex(b[i+2]) || !isHex(b[i+3]) || !isHex(b[i+4]) || !isHex(b[i+5]) {
					s.Pos = i
					return 0, 0, false, s.Fail("bad \\u escape")
				}
				i += 6
			default:
				s.Pos = i
				return 0, 0, false, s.Fail("bad escape")
			}
		default:
			s.Pos = i
			return 0, 0, false, s.Fail("control character in string")
		}
	}
}

func isHex(c byte) bool {
	return ('0' <= c && c <= '9') || ('a' <= c && c <= 'f') || ('A' <= c && c <= 'F')
}

func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// Number reads the number at Pos: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func (s *Scanner) Number() error {
	end, ok := NumberEnd(s.Buf, s.Pos)
	s.Pos = end
	if !ok {
		return s.Fail("bad number")
	}
	return nil
}

// NumberEnd reads the JSON number token that starts at b[i]:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?. It returns where the token
// ends and true, or where it stopped making sense and false. It is the one
// place the SDK spells out a JSON number's grammar.
func NumberEnd(b []byte, i int) (int, bool) {
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i < len(b) && b[i] == '0':
		i++
	case i < len(b) && '1' <= b[i] && b[i] <= '9':
		i = digits(b, i)
	default:
		return i, false
	}
	if i < len(b) && b[i] == '.' {
		j := digits(b, i+1)
		if j == i+1 {
			return j, false
		}
		i = j
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		j := digits(b, i)
		if j == i {
			return j, false
		}
		i = j
	}
	return i, true
}

// digits returns the end of the run of decimal digits at b[i].
func digits(b []byte, i int) int {
	for i < len(b) && isDigit(b[i]) {
		i++
	}
	return i
}

// Literal reads true, false or null at Pos and returns its first byte.
func (s *Scanner) Literal() (byte, error) {
	rest := s.Buf[min(s.Pos, len(s.Buf)):]
	for _, lit := range [...]string{"true", "false", "null"} {
		if len(rest) >= len(lit) && string(rest[:len(lit)]) == lit {
			s.Pos += len(lit)
			return lit[0], nil
		}
	}
	return 0, s.Fail("want a value")
}

// Null consumes a null at Pos, after whitespace, and reports whether there
// was one.
func (s *Scanner) Null() bool {
	s.SkipSpace()
	if bytes.HasPrefix(s.Buf[min(s.Pos, len(s.Buf)):], []byte("null")) {
		s.Pos += 4
		return true
	}
	return false
}

// Skip moves past one value of any kind, after whitespace, checking its
// syntax. It does not recurse: nesting costs one byte of stack per level,
// up to MaxDepth less Depth.
func (s *Scanner) Skip() error {
	if s.stack == nil {
		s.stack = s.small[:0]
	}
	base := len(s.stack)
	for {
		// A value.
		switch c := s.Peek(); {
		case c == '{' || c == '[':
			if s.Depth+len(s.stack)-base >= MaxDepth {
				return s.Fail("nested too deep")
			}
			s.Pos++
			closer := byte(']')
			if c == '{' {
				closer = '}'
			}
			s.stack = append(s.stack, closer)
			if s.Peek() == closer {
				s.Pos++
				s.stack = s.stack[:len(s.stack)-1]
				break
			}
			if c == '{' {
				if err := s.key(); err != nil {
					return err
				}
			}
			continue
		case c == '"':
			if _, _, _, err := s.String(); err != nil {
				return err
			}
		case c == '-' || isDigit(c):
			if err := s.Number(); err != nil {
				return err
			}
		default:
			if _, err := s.Literal(); err != nil {
				return err
			}
		}
		// After a value: close containers, or go on to the next member.
		for {
			if len(s.stack) == base {
				return nil
			}
			closer := s.stack[len(s.stack)-1]
			c := s.Peek()
			if c == closer {
				s.Pos++
				s.stack = s.stack[:len(s.stack)-1]
				continue
			}
			if c != ',' {
				return s.Fail("want , or a closing bracket")
			}
			s.Pos++
			if closer == '}' {
				if err := s.key(); err != nil {
					return err
				}
			}
			break
		}
	}
}

// Members reads the object at Pos, its '{' included, calling member once
// per member with Pos on the member's value, which member must read. start,
// end and escaped locate the member's key as String does. Depth counts the
// object while its members are read. It returns the first error, member's
// or the syntax's.
func (s *Scanner) Members(member func(start, end int, escaped bool) error) error {
	s.Pos++ // {
	s.Depth++
	if s.Peek() == '}' {
		s.Pos++
		s.Depth--
		return nil
	}
	for {
		s.SkipSpace()
		start, end, escaped, err := s.String()
		if err != nil {
			return err
		}
		if err := s.Expect(':', "want :"); err != nil {
			return err
		}
		if err := member(start, end, escaped); err != nil {
			return err
		}
		if s.Peek() == ',' {
			s.Pos++
			continue
		}
		if err := s.Expect('}', "want , or }"); err != nil {
			return err
		}
		s.Depth--
		return nil
	}
}

// Elements reads the list at Pos, its '[' included, calling element once
// per element with its index and with Pos before the element, which
// element must read. Depth counts the list while its elements are read. It
// returns the first error, element's or the syntax's.
func (s *Scanner) Elements(element func(i int) error) error {
	s.Pos++ // [
	s.Depth++
	if s.Peek() == ']' {
		s.Pos++
		s.Depth--
		return nil
	}
	for i := 0; ; i++ {
		if err := element(i); err != nil {
			return err
		}
		if s.Peek() == ',' {
			s.Pos++
			continue
		}
		if err := s.Expect(']', "want , or ]"); err != nil {
			return err
		}
		s.Depth--
		return nil
	}
}

// key reads an object member's key and its colon.
func (s *Scanner) key() error {
	s.SkipSpace()
	if _, _, _, err := s.String(); err != nil {
		return err
	}
	return s.Expect(':', "want :")
}

// End checks that only whitespace follows the value just read.
func (s *Scanner) End() error {
	if s.Peek() != 0 || s.Pos < len(s.Buf) {
		return s.Fail("bytes after the JSON value")
	}
	return nil
}
