package detector

import (
	"net/netip"
	"time"
)

// ProbeKind says why a probe was sent, and so what its silence means.
type ProbeKind uint8

// The probe kinds.
const (
	// Direct is this node's own probe of a member, the round's datagram:
	// silence escalates to indirect probes, then to suspicion.
	Direct ProbeKind = iota + 1
	// Relay is a probe on another node's behalf (its ProbeRequest): the
	// outcome, either way, is reported back to the requester.
	Relay
)

// ActionKind says what the node must do for an Action.
type ActionKind uint8

// The actions Step returns.
const (
	// ActRetry: a direct probe is unanswered halfway through its timeout:
	// probe Target once more directly (Retry that datagram's seq). Under
	// loss the second datagram usually gets through, which spares the
	// indirect probes.
	ActRetry ActionKind = iota + 1
	// ActIndirect: a direct probe went unanswered. Ask other members to
	// probe Target (Request each ProbeRequest's seq) and probe it once
	// more directly (Retry that datagram's seq).
	ActIndirect
	// ActSuspect: nobody reached Target: raise a suspicion of it at Inc.
	ActSuspect
	// ActNack: a relayed probe of Target went unanswered: tell Requester
	// with a negative ProbeResult naming RequestSeq.
	ActNack
	// ActConfirm: a suspect did not answer this node's first ping within
	// a probe timeout either: confirm the suspicion of Target at Inc to its
	// other observers.
	ActConfirm
	// ActPing: ping a suspect again (a datagram it acknowledges): any
	// datagram from it ends this node's suspicion (HeardFrom).
	ActPing
	// ActDeclare: the suspicion of Target at Inc ran out unrefuted:
	// declare it failed.
	ActDeclare
)

// Action is one thing the node must do now.
type Action struct {
	Kind       ActionKind
	Target     uint64
	Addr       netip.AddrPort // the target's address
	Inc        uint32         // the target's incarnation when probed or suspected
	Requester  netip.AddrPort // ActNack: who asked
	RequestSeq uint32         // ActNack: the request's seq
}

// maxSeqs bounds the datagrams whose answer completes one probe: the
// first attempt and the two direct retries.
const maxSeqs = 3

// maxRequests bounds the ProbeRequests one direct probe sends.
const maxRequests = 8

type probe struct {
	kind       ProbeKind
	target     uint64
	addr       netip.AddrPort
	inc        uint32
	seqs       [maxSeqs]uint32
	nseq       int
	indirect   bool // a Direct probe in its second phase
	retried    bool // a Direct probe's early retry went out
	retryAt    time.Time
	requests   [maxRequests]uint32
	relays     [maxRequests]netip.AddrPort
	nreq       int
	results    int // ProbeResults received, either way
	deadline   time.Time
	requester  netip.AddrPort
	requestSeq uint32
}

func (p *probe) answeredBy(seq uint32, from netip.AddrPort) bool {
	if from != p.addr {
		return false
	}
	for _, s := range p.seqs[:p.nseq] {
		if s == seq {
			return true
		}
	}
	return false
}

type suspicion struct {
	inc        uint32
	addr       netip.AddrPort
	start      time.Time
	members    int // cluster size when raised: the floor does not move with churn
	confirmers [maxConfirmers]uint64
	n          int // independent confirmations (the raiser not counted)
	deadline   time.Time
	nextPing   time.Time
	confirmAt  time.Time // when this node confirms, if the suspect has not answered
	confirmed  bool      // this node has confirmed (or declined to)
}

// pingsPerTimeout is how many times a suspect is pinged per probe
// timeout while suspected: each ping is another chance for the member to
// show it is alive, so that a few lost datagrams do not add up to a
// verdict.
const pingsPerTimeout = 4

// maxConfirmers bounds the confirmations tracked per suspicion.
const maxConfirmers = 8

// Stats counts what the detector saw and decided.
type Stats struct {
	Probes            uint64 // direct probes started
	ProbeTimeouts     uint64 // direct probes that escalated to indirect probes
	IndirectRequested uint64 // ProbeRequests sent for this node's probes
	IndirectReached   uint64 // positive ProbeResults for them
	IndirectNacks     uint64 // negative ProbeResults for them
	Relayed           uint64 // probes made for others' ProbeRequests
	RelayDropped      uint64 // ProbeRequests refused: too many probes tracked
	Suspected         uint64 // suspicions this node raised
	Confirmed         uint64 // suspicions this node confirmed
	Answered          uint64 // suspicions ended because the suspect was heard from
	Declared          uint64 // suspicions that ran out here (declared failed)
	Cleared           uint64 // suspicions cleared by a refutation or a removal
	Stalls            uint64 // Steps that came well after a deadline: the loop stalled
}

// Detector is the failure detector's state. It is not safe for
// concurrent use.
type Detector struct {
	cfg      Config
	probes   []probe
	suspects map[uint64]*suspicion
	health   int
	stats    Stats
}

// New returns a detector with the given settings.
func New(cfg Config) *Detector {
	return &Detector{cfg: cfg, probes: make([]probe, 0, cfg.MaxProbes), suspects: make(map[uint64]*suspicion)}
}

// Stats returns the counters.
func (d *Detector) Stats() Stats { return d.stats }

// Health returns the local health score: 0 is healthy, MaxHealth the
// worst.
func (d *Detector) Health() int { return d.health }

// adjustHealth moves the score by delta within 0..MaxHealth.
func (d *Detector) adjustHealth(delta int) {
	d.health = min(max(d.health+delta, 0), d.cfg.MaxHealth)
}

// Refuted tells the detector this node had to refute a suspicion of
// itself: others could not reach it, which says as much about this node
// as about them.
func (d *Detector) Refuted() { d.adjustHealth(1) }

// scale stretches a timeout by the local health.
func (d *Detector) scale(t time.Duration) time.Duration { return t * time.Duration(1+d.health) }

// ProbeTimeout returns the current, health-scaled, probe timeout.
func (d *Detector) ProbeTimeout() time.Duration { return d.scale(d.cfg.ProbeTimeout) }

// Probing reports whether a Direct probe of target is outstanding.
func (d *Detector) Probing(target uint64) bool {
	return d.find(Direct, target) >= 0
}

func (d *Detector) find(kind ProbeKind, target uint64) int {
	for i := range d.probes {
		if d.probes[i].kind == kind && d.probes[i].target == target {
			return i
		}
	}
	return -1
}

// add tracks a probe, making room by dropping the oldest Relay (never a
// Direct: that is this node's own view) when full. It reports false
// when nothing could be dropped.
func (d *Detector) add(p probe) bool {
	if len(d.probes) == d.cfg.MaxProbes {
		drop := -1
		for i := range d.probes {
			if d.probes[i].kind != Direct {
				drop = i
				break
			}
		}
		if drop < 0 {
			return false
		}
		d.remove(drop)
	}
	d.probes = append(d.probes, p)
	return true
}

func (d *Detector) remove(i int) {
	copy(d.probes[i:], d.probes[i+1:])
	d.probes = d.probes[:len(d.probes)-1]
}

// Probe starts a Direct probe of target, whose datagram went out with
// seq, and reports whether it is tracked. A probe of a target already
// being probed only adds seq to it.
func (d *Detector) Probe(kind ProbeKind, target uint64, addr netip.AddrPort, inc uint32, seq uint32, now time.Time) bool {
	if i := d.find(kind, target); i >= 0 {
		d.Retry(kind, target, seq)
		return true
	}
	p := probe{kind: kind, target: target, addr: addr, inc: inc, deadline: now.Add(d.ProbeTimeout()),
		retryAt: now.Add(d.ProbeTimeout() / 2)}
	p.seqs[0], p.nseq = seq, 1
	if !d.add(p) {
		return false
	}
	if kind == Direct {
		d.stats.Probes++
	}
	return true
}

// Relay starts a probe of target on requester's behalf (its ProbeRequest
// had requestSeq), whose datagram went out with seq. It reports false,
// counting the refusal, when the detector tracks too many probes.
func (d *Detector) Relay(target uint64, addr netip.AddrPort, seq uint32, requester netip.AddrPort, requestSeq uint32, now time.Time) bool {
	p := probe{kind: Relay, target: target, addr: addr, deadline: now.Add(d.ProbeTimeout()),
		requester: requester, requestSeq: requestSeq}
	p.seqs[0], p.nseq = seq, 1
	if len(d.probes) == d.cfg.MaxProbes || !d.add(p) {
		d.stats.RelayDropped++
		return false
	}
	d.stats.Relayed++
	return true
}

// Retry adds the seq of another datagram sent to the target of an
// outstanding probe: its answer completes the probe too.
func (d *Detector) Retry(kind ProbeKind, target uint64, seq uint32) {
	if i := d.find(kind, target); i >= 0 && d.probes[i].nseq < maxSeqs {
		p := &d.probes[i]
		p.seqs[p.nseq] = seq
		p.nseq++
	}
}

// Request records a ProbeRequest about target sent to relay with seq,
// for the Direct probe that ActIndirect escalated.
func (d *Detector) Request(target uint64, relay netip.AddrPort, seq uint32) {
	if i := d.find(Direct, target); i >= 0 && d.probes[i].nreq < maxRequests {
		p := &d.probes[i]
		p.requests[p.nreq], p.relays[p.nreq] = seq, relay
		p.nreq++
		d.stats.IndirectRequested++
	}
}

// Acked handles an Ack with seq from the given address. If it answers a
// probe, the probe is over: it is returned (a Relay's requester must now
// be told the target was reached) with true. Health improves when it
// answers this node's own probe.
func (d *Detector) Acked(seq uint32, from netip.AddrPort) (kind ProbeKind, requester netip.AddrPort, requestSeq uint32, target uint64, ok bool) {
	for i := range d.probes {
		p := &d.probes[i]
		if !p.answeredBy(seq, from) {
			continue
		}
		kind, requester, requestSeq, target = p.kind, p.requester, p.requestSeq, p.target
		if kind == Direct {
			d.adjustHealth(-1)
		}
		d.remove(i)
		return kind, requester, requestSeq, target, true
	}
	return 0, netip.AddrPort{}, 0, 0, false
}

// Result handles a ProbeResult from relay naming requestSeq and target.
// A positive one ends this node's probe of target as answered; a
// negative one is counted (it proves this node and the relay can talk).
// It reports whether the result matched a request of ours.
func (d *Detector) Result(relay netip.AddrPort, requestSeq uint32, target uint64, reached bool) bool {
	i := d.find(Direct, target)
	if i < 0 {
		return false
	}
	p := &d.probes[i]
	for j := range p.nreq {
		if p.requests[j] != requestSeq || p.relays[j] != relay {
			continue
		}
		p.requests[j] = 0 // one result per request
		p.results++
		if !reached {
			d.stats.IndirectNacks++
			return true
		}
		d.stats.IndirectReached++
		d.adjustHealth(-1)
		d.remove(i)
		return true
	}
	return false
}

// Forget drops every probe and the suspicion of target: it was removed,
// or proved alive at a higher incarnation.
func (d *Detector) Forget(target uint64) {
	for i := 0; i < len(d.probes); {
		if d.probes[i].target == target && d.probes[i].kind != Relay {
			d.remove(i)
			continue
		}
		i++
	}
	d.Clear(target)
}

// Reset drops every probe and suspicion: the node left the cluster.
func (d *Detector) Reset() {
	d.probes = d.probes[:0]
	clear(d.suspects)
}
