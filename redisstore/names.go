package redisstore

// The names the pieces give the record a quiltt.Client or
// quiltt.WebhookHandler logs of the pieces it uses (quiltt.WithLogger): what
// tells two replicas' pieces apart, never a secret.

// Name returns the Redis key of the limiter's budget, "<prefix>:rate:<name>":
// replicas that log the same name share one budget.
func (l *Limiter) Name() string { return l.key }

// Name returns the prefix of the claim store's keys: replicas that log the
// same name (on the same Redis) share their claims.
func (s *ClaimStore) Name() string { return s.prefix }

// Name returns the prefix of the refresh lock's keys: replicas that log the
// same name (on the same Redis) share their refreshes.
func (l *RefreshLock) Name() string { return l.prefix }
