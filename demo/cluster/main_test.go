package main

import (
	"strconv"
	"testing"
	"time"
)

// TestDefaultTimeoutGrowsWithNodes: -timeout's default is 10 s for small
// clusters and half a second per node for large ones, so -nodes 64 gets
// 32 s without the user finding -timeout first.
func TestDefaultTimeoutGrowsWithNodes(t *testing.T) {
	for nodes, want := range map[int]time.Duration{2: 10 * time.Second, 20: 10 * time.Second, 64: 32 * time.Second, 1024: 512 * time.Second} {
		o, err := parseFlags([]string{"-nodes", strconv.Itoa(nodes)})
		if err != nil {
			t.Fatal(err)
		}
		if o.timeout != want {
			t.Errorf("-nodes %d: timeout %v, want %v", nodes, o.timeout, want)
		}
	}
	if o, err := parseFlags([]string{"-nodes", "64", "-timeout", "3s"}); err != nil || o.timeout != 3*time.Second {
		t.Errorf("-timeout 3s: %v, %v", o.timeout, err)
	}
}
