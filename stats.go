package gossip

import "github.com/tickgossip/gossip/internal/node"

// Stats are a service's counters since New. Every datagram that is read
// is either handled or counted under exactly one reason in Dropped.
type Stats struct {
	DatagramsIn   uint64 // datagrams read from the transport
	BytesIn       uint64
	DatagramsOut  uint64 // datagrams the transport accepted
	BytesOut      uint64
	ReceiveErrors uint64 // transport read errors (not malformed datagrams)
	SendErrors    uint64 // transport write errors; each counts as a lost attempt

	Retries   uint64 // attempts after an envelope's first
	Acked     uint64 // envelopes acknowledged by their recipient
	StaleAcks uint64 // Acks naming no waiting envelope or a Hello, or from the wrong sender
	Expired   uint64 // envelopes that used every attempt unacknowledged
	Evicted   uint64 // messages evicted from the full outbound queue
	// EvictedEnvelopes counts the envelopes evicted with those messages.
	EvictedEnvelopes uint64
	// AnswersWithheld counts datagrams not sent to an address that sent
	// this node something but has not proved it receives (docs/protocol.md,
	// "Nothing but its own size to an address that has not proved it
	// receives"), and AnswerBytesWithheld their bytes: held back until it
	// proves itself (each attempt counts once), or an Ack beyond what came
	// from it. AnswersUnsent counts single-attempt datagrams (a Welcome)
	// dropped because it never did, and Challenges the empty MemberLists
	// sent to ask it to.
	AnswersWithheld, AnswerBytesWithheld, AnswersUnsent, Challenges uint64
	// QueueMessages and QueueEnvelopes are the outbound queue's current
	// length; QueuePeak the most envelopes it has held at once.
	QueueMessages, QueueEnvelopes, QueuePeak int
	// MemoryBytes approximates the bytes held by the service's bounded
	// structures: member table, version vector, data log, outbound queue
	// and receive buffer. It grows to a high-water mark and stays there.
	MemoryBytes int

	Dropped Drops // malformed or unexpected datagrams, by reason

	// Sealing counts the sealing layer's work and drops (all zero without
	// Config.Keys). Datagrams it drops never reach DatagramsIn.
	Sealing SealStats

	MembersAdded    uint64
	MembersLeft     uint64 // removed on the member's Leave
	MembersFailed   uint64 // removed as failed: declared here, by another node's verdict, or (base-format members) expired envelopes
	MembersUpdated  uint64 // a known member's metadata or address changed
	MembersReplaced uint64 // a new id appeared at their address
	MembersRefused  uint64 // not added: the table was at MaxMembers
	MembersBuried   uint64 // not re-added: removed within TombstonePeriod, and only hearsay said otherwise
	Introductions   uint64 // own entries sent to newcomers heard of by rumor
	MemberSyncs     uint64 // MemberList slices sent in place of a Status
	Greetings       uint64 // Hellos to senders this node did not know (membership repair)

	DataOriginated uint64 // payloads this node sent with SendData
	DataDelivered  uint64 // payloads handed to OnData (each exactly once)
	DataDuplicates uint64 // Data already seen, or this node's own, ignored
	DataForwarded  uint64 // payloads passed on to other members
	DataRepaired   uint64 // Data resent from the log to answer a Status
	DataSkipped    uint64 // sequence numbers given up as lost (GapTimeout, window)
	// DataTooFar counts Data held back because its seq lay further ahead
	// of its origin's window than one unconfirmed datagram may move it
	// (docs/protocol.md, "Sequence numbers: serial, and not moved far by
	// one datagram").
	DataTooFar     uint64
	DataLogEvicted uint64 // entries dropped from the data log to make room
	OriginsEvicted uint64 // origins forgotten at MaxOrigins
	// DataLogBytes and Origins are the data log's current size in bytes
	// (at most Config.DataLogBytes) and the version vector's current
	// length (at most Config.MaxOrigins).
	DataLogBytes, Origins int
	StatusSent            uint64
	StatusReceived        uint64

	// Detector counts the failure detector's work (see Config.ProbeTimeout
	// and the fields after it).
	Detector DetectorStats
}

// DetectorStats counts what the failure detector did, and holds its
// current state.
type DetectorStats struct {
	Probes             uint64 // direct probes of members that speak the extensions
	ProbeTimeouts      uint64 // of those, unanswered within ProbeTimeout: indirect probes followed
	IndirectProbes     uint64 // ProbeRequests sent to other members for those
	IndirectAnswered   uint64 // positive ProbeResults: the target answered a relay
	IndirectNacks      uint64 // negative ProbeResults: the relay could not reach it either
	Relayed            uint64 // probes this node made for others' ProbeRequests
	RelaysRefused      uint64 // ProbeRequests refused: too many probes in flight
	SuspicionsRaised   uint64 // members this node suspected (nobody reached them)
	SuspicionsConfirm  uint64 // others' suspicions this node confirmed (its own probe went unanswered too)
	SuspicionsAnswered uint64 // suspicions held here that ended when the suspect was heard from
	SuspicionsRefuted  uint64 // suspicions held here that ended in a higher incarnation of the member's
	Suspected          uint64 // times this node learned it was suspected (at most once a TickInterval)
	Declared           uint64 // suspicions that ran out here: members declared failed by this node
	Refutations        uint64 // verdicts of this node's failure or departure that it refuted
	Corrections        uint64 // stale records answered with the newer one
	VerdictsTold       uint64 // removed members told their verdict, so a live one can refute it
	Stalls             uint64 // Ticks that came well after a detector deadline (a paused or starved loop)
	Suspects           int    // members suspected right now
	Health             int    // local health score now: 0 healthy, up to Config.LocalHealthMax
	Incarnation        uint32 // this node's incarnation now
}

// Drops counts dropped datagrams by reason.
type Drops struct {
	Short       uint64 // shorter than the fields it announces
	Trailing    uint64 // bytes after a complete message
	UnknownType uint64 // a type version 1 does not define
	Version     uint64 // another protocol version
	Flags       uint64 // non-zero header flags
	Address     uint64 // a member address that is not /ip4|ip6/.../udp/P
	Invalid     uint64 // a forbidden value: zero id, zero sequence
	Oversize    uint64 // longer than MaxMessageSize
	Sealed      uint64 // a sealed datagram, and no keys to open it
	State       uint64 // not expected in this state (a Hello while joining, anything before Join)
	Unsolicited uint64 // a Welcome answering no Hello of ours
	Spoofed     uint64 // a Leave for a member sent from another address
	Self        uint64 // a Hello or Welcome claiming this node's own id
	// Label counts plaintext datagrams of another cluster label, or of
	// none when this node has one (Config.Label).
	Label uint64
}

// Total returns the sum of all drops.
func (d Drops) Total() uint64 {
	return d.Short + d.Trailing + d.UnknownType + d.Version + d.Flags + d.Address +
		d.Invalid + d.Oversize + d.Sealed + d.State + d.Unsolicited + d.Spoofed + d.Self + d.Label
}

// Stats returns a snapshot of the counters. It does not allocate.
func (s *GossipService) Stats() Stats {
	q := s.n.Out.Stats()
	ns := &s.n.Stats
	d := &ns.Drops
	return Stats{
		DatagramsIn:         s.io.datagramsIn,
		BytesIn:             s.io.bytesIn,
		DatagramsOut:        s.io.datagramsOut,
		BytesOut:            s.io.bytesOut,
		ReceiveErrors:       s.io.receiveErrors,
		SendErrors:          s.io.sendErrors,
		Retries:             q.Retries,
		Acked:               q.Acked,
		StaleAcks:           ns.StaleAcks,
		Expired:             q.Expired,
		Evicted:             q.Evicted,
		EvictedEnvelopes:    q.Discarded,
		AnswersWithheld:     s.amp.Withheld,
		AnswerBytesWithheld: s.amp.WithheldBytes,
		AnswersUnsent:       q.Unsent,
		Challenges:          s.challenges,
		QueueMessages:       s.n.Out.Messages(),
		QueueEnvelopes:      s.n.Out.Len(),
		QueuePeak:           q.Peak,
		MemoryBytes: s.n.Members.Footprint() + s.n.Versions.Footprint() + s.n.Log.Footprint() +
			s.n.Out.Footprint() + cap(s.rbuf) + s.amp.Footprint(),
		Dropped: Drops{
			Short:       d[node.DropShort],
			Trailing:    d[node.DropTrailing],
			UnknownType: d[node.DropUnknownType],
			Version:     d[node.DropVersion],
			Flags:       d[node.DropFlags],
			Address:     d[node.DropAddress],
			Invalid:     d[node.DropInvalid],
			Oversize:    d[node.DropOversize],
			Sealed:      d[node.DropSealed],
			State:       d[node.DropPhase],
			Unsolicited: d[node.DropUnsolicited],
			Spoofed:     d[node.DropSpoofed],
			Self:        d[node.DropSelf],
			Label:       s.labelDrops(),
		},
		Sealing:         s.sealStats(),
		MembersAdded:    ns.MembersAdded,
		MembersLeft:     ns.MembersLeft,
		MembersFailed:   ns.MembersFailed,
		MembersReplaced: ns.MembersReplaced,
		MembersRefused:  ns.MembersRefused,
		MembersBuried:   ns.MembersBuried,
		Introductions:   ns.Introductions,
		Greetings:       ns.Greetings,
		MemberSyncs:     ns.MemberSyncs,
		DataOriginated:  s.io.originated,
		DataDelivered:   ns.DataDelivered,
		DataDuplicates:  ns.DataDuplicates,
		DataForwarded:   ns.DataForwarded,
		DataRepaired:    ns.DataRepaired,
		DataSkipped:     s.n.Versions.Skipped,
		DataTooFar:      s.n.Versions.Far,
		DataLogEvicted:  s.n.Log.Dropped,
		OriginsEvicted:  s.n.Versions.Evicted,
		DataLogBytes:    s.n.Log.Bytes(),
		Origins:         s.n.Versions.Len(),
		StatusSent:      ns.StatusSent,
		StatusReceived:  ns.StatusReceived,
		MembersUpdated:  ns.MembersUpdated,
		Detector:        s.detectorStats(),
	}
}

func (s *GossipService) detectorStats() DetectorStats {
	d := s.n.Detector.Stats()
	ns := &s.n.Stats
	return DetectorStats{
		Probes:             d.Probes,
		ProbeTimeouts:      d.ProbeTimeouts,
		IndirectProbes:     d.IndirectRequested,
		IndirectAnswered:   d.IndirectReached,
		IndirectNacks:      d.IndirectNacks,
		Relayed:            d.Relayed,
		RelaysRefused:      d.RelayDropped,
		SuspicionsRaised:   d.Suspected,
		SuspicionsConfirm:  d.Confirmed,
		SuspicionsAnswered: d.Answered,
		SuspicionsRefuted:  ns.SuspicionsRefuted,
		Suspected:          ns.Suspected,
		Declared:           d.Declared,
		Refutations:        ns.Refutations,
		Corrections:        ns.Corrections,
		VerdictsTold:       ns.VerdictsTold,
		Stalls:             d.Stalls,
		Suspects:           s.n.Detector.Suspicions(),
		Health:             s.n.Detector.Health(),
		Incarnation:        s.n.Inc,
	}
}
