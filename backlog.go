package gossip

import "fmt"

// Backlog says what a node that joins a running cluster receives of the
// payloads sent before it joined. It is a choice of every node about what
// it resends: set it the same on every node of a cluster.
type Backlog uint8

const (
	// BacklogReplay: a newcomer receives, through anti-entropy, every
	// payload still in the other nodes' data logs (Config.DataLogBytes),
	// oldest first, RepairBudget per Status. It is the zero value, the
	// default, and what every node did before this setting existed: a
	// restarted chat member sees the room's last lines again, its own
	// among them under the id it had before the restart.
	BacklogReplay Backlog = iota
	// BacklogSkip: a node resends to a member only what it logged after
	// it first heard a Status from that member, so a newcomer receives
	// the payloads sent from about its join on, not the history.
	// Anti-entropy still repairs what loss takes from then on. A node
	// remembers 2 × MaxMembers such join points; a member whose point it
	// forgot gets a new one, and with it no repairs of older payloads from
	// this node (the other members still make them).
	BacklogSkip
)

// String returns the setting's name.
func (b Backlog) String() string {
	switch b {
	case BacklogReplay:
		return "replay"
	case BacklogSkip:
		return "skip"
	}
	return fmt.Sprintf("Backlog(%d)", uint8(b))
}
