//go:build race

package main_test

// raceEnabled: the test runs with the race detector, so the program is
// built with it too.
const raceEnabled = true
