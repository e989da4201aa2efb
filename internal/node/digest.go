package node

import (
	"net/netip"

	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/message"
)

// digestSync is memberSync for a member that speaks the extensions: the
// round's datagram is a Digest of this node's view (message.Digest),
// acknowledged like the Status it replaces, so it probes just as well.
// Where the two views differ the member answers with its records of those
// buckets and a Digest of its own, and this node answers that with its
// records (see AnswerDigest): two views converge in one exchange, and
// views that agree cost the two datagrams a Status would.
func (n *Node) digestSync(to members.Member) uint32 {
	out, buf := n.Open()
	var d message.Digest
	n.Members.Digest(&d, n.digestBits(), false, n.Inc, n.digestBuf())
	size, err := d.Encode(buf, 0)
	if !n.Commit(out, size, err, message.TypeDigest) {
		return 0
	}
	seq := n.ToSeq(out, to.Addr, to.ID, n.Cfg.RetryAttempts)
	n.Out.Close(out)
	n.Stats.MemberSyncs++
	return seq
}

// digestBits is how many bucket bits this node's Digests use: as many as
// fit its datagrams.
func (n *Node) digestBits() int { return message.DigestBits(n.Cfg.MaxMessageSize) }

// digestBuf returns the node's scratch for building a Digest.
func (n *Node) digestBuf() []byte {
	if n.dbuf == nil {
		n.dbuf = make([]byte, (1<<message.MaxDigestBits)*message.DigestBucketSize)
	}
	return n.dbuf
}

// AnswerDigest compares a member's Digest with this node's view and sends
// it this node's records of the buckets that differ (members, and the
// verdicts of the members it removed), at most JoinListDatagrams Updates
// per Digest (later ones continue). Unless the Digest is itself an
// answer, a Digest of this node's view follows, so that the member sends
// what this node lacks.
func (n *Node) AnswerDigest(d *message.Digest, to netip.AddrPort, toID uint64) {
	var mine message.Digest
	n.Members.Digest(&mine, d.Bits(), true, n.Inc, n.digestBuf())
	recs := n.verdicts[:0]
	budget := n.Cfg.JoinListDatagrams * message.MaxRecordLen(n.Cfg.MaxMessageSize) / message.AliveRecordLen(true, 0)
	differ := false
	start := n.Rand.IntN(1 << d.Bits()) // a different part first each time, so big differences are all repaired in turn
	for k := range 1 << d.Bits() {
		i := (start + k) % (1 << d.Bits())
		c, h := d.Bucket(i)
		if mc, mh := mine.Bucket(i); mc == c && mh == h {
			continue
		}
		differ = true
		if len(recs) >= budget {
			continue
		}
		recs = n.bucketRecords(recs, i, d.Bits())
	}
	n.verdicts = recs[:0]
	if !differ {
		return
	}
	n.Stats.DigestRepairs++
	n.sendRecords(recs, to, toID, false)
	if !d.Answer {
		out, buf := n.Open()
		size, err := mine.Encode(buf, 0)
		if n.Commit(out, size, err, message.TypeDigest) {
			n.To(out, to, toID, n.Cfg.RetryAttempts)
			n.Out.Close(out)
		}
	}
}

// bucketRecords appends this node's records of bucket i of 2^bits: its
// own if it falls there, each member's with a known incarnation, and the
// verdicts of recently removed members.
func (n *Node) bucketRecords(dst []message.Record, i, bits int) []message.Record {
	if message.DigestBucket(n.Self.ID, bits) == i {
		dst = append(dst, n.SelfRecord())
	}
	lo, hi := n.Members.Bucket(i, bits)
	for j := lo; j < hi; j++ {
		if mb := n.Members.At(j); mb.Inc > 0 {
			dst = append(dst, message.Record{Kind: message.RecordAlive, ID: mb.ID, Inc: mb.Inc, Addr: mb.Addr, Meta: mb.Meta})
		}
	}
	tombs := n.Members.TombsIn(n.tombs[:0], i, bits, 8, n.Now)
	for _, tb := range tombs {
		if r, ok := n.verdictRecord(tb); ok {
			dst = append(dst, r)
		}
	}
	n.tombs = tombs[:0]
	return dst
}
