// Package demo_test builds the demo programs and runs them as real
// processes on loopback: a seed and two nodes exchanging data and one
// leaving, the cluster demo, and bad input.
package demo_test

import (
	"os/exec"
	"path/filepath"
	"testing"
)

// bins are the built demo programs.
type bins struct{ seed, node, cluster string }

func TestDemos(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the demo programs and runs them on real sockets")
	}
	b := build(t)
	t.Run("SeedAndTwoNodes", func(t *testing.T) { t.Parallel(); testSeedAndTwoNodes(t, b) })
	t.Run("KilledNodeIsDeclaredFailed", func(t *testing.T) { t.Parallel(); testKilledNodeIsDeclaredFailed(t, b) })
	t.Run("NodeJoinsThroughADNSName", func(t *testing.T) { t.Parallel(); testNodeJoinsThroughADNSName(t, b) })
	t.Run("Cluster", func(t *testing.T) { t.Parallel(); testCluster(t, b) })
	t.Run("ClusterTimeout", func(t *testing.T) { t.Parallel(); testClusterTimeout(t, b) })
	t.Run("SealedCluster", func(t *testing.T) { t.Parallel(); testSealedCluster(t, b) })
	t.Run("WrongKey", func(t *testing.T) { t.Parallel(); testWrongKey(t, b) })
	t.Run("BlackBox", func(t *testing.T) { t.Parallel(); testBlackBox(t, b) })
	t.Run("BadInput", func(t *testing.T) { t.Parallel(); testBadInput(t, b) })
}

// build compiles the three programs into a temporary directory.
func build(t *testing.T) bins {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./seed", "./node", "./cluster")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bins{
		seed:    filepath.Join(dir, "seed"),
		node:    filepath.Join(dir, "node"),
		cluster: filepath.Join(dir, "cluster"),
	}
}
