package quiltt

import "context"

// Limiter paces the client's requests: every attempt of every call (the
// first one and each retry, REST and GraphQL alike) waits on it before it is
// sent. *rate.Limiter (golang.org/x/time/rate) satisfies it; so does the
// fleet-wide limiter of package redisstore, which shares one budget across
// every replica that uses one API key.
//
// Wait blocks until the request may go, or returns an error: the context's
// error when ctx ends first, or the limiter's own (for a shared limiter, its
// store being unreachable, for instance). The client returns such an error
// wrapped, so errors.Is finds the limiter's cause, and it sends nothing.
type Limiter interface {
	Wait(ctx context.Context) error
}
