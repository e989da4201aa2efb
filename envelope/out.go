package envelope

import (
	"net/netip"
	"time"

	"github.com/tickgossip/gossip/message"
)

// Out is one recipient's copy of an outbound message.
type Out struct {
	// To is the recipient's address.
	To netip.AddrPort
	// ToID is the recipient's node id, or 0 when it is not known yet (a
	// Hello to a seed). Failure detection removes only a known member.
	ToID uint64
	// Seq is written into the header of this recipient's datagram. Replies
	// (Ack, Welcome) name it.
	Seq uint32
	// Type is the message type, kept for logs and statistics; for an
	// envelope added with AddAs, the type its datagram goes out under.
	Type message.Type
	// Attempt counts the datagrams sent so far for this envelope.
	Attempt int
	// MaxAttempts is how many datagrams may be sent before the envelope
	// gives up: RetryAttempts for acknowledged messages, 1 for the others.
	MaxAttempts int
	// Interval, when not 0, replaces the queue's RetryInterval for this
	// envelope: the wait between attempts, and after the last one.
	Interval time.Duration
	// LastAttempt is when the latest datagram was sent (zero before the
	// first).
	LastAttempt time.Time
	// Due is when the next attempt is due or, once every attempt is made,
	// when the envelope expires unacknowledged.
	Due time.Time
	// Answer marks an envelope queued in answer to a datagram from its
	// recipient while the recipient had not proved it receives
	// (Queue.MarkAnswers); Release clears it. The service limits what it
	// sends of such envelopes.
	Answer bool

	msg        int32 // the message slot whose buffer this envelope shares
	prev, next int32 // creation order among live envelopes; -1 ends
	withheld   int   // attempts counted but held back (ErrWithheld), given back by Release
	held       int   // times it was held back in a row without counting an attempt
	born       uint64
	behind     netip.AddrPort // held back until this other address proves itself (Queue.HoldBehind)
	live       bool
}

// Behind returns the address, other than its recipient, whose proof the
// envelope waits for (Queue.HoldBehind), if any.
func (e *Out) Behind() (netip.AddrPort, bool) { return e.behind, e.behind.IsValid() }

// Exhausted reports whether every attempt has been made.
func (e *Out) Exhausted() bool { return e.Attempt >= e.MaxAttempts }
