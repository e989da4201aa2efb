// Package sim runs a whole gossip cluster inside one process, on virtual
// time, over a simulated network with latency, jitter, loss, duplication,
// reordering and partitions, where nodes can crash, restart and leave.
//
// Every service in a simulation is a real gossip.GossipService: only its
// Transport, Clock and random source are the simulator's. Events (datagram
// deliveries and node wake-ups) run in time order from one seeded source,
// so the same seed and the same calls give the same run, datagram for
// datagram. That makes it a tool for testing your own use of the library
// as much as ours: script a failure, run it a thousand times with
// different seeds, replay the one that broke.
//
// A node is driven the way a real caller's loop drives it: when a datagram
// arrives or its Tick deadline passes, the simulator calls Tick, Receive
// and Send, and schedules the next wake-up at Tick's result.
package sim
