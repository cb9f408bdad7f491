package quilttest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"time"
)

// userSession is Quiltt's UserSession (REST OpenAPI 2026-04-01), the
// answer of issuing and introspecting a session token. Every key is
// required there.
type userSession struct {
	Token         string `json:"token"`
	UserID        string `json:"userId"`
	UserUUID      string `json:"userUuid"`
	EnvironmentID string `json:"environmentId"`
	Expiration    int64  `json:"expiration"` // Unix seconds
	ExpiresAt     string `json:"expiresAt"`  // RFC 3339
}

func sessionBody(ss *session) userSession {
	return userSession{
		Token:         ss.token,
		UserID:        ss.profile.ID,
		UserUUID:      ss.profile.UUID,
		EnvironmentID: defaultEnvironmentID,
		Expiration:    ss.expires.Unix(),
		ExpiresAt:     ss.expires.UTC().Format(time.RFC3339),
	}
}

// apiKeyInfo is Quiltt's ApiKey (REST OpenAPI 2026-04-01), the answer of
// introspecting the API key.
type apiKeyInfo struct {
	ID          string          `json:"id"`
	Name        string          `json:"name"`
	APIVersion  string          `json:"apiVersion"`
	Metadata    json.RawMessage `json:"metadata"`
	Environment environment     `json:"environment"`
}

// serveIssueSession answers POST /v1/users/sessions, authenticated with
// the API key: 201 and a session for an existing Profile ({"userId"}) or a
// new one (the ProfileCreateRequest fields); 422 for bad input, 409 for a
// Profile being deleted, 403 past the Profile's session limits.
func (s *Server) serveIssueSession(body []byte) response {
	req, errs := parseSessionRequest(body, s.cfg.now())
	if len(errs) > 0 {
		return validationResponse(errs)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.cfg.now()
	var p *profileData
	if req.userID != "" {
		p = s.st.profile(req.userID)
		if p == nil {
			return validationResponse(map[string][]string{"userId": {"does not match a Profile"}})
		}
	} else {
		if req.profile.UUID != "" && s.st.profile(req.profile.UUID) != nil {
			return validationResponse(map[string][]string{"uuid": {"has already been taken"}})
		}
		req.profile.ID = s.st.newProfileID()
		if err := s.st.addProfile(req.profile); err != nil {
			// Unreachable: the ID is new and the UUID checked above.
			return errorResponse(http.StatusInternalServerError, RouteSessionIssue)
		}
		p = s.st.profile(req.profile.ID)
	}
	switch {
	case p.deleting:
		return errorResponse(http.StatusConflict, RouteSessionIssue)
	case p.sessionLimitLocked(now):
		return errorResponse(http.StatusForbidden, RouteSessionIssue)
	}
	return jsonResponse(http.StatusCreated, sessionBody(s.issueLocked(p, now, true)))
}

// serveRevokeSession answers DELETE /v1/users/session, authenticated with
// the session token to revoke: 204.
func (s *Server) serveRevokeSession(ss *session) response {
	s.RevokeSessionToken(ss.token)
	return response{status: http.StatusNoContent}
}

// serveIntrospectSession answers POST /v1/introspect/session_token,
// authenticated with the session token: 200 and its UserSession.
func (s *Server) serveIntrospectSession(ss *session) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.tokens[ss.token] != ss { // revoked since it authenticated
		return errorResponse(http.StatusUnauthorized, RouteSessionIntrospect)
	}
	return jsonResponse(http.StatusOK, sessionBody(ss))
}

// serveIntrospectAPIKey answers POST /v1/introspect/api_key, authenticated
// with the API key: 200 and the key's ApiKey object.
func (s *Server) serveIntrospectAPIKey() response {
	return jsonResponse(http.StatusOK, apiKeyInfo{
		ID:          s.apiKeyID,
		Name:        defaultAPIKeyName,
		APIVersion:  s.cfg.apiVersion,
		Metadata:    json.RawMessage("null"),
		Environment: defaultEnvironment(),
	})
}

// sessionRequest is a decoded POST /v1/users/sessions body.
type sessionRequest struct {
	userID  string  // an existing Profile's ID or UUID
	profile Profile // a new Profile, when userID is ""
}

// parseSessionRequest decodes and checks a POST /v1/users/sessions body,
// returning its ValidationErrors (field → messages) if any. null counts
// as absent; keys Quiltt does not document are ignored.
func parseSessionRequest(body []byte, now time.Time) (sessionRequest, map[string][]string) {
	var req sessionRequest
	errs := validationErrors{}
	var m map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(body))
	if err := dec.Decode(&m); err != nil || m == nil || dec.More() {
		errs.add("base", "must be a JSON object")
		return req, errs
	}
	present := func(k string) bool { v, ok := m[k]; return ok && string(v) != "null" }

	if present("userId") {
		req.userID = errs.str(m, "userId")
		if req.userID == "" && !errs.has("userId") {
			errs.add("userId", "can't be blank")
		}
		for _, k := range profileCreateKeys {
			if present(k) {
				errs.add("userId", "cannot be combined with the fields of a new Profile ("+k+")")
				break
			}
		}
		return req, errs
	}

	p := &req.profile
	p.UUID = errs.str(m, "uuid")
	if p.UUID != "" && !isUUID(p.UUID) {
		errs.add("uuid", "is not a UUID")
	}
	p.Email = errs.str(m, "email")
	if p.Email != "" && !isEmail(p.Email) {
		errs.add("email", "is not an email address")
	}
	if phone := errs.str(m, "phone"); phone != "" && !isE164(phone) {
		errs.add("phone", "is not a phone number in E.164 format")
	}
	p.Name = errs.str(m, "name")
	if present("names") {
		errs.object(m, "names", "first", "last")
	}
	if dob := errs.str(m, "dateOfBirth"); dob != "" {
		d, err := time.Parse(time.DateOnly, dob)
		switch {
		case err != nil:
			errs.add("dateOfBirth", "is not a date (YYYY-MM-DD)")
		case d.After(now):
			errs.add("dateOfBirth", "is in the future")
		}
	}
	if present("address") {
		addr := errs.object(m, "address", "line1", "line2", "city", "state", "postalCode", "countryCode")
		if cc := addr["countryCode"]; cc != "" && !isCountryCode(cc) {
			errs.add("address.countryCode", "is not an ISO 3166-1 alpha-2 code")
		}
	}
	if present("metadata") {
		if v := m["metadata"]; len(v) == 0 || v[0] != '{' {
			errs.add("metadata", "must be an object")
		} else {
			p.Metadata = clone(v)
		}
	}
	return req, errs
}

// profileCreateKeys are the fields of a new Profile in a
// POST /v1/users/sessions body (ProfileCreateRequest).
var profileCreateKeys = []string{"uuid", "email", "phone", "name", "names", "dateOfBirth", "address", "metadata"}
