package redistest

import (
	"net"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.uber.org/goleak"
)

// TestMain fails the package's tests if any goroutine outlives them: the
// goroutine that waits for redis-server must end with the process.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// TestStartAnswersPing: Start returns a server that answers on its socket.
func TestStartAnswersPing(t *testing.T) {
	s := Start(t)
	assert.Equal(t, "unix", s.Network())
	reply, err := s.do(time.Second, "PING")
	require.NoError(t, err)
	assert.Equal(t, "+PONG", reply)
}

// TestStopRestartKeepsData: Stop makes the server unreachable, as an
// outage; Restart brings it back on the same socket with its keys and their
// expiry.
func TestStopRestartKeepsData(t *testing.T) {
	s := Start(t)
	reply, err := s.do(time.Second, "SET", "kept", "v")
	require.NoError(t, err)
	require.Equal(t, "+OK", reply)
	reply, err = s.do(time.Second, "SET", "expiring", "v", "PX", "600000")
	require.NoError(t, err)
	require.Equal(t, "+OK", reply)

	require.NoError(t, s.Stop())
	_, err = net.Dial("unix", s.Addr())
	require.Error(t, err, "the server is stopped: dialling must fail")
	assert.Error(t, s.Stop(), "a second Stop reports the server is not running")

	require.NoError(t, s.Restart())
	reply, err = s.do(time.Second, "EXISTS", "kept")
	require.NoError(t, err)
	assert.Equal(t, ":1", reply, "the key survived the restart")
	reply, err = s.do(time.Second, "PTTL", "expiring")
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(reply, ":") && reply != ":-1" && reply != ":-2", "the expiry survived the restart: PTTL %s", reply)
	assert.Error(t, s.Restart(), "Restart of a running server is refused")
}

// TestKillRestartsEmpty: after Kill, Restart brings the server back
// without its data, even data an earlier Stop saved.
func TestKillRestartsEmpty(t *testing.T) {
	s := Start(t)
	_, err := s.do(time.Second, "SET", "saved", "v")
	require.NoError(t, err)
	require.NoError(t, s.Stop())
	require.NoError(t, s.Restart())
	_, err = s.do(time.Second, "SET", "unsaved", "v")
	require.NoError(t, err)

	require.NoError(t, s.Kill())
	assert.Error(t, s.Kill(), "a second Kill reports the server is not running")
	require.NoError(t, s.Restart())
	for _, k := range []string{"saved", "unsaved"} {
		reply, err := s.do(time.Second, "EXISTS", k)
		require.NoError(t, err)
		assert.Equal(t, ":0", reply, "%s is gone", k)
	}
}

// TestCleanupStopsTheServer: when the test ends the process is gone and its
// directory removed.
func TestCleanupStopsTheServer(t *testing.T) {
	var s *Server
	t.Run("inner", func(t *testing.T) {
		s = Start(t)
	})
	require.NotNil(t, s)
	assert.Nil(t, s.proc, "cleanup stopped the process")
	_, err := os.Stat(s.dir)
	assert.True(t, os.IsNotExist(err), "cleanup removed %s: %v", s.dir, err)
}

// recordingTB records Skip and Fatal and ends its goroutine as the testing
// package does, so that Start can be driven where redis-server is missing.
type recordingTB struct {
	testing.TB
	mu      sync.Mutex
	skipped string
	fatal   string
}

func (r *recordingTB) Helper() {}

func (r *recordingTB) Skip(args ...any) {
	r.mu.Lock()
	r.skipped = strings.TrimSpace(strings.Join(strs(args), " "))
	r.mu.Unlock()
	runtime.Goexit()
}

func (r *recordingTB) Fatal(args ...any) {
	r.mu.Lock()
	r.fatal = strings.TrimSpace(strings.Join(strs(args), " "))
	r.mu.Unlock()
	runtime.Goexit()
}

func strs(args []any) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i], _ = a.(string)
	}
	return out
}

// startWithoutBinary runs Start with an empty PATH on a recording TB.
func startWithoutBinary(t *testing.T, ci string) *recordingTB {
	t.Setenv("PATH", t.TempDir())
	t.Setenv("CI", ci)
	r := &recordingTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		Start(r)
		t.Error("Start returned although redis-server is missing")
	}()
	<-done
	return r
}

// TestMissingBinarySkipsNamingThePackage: without redis-server the test is
// skipped, and the message names the Debian package.
func TestMissingBinarySkipsNamingThePackage(t *testing.T) {
	r := startWithoutBinary(t, "")
	assert.Empty(t, r.fatal)
	assert.Contains(t, r.skipped, "install the Debian package redis-server")
}

// TestMissingBinaryFailsUnderCI: under CI=true a missing redis-server fails
// the test instead.
func TestMissingBinaryFailsUnderCI(t *testing.T) {
	r := startWithoutBinary(t, "true")
	assert.Empty(t, r.skipped)
	assert.Contains(t, r.fatal, "redis-server")
	assert.Contains(t, r.fatal, "CI=true")
}
