package quiltt

// WithFreshTestHooks makes FreshBalance call joined when a call joins the
// refresh in flight in this process, and waiting when a call finds the
// account's RefreshLock held by another caller and starts waiting for its
// balance: the points FreshBalance logs at debug level, told to tests
// without a log to read. Either may be nil.
func WithFreshTestHooks(joined, waiting func(accountID string)) Option {
	return func(c *config) error {
		c.fresh.hooks = freshHooks{joined: joined, waiting: waiting}
		return nil
	}
}
