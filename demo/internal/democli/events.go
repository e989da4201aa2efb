package democli

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

// onMember prints one line per change in the member table: joined,
// left, replaced at info, failed at warn. Its members field is
// NumMembers: the other members, this node not counted.
func (r *runner) onMember(ev gossip.MemberEvent) {
	id := ev.Member.ID
	if ev.Kind == gossip.MemberJoined {
		r.addrs[id] = ev.Member.Addr
	} else {
		delete(r.addrs, id)
	}
	level := zerolog.InfoLevel
	if ev.Kind == gossip.MemberFailed {
		level = zerolog.WarnLevel
	}
	r.log.WithLevel(level).
		Stringer("member", id).
		Stringer("addr", ev.Member.Addr).
		Int("members", r.svc.NumMembers()).
		Msg("member " + ev.Kind.String())
}

// onData prints one line per payload received: its origin (and the
// origin's address when it is a known member), its sequence number, the
// text, and, for a payload made by FormatPayload, how old it is.
func (r *runner) onData(origin gossip.NodeID, seq uint32, payload []byte) {
	now := time.Now()
	e := r.log.Info().Stringer("origin", origin)
	if a, ok := r.addrs[origin]; ok {
		e = e.Stringer("from", a)
	}
	e = e.Uint32("seq", seq).Bytes("payload", payload) // copied now: payload is valid only during the call
	if sent, ok := PayloadTime(payload); ok {
		e = e.Dur("age_ms", now.Sub(sent))
	}
	e.Msg("data")
}
