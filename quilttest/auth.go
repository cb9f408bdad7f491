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
	AuthInvalid      Auth = "invalid"       // a header that matches no credential, or an expired or revoked token
	AuthBasic        Auth = "basic"         // Basic profile:API key (GraphQL)
	AuthSessionToken Auth = "session-token" // Bearer session token (GraphQL; revoking and introspecting it)
	AuthAPIKey       Auth = "api-key"       // Bearer API key (REST; issuing sessions, introspecting the key)
)

// principal is who a request is.
type principal struct {
	auth    Auth
	profile *profileData // for Basic and session tokens
	session *session     // for session tokens
	token   string       // the session token, as the rate-limit key
}

// allowed reports whether the credential may call route: GraphQL takes
// Basic and session tokens; the refresh, issuing a session and
// introspecting the API key take the API key as Bearer; revoking, checking
// and introspecting a session token take that token.
func (p principal) allowed(route Route) bool {
	switch route {
	case RouteGraphQL:
		return p.auth == AuthBasic || p.auth == AuthSessionToken
	case RouteRefresh, RouteSessionIssue, RouteAPIKeyIntrospect:
		return p.auth == AuthAPIKey
	case RouteSessionRevoke, RouteSessionCheck, RouteSessionIntrospect:
		return p.auth == AuthSessionToken
	}
	if route.isSubscription() {
		return p.auth == AuthAPIKey
	}
	return false
}

// authenticate reads an Authorization value. It has no side effect.
func (s *Server) authenticate(header string) principal {
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
		now := s.cfg.now()
		s.mu.RLock()
		ss := s.tokens[cred]
		s.mu.RUnlock()
		if ss == nil || !ss.valid(now) {
			return principal{auth: AuthInvalid}
		}
		return principal{auth: AuthSessionToken, profile: ss.profile, session: ss, token: cred}
	}
	return principal{auth: AuthInvalid}
}

func (s *Server) isAPIKey(v string) bool {
	return subtle.ConstantTimeCompare([]byte(v), []byte(s.cfg.apiKey)) == 1
}
