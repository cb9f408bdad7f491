package transport

// Bodies: what the pipeline reads of an answer, and no more.

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
)

// ReadErrorBody reads a non-2xx body up to max bytes, drains a little more
// so the connection can be reused, and leaves resp.Body readable again for
// go-retryablehttp. A body that fails midway gives what was read.
func ReadErrorBody(resp *http.Response, max int64) []byte {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, max))
	DrainAndClose(resp.Body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	return body
}

// maxDrain is how much of the unread rest of an answer is read and
// discarded before it is closed, so that its connection can be reused.
const maxDrain = 4 << 10

// DrainAndClose drains up to maxDrain bytes of body and closes it. A read
// error is ignored: the answer was already decided by what came before.
func DrainAndClose(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, maxDrain))
	body.Close()
}

// CappedBody reads a 2xx body and fails past limit bytes, so no answer is
// read without bound. Its caller reports the failure as ErrInvalidResponse.
type CappedBody struct {
	rc    io.ReadCloser
	limit int64
	read  int64
}

// NewCappedBody caps rc at limit bytes.
func NewCappedBody(rc io.ReadCloser, limit int64) *CappedBody {
	return &CappedBody{rc: rc, limit: limit}
}

func (b *CappedBody) Read(p []byte) (int, error) {
	if b.read > b.limit {
		return 0, fmt.Errorf("body over %d bytes", b.limit)
	}
	if room := b.limit + 1 - b.read; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.rc.Read(p)
	b.read += int64(n)
	if b.read > b.limit {
		return n, fmt.Errorf("body over %d bytes", b.limit)
	}
	return n, err
}

func (b *CappedBody) Close() error { return b.rc.Close() }
