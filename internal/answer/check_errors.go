package answer

// The check of an answer's errors[] (see checkAnswer).

// errorList checks errors[] and counts its entries into n.
func (c *answerChecker) errorList(n *int) error {
	if c.sc.Peek() != '[' {
		return c.problemf("errors is not a list")
	}
	return c.sc.Elements(func(i int) error {
		if i >= MaxAccounts {
			return c.problemf("errors[] holds more than %d entries", MaxAccounts)
		}
		if err := c.errorEntry(i); err != nil {
			return err
		}
		*n = i + 1
		return nil
	})
}

// errorKeys are the members of an errors[] entry the checker reads.
var errorKeys = []string{"message", "path"}

// errorEntry checks errors[i]: an object with a string message (the
// GraphQL specification requires one) and, if any, a list path of strings
// and numbers. Other members (locations, extensions, …) are skipped.
func (c *answerChecker) errorEntry(i int) error {
	if c.sc.Peek() != '{' {
		return c.problemf("errors[%d] is not an object", i)
	}
	var seen [2]bool
	err := c.sc.Members(func(start, end int, escaped bool) error {
		k := keyIndex(c.sc.Buf, start, end, escaped, errorKeys, 0)
		if k >= 0 {
			if seen[k] {
				return c.problemf("errors[%d]: %s appears twice", i, errorKeys[k])
			}
			seen[k] = true
		}
		switch k {
		case 0:
			if c.sc.Peek() != '"' {
				return c.problemf("errors[%d]: message is not a string", i)
			}
			_, _, _, err := c.sc.String()
			return err
		case 1:
			return c.errorPath(i)
		default:
			return c.sc.Skip()
		}
	})
	if err != nil {
		return err
	}
	if !seen[0] {
		return c.problemf("errors[%d] has no message", i)
	}
	return nil
}

// errorPath checks the path of errors[i]: null, or a list of at most
// maxErrorPath strings and numbers.
func (c *answerChecker) errorPath(i int) error {
	if c.sc.Null() {
		return nil
	}
	if c.sc.Peek() != '[' {
		return c.problemf("errors[%d]: path is not a list", i)
	}
	return c.sc.Elements(func(n int) error {
		if n >= maxErrorPath {
			return c.problemf("errors[%d]: path longer than %d", i, maxErrorPath)
		}
		switch ch := c.sc.Peek(); {
		case ch == '"':
			_, _, _, err := c.sc.String()
			return err
		case ch == '-' || ('0' <= ch && ch <= '9'):
			return c.sc.Number()
		default:
			return c.problemf("errors[%d]: path holds something other than names and indexes", i)
		}
	})
}
