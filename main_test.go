package quiltt_test

import (
	"fmt"
	"os"
	"testing"

	"go.uber.org/goleak"
)

// TestMain makes the HTTP/2 rows' test certificate trusted (before any test
// can load the system roots), then fails the package's tests if any
// goroutine outlives them.
func TestMain(m *testing.M) {
	cleanup, err := trustH2TestCert()
	if err != nil {
		fmt.Fprintln(os.Stderr, "quiltt_test: the HTTP/2 test certificate:", err)
		os.Exit(2)
	}
	goleak.VerifyTestMain(m, goleak.Cleanup(func(code int) {
		cleanup()
		os.Exit(code)
	}))
}
