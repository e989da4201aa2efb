package gossip

import (
	"fmt"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip/transport"
)

// NodeID identifies a node. It is chosen at random when a service is
// created, so a restarted node is a new member. Never 0.
type NodeID uint64

// String returns the id as 16 hex digits, as logs print it.
func (id NodeID) String() string { return fmt.Sprintf("%016x", uint64(id)) }

// Member is a node this one knows.
type Member struct {
	ID   NodeID
	Addr multiaddr.Multiaddr
	// Meta is the member's metadata (Config.Meta, SetMeta): a copy, the
	// caller's to keep. Nil when it has none, or when it speaks only the
	// base format, which carries no metadata.
	Meta []byte
	// Incarnation is the version of the member's record, which only the
	// member raises (SetMeta, a refutation, a rejoin); 0 when it is not
	// known (a member learned from a base-format peer).
	Incarnation uint32
}

// MemberEventKind says what happened to a member.
type MemberEventKind uint8

// The member events.
const (
	// MemberJoined: the member was added to the table.
	MemberJoined MemberEventKind = iota + 1
	// MemberLeft: the member said it leaves.
	MemberLeft
	// MemberFailed: the member was declared failed: it answered no probe,
	// direct or indirect, and did not refute the suspicion in time (or, for
	// a member that speaks only the base format, it left every attempt of
	// an envelope unacknowledged).
	MemberFailed
	// MemberReplaced: a new node id appeared at the member's address (it
	// restarted); the old id is gone.
	MemberReplaced
	// MemberUpdated: a known member's metadata or address changed; the
	// event carries the new record.
	MemberUpdated
)

// String returns the event's name.
func (k MemberEventKind) String() string {
	switch k {
	case MemberJoined:
		return "joined"
	case MemberLeft:
		return "left"
	case MemberFailed:
		return "failed"
	case MemberReplaced:
		return "replaced"
	case MemberUpdated:
		return "updated"
	}
	return fmt.Sprintf("MemberEventKind(%d)", uint8(k))
}

// MemberEvent is one change in the member table.
type MemberEvent struct {
	Kind   MemberEventKind
	Member Member
}

// Clock tells the service the time. Inject a manual clock to drive a
// service deterministically.
type Clock interface {
	Now() time.Time
}

// SystemClock reads the system's clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// Transport moves datagrams for a service; see package transport. The
// default is a non-blocking UDP socket.
type Transport = transport.Transport
