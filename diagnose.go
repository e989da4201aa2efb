package gossip

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/tickgossip/gossip/internal/addrhash"
	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/internal/seal"
	"github.com/tickgossip/gossip/message"
)

// Explaining failures (docs/protocol.md, "Datagrams that do not open are
// explained"): a datagram this node cannot read (sealed under a key it
// lacks or for another node, plaintext when it takes only sealed ones,
// sealed when it has no keys, of another sealing version or cluster label)
// is logged at warn, at most once per sender address per minute; and a
// join that got only such answers says so.

// refusal is why a datagram was not read: the sealing layer's reasons,
// and the engine's own few.
type refusal uint8

const (
	refusedNoKey refusal = iota
	refusedPlaintext
	refusedSealed // sealed, and this node has no keys
	refusedVersion
	refusedMisaddressed
	refusedMalformed
	refusedLabel // another cluster's label, or none where one is required
	numRefusals
)

var refusalText = [numRefusals]struct{ reason, joined, hint string }{
	refusedNoKey: {"no_key", "did not open under our keys",
		"sealed under a key this node does not hold (or for another node, or another cluster label)"},
	refusedPlaintext: {"plaintext_refused", "were plaintext, which this node refuses (it has keys)",
		"plaintext, and this node accepts only sealed datagrams (Config.AcceptPlaintext while rolling keys out)"},
	refusedSealed: {"sealed", "were sealed, and this node has no keys",
		"sealed, and this node has no keys (Config.Keys)"},
	refusedVersion: {"version", "were sealed in another format version",
		"sealed in another format version than 2 (version 1 is not bound to its recipient)"},
	refusedMisaddressed: {"misaddressed", "were sealed for no recipient",
		"sealed for recipient 0, and not a Hello"},
	refusedMalformed: {"malformed", "were too short to be sealed datagrams",
		"type Sealed, and shorter than 36 bytes"},
	refusedLabel: {"label", "carried another cluster's label",
		"another cluster's datagram (Config.Label differs)"},
}

// refusalOf maps the sealing layer's reason, or false for a datagram that
// opened and failed a later check (a replay): that is not a failure to
// explain but traffic to distrust, counted and logged at debug.
func refusalOf(r seal.Reason) (refusal, bool) {
	switch r {
	case seal.ReasonNoKey:
		return refusedNoKey, true
	case seal.ReasonPlaintext:
		return refusedPlaintext, true
	case seal.ReasonVersion:
		return refusedVersion, true
	case seal.ReasonMisaddressed:
		return refusedMisaddressed, true
	case seal.ReasonMalformed:
		return refusedMalformed, true
	case seal.ReasonLabel:
		return refusedLabel, true
	}
	return 0, false
}

// warnEvery is how often one sender address may be logged at warn.
const warnEvery = time.Minute

// warnSlots bounds the per-address memory of the rate limit; warnBurst
// caps the warn lines of all addresses together in a minute (a flood of
// spoofed sources must not flood the log either).
const (
	warnSlots = 256
	warnBurst = 60
)

// refusals is the service's record of datagrams it could not read.
type refusals struct {
	last [warnSlots]struct {
		key uint64
		at  int64
	} // direct-mapped by address key
	windowAt   int64 // start of the current minute for warnBurst
	inWindow   int
	suppressed uint64              // warn lines not written since the last one
	fromSeeds  [numRefusals]uint64 // while joining, by reason
	fromOthers [numRefusals]uint64
}

// onSealRefused is the sealing layer's OnRefused.
func (s *GossipService) onSealRefused(from netip.AddrPort, r seal.Reason) {
	if why, ok := refusalOf(r); ok {
		s.refused(from, why)
		return
	}
	s.n.Logger.Debug().Stringer("from", from).Str("reason", r.String()).Msg("sealed datagram refused")
}

// refusedUnread notes a datagram the engine is about to read that this
// node cannot: sealed, at a node without keys (the engine drops it as
// Sealed), or labelled at a node without keys or label, which it drops
// here (it would be an unknown type) as another cluster's, and reports
// true.
func (s *GossipService) refusedUnread(from netip.AddrPort, b []byte) bool {
	if s.sealer != nil || len(b) < 2 || b[0] != 0 {
		return false
	}
	switch b[1] {
	case byte(message.TypeSealed):
		s.refused(from, refusedSealed)
	case label.Type:
		s.unlabelled++
		s.refused(from, refusedLabel)
		return true
	}
	return false
}

// onLabelDropped is the label layer's OnDropped.
func (s *GossipService) onLabelDropped(from netip.AddrPort, _ label.Verdict) {
	s.refused(from, refusedLabel)
}

// labelDrops counts the datagrams dropped for their label: by the label
// layer, or here at a node without a label.
func (s *GossipService) labelDrops() uint64 {
	n := s.unlabelled
	if s.labels != nil {
		n += s.labels.Stats().Dropped()
	}
	return n
}

// refused records a datagram from from that this node could not read:
// counted against the seeds while joining, and logged at warn within the
// rate limits.
func (s *GossipService) refused(from netip.AddrPort, why refusal) {
	now := s.n.Now.UnixNano()
	if s.state == Joining {
		seed := false
		for _, a := range s.n.Seeds {
			seed = seed || a == from
		}
		if seed {
			s.refusal.fromSeeds[why]++
		} else {
			s.refusal.fromOthers[why]++
		}
	}
	r := &s.refusal
	k := addrhash.Of(from)
	slot := &r.last[k%warnSlots]
	if slot.key == k && now-slot.at < int64(warnEvery) {
		return
	}
	if now-r.windowAt >= int64(time.Minute) {
		r.windowAt, r.inWindow = now, 0
	}
	if r.inWindow >= warnBurst {
		r.suppressed++
		return
	}
	r.inWindow++
	slot.key, slot.at = k, now
	e := s.n.Logger.Warn().Stringer("from", from).Str("reason", refusalText[why].reason)
	if r.suppressed > 0 {
		e = e.Uint64("suppressed", r.suppressed)
		r.suppressed = 0
	}
	e.Msg("datagram not read: " + refusalText[why].hint)
}

// joinFailed returns the error of a join that ran out of Hellos: a
// *JoinError that says why when the seeds' answers (or others') came but
// could not be read, or when this node seals (a seed without its key drops
// its Hellos unanswered), ErrJoinFailed otherwise.
func (s *GossipService) joinFailed() error {
	top := func(c *[numRefusals]uint64) (refusal, uint64) {
		var (
			best refusal
			n    uint64
		)
		for why, k := range c {
			if k > n {
				best, n = refusal(why), k
			}
		}
		clear(c[:])
		return best, n
	}
	why, n := top(&s.refusal.fromSeeds)
	other, m := top(&s.refusal.fromOthers)
	seeds := "the seed"
	if len(s.n.Seeds) > 1 {
		seeds = "the seeds"
	}
	switch {
	case n > 0:
		return &JoinError{Datagrams: n, Reason: refusalText[why].reason,
			Detail: fmt.Sprintf("%d datagrams from %s %s", n, seeds, refusalText[why].joined)}
	case m > 0:
		return &JoinError{Datagrams: m, Reason: refusalText[other].reason,
			Detail: fmt.Sprintf("no seed answered; %d datagrams from other addresses %s", m, refusalText[other].joined)}
	case s.sealer != nil:
		return &JoinError{Reason: "silence",
			Detail: "no seed answered (a seed that holds none of our keys drops our Hellos without answering; its log says so at warn)"}
	}
	return ErrJoinFailed
}

// JoinError is what Err returns after a join whose Hellos ran out while
// the seeds did answer, with datagrams this node could not read: sealed
// under a key it lacks, plaintext it refuses, sealed when it has no keys,
// another cluster's. errors.Is(err, ErrJoinFailed) holds.
type JoinError struct {
	// Datagrams is how many datagrams of the commonest reason came from
	// the seeds.
	Datagrams uint64
	// Reason names it as the logs do: no_key, plaintext_refused, sealed,
	// version, misaddressed, malformed or label; or silence, when nothing
	// came and this node seals.
	Reason string
	// Detail says it in words, e.g. "3 datagrams from the seed did not
	// open under our keys".
	Detail string
}

// Error returns the failure with its detail.
func (e *JoinError) Error() string { return "gossip: join failed: " + e.Detail }

// Unwrap returns ErrJoinFailed.
func (e *JoinError) Unwrap() error { return ErrJoinFailed }
