package gossip

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/internal/seal"
	"github.com/tickgossip/gossip/message"
)

// Config configures a GossipService. Start from DefaultConfig: New rejects
// a zero value, because a zero RumorFactor or interval is a mistake, not a
// request for a default.
type Config struct {
	// Addr is the UDP address to bind, /ip4/A/udp/P or /ip6/A/udp/P. Port
	// 0 picks a free port; Addr() reports the one bound. A and the port
	// are also what the node tells others to reach it by, so bind a
	// concrete address, not 0.0.0.0 or ::, unless AdvertiseAddr is set.
	// Default /ip4/127.0.0.1/udp/0. Ignored when Transport is set.
	Addr multiaddr.Multiaddr

	// AdvertiseAddr, when set, is the address other nodes use to reach
	// this one, if it differs from the bound one (a wildcard bind, a
	// forwarded port). Default: none, the bound address is advertised.
	AdvertiseAddr multiaddr.Multiaddr

	// Transport, when set, replaces the UDP socket: a simulator or test
	// network. Its LocalAddr is the node's address. Default: nil, a
	// non-blocking UDP socket bound to Addr.
	Transport Transport

	// Clock is where the service reads the time. Default: the system
	// clock. Tests and simulators inject a manual one.
	Clock Clock

	// Rand is the only source of randomness: the node id, the choice of
	// recipients, the probe order, the gossip round's phase and the key of
	// the envelope seqs. Given the same seed and inputs, a service makes
	// the same choices. Seed each incarnation of a node anew (a restart is
	// a new member): a sealed datagram is bound to its recipient's id, and
	// a node that drew its old id again would open what was sealed for its
	// earlier incarnation. Default: a PCG seeded from crypto/rand.
	Rand *rand.Rand

	// Resolver resolves seeds given as DNS names (/dns|dns4|dns6/NAME/udp/P)
	// in Join and ResolveSeeds. Default: nil, the resolver of
	// github.com/multiformats/go-multiaddr-dns over the system's DNS.
	Resolver Resolver

	// ResolveTimeout bounds the time Join may block resolving seed names,
	// all of them together. Default 5 s (a DNS query is retried within
	// that). Must be positive.
	ResolveTimeout time.Duration

	// Logger receives structured logs: state changes and member changes
	// at info, dropped datagrams at debug. Default: the zero Logger,
	// which writes nothing and costs nothing on the hot path.
	Logger zerolog.Logger

	// OnData is called once for every payload another node originated,
	// the first time this node sees it, and never for this node's own.
	// The payload slice points into the receive buffer: it is valid only
	// until OnData returns, so copy what you keep. OnData runs inside
	// Receive; it may call SendData, Members and Stats, but not Receive,
	// Send, Tick, Leave or Close. Default: nil, payloads are dropped after
	// being forwarded.
	OnData func(origin NodeID, seq uint32, payload []byte)

	// OnMember is called for every change in the member table, inside
	// whichever call caused it: a member joined, left, failed, was
	// replaced by a restart at its address, or changed its metadata or
	// address (MemberUpdated). Same rules as OnData. A suspicion is not
	// an event: a suspected member stays a member until the verdict, and
	// most suspicions are refuted within milliseconds (a lost datagram, a
	// brief pause), so an event would only make views flap; suspicions
	// are counted in Stats.Detector. Default: nil.
	OnMember func(MemberEvent)

	// Meta is this node's metadata: what it is, not only where (a name,
	// a role, a zone, the port of its real service). Every member sees it
	// in Members and in member events, and SetMeta changes it while the
	// service runs. At most MaxMetaSize bytes; copied by New. Default:
	// none.
	Meta []byte

	// MaxMetaSize bounds Meta and SetMeta, in bytes. Records carry the
	// metadata wherever members travel, so it decides how many fit one
	// datagram: an Update of 512 bytes holds (501 / (24 + meta)) IPv4
	// member records, 20 with no metadata, 12 with 16 bytes, 5 with 64
	// (IPv6: 36 + meta each). The base format's MemberList, which carries
	// no metadata, still holds 55 IPv4 members. Default 64; range
	// 0..255; with small datagrams it is lowered to what fits one record
	// in one datagram (MaxMessageSize - 47, less 36 with Keys).
	MaxMetaSize int

	// Keys, when set, seal every datagram this node sends with
	// authenticated encryption (AES-GCM under a per-sender key derived
	// from Keys[0]) and drop every datagram that does not open under one
	// of them or that replays one already accepted (docs/protocol.md,
	// "Sealed datagrams"). Each key is 16, 24 or 32 bytes; the first one
	// seals. Keys can be added, switched and removed at run time (AddKey,
	// UseKey, RemoveKey). Sealing costs 36 bytes of each datagram.
	// Default: none, datagrams travel in plaintext.
	Keys [][]byte

	// AcceptPlaintext, with Keys, also accepts unsealed datagrams. For
	// rolling a running plaintext cluster onto keys (see README). Default
	// false.
	AcceptPlaintext bool

	// SendPlaintext, with Keys, keeps sending unsealed datagrams while
	// already opening sealed ones: the first step of a roll-out. Default
	// false.
	SendPlaintext bool

	// Label names the cluster, so that two clusters on one network never
	// take each other's datagrams for their own (a node configured with
	// the other cluster's seed, a port reused): a datagram of another
	// label, or of none when this node has one, is dropped and counted
	// (Stats.Dropped.Label; Stats.Sealing.NoKey when sealed, since it does
	// not open). With Keys the label goes into every sealed datagram's
	// authenticated data and costs no byte; without, a plaintext datagram
	// carries it in a 4+len(Label)-byte wrapper (docs/protocol.md,
	// "Cluster labels"), which a base-format peer does not read, so only
	// an unlabelled cluster interoperates with base-format peers. Default
	// "": no label, datagrams as the base format has them. At most 64
	// bytes of printable ASCII, no spaces.
	Label string

	// MaxMessageSize is the largest datagram sent or accepted, in bytes,
	// headers included. A Data payload may be MaxMessageSize-22 bytes.
	// Default 512 (safe under any path MTU); range 64..65507.
	MaxMessageSize int

	// RetryInterval is the wait for an Ack before the next attempt, and
	// after the last attempt before the recipient is declared failed.
	// Default 10 s. Must be positive.
	RetryInterval time.Duration

	// RetryAttempts is how many datagrams an acknowledged message (Hello,
	// MemberList, Data, Status, Update, Leave) may cost per recipient. A
	// member that speaks only the base format and acknowledges none of
	// them is removed as failed, RetryAttempts × RetryInterval after the
	// first (the base rule; members that speak the extensions are judged
	// by the failure detector below). Default 3; range 1..255.
	RetryAttempts int

	// RumorFactor is how many members each new payload and each member
	// announcement is passed to by every node that learns it: the ring
	// successor and RumorFactor-1 random members. Among members that
	// speak the extensions only the successor's copy is acknowledged (the
	// others go as Copies, sent once), so each payload costs about
	// RumorFactor + 1 datagrams per node; a member that speaks only the
	// base format gets and acknowledges a Data wherever it stands (see
	// docs/protocol.md). Default 3; range 1..7.
	RumorFactor int

	// TickInterval is the round: each round sends a Status (every
	// MemberSyncRounds-th round, a member-table slice) to StatusFanout
	// members. That datagram is both anti-entropy and the failure
	// detector's probe, and the members probed follow a schedule that has
	// every member probed by some node in every round. Default 1 s. Must
	// be positive.
	TickInterval time.Duration

	// ProbeTimeout is how long the round's probe waits for its Ack before
	// this node asks IndirectProbes other members to probe the target,
	// and then as long again before it suspects the target. It is also
	// the retry interval of membership records (suspicions, refutations,
	// verdicts, new metadata) and of Leaves, which must arrive well
	// within a suspicion's timeout, and of the Data a rumor sends to the
	// ring successor, when that member speaks the extensions. Local health stretches it (see
	// LocalHealthMax). Set it near the 99th percentile of the round-trip
	// time. Default 0, which means TickInterval / 2 (500 ms at the default
	// TickInterval), so that it follows a changed TickInterval; otherwise
	// 1 ms..1 min.
	ProbeTimeout time.Duration

	// IndirectProbes is how many members are asked to probe a target
	// that did not answer this node's probe, and how many members just
	// before a suspect on the ring probe it at once to confirm the
	// suspicion. Only when none of them reaches it does the suspicion
	// stand. Default 3; range 0..8.
	IndirectProbes int

	// SuspicionMult sets how long a suspected member has to refute the
	// suspicion before it is declared failed: at least
	//
	//	SuspicionMult × max(1, log10(members)) × TickInterval
	//
	// (1.8 s at 64 members, 3 s at 1,000, with the defaults), reached once
	// IndirectProbes other nodes confirm the suspicion, and
	// SuspicionMaxMult times that while nobody does (Lifeguard's scheme).
	// A live suspect refutes within milliseconds of hearing, since the
	// suspicion reaches it by rumor and directly; the timeout is there for
	// a suspect that is paused or cut off for a moment. Local health
	// stretches it. Default 1; must be positive. (memberlist's 4 pays
	// for gossip that takes seconds to reach everyone.)
	SuspicionMult float64

	// SuspicionMaxMult is the unconfirmed suspicion's timeout as a
	// multiple of the floor above. Default 4; at least 1.
	SuspicionMaxMult float64

	// LocalHealthMax bounds this node's local health score (Lifeguard's
	// awareness). The score rises when this node's own probes fail, when
	// its indirect probes bring fewer answers back than were asked for
	// (the lost answers point at this node), when it has to refute a
	// suspicion of itself, and when its loop stalls (Tick called more than
	// ProbeTimeout/2 after the wait it returned: a paused or starved
	// process, whose pending deadlines then move past the stall); it falls with
	// each answered probe. Probe and suspicion timeouts are multiplied by
	// 1 + score, so a node that is itself slow waits longer before
	// accusing others. Default 7 (timeouts up to 8 times as long); 0 turns
	// it off; at most 100.
	LocalHealthMax int

	// StatusFanout is how many members each round's Status goes to. Idle
	// traffic is about 2 × StatusFanout datagrams per TickInterval per
	// node (the Status and its Ack). Default 1, which costs what a SWIM
	// probe does; the original design used RumorFactor. Range 1..RumorFactor.
	StatusFanout int

	// MaxOutboundMessages bounds the distinct messages waiting to be sent
	// or acknowledged; when full, the oldest is evicted with all its
	// envelopes and counted in Stats.Evicted. Default 100; at least
	// JoinListDatagrams+8, so one received datagram's replies always fit.
	MaxOutboundMessages int

	// DataLogBytes bounds the data log that anti-entropy resends from, in
	// bytes of encoded datagrams. A payload can be repaired as long as
	// some node still holds it. The data of origins not in the member
	// table takes only the room members' data leaves, at most a quarter
	// of it. Default 64 KiB (128 full datagrams, or about 1,000 of 40
	// bytes). At least MaxMessageSize.
	DataLogBytes int

	// MaxMembers bounds the member table. A node that knows MaxMembers
	// members refuses newcomers (counted in Stats.MembersRefused) rather
	// than evicting a known member on a stranger's word. Default 1024.
	// At least 1.
	MaxMembers int

	// MaxOrigins bounds the version vector: the originators whose data
	// this node remembers having seen. When full, the origin heard from
	// least recently is forgotten, after which its old data, if resent,
	// would be delivered again. Default 4096. At least 1.
	MaxOrigins int

	// GapTimeout is how long a hole in an origin's sequence may stay open
	// (a later payload arrived, an earlier one did not) before the node
	// stops waiting and counts it as lost in Stats.DataSkipped. It should
	// outlast the sender's retries. Default 30 s (RetryAttempts ×
	// RetryInterval). Must be positive.
	GapTimeout time.Duration

	// JoinListDatagrams caps the MemberList datagrams a node sends to
	// answer one Hello (27 IPv4 members each at 512 bytes), so a seed's
	// cost per join does not grow with the cluster. Default 4. Range 1..64.
	JoinListDatagrams int

	// TombstonePeriod is how long a member removed as failed or departed
	// stays removed: within it, hearsay (other nodes' member lists, any
	// record at no higher incarnation) does not bring it back. A live node
	// that was wrongly removed comes back at once, by refuting its verdict
	// with a higher incarnation, as soon as it hears of it. It must
	// outlast the time the whole cluster takes to notice a failure: a few
	// seconds for members that speak the extensions at any size the
	// library supports, and for base-format members RetryAttempts ×
	// RetryInterval after their last probe. Default 5 min. Must be
	// positive.
	TombstonePeriod time.Duration

	// MemberSyncRounds: every this many gossip rounds, the round's
	// datagram is a MemberList slice of this node's table (the members it
	// learned last, then the next ones in id order) instead of a Status.
	// It is membership's anti-entropy: two members that both missed each
	// other's announcement learn of each other through a third. It costs
	// nothing extra (it replaces a Status and is acknowledged like one).
	// Default 8. Range 2..1000, or 0 to turn it off.
	MemberSyncRounds int

	// Backlog says whether a node that joins late receives the payloads
	// still in the other nodes' data logs (BacklogReplay, the default and
	// the behaviour before this setting) or only those sent from about
	// its join on (BacklogSkip). Set it the same on every node: it decides
	// what each node resends. See Backlog.
	Backlog Backlog

	// RepairBudget caps the Data datagrams resent in answer to one Status;
	// the rest follow in later rounds. Default 16. At least 1.
	RepairBudget int
}

// DefaultConfig returns the documented defaults, those of the original
// design where it had one.
func DefaultConfig() Config {
	return Config{
		Addr:                multiaddr.StringCast("/ip4/127.0.0.1/udp/0"),
		MaxMessageSize:      message.DefaultMaxMessageSize, // fits any path MTU unfragmented
		RetryInterval:       10 * time.Second,              // the Python design's retry pace
		RetryAttempts:       3,                             // 3 lost datagrams in a row mean failure
		RumorFactor:         3,                             // each payload: ~4 datagrams per node
		TickInterval:        time.Second,                   // anti-entropy round = failure-detector probe
		ProbeTimeout:        0,                             // TickInterval/2: a LAN's round trip many times over
		IndirectProbes:      3,                             // as memberlist: 3 other paths before a suspicion
		SuspicionMult:       1,                             // refutations arrive in milliseconds; 1.8 s at 64 nodes
		SuspicionMaxMult:    4,                             // unconfirmed: 7.2 s at 64 nodes
		LocalHealthMax:      7,                             // a slow node stretches its timeouts up to 8x
		StatusFanout:        1,                             // ~2 idle datagrams per second per node
		MaxOutboundMessages: 100,                           // the Python design's queue bound
		DataLogBytes:        64 << 10,                      // far more than 25 entries, bounded by weight
		MaxMembers:          1024,                          // room for a large cluster, bounded memory
		MaxOrigins:          4096,                          // forget old originators only in huge churn
		GapTimeout:          30 * time.Second,              // outlasts a sender's 3 retries
		JoinListDatagrams:   4,                             // 108 IPv4 members per join answer
		RepairBudget:        16,                            // keeps a repair burst inside the queue
		TombstonePeriod:     5 * time.Minute,               // outlasts failure detection in a few hundred nodes
		MemberSyncRounds:    8,                             // one round in 8 repairs membership
		MaxMetaSize:         64,                            // 5 IPv4 records per 512-byte Update at the most
		ResolveTimeout:      5 * time.Second,               // a DNS query and its retries
	}
}

// validate checks every field, naming the first that is wrong.
func (c *Config) validate() error {
	bad := func(field string, format string, args ...any) error {
		return fmt.Errorf("%w: %s %s", ErrInvalidConfig, field, fmt.Sprintf(format, args...))
	}
	switch {
	case c.MaxMessageSize < message.MinMessageSize || c.MaxMessageSize > message.MaxMessageSizeLimit:
		return bad("MaxMessageSize", "is %d, want %d..%d", c.MaxMessageSize, message.MinMessageSize, message.MaxMessageSizeLimit)
	case c.RetryInterval <= 0:
		return bad("RetryInterval", "is %v, want > 0", c.RetryInterval)
	case c.RetryAttempts < 1 || c.RetryAttempts > 255:
		return bad("RetryAttempts", "is %d, want 1..255", c.RetryAttempts)
	case c.RumorFactor < 1 || c.RumorFactor > 7:
		return bad("RumorFactor", "is %d, want 1..7", c.RumorFactor)
	case c.TickInterval <= 0:
		return bad("TickInterval", "is %v, want > 0", c.TickInterval)
	case c.ProbeTimeout != 0 && (c.ProbeTimeout < time.Millisecond || c.ProbeTimeout > time.Minute):
		return bad("ProbeTimeout", "is %v, want 0 (TickInterval/2) or 1ms..1m", c.ProbeTimeout)
	case c.IndirectProbes < 0 || c.IndirectProbes > 8:
		return bad("IndirectProbes", "is %d, want 0..8", c.IndirectProbes)
	case !(c.SuspicionMult > 0) || c.SuspicionMult > 1000:
		return bad("SuspicionMult", "is %v, want > 0", c.SuspicionMult)
	case !(c.SuspicionMaxMult >= 1) || c.SuspicionMaxMult > 1000:
		return bad("SuspicionMaxMult", "is %v, want >= 1", c.SuspicionMaxMult)
	case c.LocalHealthMax < 0 || c.LocalHealthMax > 100:
		return bad("LocalHealthMax", "is %d, want 0..100", c.LocalHealthMax)
	case c.MaxMetaSize < 0 || c.MaxMetaSize > message.MaxMetaLen:
		return bad("MaxMetaSize", "is %d, want 0..%d", c.MaxMetaSize, message.MaxMetaLen)
	case len(c.Meta) > c.MaxMetaSize:
		return fmt.Errorf("%w: Meta: %w: %d bytes, at most MaxMetaSize (%d)", ErrInvalidConfig, ErrMetaTooLarge, len(c.Meta), c.MaxMetaSize)
	case c.StatusFanout < 1 || c.StatusFanout > c.RumorFactor:
		return bad("StatusFanout", "is %d, want 1..RumorFactor (%d)", c.StatusFanout, c.RumorFactor)
	case c.JoinListDatagrams < 1 || c.JoinListDatagrams > 64:
		return bad("JoinListDatagrams", "is %d, want 1..64", c.JoinListDatagrams)
	case c.MaxOutboundMessages < c.JoinListDatagrams+8:
		return bad("MaxOutboundMessages", "is %d, want at least JoinListDatagrams+8 (%d)", c.MaxOutboundMessages, c.JoinListDatagrams+8)
	case c.DataLogBytes < c.MaxMessageSize:
		return bad("DataLogBytes", "is %d, want at least MaxMessageSize (%d)", c.DataLogBytes, c.MaxMessageSize)
	case c.MaxMembers < 1:
		return bad("MaxMembers", "is %d, want >= 1", c.MaxMembers)
	case c.MaxOrigins < 1:
		return bad("MaxOrigins", "is %d, want >= 1", c.MaxOrigins)
	case c.GapTimeout <= 0:
		return bad("GapTimeout", "is %v, want > 0", c.GapTimeout)
	case c.TombstonePeriod <= 0:
		return bad("TombstonePeriod", "is %v, want > 0", c.TombstonePeriod)
	case c.MemberSyncRounds == 1 || c.MemberSyncRounds < 0 || c.MemberSyncRounds > 1000:
		return bad("MemberSyncRounds", "is %d, want 0 or 2..1000", c.MemberSyncRounds)
	case c.Backlog > BacklogSkip:
		return bad("Backlog", "is %d, want BacklogReplay or BacklogSkip", c.Backlog)
	case c.ResolveTimeout <= 0:
		return bad("ResolveTimeout", "is %v, want > 0", c.ResolveTimeout)
	case c.RepairBudget < 1:
		return bad("RepairBudget", "is %d, want >= 1", c.RepairBudget)
	case len(c.Keys) > 0 && c.MaxMessageSize < message.MinMessageSize+SealOverhead:
		return bad("MaxMessageSize", "is %d, want at least %d with Keys (sealing adds %d bytes)", c.MaxMessageSize, message.MinMessageSize+SealOverhead, SealOverhead)
	case len(c.Keys) == 0 && (c.AcceptPlaintext || c.SendPlaintext):
		return bad("AcceptPlaintext", "and SendPlaintext need Keys")
	case c.Transport == nil && c.Addr == nil:
		return bad("Addr", "is empty and no Transport is set")
	case label.Check(c.Label) != nil:
		return bad("Label", "is %q, want at most %d bytes of printable ASCII, no spaces", c.Label, label.MaxLen)
	case c.innerSize() < message.MinMessageSize:
		return bad("MaxMessageSize", "is %d, want at least %d with Label %q (labelling adds %d bytes)",
			c.MaxMessageSize, message.MinMessageSize+label.Overhead(c.Label), c.Label, label.Overhead(c.Label))
	}
	// One record with the largest metadata must fit a datagram: with small
	// datagrams the bound shrinks to what fits.
	c.MaxMetaSize = min(c.MaxMetaSize, max(message.MaxRecordLen(c.innerSize())-message.AliveRecordLen(true, 0), 0))
	if len(c.Meta) > c.MaxMetaSize {
		return fmt.Errorf("%w: Meta: %w: %d bytes, at most %d", ErrInvalidConfig, ErrMetaTooLarge, len(c.Meta), c.MaxMetaSize)
	}
	if c.ProbeTimeout == 0 {
		c.ProbeTimeout = max(c.TickInterval/2, time.Millisecond)
	}
	if len(c.Keys) > 0 {
		// Checked here, before anything is bound or adopted, so that a bad
		// key is an ErrInvalidConfig like every other field.
		if _, err := seal.NewKeyring(c.Keys...); err != nil {
			return fmt.Errorf("%w: Keys: %w", ErrInvalidConfig, err)
		}
	}
	return nil
}

// detectorConfig derives the failure detector's settings.
func (c *Config) detectorConfig() detector.Config {
	return detector.Config{
		ProbeTimeout:     c.ProbeTimeout,
		TickInterval:     c.TickInterval,
		SuspicionMult:    c.SuspicionMult,
		SuspicionMaxMult: c.SuspicionMaxMult,
		Confirmations:    max(c.IndirectProbes, 1),
		MaxHealth:        c.LocalHealthMax,
		MaxProbes:        maxProbes,
	}
}

// maxProbes bounds the probes the detector tracks at once: this node's
// own (one a round, lasting a few rounds when local health is poor), and
// the relays and confirmations it makes for others.
const maxProbes = 64

// MaxPayload returns the largest payload SendData accepts under c.
func (c *Config) MaxPayload() int { return message.MaxDataPayload(c.innerSize()) }

// innerSize is the largest plaintext datagram: MaxMessageSize, less the
// sealing overhead when there are keys, and less the label's wrapper when
// plaintext datagrams are sent labelled.
func (c *Config) innerSize() int {
	wrap := label.Overhead(c.Label)
	switch {
	case len(c.Keys) > 0 && c.SendPlaintext:
		return c.MaxMessageSize - max(SealOverhead, wrap)
	case len(c.Keys) > 0:
		return c.MaxMessageSize - SealOverhead
	}
	return c.MaxMessageSize - wrap
}
