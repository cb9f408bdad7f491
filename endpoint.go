package quiltt

import (
	"net/url"
	"strings"
)

// endpoint is a host the SDK sends requests to, with its base path: the API
// host (WithBaseURL) or the auth host (WithAuthURL). Every request names its
// endpoint, and the credential stage sets Authorization only on requests to
// that endpoint's own origin, so a redirect elsewhere carries none.
type endpoint struct {
	base   string // scheme://host/path, the path escaped, no trailing slash
	scheme string
	host   string // host[:port], as in url.URL.Host
	path   string // the escaped base path, "" for none
}

// newEndpoint takes a URL checked by parseBaseURL.
func newEndpoint(u *url.URL) *endpoint {
	return &endpoint{base: u.String(), scheme: u.Scheme, host: u.Host, path: u.EscapedPath()}
}

// String returns the endpoint's base URL.
func (e *endpoint) String() string { return e.base }

// url returns the URL of path (which starts with "/") below the endpoint.
func (e *endpoint) url(path string) string { return e.base + path }

// owns reports whether u is on the endpoint's origin: same scheme, same host
// and port. Host names compare without regard to case.
func (e *endpoint) owns(u *url.URL) bool {
	return u != nil && u.Scheme == e.scheme && strings.EqualFold(u.Host, e.host)
}

// relative returns u's path below the endpoint's base path, and whether u is
// below the endpoint at all.
func (e *endpoint) relative(u *url.URL) (string, bool) {
	if !e.owns(u) || u.RawQuery != "" || u.Fragment != "" {
		return "", false
	}
	rel, ok := strings.CutPrefix(u.EscapedPath(), e.path)
	if !ok || !strings.HasPrefix(rel, "/") {
		return "", false
	}
	return rel, true
}
