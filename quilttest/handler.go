package quilttest

import (
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// maxBodyBytes bounds the request bodies the server reads (GraphQL, and
// issuing a session).
const maxBodyBytes = 1 << 20

// Route names an endpoint of the fake, for FailNext and the request log.
type Route string

// The routes the fake serves: the API's at URL, the auth API's at AuthURL.
const (
	RouteGraphQL Route = "graphql" // POST {URL}/v1/graphql
	RouteRefresh Route = "refresh" // POST {URL}/v1/accounts/{id}/balances/refresh

	RouteSessionIssue      Route = "session-issue"      // POST {AuthURL}/v1/users/sessions
	RouteSessionRevoke     Route = "session-revoke"     // DELETE {AuthURL}/v1/users/session
	RouteSessionCheck      Route = "session-check"      // GET {AuthURL}/v1/users/session
	RouteSessionIntrospect Route = "session-introspect" // POST {AuthURL}/v1/introspect/session_token
	RouteAPIKeyIntrospect  Route = "api-key-introspect" // POST {AuthURL}/v1/introspect/api_key
)

// known reports whether r is one of the routes the fake serves.
func (r Route) known() bool {
	if r.isSubscription() {
		return true
	}
	switch r {
	case RouteGraphQL, RouteRefresh, RouteSessionIssue, RouteSessionRevoke, RouteSessionCheck, RouteSessionIntrospect,
		RouteAPIKeyIntrospect:
		return true
	}
	return false
}

// hasBody reports whether the route reads a request body, which the
// request log keeps.
func (r Route) hasBody() bool {
	return r == RouteGraphQL || r == RouteSessionIssue || r == RouteSubscriptionCreate || r == RouteSubscriptionUpdate
}

// host is which of the server's two listeners a request came to.
type host int

const (
	hostAPI  host = iota // api.quiltt.io: GraphQL and REST
	hostAuth             // auth.quiltt.io: sessions and introspection
)

// response is a handler's answer before it is written.
type response struct {
	status int
	header http.Header
	body   []byte
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request)  { s.serveHTTP(w, r, hostAPI) }
func (s *Server) serveAuth(w http.ResponseWriter, r *http.Request) { s.serveHTTP(w, r, hostAuth) }

// serveHTTP is the handler of both listeners: route, authenticate, count
// the rate budget, apply faults, answer, log.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request, h host) {
	rec := Request{
		Time:   s.cfg.now(),
		Method: r.Method,
		Path:   r.URL.Path,
		Header: redactHeader(r.Header),
	}
	var resp response
	defer func() {
		// A bug of the fake must not crash the test binary: answer 500
		// (if nothing was written yet) and log it.
		if v := recover(); v != nil && rec.StatusCode == 0 && !rec.Dropped {
			s.write(w, r, &rec, errorResponse(http.StatusInternalServerError, rec.Route), nil)
		}
	}()

	route, id, allowed := s.route(h, r.Method, r.URL.Path)
	rec.Route = route
	if route == RouteRefresh {
		rec.AccountID = id
	}
	p := s.authenticate(r.Header.Get("Authorization"))
	rec.Auth = p.auth
	if p.profile != nil {
		rec.ProfileID = p.profile.ID
	}
	rl := s.takeBudget(p)

	switch {
	case route == "":
		resp = errorResponse(http.StatusNotFound, "")
		s.write(w, r, &rec, resp, &rl)
		return
	case r.Method != allowed:
		resp = methodResponse(allowed)
		s.write(w, r, &rec, resp, &rl)
		return
	}

	var body []byte
	if route.hasBody() {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		rec.Body = body
		if err != nil {
			s.write(w, r, &rec, bodyErrorResponse(route, err), &rl)
			return
		}
	}

	fault, faulted := s.takeFault(route)
	if faulted && !fault.AfterEffect {
		rec.Fault = true
		s.writeFault(w, r, &rec, fault, &rl)
		return
	}

	switch {
	case p.auth == AuthNone || p.auth == AuthInvalid || !p.allowed(route):
		resp = errorResponse(http.StatusUnauthorized, route)
	case rl.exceeded:
		resp = apiLimitResponse()
	case route == RouteGraphQL:
		resp = s.serveGraphQL(body, p.profile, s.version(r), &rec)
	case route == RouteRefresh:
		resp = s.serveRefresh(id)
	case route == RouteSessionIssue:
		resp = s.serveIssueSession(body)
	case route == RouteSessionRevoke:
		resp = s.serveRevokeSession(p.session)
	case route == RouteSessionCheck:
		resp = s.serveCheckSession(p.session)
	case route == RouteSessionIntrospect:
		resp = s.serveIntrospectSession(p.session)
	case route.isSubscription():
		resp = s.serveSubscriptions(route, id, r.URL.Query(), body)
	default: // RouteAPIKeyIntrospect
		resp = s.serveIntrospectAPIKey()
	}

	if faulted {
		rec.Fault = true
		s.writeFault(w, r, &rec, fault, &rl)
		return
	}
	s.write(w, r, &rec, resp, &rl)
}

// bodyErrorResponse answers a request body that could not be read: too
// big (413) or cut short (400), in the route's error shape.
func bodyErrorResponse(route Route, err error) response {
	var tooBig *http.MaxBytesError
	big := errors.As(err, &tooBig)
	switch {
	case route == RouteGraphQL && big:
		return graphQLErrorResponse(http.StatusRequestEntityTooLarge, instrTooLarge, codeBadRequest)
	case route == RouteGraphQL:
		return graphQLErrorResponse(http.StatusBadRequest, "The request body could not be read.", codeBadRequest)
	case big:
		return errorResponse(http.StatusRequestEntityTooLarge, route)
	}
	return errorResponse(http.StatusBadRequest, route)
}

// route maps a request (its method and path) on listener h to its route,
// the account ID of a refresh or the subscription ID, and the method the
// route takes. An unknown path, or the path
// of the other listener's route, gives route "".
func (s *Server) route(h host, method, path string) (Route, string, string) {
	rest, ok := strings.CutPrefix(path, s.cfg.prefix+"/v1/")
	if !ok {
		return "", "", ""
	}
	if h == hostAuth {
		switch rest {
		case "users/sessions":
			return RouteSessionIssue, "", http.MethodPost
		case "users/session":
			switch method {
			case http.MethodGet:
				return RouteSessionCheck, "", http.MethodGet
			case http.MethodDelete:
				return RouteSessionRevoke, "", http.MethodDelete
			}
			return RouteSessionRevoke, "", "GET, DELETE" // a 405 naming both
		case "introspect/session_token":
			return RouteSessionIntrospect, "", http.MethodPost
		case "introspect/api_key":
			return RouteAPIKeyIntrospect, "", http.MethodPost
		}
		return "", "", ""
	}
	if rest == "graphql" {
		return RouteGraphQL, "", http.MethodPost
	}
	if route, id, allowed, ok := subscriptionRoute(method, rest); ok {
		return route, id, allowed
	}
	if id, ok := strings.CutPrefix(rest, "accounts/"); ok {
		if id, ok := strings.CutSuffix(id, "/balances/refresh"); ok && id != "" && !strings.Contains(id, "/") {
			return RouteRefresh, id, http.MethodPost
		}
	}
	return "", "", ""
}

// write sends resp with the headers every answer carries, and logs it.
func (s *Server) write(w http.ResponseWriter, r *http.Request, rec *Request, resp response, rl *rlState) {
	h := w.Header()
	s.commonHeaders(h, r, rl)
	for k, vs := range resp.header {
		h[k] = append([]string(nil), vs...)
	}
	if len(resp.body) > 0 {
		if h.Get("Content-Type") == "" {
			h.Set("Content-Type", "application/json; charset=utf-8")
		}
		h.Set("Content-Length", strconv.Itoa(len(resp.body)))
	}
	w.WriteHeader(resp.status)
	if len(resp.body) > 0 && r.Method != http.MethodHead {
		_, _ = w.Write(resp.body)
	}
	rec.StatusCode = resp.status
	s.log(*rec)
}

func (s *Server) commonHeaders(h http.Header, r *http.Request, rl *rlState) {
	h.Set("Quiltt-Version", s.version(r))
	if rl != nil {
		rl.setHeaders(h)
	}
}

// version is the API version a request is served at: its Quiltt-Version
// when that is a YYYY-MM-DD date, else the API key's (WithAPIVersion).
func (s *Server) version(r *http.Request) string {
	if v := r.Header.Get("Quiltt-Version"); isVersion(v) {
		return v
	}
	return s.cfg.apiVersion
}

func (s *Server) log(rec Request) {
	s.mu.Lock()
	s.requests = appendCapped(s.requests, rec, s.cfg.logLimit)
	s.mu.Unlock()
	if fn := s.cfg.onRequest; fn != nil {
		rec.Header = rec.Header.Clone()
		rec.Body = slices.Clone(rec.Body)
		fn(rec)
	}
}

// appendCapped appends v to list, dropping the oldest entries past limit
// (0: no limit).
func appendCapped[T any](list []T, v T, limit int) []T {
	list = append(list, v)
	if limit > 0 && len(list) > limit {
		n := copy(list, list[len(list)-limit:])
		clear(list[n:])
		list = list[:n]
	}
	return list
}

// redactHeader copies h with the credential of Authorization replaced by
// "[redacted]", keeping its scheme.
func redactHeader(h http.Header) http.Header {
	c := h.Clone()
	if c == nil {
		c = http.Header{}
	}
	if vs := c.Values("Authorization"); len(vs) > 0 {
		red := make([]string, len(vs))
		for i, v := range vs {
			scheme, _, _ := strings.Cut(v, " ")
			if len(scheme) > 16 || scheme == v {
				scheme = ""
			}
			red[i] = strings.TrimSpace(scheme + " [redacted]")
		}
		c["Authorization"] = red
	}
	for _, k := range []string{"Cookie", "Proxy-Authorization"} {
		if c.Get(k) != "" {
			c.Set(k, "[redacted]")
		}
	}
	return c
}
