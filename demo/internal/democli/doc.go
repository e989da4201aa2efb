// Package democli holds what the demo programs seed, node and cluster
// share: their common flags, the zerolog logger they print with, the
// one-line error and exit status convention, the Stats line printed on
// exit, and the poll loop that drives a single node.
//
// It is a helper for the programs under demo/, not part of the library's
// API.
package democli
