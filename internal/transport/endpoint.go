package transport

import (
	"net/url"
	"strings"
)

// Endpoint is a host the SDK sends requests to, with its base path: the API
// host (WithBaseURL) or the auth host (WithAuthURL). Every request names its
// Endpoint, and the credential stage sets Authorization only on requests to
// that Endpoint's own origin, so a redirect elsewhere carries none.
type Endpoint struct {
	base   string // scheme://host/path, the path escaped, no trailing slash
	scheme string
	host   string // host[:port], as in url.URL.Host
	Path   string // the escaped base path, "" for none
}

// NewEndpoint takes a URL checked by parseBaseURL.
func NewEndpoint(u *url.URL) *Endpoint {
	return &Endpoint{base: u.String(), scheme: u.Scheme, host: u.Host, Path: u.EscapedPath()}
}

// String returns the Endpoint's base URL.
func (e *Endpoint) String() string { return e.base }

// Host returns the Endpoint's host[:port], as in url.URL.Host.
func (e *Endpoint) Host() string { return e.host }

// URL returns the URL of path (which starts with "/") below the Endpoint.
func (e *Endpoint) URL(path string) string { return e.base + path }

// Owns reports whether u is on the Endpoint's origin: same scheme, same host
// and port. Host names compare without regard to case.
func (e *Endpoint) Owns(u *url.URL) bool {
	return u != nil && u.Scheme == e.scheme && strings.EqualFold(u.Host, e.host)
}

// Relative returns u's path below the Endpoint's base path, and whether u is
// below the Endpoint at all.
func (e *Endpoint) Relative(u *url.URL) (string, bool) {
	if !e.Owns(u) || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	rel, ok := strings.CutPrefix(u.EscapedPath(), e.Path)
	if !ok || !strings.HasPrefix(rel, "/") {
		return "", false
	}
	return rel, true
}
