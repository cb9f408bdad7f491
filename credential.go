package quiltt

import "net/http"

// credentialStage is the stage of the pipeline that authenticates one
// attempt: it clones the request (a RoundTripper must not change the one it
// is given) and sets Authorization on the clone, only when the request's URL
// is on the origin of the call's endpoint. A redirect to another host, or to
// the other Quiltt host, goes out without a credential. The request the
// retry loop holds never carries one, so no credential outlives an attempt.
type credentialStage struct {
	endpoint *endpoint
	auth     *secret // the Authorization value; nil for none
	next     http.RoundTripper
}

func (s *credentialStage) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.Header.Del("Authorization")
	if s.auth != nil && s.endpoint.owns(r.URL) {
		r.Header.Set("Authorization", s.auth.value())
	}
	return s.next.RoundTrip(r)
}
