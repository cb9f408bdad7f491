package quilttest

import (
	"fmt"
	"time"
)

// Quiltt's documented session rules (quiltt.dev; quiltt-api.md, "Auth
// API"): a token lives 24 hours, and a Profile may be issued 10 sessions
// an hour and 20 a day.
const (
	sessionLifetime = 24 * time.Hour
	sessionsPerHour = 10
	sessionsPerDay  = 20
)

// session is a session token the server issued.
type session struct {
	token   string
	profile *profileData
	issued  time.Time
	expires time.Time
}

// valid reports whether the session still authenticates at now.
func (ss *session) valid(now time.Time) bool { return now.Before(ss.expires) }

// issueLocked issues a session token for p at now; counted sessions count
// against p's limits (the auth API's), the others (the Go helpers') do not.
// It also forgets expired sessions. s.mu must be held, or s not yet
// shared.
func (s *Server) issueLocked(p *profileData, now time.Time, counted bool) *session {
	for tok, ss := range s.tokens {
		if !ss.valid(now) {
			delete(s.tokens, tok)
		}
	}
	ss := &session{token: newSessionToken(), profile: p, issued: now, expires: now.Add(sessionLifetime)}
	s.tokens[ss.token] = ss
	if counted {
		p.issued = append(p.issued, now)
	}
	return ss
}

// sessionLimitLocked reports how long p must wait for its next session:
// 0 unless it has been issued its limit of sessions in the hour or the day
// before now (then until the oldest of them leaves that window). It
// forgets issues older than a day. s.mu must be held.
func (p *profileData) sessionLimitLocked(now time.Time) time.Duration {
	keep := p.issued[:0]
	for _, t := range p.issued {
		if now.Sub(t) < 24*time.Hour {
			keep = append(keep, t)
		}
	}
	p.issued = keep
	var hour []time.Time
	for _, t := range p.issued {
		if now.Sub(t) < time.Hour {
			hour = append(hour, t)
		}
	}
	var wait time.Duration
	if n := len(hour); n >= sessionsPerHour {
		wait = hour[n-sessionsPerHour].Add(time.Hour).Sub(now)
	}
	if n := len(p.issued); n >= sessionsPerDay {
		wait = max(wait, p.issued[n-sessionsPerDay].Add(24*time.Hour).Sub(now))
	}
	return wait
}

// SetProfileLimit sets the Environment's maximum number of Profiles: with
// n > 0, POST {AuthURL}/v1/users/sessions that would create a Profile
// while the server holds n or more is answered 403, as Quiltt answers
// ("You have reached the maximum number of Profiles for this
// Environment"). 0, the default, sets no limit. Existing Profiles, and the
// Go helpers, are not affected.
func (s *Server) SetProfileLimit(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.profileLimit = max(n, 0)
}

// SessionToken returns a session token for the default profile, issued
// when the server started. Like every token, it authenticates GraphQL
// reads (Bearer) until it is revoked (RevokeSessionToken, or DELETE
// {AuthURL}/v1/users/session) or 24 hours have passed on the server's
// clock (WithClock). It cannot fail.
func (s *Server) SessionToken() string { return s.sessionToken }

// IssueSessionToken returns a new session token for the profile with the
// given ID or UUID, valid for 24 hours on the server's clock. Unlike POST
// {AuthURL}/v1/users/sessions, it does not count against the profile's
// session limits (10 an hour, 20 a day: past them the auth API answers
// 429) and ignores SetProfileDeleting. It
// fails if there is no such profile.
func (s *Server) IssueSessionToken(profileID string) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.profile(profileID)
	if p == nil {
		return "", fmt.Errorf("quilttest: IssueSessionToken: no profile %q", profileID)
	}
	return s.issueLocked(p, s.cfg.now(), false).token, nil
}

// RevokeSessionToken makes token invalid, as DELETE
// {AuthURL}/v1/users/session does: requests that send it are answered 401.
// Revoking an unknown token does nothing.
func (s *Server) RevokeSessionToken(token string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.tokens, token)
}

// SetProfileDeleting marks the profile with the given ID or UUID as being
// deleted (or, with false, no longer): POST {AuthURL}/v1/users/sessions
// for it is then answered 409, as Quiltt answers for a Profile being
// deleted. Its tokens and its data are untouched. It fails if there is no
// such profile.
func (s *Server) SetProfileDeleting(profileID string, deleting bool) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	p := s.st.profile(profileID)
	if p == nil {
		return fmt.Errorf("quilttest: SetProfileDeleting: no profile %q", profileID)
	}
	p.deleting = deleting
	return nil
}

// newSessionToken returns a random token shaped like Quiltt's JWTs (three
// dot-separated base64url-ish parts); the fake does not decode it.
func newSessionToken() string {
	return "eyJhbGciOiJIUzI1NiJ9." + randomHex(16) + "." + randomHex(16)
}
