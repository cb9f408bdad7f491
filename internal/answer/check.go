package answer

// The shape check of GraphQL answers: before anything is decoded, one pass
// over the raw answer checks it against the shape of the query that asked
// for it, and bounds what the decode may build.

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"

	"github.com/quiltt-go/quiltt/internal/jsonscan"
)

// pathElem is one step of a position in the answer's data: a field name,
// or a list index when name is "".
type pathElem struct {
	name  string
	index int
}

// answerNull is a null where the schema forbids one.
type answerNull struct {
	at     []pathElem // where the null is
	target int        // at[:target] is the nearest enclosing position that may be null
	span              // where the value at at[:target] is in the answer
}

// span is a value's offsets in the answer.
type span struct{ start, end int }

// answerLayout is what checkAnswer found.
type answerLayout struct {
	hasData  bool // a data member, null or not
	dataNull bool
	data     span
	errs     span // the errors[] list, when it is valid and not empty
	nErrors  int
	accounts int // the accounts listed, for sizing the decoded list
	nulls    []answerNull
}

// answerProblem says why an answer's data or errors[] do not have the
// shape of an answer to the query. Its text never quotes the answer.
type answerProblem struct{ what string }

func (p *answerProblem) Error() string { return p.what }

// checkAnswer checks the answer raw against the data shape of the query
// that asked for it, without building anything from it. The rules:
//
//   - raw is one JSON object and nothing but whitespace follows it;
//   - it holds data, errors[] (a list of entries), or both. data null or
//     absent needs a non-empty errors[]; errors[] null or [] counts as
//     none. Keys match as encoding/json matches them (case-folded, after
//     unescaping) and a key may not appear twice;
//   - data holds the root field the query asked for, even if null;
//   - a field the schema marks non-null ("!") is present and holds a value
//     of its type; a nullable field may be null or absent (it reads as
//     nil); a non-null list element (the accounts of [Account!], the
//     members of taxonomy) is not null. Fields the query did not select are
//     skipped;
//   - at most MaxAccounts accounts, and as many errors[] entries;
//     each entry an object with a string message and a path of at most
//     maxErrorPath strings and integers.
//
// A null where the schema forbids one is not refused here but returned in
// answerLayout.nulls: whether errors[] explains it is for the caller to
// decide, once errors[] is decoded. The error is a *jsonscan.SyntaxError
// for a body that is not JSON, else an *answerProblem; after a problem with
// data, the layout still locates a valid errors[].
func checkAnswer(raw []byte, data *shape) (answerLayout, error) {
	c := answerChecker{sc: jsonscan.Scanner{Buf: raw}}
	var l answerLayout
	if c.sc.Peek() != '{' {
		return l, &answerProblem{"the answer is not a JSON object"}
	}
	var problem error
	var seenErrors bool
	err := c.sc.Members(func(start, end int, escaped bool) error {
		c.sc.SkipSpace()
		// Each member is read on its own: errors[] is decoded on its own,
		// data inside the object genqlient's decoder reads ({"data":…}:
		// one level deep), and the rest is only skipped.
		c.sc.Depth = 0
		switch keyIndex(raw, start, end, escaped, topKeys, 0) {
		case 0: // data
			c.sc.Depth = 1
			if l.hasData {
				return &answerProblem{"data appears twice"}
			}
			l.hasData = true
			l.data.start = c.sc.Pos
			if c.sc.Null() {
				l.dataNull = true
			} else if err := c.checked(problem == nil, func() error { return c.value(ref{data, true}) }); err != nil {
				if _, ok := err.(*answerProblem); !ok {
					return err
				}
				problem = err
			}
			l.data.end = c.sc.Pos
		case 1: // errors
			if seenErrors {
				return &answerProblem{"errors appears twice"}
			}
			seenErrors = true
			at, n := c.sc.Pos, 0
			if !c.sc.Null() {
				if err := c.checked(true, func() error { return c.errorList(&n) }); err != nil {
					if _, ok := err.(*answerProblem); !ok {
						return err
					}
					if problem == nil {
						problem = err
					}
					n = 0 // not usable
				}
			}
			if n > 0 {
				l.errs, l.nErrors = span{at, c.sc.Pos}, n
			}
		default:
			return c.sc.Skip()
		}
		return nil
	})
	if err != nil {
		return l, err
	}
	if err := c.sc.End(); err != nil {
		return l, err
	}
	l.nulls, l.accounts = c.nulls, c.accounts
	switch {
	case problem != nil:
		return l, problem
	case !l.hasData && l.nErrors == 0:
		return l, &answerProblem{"the answer holds neither data nor GraphQL errors"}
	case l.dataNull && l.nErrors == 0:
		return l, &answerProblem{"data is null and errors[] is empty"}
	case len(c.nulls) > 0 && l.nErrors == 0:
		return l, &answerProblem{pathText(c.nulls[0].at) + " is null, which the schema forbids"}
	}
	return l, nil
}

// topKeys are the members of an answer the SDK reads; extensions and any
// other member are skipped.
var topKeys = []string{"data", "errors"}

// answerChecker walks an answer.
type answerChecker struct {
	sc       jsonscan.Scanner
	path     []pathElem
	nullable []bool // per element of path: may that position be null?
	accounts int
	nulls    []answerNull
	starts   []int // per element of path: where its value starts
	open     []int // nulls whose target value has not ended yet
}

// checked runs check on the value at the scanner's position when run is
// true. On a problem (not a syntax error) it skips the value from its start,
// so that the rest of the answer can still be read; when run is false it
// only skips.
func (c *answerChecker) checked(run bool, check func() error) error {
	start, depth := c.sc.Pos, c.sc.Depth
	if run {
		err := check()
		if _, ok := err.(*answerProblem); !ok {
			return err
		}
		c.sc.Pos, c.sc.Depth, c.path, c.nullable, c.starts, c.open = start, depth, c.path[:0], c.nullable[:0], c.starts[:0], c.open[:0]
		if serr := c.sc.Skip(); serr != nil {
			return serr
		}
		return err
	}
	return c.sc.Skip()
}

func (c *answerChecker) problemf(format string, args ...any) error {
	return &answerProblem{fmt.Sprintf(format, args...)}
}

// value checks the value at the scanner's position against r.
func (c *answerChecker) value(r ref) error {
	if c.sc.Null() {
		if r.nonNull {
			return c.null()
		}
		return nil
	}
	ch := c.sc.Peek()
	switch r.kind {
	case vString:
		if ch != '"' {
			return c.problemf("%s: want a string", pathText(c.path))
		}
		_, _, _, err := c.sc.String()
		return err
	case vBool:
		if ch != 't' && ch != 'f' {
			return c.problemf("%s: want true or false", pathText(c.path))
		}
		_, err := c.sc.Literal()
		return err
	case vNumber:
		if ch != '-' && (ch < '0' || ch > '9') {
			return c.problemf("%s: want a JSON number", pathText(c.path))
		}
		return c.sc.Number()
	case vAny:
		return c.sc.Skip()
	case vObject:
		if ch != '{' {
			return c.problemf("%s: want an object", pathText(c.path))
		}
		return c.object(r.shape)
	default:
		if ch != '[' {
			return c.problemf("%s: want a list", pathText(c.path))
		}
		return c.list(r.shape)
	}
}

// null records a null where the schema forbids one, with the nearest
// enclosing position that may be null.
func (c *answerChecker) null() error {
	if len(c.nulls) >= MaxAccounts {
		return c.problemf("more than %d nulls where the schema forbids them", MaxAccounts)
	}
	target := 0
	for j := len(c.nullable) - 1; j >= 0; j-- {
		if c.nullable[j] {
			target = j + 1
			break
		}
	}
	at := make([]pathElem, len(c.path))
	copy(at, c.path)
	n := answerNull{at: at, target: target}
	if target > 0 {
		n.start = c.starts[target-1]
		c.open = append(c.open, len(c.nulls))
	}
	c.nulls = append(c.nulls, n)
	return nil
}

func (c *answerChecker) push(e pathElem, mayBeNull bool) {
	c.sc.SkipSpace()
	c.path = append(c.path, e)
	c.nullable = append(c.nullable, mayBeNull)
	c.starts = append(c.starts, c.sc.Pos)
}

// pop leaves the value at the end of path, which ends at the scanner's
// position: the nulls that target it learn where it ends.
func (c *answerChecker) pop() {
	depth := len(c.path)
	for len(c.open) > 0 && c.nulls[c.open[len(c.open)-1]].target == depth {
		c.nulls[c.open[len(c.open)-1]].end = c.sc.Pos
		c.open = c.open[:len(c.open)-1]
	}
	c.path = c.path[:len(c.path)-1]
	c.nullable = c.nullable[:len(c.nullable)-1]
	c.starts = c.starts[:len(c.starts)-1]
}

// object checks the object at the scanner's position against s.
func (c *answerChecker) object(s *shape) error {
	var seen uint64
	next := 0
	err := c.sc.Members(func(start, end int, escaped bool) error {
		i := keyIndex(c.sc.Buf, start, end, escaped, s.names, next)
		if i < 0 {
			return c.sc.Skip()
		}
		f := &s.fields[i]
		if seen&(1<<i) != 0 {
			return c.problemf("%s appears twice", pathText(c.path, pathElem{name: f.name}))
		}
		seen |= 1 << i
		next = i + 1
		c.push(pathElem{name: f.name}, !f.nonNull)
		err := c.value(f.ref)
		c.pop()
		return err
	})
	if err != nil {
		return err
	}
	for i, f := range s.fields {
		if seen&(1<<i) == 0 && (f.nonNull || f.required) {
			return c.problemf("%s is missing", pathText(c.path, pathElem{name: f.name}))
		}
	}
	return nil
}

// list checks the list at the scanner's position against s.
func (c *answerChecker) list(s *shape) error {
	return c.sc.Elements(func(i int) error {
		if s.counted {
			if c.accounts++; c.accounts > MaxAccounts {
				return c.problemf("%s lists more than %d %s", pathText(c.path), MaxAccounts, s.what)
			}
		}
		c.push(pathElem{index: i}, !s.elem.nonNull)
		err := c.value(*s.elem)
		c.pop()
		return err
	})
}

// keyIndex returns the index in names of the key whose contents are
// raw[start:end], or -1. It matches as encoding/json matches a key to a
// struct field: after unescaping, exactly or else case-folded
// (bytes.EqualFold), so that the checker and the decoder always agree on
// which field a key sets. hint is where to look first: servers write the
// fields in the query's order.
func keyIndex(raw []byte, start, end int, escaped bool, names []string, hint int) int {
	key := raw[start:end]
	var buf [64]byte
	if escaped {
		var ok bool
		if key, ok = jsonscan.Unescape(key, buf[:0]); !ok {
			return -1
		}
	}
	if hint < len(names) && string(key) == names[hint] {
		return hint
	}
	for i, n := range names {
		if string(key) == n {
			return i
		}
	}
	for i, n := range names {
		if bytes.EqualFold(key, []byte(n)) {
			return i
		}
	}
	return -1
}

// pathText writes a position as GraphQL error paths are written:
// accounts.3.balance.at.
func pathText(path []pathElem, more ...pathElem) string {
	var b strings.Builder
	for i, e := range append(path[:len(path):len(path)], more...) {
		if i > 0 {
			b.WriteByte('.')
		}
		if e.name == "" {
			b.WriteString(strconv.Itoa(e.index))
		} else {
			b.WriteString(e.name)
		}
	}
	if b.Len() == 0 {
		return "data"
	}
	return b.String()
}
