package quilttest

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
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
// the API key: 201 and a session for an existing Profile ({"userId"} and
// the ProfileUpdateRequest fields to set) or a new one (the
// ProfileCreateRequest fields); 422 for bad input, 403 past the
// Environment's Profile limit (SetProfileLimit), 409 for a Profile being
// deleted, 429 past the Profile's session limits, with a Retry-After of
// the seconds until the next session is allowed.
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
		if s.profileLimit > 0 && len(s.st.profiles) >= s.profileLimit {
			return errorResponse(http.StatusForbidden, RouteSessionIssue)
		}
		req.profile.ID = s.st.newProfileID()
		if err := s.st.addProfile(req.profile); err != nil {
			// Unreachable: the ID is new and the UUID checked above.
			return errorResponse(http.StatusInternalServerError, RouteSessionIssue)
		}
		p = s.st.profile(req.profile.ID)
	}
	if p.deleting {
		return errorResponse(http.StatusConflict, RouteSessionIssue)
	}
	if wait := p.sessionLimitLocked(now); wait > 0 {
		resp := errorResponse(http.StatusTooManyRequests, RouteSessionIssue)
		resp.header = http.Header{"Retry-After": {strconv.FormatInt(int64((wait+time.Second-1)/time.Second), 10)}}
		return resp
	}
	if req.userID != "" {
		req.update(p)
	}
	return jsonResponse(http.StatusCreated, sessionBody(s.issueLocked(p, now, true)))
}

// serveRevokeSession answers DELETE /v1/users/session, authenticated with
// the session token to revoke: 204.
func (s *Server) serveRevokeSession(ss *session) response {
	s.RevokeSessionToken(ss.token)
	return response{status: http.StatusNoContent}
}

// serveCheckSession answers GET /v1/users/session, authenticated with the
// session token: 200, without a body (quiltt.dev's managing-session-tokens
// documents the status alone).
func (s *Server) serveCheckSession(ss *session) response {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if s.tokens[ss.token] != ss { // revoked since it authenticated
		return errorResponse(http.StatusUnauthorized, RouteSessionCheck)
	}
	return response{status: http.StatusOK}
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
	profile Profile // a new Profile, when userID is ""; else the fields to update
	// With userID: which of the fields the fake keeps were sent, to update.
	setEmail, setName, setMetadata bool
}

// update sets the fields of p that r sends beside its userId (the others
// of a ProfileUpdateRequest are checked, not kept). s.mu must be held.
func (r sessionRequest) update(p *profileData) {
	if r.setEmail {
		p.Email = r.profile.Email
	}
	if r.setName {
		p.Name = r.profile.Name
	}
	if r.setMetadata {
		p.Metadata = r.profile.Metadata
	}
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

	p := &req.profile
	if present("userId") {
		// userId with a ProfileUpdateRequest: the fields below but uuid.
		req.userID = errs.str(m, "userId")
		if req.userID == "" && !errs.has("userId") {
			errs.add("userId", "can't be blank")
		}
		if present("uuid") {
			errs.add("uuid", "cannot be combined with userId")
		}
		req.setEmail, req.setName, req.setMetadata = present("email"), present("name"), present("metadata")
	}
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
			errs.add("address.countryCode", "is not included in the list (ISO 3166-1 alpha-3: USA)")
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
