//go:build race

package gossip_test

// raceEnabled: the race detector slows the service about tenfold, so the
// floods and fuzz-sized loops scale down.
const raceEnabled = true
