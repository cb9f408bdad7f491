package redistest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ClusterMasters is how many masters StartCluster runs: three, the fewest
// Redis Cluster accepts, each serving a third of the hash slots.
const ClusterMasters = 3

// clusterTimeout bounds the creation of the cluster (redis-cli --cluster
// create, and every node reporting cluster_state:ok).
const clusterTimeout = 60 * time.Second

// Cluster is a Redis Cluster owned by one test: three redis-server
// masters in cluster mode on loopback TCP ports, no replicas, no
// persistence, joined by redis-cli --cluster create.
type Cluster struct {
	dir   string
	addrs []string
	procs []*process
}

// StartCluster starts a three-master Redis Cluster for tb and returns once
// every node reports cluster_state:ok and knows the other two. tb.Cleanup
// shuts every node down (without saving), waits for each process to exit
// and removes the directory, so that no process outlives the test.
//
// Failure modes:
//   - redis-server or redis-cli not on PATH: tb.Skip naming the Debian
//     package redis-server, or tb.Fatal when the environment has CI=true;
//   - a node does not start, or the cluster does not form within 60 s:
//     tb.Fatal with redis-cli's output or the tail of a node's log.
func StartCluster(tb testing.TB) *Cluster {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	cli, cliErr := exec.LookPath("redis-cli")
	if err != nil || cliErr != nil {
		msg := fmt.Sprintf("redistest: redis-server or redis-cli not found on PATH; install the Debian package %s (apt-get install %s) to run the Redis Cluster tests", Package, Package)
		if os.Getenv("CI") == "true" {
			tb.Fatal(msg + " (CI=true: the Redis tests are required)")
		}
		tb.Skip(msg)
		return nil
	}
	dir, err := os.MkdirTemp("", "redistest-cluster-")
	if err != nil {
		tb.Fatalf("redistest: temporary directory: %v", err)
		return nil
	}
	c := &Cluster{dir: dir}
	tb.Cleanup(func() {
		if err := c.stop(); err != nil {
			tb.Errorf("redistest: cleanup: %v", err)
		}
		if err := os.RemoveAll(dir); err != nil {
			tb.Errorf("redistest: cleanup: %v", err)
		}
	})
	ports, err := freePorts(ClusterMasters)
	if err != nil {
		tb.Fatalf("redistest: %v", err)
		return nil
	}
	for i, port := range ports {
		if err := c.startNode(bin, i, port); err != nil {
			tb.Fatal(err)
			return nil
		}
	}
	if err := c.create(cli); err != nil {
		tb.Fatal(err)
		return nil
	}
	return c
}

// Addrs are the masters' host:port addresses, for redis.ClusterOptions.
func (c *Cluster) Addrs() []string { return append([]string(nil), c.addrs...) }

func (c *Cluster) startNode(bin string, i, port int) error {
	nodeDir := filepath.Join(c.dir, "node"+strconv.Itoa(i))
	if err := os.Mkdir(nodeDir, 0o700); err != nil {
		return fmt.Errorf("redistest: %w", err)
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	cmd := exec.Command(bin,
		"--port", strconv.Itoa(port),
		"--bind", "127.0.0.1",
		"--cluster-enabled", "yes",
		"--cluster-config-file", "nodes.conf",
		"--cluster-node-timeout", "5000",
		"--dir", nodeDir,
		"--save", "",
		"--appendonly", "no",
		"--daemonize", "no",
		"--logfile", filepath.Join(nodeDir, "redis.log"),
	)
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("redistest: starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	c.procs = append(c.procs, p)
	c.addrs = append(c.addrs, addr)
	return c.until(startTimeout, func() (bool, error) {
		select {
		case <-p.exited:
			return false, fmt.Errorf("redistest: cluster node %s exited before answering PING (%v); log:\n%s", addr, p.err, tail(filepath.Join(nodeDir, "redis.log")))
		default:
		}
		reply, err := do("tcp", addr, 500*time.Millisecond, "PING")
		return err == nil && reply == "+PONG", nil
	}, "cluster node "+addr+" did not answer PING")
}

// create joins the nodes with redis-cli and waits until each reports the
// cluster up.
func (c *Cluster) create(cli string) error {
	ctx, cancel := context.WithTimeout(context.Background(), clusterTimeout)
	defer cancel()
	args := append([]string{"--cluster", "create"}, c.addrs...)
	args = append(args, "--cluster-replicas", "0", "--cluster-yes")
	out, err := exec.CommandContext(ctx, cli, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("redistest: redis-cli --cluster create: %v; output:\n%s", err, out)
	}
	for _, addr := range c.addrs {
		err := c.until(clusterTimeout, func() (bool, error) {
			info, err := do("tcp", addr, time.Second, "CLUSTER", "INFO")
			return err == nil && strings.Contains(info, "cluster_state:ok") &&
				strings.Contains(info, "cluster_known_nodes:"+strconv.Itoa(ClusterMasters)), nil
		}, "cluster node "+addr+" did not report cluster_state:ok")
		if err != nil {
			return err
		}
	}
	return nil
}

// until calls ready, pausing a little longer each time, until it reports
// true or an error, or d passes.
func (c *Cluster) until(d time.Duration, ready func() (bool, error), what string) error {
	deadline := time.Now().Add(d)
	pause := 2 * time.Millisecond
	for {
		ok, err := ready()
		if err != nil || ok {
			return err
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("redistest: %s within %v", what, d)
		}
		time.Sleep(pause)
		pause = min(2*pause, 50*time.Millisecond)
	}
}

// stop shuts every node down without saving and waits for each to exit,
// killing one that does not within 20 s.
func (c *Cluster) stop() error {
	var errs []error
	for i, p := range c.procs {
		if _, err := do("tcp", c.addrs[i], 5*time.Second, "SHUTDOWN", "NOSAVE"); !errors.Is(err, io.EOF) {
			_ = p.cmd.Process.Signal(syscall.SIGTERM)
		}
	}
	for i, p := range c.procs {
		select {
		case <-p.exited:
		case <-time.After(stopTimeout):
			_ = p.cmd.Process.Kill()
			<-p.exited
			errs = append(errs, fmt.Errorf("cluster node %s did not exit within %v; killed", c.addrs[i], stopTimeout))
		}
	}
	c.procs = nil
	return errors.Join(errs...)
}

// freePorts picks n loopback ports, each with its cluster bus port (port
// + 10000) free too, from 20000 to 55535.
func freePorts(n int) ([]int, error) {
	var out []int
	var held []net.Listener
	defer func() {
		for _, l := range held {
			_ = l.Close()
		}
	}()
	for tries := 0; len(out) < n; tries++ {
		if tries > 200 {
			return nil, errors.New("no free pair of loopback ports for a cluster node")
		}
		port := 20000 + rand.IntN(35535)
		a, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		b, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port+10000)))
		if err != nil {
			_ = a.Close()
			continue
		}
		held = append(held, a, b)
		out = append(out, port)
	}
	return out, nil
}

// tail is the end of a log file, for failure messages.
func tail(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const max = 2000
	if len(b) > max {
		b = b[len(b)-max:]
	}
	return string(b)
}
