package redisstore_test

import (
	"testing"

	"github.com/redis/go-redis/v9/logging"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: every
// go-redis client and subscription the tests open must be closed. go-redis's
// own log is silenced: the tests stop Redis on purpose, and assert the
// errors the callers see.
func TestMain(m *testing.M) {
	logging.Disable()
	goleak.VerifyTestMain(m)
}
