package transport

import "net/http"

// Credential is the stage of the pipeline that authenticates one
// attempt: it clones the request (a RoundTripper must not change the one it
// is given) and sets Authorization on the clone, only when the request's URL
// is on the origin of the call's Endpoint. A redirect to another host, or to
// the other Quiltt host, goes out without a credential. The request the
// retry loop holds never carries one, so no credential outlives an attempt.
type Credential struct {
	Endpoint *Endpoint
	Auth     func() string // the Authorization value; nil for none
	Next     http.RoundTripper
}

func (s *Credential) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	if s.Auth != nil && s.Endpoint.Owns(r.URL) {
		r.Header.Set("Authorization", s.Auth())
	}
	return s.Next.RoundTrip(r)
}
