package quilttest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// fake's background work must stop in Close.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
