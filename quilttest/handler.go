package quilttest

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// maxBodyBytes bounds the GraphQL request bodies the server reads.
const maxBodyBytes = 1 << 20

// Route names an endpoint of the fake, for FailNext and the request log.
type Route string

// The routes the fake serves.
const (
	RouteGraphQL Route = "graphql" // POST {base}/v1/graphql
	RouteRefresh Route = "refresh" // POST {base}/v1/accounts/{id}/balances/refresh
)

// response is a handler's answer before it is written.
type response struct {
	status int
	header http.Header
	body   []byte
}

// serveHTTP is the server's only handler: route, authenticate, count the
// rate budget, apply faults, answer, log.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
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

	route, accountID, allowed := s.route(r.URL.Path)
	rec.Route, rec.AccountID = route, accountID
	p := s.authenticate(route, r.Header.Get("Authorization"))
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
		resp = errorResponse(http.StatusMethodNotAllowed, route)
		resp.header = http.Header{"Allow": {allowed}}
		s.write(w, r, &rec, resp, &rl)
		return
	}

	var body []byte
	if route == RouteGraphQL {
		var err error
		body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
		rec.Body = body
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				resp = graphQLErrorResponse(http.StatusRequestEntityTooLarge, "The request body exceeds 1 MiB.", codeBadRequest)
			} else {
				resp = graphQLErrorResponse(http.StatusBadRequest, "The request body could not be read.", codeBadRequest)
			}
			s.write(w, r, &rec, resp, &rl)
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
		resp = s.serveGraphQL(body, p.profile, &rec)
	default:
		resp = s.serveRefresh(accountID)
	}

	if faulted {
		rec.Fault = true
		s.writeFault(w, r, &rec, fault, &rl)
		return
	}
	s.write(w, r, &rec, resp, &rl)
}

// route maps a request path to its route, the account ID of a refresh, and
// the method the route takes. An unknown path gives route "".
func (s *Server) route(path string) (Route, string, string) {
	rest, ok := strings.CutPrefix(path, s.cfg.prefix+"/v1/")
	if !ok {
		return "", "", ""
	}
	if rest == "graphql" {
		return RouteGraphQL, "", http.MethodPost
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
	version := s.cfg.apiVersion
	if v := r.Header.Get("Quiltt-Version"); isVersion(v) {
		version = v
	}
	h.Set("Quiltt-Version", version)
	if rl != nil {
		rl.setHeaders(h)
	}
}

func (s *Server) log(rec Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, rec)
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
