package jsonscan

// Unescaping a string's contents, for the keys a caller must compare after
// their escapes are undone (encoding/json matches keys that way).

import (
	"unicode"
	"unicode/utf16"
	"unicode/utf8"
)

// Unescape unquotes raw, the contents of a string with escapes that
// String has checked, into buf as encoding/json unquotes strings, without
// allocating; but bytes that are not UTF-8 are kept as they are, where
// encoding/json writes U+FFFD. It reports false when the result might not
// fit in cap(buf): it keeps utf8.UTFMax bytes of room.
func Unescape(raw, buf []byte) ([]byte, bool) {
	out := buf[:0]
	for i := 0; i < len(raw); {
		if len(out)+utf8.UTFMax > cap(out) {
			return nil, false
		}
		c := raw[i]
		if c != '\\' {
			out = append(out, c)
			i++
			continue
		}
		switch raw[i+1] {
		case 'u':
			r := hex4(raw[i+2:])
			i += 6
			if utf16.IsSurrogate(r) {
				if i+6 <= len(raw) && raw[i] == '\\' && raw[i+1] == 'u' {
					if dec := utf16.DecodeRune(r, hex4(raw[i+2:])); dec != unicode.ReplacementChar {
						r = dec
						i += 6
					} else {
						r = unicode.ReplacementChar
					}
				} else {
					r = unicode.ReplacementChar
				}
			}
			out = utf8.AppendRune(out, r)
			continue
		case 'b':
			c = '\b'
		case 'f':
			c = '\f'
		case 'n':
			c = '\n'
		case 'r':
			c = '\r'
		case 't':
			c = '\t'
		default: // " \ /
			c = raw[i+1]
		}
		out = append(out, c)
		i += 2
	}
	return out, true
}

// hex4 reads the four hex digits at the start of b (checked by String).
func hex4(b []byte) rune {
	var r rune
	for _, c := range b[:4] {
		switch {
		case '0' <= c && c <= '9':
			c -= '0'
		case 'a' <= c && c <= 'f':
			c -= 'a' - 10
		default:
			c -= 'A' - 10
		}
		r = r<<4 | rune(c)
	}
	return r
}
