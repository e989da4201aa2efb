//go:build race

package sim

// raceEnabled: the race detector slows the simulator about tenfold, so
// scenarios marked "# long" run only without it (CI runs them separately).
const raceEnabled = true
