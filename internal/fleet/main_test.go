package fleet_test

import (
	"testing"

	"github.com/redis/go-redis/v9/logging"
	"go.uber.org/goleak"
)

// TestMain fails the package if any goroutine outlives its tests: every
// go-redis client, HTTP server, transport and timer the simulation starts
// is closed or waited for. go-redis's own log is silenced: the simulation
// stops Redis on purpose, and counts what the callers see instead.
func TestMain(m *testing.M) {
	logging.Disable()
	goleak.VerifyTestMain(m)
}
