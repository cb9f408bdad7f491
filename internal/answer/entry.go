package answer

import (
	"encoding/json"

	"github.com/quiltt-go/quiltt/internal/jsonscan"
)

// Entry is one entry of an answer's errors[]: the root package's
// GraphQLError has the same fields, and converts from it.
type Entry struct {
	Message string
	// Path locates the failed field, e.g. ["accounts", "0", "balance"];
	// list indexes are written in decimal.
	Path []string
	// Code, ErrorID, Instruction and DocumentationURL come from the entry's
	// extensions, when Quiltt sends them.
	Code             string
	ErrorID          string
	Instruction      string
	DocumentationURL string
}

// UnmarshalJSON reads an errors[] entry, whatever the types of its path
// elements and extensions. It builds only what Entry holds: the
// values of other extensions are skipped, not decoded.
func (g *Entry) UnmarshalJSON(b []byte) error {
	var raw struct {
		Message    string          `json:"message"`
		Path       errorPath       `json:"path"`
		Extensions errorExtensions `json:"extensions"`
	}
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	ext := &raw.Extensions
	*g = Entry{
		Message:          raw.Message,
		Path:             raw.Path,
		Code:             string(ext.Code),
		ErrorID:          string(ext.ErrorID),
		Instruction:      string(ext.Instruction),
		DocumentationURL: string(ext.DocumentationURL),
	}
	if g.ErrorID == "" {
		g.ErrorID = string(ext.ErrorIDSnake)
	}
	return nil
}

// errorExtensions is the extensions of an errors[] entry: the keys Quiltt's
// own client reads. Anything but an object reads as no extensions.
type errorExtensions struct {
	Code             looseString `json:"code"`
	ErrorID          looseString `json:"errorId"`
	ErrorIDSnake     looseString `json:"error_id"`
	Instruction      looseString `json:"instruction"`
	DocumentationURL looseString `json:"documentationUrl"`
}

func (e *errorExtensions) UnmarshalJSON(b []byte) error {
	*e = errorExtensions{}
	if len(b) == 0 || b[0] != '{' {
		return nil
	}
	type plain errorExtensions
	return json.Unmarshal(b, (*plain)(e))
}

// looseString keeps a JSON string and reads any other value as "".
type looseString string

func (s *looseString) UnmarshalJSON(b []byte) error {
	*s = ""
	if len(b) == 0 || b[0] != '"' {
		return nil
	}
	return json.Unmarshal(b, (*string)(s))
}

// errorPath is the path of an errors[] entry: names as they are, indexes
// (and any other value) as their JSON text. Anything but a list reads as no
// path.
type errorPath []string

func (p *errorPath) UnmarshalJSON(b []byte) error {
	*p = nil
	sc := jsonscan.Scanner{Buf: b}
	if sc.Peek() != '[' {
		return nil
	}
	return sc.Elements(func(int) error {
		sc.SkipSpace()
		start := sc.Pos
		if sc.Peek() != '"' {
			if err := sc.Skip(); err != nil {
				return err
			}
			*p = append(*p, string(b[start:sc.Pos]))
			return nil
		}
		s, e, escaped, err := sc.String()
		if err != nil {
			return err
		}
		v := string(b[s:e])
		if escaped {
			if err := json.Unmarshal(b[start:sc.Pos], &v); err != nil {
				return err
			}
		}
		*p = append(*p, v)
		return nil
	})
}
