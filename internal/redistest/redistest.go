// Package redistest starts a real redis-server for a test: the Redis tests
// of package redisstore and the fleet simulation run against it, never a
// mock.
//
// Start runs Debian's redis-server (package redis-server) on a Unix socket
// in a fresh temporary directory, without persistence, and stops it when
// the test ends. Where redis-server is not on PATH, Start skips the test
// with a message naming the package, except under CI=true, where it fails
// it: CI (.ci/run) installs the package, so a missing binary there is a
// broken setup, not an optional feature.
//
// It speaks just enough of Redis's protocol (PING, SHUTDOWN) to know when
// the server is up and to stop it; it imports no Redis client.
package redistest

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Package is the Debian package that provides redis-server.
const Package = "redis-server"

// startTimeout bounds how long Start and Restart wait for the server to
// answer PING, and stopTimeout how long Stop waits for it to exit. Both are
// generous because the machines that run the tests may be busy.
const (
	startTimeout = 20 * time.Second
	stopTimeout  = 20 * time.Second
)

// Server is a redis-server process owned by one test. Its methods are safe
// for concurrent use.
type Server struct {
	bin  string
	dir  string
	sock string

	mu   sync.Mutex
	proc *process // nil while stopped
}

// process is one run of redis-server.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{} // closed once cmd.Wait returned
	err    error         // cmd.Wait's error, set before exited closes
}

// Start starts a redis-server for tb on a Unix socket in a new temporary
// directory, with no persistence (--save "" --appendonly no), and returns
// once the server answers PING. tb.Cleanup stops it (without saving) and
// waits for the process to exit, then removes the directory.
//
// Failure modes:
//   - redis-server not on PATH: tb.Skip naming the Debian package
//     redis-server, or tb.Fatal when the environment has CI=true;
//   - the server does not start or does not answer PING within 20 s:
//     tb.Fatal with the tail of the server's log.
func Start(tb testing.TB) *Server {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		msg := fmt.Sprintf("redistest: redis-server not found on PATH; install the Debian package %s (apt-get install %s) to run the Redis tests", Package, Package)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + " (CI=true: the Redis tests are required)")
		}
		tb.Skip(msg)
		return nil // unreachable with a real testing.TB
	}
	// os.MkdirTemp, not tb.TempDir: a Unix socket path must stay short
	// (about 100 bytes), and TempDir embeds the test's name.
	dir, err := os.MkdirTemp("", "redistest-")
	if err != nil {
		tb.Fatalf("redistest: temporary directory: %v", err)
		return nil
	}
	s := &Server{bin: bin, dir: dir, sock: filepath.Join(dir, "redis.sock")}
	tb.Cleanup(func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.proc != nil {
			if err := s.stopLocked("SHUTDOWN", "NOSAVE"); err != nil {
				tb.Errorf("redistest: cleanup: %v", err)
			}
		}
		if err := os.RemoveAll(dir); err != nil {
			tb.Errorf("redistest: cleanup: %v", err)
		}
	})
	s.mu.Lock()
	defer s.mu.Unlock()
	if err := s.startLocked(); err != nil {
		tb.Fatal(err)
	}
	return s
}

// Network is the network to dial the server on: "unix".
func (s *Server) Network() string { return "unix" }

// Addr is the path of the server's Unix socket; it stays the same across
// Stop and Restart.
func (s *Server) Addr() string { return s.sock }

// Stop shuts the server down, as an outage would: clients then fail to
// connect until Restart. The server saves its keys first (SHUTDOWN SAVE),
// so that Restart brings the same data back, with each key's expiry kept
// (keys that expired meanwhile are gone). Stop may be called from any
// goroutine.
//
// Failure modes: the server is not running; it refuses to save; it does
// not exit within 20 s (it is then killed, and the error says so).
func (s *Server) Stop() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("redistest: Stop: the server is not running")
	}
	return s.stopLocked("SHUTDOWN", "SAVE")
}

// Kill stops the server as a crash of a Redis without persistence does: it
// exits without saving (SHUTDOWN NOSAVE), and the data an earlier Stop
// saved is deleted, so that Restart brings it back empty. Kill may be
// called from any goroutine.
//
// Failure modes: the server is not running; it does not exit within 20 s
// (it is then killed, and the error says so); the saved data cannot be
// deleted.
func (s *Server) Kill() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc == nil {
		return errors.New("redistest: Kill: the server is not running")
	}
	err := s.stopLocked("SHUTDOWN", "NOSAVE")
	if rmErr := os.Remove(filepath.Join(s.dir, "dump.rdb")); rmErr != nil && !errors.Is(rmErr, os.ErrNotExist) {
		return errors.Join(err, fmt.Errorf("redistest: Kill: %w", rmErr))
	}
	return err
}

// Restart starts the server again on the same socket, with the data Stop
// saved (none after Kill), and returns once it answers PING. It may be called from any
// goroutine.
//
// Failure modes: the server is running already; it does not start or
// answer PING within 20 s (the error carries the tail of its log).
func (s *Server) Restart() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.proc != nil {
		return errors.New("redistest: Restart: the server is running")
	}
	return s.startLocked()
}

func (s *Server) startLocked() error {
	cmd := exec.Command(s.bin,
		"--port", "0", // no TCP listener: the Unix socket only
		"--unixsocket", s.sock,
		"--unixsocketperm", "700",
		"--dir", s.dir,
		"--dbfilename", "dump.rdb",
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--logfile", filepath.Join(s.dir, "redis.log"),
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: starting %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	s.proc = p

	deadline := time.Now().Add(startTimeout)
	pause := 2 * time.Millisecond
	for {
		reply, err := s.do(500*time.Millisecond, "PING")
		if err == nil && reply == "+PONG" {
			return nil
		}
		select {
		case <-p.exited:
			s.proc = nil
			return fmt.Errorf("redistest: redis-server exited before answering PING (%v); log:\n%s", p.err, s.logTail())
		default:
		}
		if time.Now().After(deadline) {
			stopErr := s.stopLocked("SHUTDOWN", "NOSAVE")
			return fmt.Errorf("redistest: redis-server did not answer PING within %v (last: %q, %v; stop: %v); log:\n%s",
				startTimeout, reply, err, stopErr, s.logTail())
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// stopLocked sends the shutdown command, then waits for the process to
// exit, killing it past stopTimeout. It always leaves s.proc nil.
func (s *Server) stopLocked(shutdown ...string) error {
	p := s.proc
	s.proc = nil
	reply, err := s.do(5*time.Second, shutdown...)
	// A successful SHUTDOWN closes the connection without a reply (the
	// read ends in EOF); an error reply means the server refused (it could
	// not save, say); any other failure means the command may not have
	// reached it.
	closed := errors.Is(err, io.EOF)
	refused := err == nil && strings.HasPrefix(reply, "-")
	if !closed {
		// The server must go all the same: SIGTERM makes it exit without
		// saving (there are no save points).
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("redistest: redis-server did not exit within %v of %s; killed", stopTimeout, strings.Join(shutdown, " "))
	}
	if refused {
		return fmt.Errorf("redistest: %s refused: %s", strings.Join(shutdown, " "), reply)
	}
	return nil
}

// do sends one command over a fresh connection and returns the first line
// of the reply ("+PONG", "-ERR …"), or an error matching io.EOF when the
// server closed the connection without answering (as SHUTDOWN does).
func (s *Server) do(timeout time.Duration, args ...string) (string, error) {
	return do("unix", s.sock, timeout, args...)
}

// do sends one command to the server at addr over a fresh connection and
// returns the reply's first line, followed, for a bulk string ("$n"), by
// its payload on the next line.
func do(network, addr string, timeout time.Duration, args ...string) (string, error) {
	conn, err := net.DialTimeout(network, addr, timeout)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	if err := conn.SetDeadline(time.Now().Add(timeout)); err != nil {
		return "", err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	if _, err := conn.Write([]byte(b.String())); err != nil {
		return "", err
	}
	r := bufio.NewReader(conn)
	line, err := r.ReadString('\n')
	if err != nil {
		return "", err
	}
	line = strings.TrimRight(line, "\r\n")
	var n int
	if _, scanErr := fmt.Sscanf(line, "$%d", &n); scanErr == nil && n >= 0 {
		payload := make([]byte, n+2)
		if _, err := io.ReadFull(r, payload); err != nil {
			return "", err
		}
		line += "\n" + string(payload[:n])
	}
	return line, nil
}

// logTail is the end of the server's log, for failure messages.
func (s *Server) logTail() string { return tail(filepath.Join(s.dir, "redis.log")) }
