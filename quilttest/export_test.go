package quilttest

import "time"

// WithRedeliveryClock makes redeliveries wait on the channels after
// returns instead of on real timers, so that tests drive the schedule.
func WithRedeliveryClock(after func(d time.Duration) <-chan time.Time) Option {
	return func(c *config) error {
		c.delivery.after = after
		return nil
	}
}
