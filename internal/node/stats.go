package node

// Stats are the node's counters. The service adds the transport's and the
// queue's and exports them as gossip.Stats.
type Stats struct {
	Drops           [NumDropReasons]uint64
	AcksReceived    uint64
	StaleAcks       uint64
	DataDelivered   uint64
	DataDuplicates  uint64
	DataForwarded   uint64
	DataRepaired    uint64 // Data resent by anti-entropy
	StatusReceived  uint64
	StatusSent      uint64
	MembersAdded    uint64
	MembersFailed   uint64
	MembersLeft     uint64
	MembersReplaced uint64
	MembersBuried   uint64 // hearsay about a removed member, ignored
	MembersRefused  uint64 // the table was full
	Introductions   uint64
	MemberSyncs     uint64 // MemberList slices sent in place of a Status
	Greetings       uint64 // Hellos to unknown senders (membership repair)
	EncodeErrors    uint64

	MembersUpdated    uint64 // a known member's metadata or address changed
	Refutations       uint64 // verdicts of this node refuted by raising its incarnation
	Suspected         uint64 // times this node learned it was suspected (at most once a round)
	SuspicionsRefuted uint64 // suspicions of others this node held, ended by their refutation
	Corrections       uint64 // stale records answered with the newer one
	VerdictsTold      uint64 // removed members told why, so that a live one refutes
	DigestRepairs     uint64 // Digests answered with records: the two views differed
	Vouches           uint64 // suspects this node heard from, told to the other holders
	SuspicionsVouched uint64 // suspicions held here that ended when another holder heard from the suspect
}

// DropReason says why a datagram was dropped.
type DropReason uint8

// The drop reasons.
const (
	DropShort       DropReason = iota // shorter than its fields
	DropTrailing                      // bytes after a complete message
	DropUnknownType                   // a type this version does not define
	DropVersion                       // another protocol version
	DropFlags                         // non-zero flags
	DropAddress                       // an invalid member address
	DropInvalid                       // a forbidden value (zero id or seq)
	DropOversize                      // longer than MaxMessageSize
	DropSealed                        // a sealed datagram with no keys to open it
	DropPhase                         // not expected in the node's state
	DropUnsolicited                   // a Welcome that answers no Hello of ours
	DropSpoofed                       // names a sender other than the one it came from
	DropSelf                          // claims to come from this node
	NumDropReasons
)

var dropNames = [NumDropReasons]string{
	"short", "trailing", "unknown_type", "version", "flags", "address",
	"invalid", "oversize", "sealed", "state", "unsolicited", "spoofed", "self",
}

// String returns the reason's name as logs and Stats print it.
func (r DropReason) String() string {
	if r < NumDropReasons {
		return dropNames[r]
	}
	return "unknown"
}

// Drop counts a dropped datagram.
func (n *Node) Drop(r DropReason) { n.Stats.Drops[r]++ }
