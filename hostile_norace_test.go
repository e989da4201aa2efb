//go:build !race

package gossip_test

// raceEnabled: see hostile_race_test.go.
const raceEnabled = false
