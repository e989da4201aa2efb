package democli

import (
	"time"

	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

// onMember prints one line per change in the member table: joined,
// left, replaced, updated (new metadata) at info, failed at warn, with the
// member's metadata (-meta) when it has some. Its members field is
// NumMembers: the other members, this node not counted.
func (r *runner) onMember(ev gossip.MemberEvent) {
	id := ev.Member.ID
	switch ev.Kind {
	case gossip.MemberJoined, gossip.MemberUpdated:
		r.addrs[id] = ev.Member.Addr
	default:
		delete(r.addrs, id)
	}
	level := zerolog.InfoLevel
	if ev.Kind == gossip.MemberFailed {
		level = zerolog.WarnLevel
	}
	e := r.log.WithLevel(level).
		Stringer("member", id).
		Stringer("addr", ev.Member.Addr)
	if len(ev.Member.Meta) > 0 {
		e = e.Bytes("meta", ev.Member.Meta)
	}
	e.Int("members", r.svc.NumMembers()).Msg("member " + ev.Kind.String())
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
