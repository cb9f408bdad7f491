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

// rlWindow is one credential's budget: a fixed window's start and count,
// or, with WithRateLimitGCRA, the theoretical arrival time of GCRA.
type rlWindow struct {
	start time.Time
	count int
	tat   time.Time
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

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cfg.enforce && s.cfg.gcra {
		w := s.windows[key]
		if w == nil {
			w = &rlWindow{}
			s.windows[key] = w
		}
		return takeGCRA(w, limit, window, now)
	}
	start := now.Truncate(window)
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

// takeGCRA counts a request against a budget of limit requests per window
// as a rate (GCRA, the generic cell rate algorithm): a request is admitted
// when it comes at most (limit-1) intervals (window/limit) ahead of the
// schedule of the requests admitted before it, which then moves on by
// one interval. So limit requests may come at once, and then one every
// interval; a refused request changes nothing. Remaining is how many more
// could come now; reset is when all limit could again.
func takeGCRA(w *rlWindow, limit int, window time.Duration, now time.Time) rlState {
	interval := window / time.Duration(limit)
	tolerance := interval * time.Duration(limit-1)
	tat := w.tat
	if tat.Before(now) {
		tat = now
	}
	if tat.Sub(now) > tolerance {
		return rlState{limit: limit, remaining: 0, reset: tat, exceeded: true}
	}
	w.tat = tat.Add(interval)
	ahead := w.tat.Sub(now) // > 0
	remaining := 0
	if ahead <= tolerance {
		remaining = int((tolerance-ahead)/interval) + 1
	}
	return rlState{limit: limit, remaining: remaining, reset: w.tat}
}
