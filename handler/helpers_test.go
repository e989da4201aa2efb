package handler_test

import (
	"fmt"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/handler"
	"github.com/tickgossip/gossip/internal/datalog"
	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/internal/version"
	"github.com/tickgossip/gossip/message"
)

// Every test node is 127.0.0.1: node id k listens on port 7000+k, and this
// node is id 5. Tests keep ids below 10 where they can, so that an id
// reads the same in decimal (ports, test code) and in Describe's hex.
const selfID = 5

const retryInterval = time.Second

var start = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

// addr returns the address of node id.
func addr(id uint64) netip.AddrPort {
	return netip.AddrPortFrom(netip.AddrFrom4([4]byte{127, 0, 0, 1}), uint16(7000+id))
}

// mem returns node id at its address.
func mem(id uint64) message.Member { return message.Member{ID: id, Addr: addr(id)} }

// md renders node id at its address as Describe does.
func md(id uint64) string { return fmt.Sprintf("%016x@/ip4/127.0.0.1/udp/%d", id, 7000+id) }

// hx renders an id as Describe does.
func hx(id uint64) string { return fmt.Sprintf("%016x", id) }

// newNode returns node 5 in the given phase, knowing the given members.
// Its settings are the defaults but for RepairBudget, kept small so tests
// reach it.
func newNode(tb testing.TB, phase node.Phase, known ...uint64) *node.Node {
	tb.Helper()
	self := mem(selfID)
	n := &node.Node{
		Cfg: node.Config{
			MaxMessageSize:    message.DefaultMaxMessageSize,
			RetryAttempts:     3,
			RumorFactor:       3,
			JoinListDatagrams: 4,
			RepairBudget:      2,
			TickInterval:      time.Second,
			ProbeTimeout:      500 * time.Millisecond,
			IndirectProbes:    3,
			TombstonePeriod:   5 * time.Minute,
		},
		Detector: detector.New(detector.Config{ProbeTimeout: 500 * time.Millisecond, TickInterval: time.Second,
			SuspicionMult: 1, SuspicionMaxMult: 4, Confirmations: 3, MaxHealth: 7, MaxProbes: 64}),
		Inc:      1,
		Self:     self,
		Phase:    phase,
		Now:      start,
		Rand:     rand.New(rand.NewPCG(1, 2)),
		Members:  members.New(self.ID, self.Addr, 64),
		Versions: version.New(self.ID, 64),
		Log:      datalog.New(16 << 10),
		Out: envelope.New(envelope.Config{
			MaxMessages:   100,
			MaxEnvelopes:  400,
			MessageSize:   message.DefaultMaxMessageSize,
			RetryInterval: retryInterval,
		}),
	}
	for _, id := range known {
		if r, _ := n.Members.Add(members.Member{ID: id, Addr: addr(id)}); r != members.Added {
			tb.Fatalf("setup: adding member %d: %v", id, r)
		}
	}
	return n
}

// Datagram builders. Each returns a fresh datagram with header seq seq.

func encoded(n int, err error, b []byte) []byte {
	if err != nil {
		panic(err)
	}
	return b[:n]
}

func helloMsg(seq uint32, m message.Member) []byte {
	b := make([]byte, 512)
	h := message.Hello{Member: m}
	n, err := h.Encode(b, seq)
	return encoded(n, err, b)
}

func welcomeMsg(seq, helloSeq uint32, m message.Member) []byte {
	b := make([]byte, 512)
	w := message.Welcome{HelloSeq: helloSeq, Member: m}
	n, err := w.Encode(b, seq)
	return encoded(n, err, b)
}

func memberListMsg(seq uint32, ms ...message.Member) []byte {
	b := make([]byte, 512)
	w, err := message.NewMemberListWriter(b, seq)
	if err != nil {
		panic(err)
	}
	for _, m := range ms {
		if !w.Add(m) {
			panic("memberListMsg: member does not fit")
		}
	}
	return b[:w.Finish()]
}

func ackMsg(seq, acked uint32) []byte {
	b := make([]byte, 512)
	a := message.Ack{AckedSeq: acked}
	n, err := a.Encode(b, seq)
	return encoded(n, err, b)
}

// payloadOf is the payload tests give Data (origin, originSeq): two bytes
// that name it, so a rendered datagram shows which one it is.
func payloadOf(origin uint64, originSeq uint32) []byte {
	return []byte{byte(origin), byte(originSeq)}
}

func dataMsg(seq uint32, origin uint64, originSeq uint32) []byte {
	b := make([]byte, 512)
	d := message.Data{Origin: origin, OriginSeq: originSeq, Payload: payloadOf(origin, originSeq)}
	n, err := d.Encode(b, seq)
	return encoded(n, err, b)
}

// rec is one Status record.
type rec struct {
	id  uint64
	seq uint32
}

func statusMsg(seq uint32, recs ...rec) []byte {
	b := make([]byte, 512)
	w, err := message.NewStatusWriter(b, seq)
	if err != nil {
		panic(err)
	}
	for _, r := range recs {
		if !w.Add(r.id, r.seq) {
			panic("statusMsg: record does not fit")
		}
	}
	return b[:w.Finish()]
}

func leaveMsg(seq uint32, m message.Member) []byte {
	b := make([]byte, 512)
	l := message.Leave{Member: m}
	n, err := l.Encode(b, seq)
	return encoded(n, err, b)
}

// dispatch hands datagram b, from node from's address, to handler.Dispatch.
// The handler gets its own copy, which is scribbled over once Dispatch
// returns: handlers must not keep the receive buffer.
func dispatch(n *node.Node, from netip.AddrPort, b []byte) node.Outcome {
	rbuf := slices.Clone(b)
	o := handler.Dispatch(n, envelope.In{From: from, Bytes: rbuf})
	for i := range rbuf {
		rbuf[i] = 0xee
	}
	return o
}

// describe renders a datagram as message.Describe does, without its seq,
// which the queue chooses.
func describe(b []byte) string {
	f := strings.SplitN(message.Describe(b), " ", 3)
	if len(f) < 2 || !strings.HasPrefix(f[1], "seq=") {
		return strings.Join(f, " ")
	}
	if len(f) == 2 {
		return f[0]
	}
	return f[0] + " " + f[2]
}

// line renders one queued envelope: "to <id> x<attempts>: <datagram>",
// where <id> names the recipient's address (port 7000+id).
func line(q *envelope.Queue, e envelope.Out) string {
	to := e.To.String()
	if e.To.Addr() == addr(0).Addr() && e.To.Port() >= 7000 {
		to = fmt.Sprint(e.To.Port() - 7000)
	}
	return fmt.Sprintf("to %s x%d: %s", to, e.MaxAttempts, describe(q.Datagram(e)))
}

// queued returns every envelope in the queue, rendered, sorted.
func queued(n *node.Node) []string {
	var out []string
	for _, e := range n.Out.Envelopes(nil) {
		out = append(out, line(n.Out, e))
	}
	slices.Sort(out)
	return out
}

// wire sends what is due at n.Now and returns it, rendered, in the order
// it went out. Single-attempt envelopes (Ack, Welcome) leave the queue;
// the others wait RetryInterval for their retry, so a later wire returns
// only what was queued since.
func wire(tb testing.TB, n *node.Node) []string {
	tb.Helper()
	var out []string
	_, err := n.Out.SendDue(n.Now, func(e *envelope.Out, b []byte) error {
		out = append(out, line(n.Out, *e))
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
	return out
}

// wantQueued fails tb unless the queue holds exactly want, in any order.
func wantQueued(tb testing.TB, n *node.Node, want ...string) {
	tb.Helper()
	got := queued(n)
	want = slices.Sorted(slices.Values(want))
	if !slices.Equal(got, want) {
		tb.Fatalf("queued:\n\t%s\nwant:\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// linesOf returns the lines of the given message type, e.g. "Data".
func linesOf(lines []string, typ string) []string {
	var out []string
	for _, l := range lines {
		if _, d, _ := strings.Cut(l, ": "); strings.HasPrefix(d, typ+" ") || d == typ {
			out = append(out, l)
		}
	}
	return out
}

// recipients returns the ids the given lines go to.
func recipients(tb testing.TB, lines []string) []uint64 {
	tb.Helper()
	var ids []uint64
	for _, l := range lines {
		var id uint64
		if _, err := fmt.Sscanf(l, "to %d ", &id); err != nil {
			tb.Fatalf("line %q: %v", l, err)
		}
		ids = append(ids, id)
	}
	return ids
}

// envelopeTo returns the queued envelope of type t to node id.
func envelopeTo(tb testing.TB, n *node.Node, id uint64, t message.Type) envelope.Out {
	tb.Helper()
	for _, e := range n.Out.Envelopes(nil) {
		if e.To == addr(id) && e.Type == t {
			return e
		}
	}
	tb.Fatalf("no %v queued to %d; queued:\n\t%s", t, id, strings.Join(queued(n), "\n\t"))
	return envelope.Out{}
}

// memberIDs returns the ids of the node's member table, in id order.
func memberIDs(n *node.Node) []uint64 {
	var ids []uint64
	for i := range n.Members.Len() {
		ids = append(ids, n.Members.At(i).ID)
	}
	return ids
}

func wantMembers(tb testing.TB, n *node.Node, want ...uint64) {
	tb.Helper()
	if got := memberIDs(n); !slices.Equal(got, want) {
		tb.Fatalf("members %v, want %v", got, want)
	}
}

// drops returns the node's non-zero drop counters by name.
func drops(n *node.Node) map[string]uint64 {
	out := map[string]uint64{}
	for r, c := range n.Stats.Drops {
		if c != 0 {
			out[node.DropReason(r).String()] = c
		}
	}
	return out
}

func wantDrops(tb testing.TB, n *node.Node, want map[string]uint64) {
	tb.Helper()
	got := drops(n)
	if len(got) != len(want) {
		tb.Fatalf("drops %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			tb.Fatalf("drops %v, want %v", got, want)
		}
	}
}

// logData records Data (origin, originSeq) as seen and logged, as the
// Data handler does, without queueing anything.
func logData(n *node.Node, origin uint64, originSeq uint32) {
	n.Versions.Observe(origin, originSeq, n.Now)
	n.Log.Append(origin, originSeq, dataMsg(1, origin, originSeq))
}

// dataLine renders Data (origin, originSeq) queued to id.
func dataLine(to, origin uint64, originSeq uint32) string {
	return fmt.Sprintf("to %d x3: %s", to, describe(dataMsg(1, origin, originSeq)))
}

// event is one OnMember call.
type event struct {
	ev node.MemberEvent
	id uint64
}

// recordEvents makes n record its member events into *ev.
func recordEvents(n *node.Node, ev *[]event) {
	n.OnMember = func(e node.MemberEvent, m members.Member) {
		*ev = append(*ev, event{e, m.ID})
	}
}

// Builders and renderings for the extension messages.

func joinMsg(seq uint32, r message.Record) []byte {
	b := make([]byte, 512)
	j := message.Join{Record: r}
	n, err := j.Encode(b, seq)
	return encoded(n, err, b)
}

func updateMsg(seq uint32, rumor bool, recs ...message.Record) []byte {
	b := make([]byte, 512)
	w, err := message.NewUpdateWriter(b, seq, rumor)
	if err != nil {
		panic(err)
	}
	for _, r := range recs {
		if !w.Add(r) {
			panic("updateMsg: record does not fit")
		}
	}
	return b[:w.Finish()]
}

func probeRequestMsg(seq uint32, target message.Member) []byte {
	b := make([]byte, 512)
	p := message.ProbeRequest{Target: target}
	n, err := p.Encode(b, seq)
	return encoded(n, err, b)
}

func probeResultMsg(seq, requestSeq uint32, target uint64, reached bool) []byte {
	b := make([]byte, 512)
	p := message.ProbeResult{RequestSeq: requestSeq, Target: target, Reached: reached}
	n, err := p.Encode(b, seq)
	return encoded(n, err, b)
}

func digestMsg(seq uint32, d *message.Digest) []byte {
	b := make([]byte, 512)
	n, err := d.Encode(b, seq)
	return encoded(n, err, b)
}

// Records about node id (at its address, for Alive).

func alive(id uint64, inc uint32, meta ...byte) message.Record {
	return message.Record{Kind: message.RecordAlive, ID: id, Inc: inc, Addr: addr(id), Meta: meta}
}

func suspect(id uint64, inc uint32, from uint64) message.Record {
	return message.Record{Kind: message.RecordSuspect, ID: id, Inc: inc, From: from}
}

func failed(id uint64, inc uint32, from uint64) message.Record {
	return message.Record{Kind: message.RecordFailed, ID: id, Inc: inc, From: from}
}

func left(id uint64, inc uint32) message.Record {
	return message.Record{Kind: message.RecordLeft, ID: id, Inc: inc}
}

// rd renders a record as Describe does inside an Update.
func rd(r message.Record) string {
	d := describe(updateMsg(1, false, r))
	return d[strings.Index(d, "[")+1 : len(d)-1]
}

// updateLine renders an Update queued to id (retried RetryAttempts times).
func updateLine(to uint64, rumor bool, recs ...message.Record) string {
	return fmt.Sprintf("to %d x3: %s", to, describe(updateMsg(1, rumor, recs...)))
}

// withRecord gives member id the record (incarnation, metadata) a
// member that speaks the extensions has.
func withRecord(tb testing.TB, n *node.Node, id uint64, inc uint32, meta ...byte) {
	tb.Helper()
	i, ok := n.Members.Index(id)
	if !ok {
		tb.Fatalf("setup: %d is not a member", id)
	}
	n.Members.SetRecord(i, inc, meta, true)
}

// member returns the table's entry for id, failing if there is none.
func member(tb testing.TB, n *node.Node, id uint64) members.Member {
	tb.Helper()
	m, ok := n.Members.Get(id)
	if !ok {
		tb.Fatalf("%d is not a member; members %v", id, memberIDs(n))
	}
	return m
}

// wantEvents fails tb unless the recorded events are want.
func wantEvents(tb testing.TB, got []event, want ...event) {
	tb.Helper()
	if !slices.Equal(got, want) {
		tb.Fatalf("events %v, want %v", got, want)
	}
}

// memberAt is member id at its address with a record at inc.
func memberAt(id uint64, inc uint32) members.Member {
	return members.Member{ID: id, Addr: addr(id), Inc: inc, Ext: true}
}

// bury removes member id at inc, declared failed by from.
func bury(t *testing.T, n *node.Node, id uint64, inc uint32, from uint64) {
	t.Helper()
	if !n.RemoveMember(id, node.MemberFailed, inc, from) {
		t.Fatalf("setup: %d is not a member", id)
	}
}
