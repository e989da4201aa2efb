package gossip

import "fmt"

// State is where a GossipService is in its life.
//
//	             Join(no seeds)
//	INITIALIZED ───────────────────────────┐
//	     │ Join(seeds)                      ▼
//	     └────────► JOINING ──Welcome──► CONNECTED
//	                  │  ▲                  │ Leave
//	   every Hello    │  │ Join             ▼
//	   expired        └──┼──────────► DISCONNECTED
//	                     └──────────────────┘
//	any state ──Close──► DESTROYED
type State uint8

// The states. Values are stable; State(0) is not a state.
const (
	// Initialized: created, socket bound, not yet part of a cluster.
	Initialized State = iota + 1
	// Joining: a Hello is out to the seeds; waiting for a Welcome.
	Joining
	// Connected: part of the cluster; gossiping.
	Connected
	// Disconnected: left the cluster, or no seed answered. Join again or
	// Close.
	Disconnected
	// Destroyed: closed; every call returns ErrClosed.
	Destroyed
)

// String returns the state's name in capitals, as the design writes it.
func (s State) String() string {
	switch s {
	case Initialized:
		return "INITIALIZED"
	case Joining:
		return "JOINING"
	case Connected:
		return "CONNECTED"
	case Disconnected:
		return "DISCONNECTED"
	case Destroyed:
		return "DESTROYED"
	}
	return fmt.Sprintf("State(%d)", uint8(s))
}

// transitions lists every allowed change of state. Nothing else moves a
// service from one state to another.
var transitions = map[State][]State{
	Initialized:  {Joining, Connected, Destroyed},
	Joining:      {Connected, Disconnected, Destroyed},
	Connected:    {Disconnected, Destroyed},
	Disconnected: {Joining, Connected, Destroyed},
}

// canTransition reports whether from may become to.
func canTransition(from, to State) bool {
	for _, s := range transitions[from] {
		if s == to {
			return true
		}
	}
	return false
}
