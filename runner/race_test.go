//go:build race

package runner_test

// raceEnabled: the race detector is on; heap figures mean little.
const raceEnabled = true
