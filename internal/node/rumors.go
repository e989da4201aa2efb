package node

import (
	"net/netip"
	"slices"

	"github.com/tickgossip/gossip/message"
)

// maxPendingRumors bounds the records gathered between two flushes;
// pendingMetaBytes bounds their metadata, copied out of the receive
// buffer. A full batch is flushed early.
const (
	maxPendingRumors = 64
	pendingMetaBytes = 8 << 10
)

// rumors gathers the membership news of one Receive (or one Tick) so that
// it goes out as one rumor, in as few Updates as it fills, rather than
// one rumor per datagram that brought it: when a partition heals, or many
// nodes join or fail at once, news comes in bursts, and a burst then
// costs about one rumor's datagrams instead of one per record.
type rumors struct {
	recs    []message.Record
	meta    []byte   // the records' metadata, fixed capacity
	exclude []uint64 // members that sent this news: not sent it back
}

// QueueRumor adds a record to the news to pass on at the next flush,
// which the service does at the end of every Receive and Tick. from is
// the member the news came from (0: none), which the rumor skips. A
// record already queued is not queued twice.
func (n *Node) QueueRumor(r message.Record, from uint64) {
	p := &n.pending
	if p.meta == nil {
		p.meta = make([]byte, 0, pendingMetaBytes)
	}
	for _, q := range p.recs {
		if q.ID == r.ID && q.Kind == r.Kind && q.Inc == r.Inc && q.From == r.From {
			return
		}
	}
	if len(p.recs) == maxPendingRumors || len(p.meta)+len(r.Meta) > cap(p.meta) {
		n.FlushRumors()
	}
	if len(r.Meta) > 0 {
		at := len(p.meta)
		p.meta = append(p.meta, r.Meta...)
		r.Meta = p.meta[at:len(p.meta):len(p.meta)]
	}
	p.recs = append(p.recs, r)
	if from != 0 && !slices.Contains(p.exclude, from) && len(p.exclude) < maxExclude-1 {
		p.exclude = append(p.exclude, from)
	}
}

// FlushRumors sends the news gathered since the last flush by rumor (see
// SpreadRecords).
func (n *Node) FlushRumors() {
	p := &n.pending
	if len(p.recs) == 0 {
		return
	}
	if n.Unproven != nil {
		// A newcomer that joined on its own word and has not shown it
		// receives is not announced (anti-amplification: a forged Join must
		// not make the cluster greet a victim); AnnounceProven does it once
		// it has.
		kept := p.recs[:0]
		for _, r := range p.recs {
			if r.Kind != message.RecordAlive || !n.Unproven(r.Addr) {
				kept = append(kept, r)
			}
		}
		p.recs = kept
		if len(p.recs) == 0 {
			p.meta, p.exclude = p.meta[:0], p.exclude[:0]
			return
		}
	}
	var ex [maxExclude]int
	exc := ex[:0]
	for _, id := range p.exclude {
		if i := n.IDIndex(id); i >= 0 {
			exc = append(exc, i)
		}
	}
	n.SpreadRecords(p.recs, exc)
	p.recs, p.meta, p.exclude = p.recs[:0], p.meta[:0], p.exclude[:0]
}

// AnnounceProven passes on the record of the member at addr, which joined
// on its own word and has now shown it receives (see FlushRumors).
func (n *Node) AnnounceProven(addr netip.AddrPort) {
	if m, ok := n.Members.ByAddr(addr); ok && m.Inc > 0 {
		n.QueueRumor(message.Record{Kind: message.RecordAlive, ID: m.ID, Inc: m.Inc, Addr: m.Addr, Meta: m.Meta}, 0)
	}
}
