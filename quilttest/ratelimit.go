package quilttest

import (
	"net/http"
	"strconv"
	"time"
)

// Quiltt's documented budgets, per second.
const (
	apiKeyBudget       = 25
	sessionTokenBudget = 100
)

type rlWindow struct {
	start time.Time
	count int
}

// rlState is what one request learned of its budget.
type rlState struct {
	limit, remaining int
	reset            time.Time
	exceeded         bool
}

func (rl *rlState) setHeaders(h http.Header) {
	h.Set("Ratelimit-Limit", strconv.Itoa(rl.limit))
	h.Set("Ratelimit-Remaining", strconv.Itoa(rl.remaining))
	// Unix seconds, rounded up so that the window has ended by then.
	reset := rl.reset.Unix()
	if rl.reset.After(time.Unix(reset, 0)) {
		reset++
	}
	h.Set("Ratelimit-Reset", strconv.FormatInt(reset, 10))
}

// takeBudget counts a request against its credential's window and reports
// the state of the budget. Requests without a valid credential share one
// window.
func (s *Server) takeBudget(p principal) rlState {
	key, limit := "api-key", apiKeyBudget
	switch p.auth {
	case AuthSessionToken:
		key, limit = "session:"+p.token, sessionTokenBudget
	case AuthNone, AuthInvalid:
		key = "anonymous"
	}
	if s.cfg.enforce {
		limit = s.cfg.limit
	}
	window := s.cfg.window
	now := s.cfg.now()
	start := now.Truncate(window)

	s.mu.Lock()
	defer s.mu.Unlock()
	w := s.windows[key]
	if w == nil || !w.start.Equal(start) {
		w = &rlWindow{start: start}
		s.windows[key] = w
	}
	w.count++
	st := rlState{limit: limit, remaining: max(limit-w.count, 0), reset: start.Add(window)}
	st.exceeded = s.cfg.enforce && w.count > limit
	return st
}
