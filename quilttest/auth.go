package quilttest

import (
	"crypto/subtle"
	"encoding/base64"
	"strings"
)

// Auth is how a request authenticated, as the request log reports it.
type Auth string

// The ways a request can authenticate.
const (
	AuthNone         Auth = "none"          // no Authorization header
	AuthInvalid      Auth = "invalid"       // a header that matches no credential
	AuthBasic        Auth = "basic"         // Basic profile:API key (GraphQL)
	AuthSessionToken Auth = "session-token" // Bearer session token (GraphQL)
	AuthAPIKey       Auth = "api-key"       // Bearer API key (REST)
)

// principal is who a request is.
type principal struct {
	auth    Auth
	profile *profileData // for Basic and session tokens
	token   string       // the session token, as the rate-limit key
}

// allowed reports whether the credential may call route: GraphQL takes
// Basic and session tokens, REST the API key as Bearer.
func (p principal) allowed(route Route) bool {
	switch route {
	case RouteGraphQL:
		return p.auth == AuthBasic || p.auth == AuthSessionToken
	case RouteRefresh:
		return p.auth == AuthAPIKey
	}
	return false
}

// authenticate reads an Authorization value. It has no side effect.
func (s *Server) authenticate(route Route, header string) principal {
	if header == "" {
		return principal{auth: AuthNone}
	}
	scheme, cred, ok := strings.Cut(header, " ")
	if !ok || cred == "" {
		return principal{auth: AuthInvalid}
	}
	switch {
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(cred)
		if err != nil {
			return principal{auth: AuthInvalid}
		}
		user, pass, ok := strings.Cut(string(raw), ":")
		if !ok || !s.isAPIKey(pass) {
			return principal{auth: AuthInvalid}
		}
		s.mu.RLock()
		p := s.st.profile(user)
		s.mu.RUnlock()
		if p == nil {
			return principal{auth: AuthInvalid}
		}
		return principal{auth: AuthBasic, profile: p}
	case strings.EqualFold(scheme, "Bearer"):
		if s.isAPIKey(cred) {
			return principal{auth: AuthAPIKey}
		}
		s.mu.RLock()
		p := s.tokens[cred]
		s.mu.RUnlock()
		if p == nil {
			return principal{auth: AuthInvalid}
		}
		return principal{auth: AuthSessionToken, profile: p, token: cred}
	}
	return principal{auth: AuthInvalid}
}

func (s *Server) isAPIKey(v string) bool {
	return subtle.ConstantTimeCompare([]byte(v), []byte(s.cfg.apiKey)) == 1
}
