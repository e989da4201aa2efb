package gossip

import (
	"net/netip"

	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/message"
)

// Anti-amplification (docs/protocol.md, "Nothing but its own size to an
// address that has not proved it receives"). The service's part:
//
//   - what it reads from an address is that address's credit, and the
//     address is unproven until it names one of this node's envelope seqs
//     (an Ack or a Welcome), which only a recipient can;
//   - what a handler queues back to an unproven address while handling
//     its datagram is an answer (envelope.Out.Answer); to an address that
//     is not a member, Acks and a challenge (an empty MemberList, 10
//     bytes, which any conforming node acknowledges) go out within the
//     credit, the rest is held back (envelope's ErrWithheld) and a
//     challenge is queued if none is waiting;
//   - an unproven address that sent a Hello is a member on its own word:
//     everything to it is limited the same way, its announcement to the
//     cluster waits for its proof (Queue.HoldBehind), and member syncs
//     leave it out, so that one forged Hello does not make the cluster
//     send to its address;
//   - the proof releases what was held back, at once.

// maxChallenges bounds the challenges one Send may queue.
const maxChallenges = 16

// challengeQueue lists the addresses whose datagrams one Send held back,
// to challenge after the pass (the queue must not change during it).
type challengeQueue struct {
	to [maxChallenges]netip.AddrPort
	n  int
}

func (c *challengeQueue) add(a netip.AddrPort) {
	for _, x := range c.to[:c.n] {
		if x == a {
			return
		}
	}
	if c.n < len(c.to) {
		c.to[c.n] = a
		c.n++
	}
}

// received is called for every datagram read: it credits from with its
// size, and returns what afterDispatch needs.
func (s *GossipService) received(from netip.AddrPort, size int) (acked, mark uint64, limited bool) {
	limited = s.amp.Received(from, size, s.n.MemberIndex(from) >= 0)
	return s.n.Out.Acked(), s.n.Out.Mark(), limited
}

// afterDispatch proves from if handling its datagram b acknowledged one of
// this node's envelopes (only the envelope's recipient can name it), and
// otherwise, for an unproven from, marks what was queued back to it as
// answers and, for a Hello, holds the newcomer's announcement behind its
// proof.
func (s *GossipService) afterDispatch(from netip.AddrPort, b []byte, acked, mark uint64, limited bool) {
	acknowledged := s.n.Out.Acked() != acked
	if acknowledged && s.n.Out.Held() > 0 {
		// Also for an address the table no longer holds (a newcomer
		// pushed out by later ones): what waited for it goes at once.
		s.n.Out.Release(from, s.n.Now)
	}
	switch {
	case !limited:
	case acknowledged:
		joined := s.amp.Suspect(from)
		s.amp.Prove(from, s.n.MemberIndex(from) >= 0)
		if joined {
			s.n.AnnounceProven(from) // its record was kept back until now
		}
	default:
		s.n.Out.MarkAnswers(mark, from)
		if len(b) >= 2 && b[0] == 0 && (message.Type(b[1]) == message.TypeHello || message.Type(b[1]) == message.TypeJoin) {
			// A newcomer on its own word (a Hello, or the Join that is its
			// extension form): its announcement waits for its proof. A
			// Join's announcement is a rumor record, which FlushRumors
			// keeps back while the address is unproven, and which the
			// proof below sends.
			s.amp.Joined(from, len(b))
			s.n.Out.HoldBehind(mark, from, message.TypeMemberList)
		}
	}
}

// withhold returns why the datagram b of envelope e must not go out now,
// or nil. Limited are: an answer to an address that is not a member and
// has not proved it receives (one the table forgot included), anything to
// a member that joined on its own word and has not proved itself, and a
// newcomer's announcement until the newcomer has. Of those, an Ack or a
// challenge goes out within the address's credit (else it is dropped),
// the rest is held back until the address proves itself. A member known
// otherwise (hearsay of members that have) is not limited: in a large
// cluster most members have never answered this node, and repairs to
// them must not wait for a round trip.
func (s *GossipService) withhold(e *envelope.Out, b []byte) error {
	behind, held := e.Behind()
	if !e.Answer && !held && s.amp.Suspects() == 0 {
		return nil // the common case: nothing to limit
	}
	if held && s.amp.Suspect(behind) {
		s.amp.Hold(len(b))
		s.toChallenge.add(behind)
		return envelope.ErrWithheld
	}
	st := s.amp.Lookup(e.To)
	if st.Proven {
		return nil
	}
	limited := st.Suspect || e.Answer && s.n.MemberIndex(e.To) < 0
	switch {
	case st.Challenge != 0 && st.Challenge == e.Seq, limited && e.Type == message.TypeAck:
		if s.amp.Allow(e.To, len(b)) {
			return nil
		}
		return envelope.ErrDropped
	case !limited:
		return nil
	}
	s.amp.Hold(len(b))
	s.toChallenge.add(e.To)
	return envelope.ErrWithheld
}

// challenge queues a challenge to every address whose datagrams the last
// pass held back and that has none waiting for its Ack, and reports
// whether it queued any. A challenge is acknowledged like any MemberList
// and adds no member; unanswered, it expires without consequence (it
// names no member).
func (s *GossipService) challenge() bool {
	queued := false
	for _, to := range s.toChallenge.to[:s.toChallenge.n] {
		if seq, ok := s.amp.Challenge(to); ok {
			if _, live := s.n.Out.Lookup(seq, to); live {
				continue
			}
		}
		out, buf := s.n.Open()
		w, err := message.NewMemberListWriter(buf[:s.n.Cfg.MaxMessageSize], 0)
		if !s.n.Commit(out, 0, err, message.TypeMemberList) {
			continue
		}
		s.n.Out.Commit(out, w.Finish(), message.TypeMemberList)
		mark := s.n.Out.Mark()
		seq, ok := s.n.Out.Add(out, to, 0, s.cfg.RetryAttempts, s.n.Now)
		s.n.Out.Close(out)
		s.n.Out.MarkAnswers(mark, to) // a limited datagram: within the credit
		if ok {
			s.amp.SetChallenge(to, seq)
			s.challenges++
			queued = true
		}
	}
	s.toChallenge.n = 0
	return queued
}
