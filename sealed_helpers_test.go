package gossip_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"reflect"
	"slices"
	"testing"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/seal"
)

// Helpers shared by the sealed-datagram tests (sealed_*_test.go): keys,
// a recorder of what the network carried, forging sealed datagrams, and
// the check that a dropped sealed datagram changed nothing but one
// Stats.Sealing counter.

// testKey returns a 32-byte key named by label.
func testKey(label string) []byte {
	sum := sha256.Sum256([]byte("gossip test key " + label))
	return sum[:]
}

// keyIDOf is a key's KeyID as the wire format defines it.
func keyIDOf(key []byte) gossip.KeyID {
	sum := sha256.Sum256(key)
	return gossip.KeyID(sum[0])
}

// withKeys returns a cluster tweak that gives every node the keys.
func withKeys(keys ...[]byte) func(*gossip.Config) {
	return func(cfg *gossip.Config) { cfg.Keys = keys }
}

// datagram is one datagram the network carried.
type datagram struct {
	from, to netip.AddrPort
	b        []byte
}

// sender and counter read a sealed datagram's clear header.
func (d datagram) sender() uint64  { return binary.BigEndian.Uint64(d.b[4:]) }
func (d datagram) counter() uint64 { return binary.BigEndian.Uint64(d.b[12:]) }

// recorder keeps a copy of every datagram the network delivers while on.
type recorder struct {
	got []datagram
	on  bool
}

// record wraps the network's Filter: what the existing filter drops is
// not recorded (it was never delivered).
func record(c *cluster) *recorder {
	r := &recorder{on: true}
	prev := c.net.Filter
	c.net.Filter = func(from, to netip.AddrPort, b []byte) bool {
		if prev != nil && prev(from, to, b) {
			return true
		}
		if r.on {
			r.got = append(r.got, datagram{from, to, bytes.Clone(b)})
		}
		return false
	}
	return r
}

// startRecorded is startCluster with every datagram recorded, from the
// first Hello on.
func startRecorded(t testing.TB, n int, tweak func(*gossip.Config)) (*cluster, *recorder) {
	t.Helper()
	c := newCluster(t, tweak)
	rec := record(c)
	c.start(n)
	return c, rec
}

// sealForger seals datagrams under a key as a sender of its own: any holder
// of a key can seal as any id. Using an id no node has keeps the forged
// counters out of the real senders' windows (and their nonces). It seals
// for the recipient set with forNode (0 until then: only a Hello opens).
type sealForger struct {
	key       []byte
	id        uint64
	recipient uint64
	counter   uint64
}

func newSealForger(key []byte, id uint64) *sealForger {
	return &sealForger{key: key, id: id, counter: 1 << 40}
}

// forNode makes the forger seal for n from now on, and returns it.
func (f *sealForger) forNode(n *tnode) *sealForger {
	f.recipient = uint64(n.svc.ID())
	return f
}

// seal seals plaintext with the forger's next counter.
func (f *sealForger) seal(tb testing.TB, plaintext []byte) []byte {
	tb.Helper()
	f.counter++
	return f.sealAt(tb, f.counter, plaintext)
}

// sealAt seals plaintext with the given counter.
func (f *sealForger) sealAt(tb testing.TB, counter uint64, plaintext []byte) []byte {
	tb.Helper()
	b, err := seal.Seal(nil, f.key, f.id, f.recipient, counter, plaintext)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}

// sealedDropOnly checks that between before and after a datagram was
// dropped by the sealing layer: exactly one drop counter of Stats.Sealing
// went up by one, and nothing else changed, not even DatagramsIn (the
// engine never saw it). It returns the counter's name, or what went wrong.
func sealedDropOnly(before, after snapshot) (reason string, ok bool) {
	switch {
	case after.state != before.state:
		return fmt.Sprintf("state %v -> %v", before.state, after.state), false
	case after.err != before.err:
		return fmt.Sprintf("Err() %v -> %v", before.err, after.err), false
	case !slices.Equal(before.members, after.members):
		return fmt.Sprintf("members %v -> %v", before.members, after.members), false
	}
	bs := reflect.ValueOf(before.stats.Sealing)
	as := reflect.ValueOf(after.stats.Sealing)
	var changed []string
	for i := range bs.NumField() {
		b, a := bs.Field(i).Uint(), as.Field(i).Uint()
		if a == b {
			continue
		}
		name := bs.Type().Field(i).Name
		changed = append(changed, name)
		if a != b+1 {
			return fmt.Sprintf("Sealing.%s %d -> %d", name, b, a), false
		}
	}
	if len(changed) != 1 {
		return fmt.Sprintf("Sealing fields changed: %v, want exactly one", changed), false
	}
	if !sealDrops[changed[0]] {
		return fmt.Sprintf("Sealing.%s moved, which is not a drop", changed[0]), false
	}
	want := before.stats
	want.Sealing = after.stats.Sealing
	if want != after.stats {
		return "stats changed beyond the drop: " + statsDiff(want, after.stats), false
	}
	return changed[0], true
}

// sealDrops are the SealStats fields that count dropped datagrams.
var sealDrops = map[string]bool{
	"NoKey": true, "Malformed": true, "Version": true, "Misaddressed": true, "Oversize": true,
	"Replayed": true, "PlaintextRefused": true, "Label": true, "SenderMismatch": true,
}

// injectSealed hands n one datagram and lets it receive it, with nothing
// else waiting.
func injectSealed(tb testing.TB, n *tnode, from netip.AddrPort, b []byte) {
	tb.Helper()
	drain(tb, n)
	n.ep.Inject(from, b)
	drain(tb, n)
}

// listedBy returns the nodes (indexes) that list id.
func (c *cluster) listedBy(id gossip.NodeID) []int {
	var out []int
	for i, n := range c.nodes {
		if !n.down && c.members(n)[id] {
			out = append(out, i)
		}
	}
	return out
}

// restart crashes n (it is no longer driven) and starts a new service on
// its address, with a new random seed and so a new id, as a restarted
// process would, joining through seed. It returns the new node.
func (c *cluster) restart(n, seed *tnode) *tnode {
	c.t.Helper()
	n.down = true
	n.ep.Close()
	tn := &tnode{got: map[string]int{}, ep: c.net.Listen(addrOf(n))}
	cfg := testConfig()
	if c.tweak != nil {
		c.tweak(&cfg)
	}
	cfg.Transport = tn.ep
	cfg.Clock = c.clock
	c.seed += 1000
	cfg.Rand = rand.New(rand.NewPCG(c.seed, 42))
	cfg.OnData = func(origin gossip.NodeID, seq uint32, p []byte) { tn.got[key(origin, seq)]++ }
	cfg.OnMember = func(ev gossip.MemberEvent) { tn.events = append(tn.events, ev) }
	svc, err := gossip.New(cfg)
	if err != nil {
		c.t.Fatalf("New: %v", err)
	}
	if svc.ID() == n.svc.ID() {
		c.t.Fatal("the restarted node drew its old id")
	}
	tn.svc = svc
	c.nodes = append(c.nodes, tn)
	if err := svc.Join(seed.svc.Addr()); err != nil {
		c.t.Fatal(err)
	}
	return tn
}

// sealedFor returns the recipient a recorded sealed datagram was sealed
// for, among the given nodes' ids and 0, and false if none.
func sealedFor(tb testing.TB, key []byte, d datagram, nodes []*tnode) (uint64, bool) {
	tb.Helper()
	if _, _, _, err := seal.Open(nil, key, d.b, 0); err == nil {
		return 0, true
	}
	for _, n := range nodes {
		if _, _, _, err := seal.Open(nil, key, d.b, uint64(n.svc.ID())); err == nil {
			return uint64(n.svc.ID()), true
		}
	}
	return 0, false
}
