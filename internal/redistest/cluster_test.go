package redistest

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestStartClusterForms: StartCluster returns three masters on loopback
// that agree the cluster is up, each serving slots; when the test ends
// every process has exited and the directory is gone.
func TestStartClusterForms(t *testing.T) {
	var c *Cluster
	start := time.Now()
	t.Run("inner", func(t *testing.T) {
		c = StartCluster(t)
		require.Len(t, c.Addrs(), ClusterMasters)
		for _, addr := range c.Addrs() {
			assert.True(t, strings.HasPrefix(addr, "127.0.0.1:"), addr)
			info, err := do("tcp", addr, time.Second, "CLUSTER", "INFO")
			require.NoError(t, err)
			assert.Contains(t, info, "cluster_state:ok")
			assert.Contains(t, info, "cluster_slots_assigned:16384")
			assert.Contains(t, info, "cluster_size:3")
		}
	})
	require.NotNil(t, c)
	t.Logf("cluster started and stopped in %v", time.Since(start))
	assert.Nil(t, c.procs, "cleanup stopped the nodes")
	for _, addr := range c.Addrs() {
		_, err := do("tcp", addr, time.Second, "PING")
		assert.Error(t, err, "node %s still answers", addr)
	}
	_, err := os.Stat(c.dir)
	assert.True(t, os.IsNotExist(err), "cleanup removed %s: %v", c.dir, err)
}

// TestStartClusterWithoutBinary: without redis-server the cluster test is
// skipped naming the package, and fails under CI=true.
func TestStartClusterWithoutBinary(t *testing.T) {
	for _, ci := range []string{"", "true"} {
		t.Run("CI="+ci, func(t *testing.T) {
			t.Setenv("PATH", t.TempDir())
			t.Setenv("CI", ci)
			r := &recordingTB{TB: t}
			done := make(chan struct{})
			go func() {
				defer close(done)
				StartCluster(r)
				t.Error("StartCluster returned although redis-server is missing")
			}()
			<-done
			if ci == "true" {
				assert.Empty(t, r.skipped)
				assert.Contains(t, r.fatal, "CI=true")
			} else {
				assert.Empty(t, r.fatal)
				assert.Contains(t, r.skipped, "install the Debian package redis-server")
			}
		})
	}
}
