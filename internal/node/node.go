// Package node is the protocol state one gossip service owns and its
// handlers act on: the member table, the version vector, the data log,
// the outbound queue, the clock reading, the random source and the
// counters, gathered in one struct.
//
// Handlers receive a *Node rather than an interface so that every call on
// the receive path is static and nothing escapes to the heap; the struct
// lives in an internal package so that only this module can build one.
// Handlers read the Phase but never change it: they report what should
// change in an Outcome, and the service applies it through its transition
// table.
package node

import (
	"math/rand/v2"
	"net/netip"
	"time"

	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/internal/backlog"
	"github.com/tickgossip/gossip/internal/datalog"
	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/version"
	"github.com/tickgossip/gossip/message"
)

// Phase mirrors the service's State; the service keeps the two equal.
type Phase uint8

// The phases, with the same values as the service's states.
const (
	Initialized Phase = iota + 1
	Joining
	Connected
	Disconnected
	Destroyed
)

// Config holds the settings the handlers use, already validated.
type Config struct {
	MaxMessageSize    int
	RetryAttempts     int
	RumorFactor       int
	JoinListDatagrams int           // MemberList datagrams answering one Hello, at most
	RepairBudget      int           // Data datagrams resent for one Status, at most
	TombstonePeriod   time.Duration // how long a removed member stays removed against hearsay
	MemberSyncRounds  int           // every this many rounds a MemberList slice replaces the Status; 0: never
	TickInterval      time.Duration // the round: numbers rounds for the probe schedule
	ProbeTimeout      time.Duration // also the retry interval of membership records, which must beat suspicions
	IndirectProbes    int           // members asked to probe a target that did not answer
	Authenticated     bool          // every datagram is sealed and authenticated (keys, no plaintext accepted)
	AckNamesMember    bool          // Acks name the member at their address (keys, plaintext accepted: see Ack)
}

// MemberEvent is a change in the member table.
type MemberEvent uint8

// The member events.
const (
	MemberJoined MemberEvent = iota + 1
	MemberLeft
	MemberFailed
	MemberReplaced // another id took over the address (a restart)
	MemberUpdated  // a known member's metadata or address changed
)

// Outcome reports what a handler wants the service to do beyond the queue.
type Outcome uint8

// The outcomes.
const (
	NoChange   Outcome = iota
	Joined             // a Welcome answered our Hello: become CONNECTED
	JoinFailed         // the last Hello expired unanswered
)

// Node is the state the handlers act on.
type Node struct {
	Cfg      Config
	Self     message.Member
	Phase    Phase
	Now      time.Time
	Rand     *rand.Rand
	Members  *members.Table
	Versions *version.Vector
	Log      *datalog.Log
	Out      *envelope.Queue
	Detector *detector.Detector
	Logger   zerolog.Logger
	Stats    Stats

	// Inc is this node's incarnation, the version of its own record:
	// raised to refute a suspicion, to publish new Meta, and to rejoin.
	Inc uint32
	// Meta is this node's metadata, owned by the node.
	Meta []byte

	// OnData receives each new payload once; payload aliases the receive
	// buffer and is valid only during the call.
	OnData func(origin uint64, seq uint32, payload []byte)
	// OnMember receives every change in the member table; m.Meta is the
	// table's and must not be changed.
	OnMember func(ev MemberEvent, m members.Member)

	// Seeds are the addresses this node joined through, for Reconnect.
	Seeds []netip.AddrPort

	// Backlog, when set, limits what anti-entropy resends to a member to
	// the data logged since this node first heard that member's Status
	// (Config.Backlog = BacklogSkip). Nil: the whole log (the default).
	Backlog *backlog.Horizons

	// Unproven, when set, reports whether a member's address joined with a
	// Hello and has not yet shown it receives what this node sends (the
	// service's anti-amplification table): such a member is not passed on
	// to others.
	Unproven func(netip.AddrPort) bool

	// OwnSeq is the originSeq of the last payload this node originated.
	OwnSeq        uint32
	round         uint64    // gossip rounds run
	lastSuspected time.Time // when a suspicion of this node last counted against its health
	statusFrom    int       // where the next rotating Status slice starts
	idx           []int     // scratch recipient indices
	news          []members.Member
	recs          []message.Record // scratch: records that are news, gathered by a handler for one rumor
	corr          []message.Record // scratch: corrections for the sender of the datagram being handled
	verdicts      []message.Record // scratch: verdicts being told
	one           []message.Record // scratch: a single record being sent
	tombs         []members.Tomb   // scratch: burials being read
	dbuf          []byte           // scratch: a Digest being built
	pending       rumors           // news gathered for the next rumor
}

func (n *Node) unproven(a netip.AddrPort) bool { return n.Unproven != nil && n.Unproven(a) }

// Scratch returns the node's reusable index slice, emptied.
func (n *Node) Scratch() []int { return n.idx[:0] }

// KeepScratch stores a grown scratch slice for reuse.
func (n *Node) KeepScratch(s []int) { n.idx = s[:0] }

// Open reserves an outbound message buffer.
func (n *Node) Open() (envelope.Msg, []byte) { return n.Out.Open() }

// Commit records an encoded message, or releases the buffer and reports
// false when encoding failed (a broken invariant of the caller's, logged).
func (n *Node) Commit(m envelope.Msg, size int, err error, t message.Type) bool {
	if err != nil {
		n.Out.Close(m)
		n.Stats.EncodeErrors++
		n.Logger.Error().Err(err).Stringer("type", t).Msg("encode failed")
		return false
	}
	n.Out.Commit(m, size, t)
	return true
}

// To adds one recipient to an open message.
func (n *Node) To(m envelope.Msg, to netip.AddrPort, id uint64, attempts int) {
	n.Out.Add(m, to, id, attempts, n.Now)
}

// ToSeq adds one recipient to an open message and returns its
// envelope's seq, which the recipient's answer will name (0 if the queue
// refused it).
func (n *Node) ToSeq(m envelope.Msg, to netip.AddrPort, id uint64, attempts int) uint32 {
	seq, _ := n.Out.Add(m, to, id, attempts, n.Now)
	return seq
}

// ToFast adds one recipient whose retries come every ProbeTimeout
// rather than every RetryInterval: membership records, which must reach
// their recipients well within a suspicion's timeout.
func (n *Node) ToFast(m envelope.Msg, to netip.AddrPort, id uint64) {
	n.Out.AddEvery(m, to, id, n.Cfg.RetryAttempts, n.Cfg.ProbeTimeout, n.Now)
}

// SelfRecord returns this node's own record.
func (n *Node) SelfRecord() message.Record {
	return message.Record{Kind: message.RecordAlive, ID: n.Self.ID, Inc: n.Inc, Addr: n.Self.Addr, Meta: n.Meta}
}

// Position returns this node's place among the members in id order: the
// number of members with a smaller id.
func (n *Node) Position() int {
	i, _ := n.Members.Index(n.Self.ID)
	return i
}

// ToMembers adds the members at the given table indices as recipients.
func (n *Node) ToMembers(m envelope.Msg, idx []int, attempts int) {
	for _, i := range idx {
		mb := n.Members.At(i)
		n.Out.Add(m, mb.Addr, mb.ID, attempts, n.Now)
	}
}

// Ack queues an Ack of seq to the datagram's sender. The sealing layer
// binds a sealed Ack to the sender that sealed the datagram it
// acknowledges; when plaintext is accepted too (AckNamesMember) the Ack
// names the member at the address, for the plaintext datagram's sake.
func (n *Node) Ack(to netip.AddrPort, seq uint32) {
	m, buf := n.Open()
	a := message.Ack{AckedSeq: seq}
	size, err := a.Encode(buf, 0)
	if n.Commit(m, size, err, message.TypeAck) {
		var id uint64
		if n.Cfg.AckNamesMember {
			if mb, ok := n.Members.ByAddr(to); ok {
				id = mb.ID
			}
		}
		n.To(m, to, id, 1)
		n.Out.Close(m)
	}
}

// MemberIndex returns the table index of the member at addr, or -1.
func (n *Node) MemberIndex(addr netip.AddrPort) int {
	mb, ok := n.Members.ByAddr(addr)
	if !ok {
		return -1
	}
	i, _ := n.Members.Index(mb.ID)
	return i
}

// IDIndex returns the table index of id, or -1.
func (n *Node) IDIndex(id uint64) int {
	i, ok := n.Members.Index(id)
	if !ok {
		return -1
	}
	return i
}
