package quilttest_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/quiltt-go/quiltt/quilttest"
)

// WithRateLimitGCRA admits the whole budget at once, then one request
// every window/limit; the headers say how many could come now and when
// the whole burst could again; a refused request changes nothing.
func TestRateLimitGCRAEnforced(t *testing.T) {
	clk := &clock{now: time.Date(2026, 3, 1, 12, 0, 0, 500_000_000, time.UTC)}
	s := quilttest.NewTestServer(t, quilttest.WithRateLimitGCRA(3, 3*time.Second), quilttest.WithClock(clk.Now))
	auth := basic(s, s.ProfileID())
	body := []byte(`{"query":"{ profile { id } }"}`)
	// The burst leaves the schedule 3 s ahead, 12:00:03.5, rounded up.
	reset := strconv.FormatInt(clk.now.Unix()+4, 10)
	for i := range 3 {
		r := do(t, s, http.MethodPost, "/v1/graphql", auth, body)
		require.Equal(t, http.StatusOK, r.status, "request %d of the burst", i+1)
		assert.Equal(t, "3", r.header.Get("Ratelimit-Limit"))
		assert.Equal(t, strconv.Itoa(2-i), r.header.Get("Ratelimit-Remaining"))
	}
	r := do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusTooManyRequests, r.status, "past the burst")
	assert.Equal(t, "0", r.header.Get("Ratelimit-Remaining"))
	assert.Equal(t, reset, r.header.Get("Ratelimit-Reset"))
	assertRESTError(t, r, "Too Many Requests", apiLimit)

	clk.Add(999 * time.Millisecond)
	r = do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusTooManyRequests, r.status, "one interval (1 s) has not passed")
	clk.Add(time.Millisecond)
	r = do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusOK, r.status, "one interval has passed: one request")
	assert.Equal(t, "0", r.header.Get("Ratelimit-Remaining"))
	r = do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusTooManyRequests, r.status, "and only one")

	clk.Add(time.Hour)
	r = do(t, s, http.MethodPost, "/v1/graphql", auth, body)
	assert.Equal(t, http.StatusOK, r.status, "an idle budget is whole again")
	assert.Equal(t, "2", r.header.Get("Ratelimit-Remaining"))
}

// A client paced under the budget, one of whose requests arrives late and
// so lands in the next fixed window beside that window's own, is refused
// by fixed windows and not by GCRA; a client over the budget is refused by
// both. The last option given applies.
func TestRateLimitGCRAJudgesTheRate(t *testing.T) {
	base := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	ms := func(n int) time.Time { return base.Add(time.Duration(n) * time.Millisecond) }
	// 3 per second allowed; sent every 350 ms, the third 310 ms late.
	late := []time.Time{ms(0), ms(350), ms(1010), ms(1050), ms(1400), ms(1750), ms(2100)}
	// 6 per second, on time, for 2 s: 13 requests where the budget allows 3
	// at once and 3 a second, 9.
	var fast []time.Time
	for i := range 13 {
		fast = append(fast, base.Add(time.Duration(i)*time.Second/6))
	}
	for _, tc := range []struct {
		name     string
		opts     []quilttest.Option
		arrivals []time.Time
		want429  int
	}{
		{"fixed windows, under the rate, one late", []quilttest.Option{quilttest.WithRateLimit(3, time.Second)}, late, 1},
		{"GCRA, under the rate, one late", []quilttest.Option{quilttest.WithRateLimitGCRA(3, time.Second)}, late, 0},
		{"fixed windows, over the rate", []quilttest.Option{quilttest.WithRateLimit(3, time.Second)}, fast, 6},
		{"GCRA, over the rate", []quilttest.Option{quilttest.WithRateLimitGCRA(3, time.Second)}, fast, 4},
		{"GCRA then fixed windows", []quilttest.Option{quilttest.WithRateLimitGCRA(3, time.Second), quilttest.WithRateLimit(3, time.Second)}, late, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &clock{now: base}
			s := quilttest.NewTestServer(t, append(tc.opts, quilttest.WithClock(clk.Now))...)
			auth := basic(s, s.ProfileID())
			body := []byte(`{"query":"{ profile { id } }"}`)
			refused := 0
			for _, at := range tc.arrivals {
				clk.Add(at.Sub(clk.Now()))
				if do(t, s, http.MethodPost, "/v1/graphql", auth, body).status == http.StatusTooManyRequests {
					refused++
				}
			}
			assert.Equal(t, tc.want429, refused)
		})
	}
}

func TestRateLimitGCRAOptionChecked(t *testing.T) {
	for name, opt := range map[string]quilttest.Option{
		"limit 0":      quilttest.WithRateLimitGCRA(0, time.Second),
		"short window": quilttest.WithRateLimitGCRA(1, time.Millisecond),
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				err, _ := recover().(error)
				require.Error(t, err, "NewServer panics with the option's error")
				assert.Contains(t, err.Error(), "WithRateLimitGCRA")
			}()
			quilttest.NewServer(opt).Close()
		})
	}
}
