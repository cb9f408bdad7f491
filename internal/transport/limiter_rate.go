package transport

import "golang.org/x/time/rate"

// Rate returns the *rate.Limiter r paces with, for the record a client logs
// of its pieces.
func (r RateLimiter) Rate() *rate.Limiter { return r.l }
