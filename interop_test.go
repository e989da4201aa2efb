package gossip_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"net/netip"
	"slices"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
)

// wireClient is a client written from the shared wire format alone, with
// encoding/binary and the standard library's crypto: it shares no code
// with the project's codec or sealing layer. It joins, acknowledges what
// asks for an Ack, keeps a version vector of what it got, and sends
// Statuses the way the format describes them: its vector, here in
// ascending id order, with no record of its own (it originates nothing).
type wireClient struct {
	t       testing.TB
	ep      *memnet.Endpoint
	id      uint64
	key     []byte // nil: plaintext
	counter uint64
	seq     uint32
	peers   map[netip.AddrPort]uint64 // ids learned from Welcomes and sealed senders
	welcome bool
	vector  map[uint64]uint32 // origin -> highest contiguous seq
	got     map[string]int    // origin/seq -> deliveries
	dataIn  int               // Data datagrams received
}

func newWireClient(t testing.TB, c *cluster, port uint16, id uint64, key []byte) *wireClient {
	w := &wireClient{t: t, ep: c.net.Listen(memnet.Addr(port)), id: id, key: key,
		counter: uint64(c.clock.T.UnixNano()), peers: map[netip.AddrPort]uint64{},
		vector: map[uint64]uint32{}, got: map[string]int{}}
	c.peers = append(c.peers, w.read)
	return w
}

// send writes one datagram of type typ with the given body to to, sealed
// for the id it knows at to (0 if none) when the client has a key.
func (w *wireClient) send(to netip.AddrPort, typ uint16, seq uint32, body []byte) {
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint32(b, seq)
	b = append(b, body...)
	if w.key != nil {
		b = w.seal(b, w.peers[to])
	}
	if err := w.ep.WriteTo(b, to); err != nil {
		w.t.Fatal(err)
	}
}

func (w *wireClient) aead(sender uint64) cipher.AEAD {
	info := binary.BigEndian.AppendUint64([]byte("gossip v1 sealed"), sender)
	sub, err := hkdf.Key(sha256.New, w.key, nil, string(info), len(w.key))
	if err != nil {
		w.t.Fatal(err)
	}
	block, err := aes.NewCipher(sub)
	if err != nil {
		w.t.Fatal(err)
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		w.t.Fatal(err)
	}
	return gcm
}

func (w *wireClient) seal(pt []byte, recipient uint64) []byte {
	w.counter++
	sum := sha256.Sum256(w.key)
	h := []byte{0, 8, 2, sum[0]}
	h = binary.BigEndian.AppendUint64(h, w.id)
	h = binary.BigEndian.AppendUint64(h, w.counter)
	nonce := binary.BigEndian.AppendUint64([]byte{0, 0, 0, 0}, w.counter)
	ad := binary.BigEndian.AppendUint64(slices.Clone(h), recipient)
	return w.aead(w.id).Seal(h, nonce, pt, ad)
}

// open returns the plaintext of a datagram sealed for this client, and
// the sender, or false.
func (w *wireClient) open(b []byte) ([]byte, uint64, bool) {
	if len(b) < 36 || b[0] != 0 || b[1] != 8 || b[2] != 2 {
		return nil, 0, false
	}
	sender := binary.BigEndian.Uint64(b[4:])
	nonce := append([]byte{0, 0, 0, 0}, b[12:20]...)
	ad := binary.BigEndian.AppendUint64(slices.Clone(b[:20]), w.id)
	pt, err := w.aead(sender).Open(nil, nonce, b[20:], ad)
	return pt, sender, err == nil
}

// hello sends a Hello naming this client to a seed.
func (w *wireClient) hello(to netip.AddrPort) {
	a := w.ep.LocalAddr().Addr().As4()
	body := binary.BigEndian.AppendUint64(nil, w.id)
	body = append(body, 9, 0x04)
	body = append(body, a[:]...)
	body = append(body, 0x91, 0x02)
	body = binary.BigEndian.AppendUint16(body, w.ep.LocalAddr().Port())
	w.seq++
	w.send(to, 1, w.seq, body)
}

// status sends this client's vector to to: count, then (id, seq) records
// in ascending id order, or with the recipient's own origin first when
// leadWithTo is set (the order is the client's to choose).
func (w *wireClient) status(to netip.AddrPort, leadWithTo bool) {
	ids := make([]uint64, 0, len(w.vector))
	for id := range w.vector {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	if leadWithTo {
		if i := slices.Index(ids, w.peers[to]); i > 0 {
			ids = append(append([]uint64{ids[i]}, ids[:i]...), ids[i+1:]...)
		}
	}
	body := binary.BigEndian.AppendUint16(nil, uint16(len(ids)))
	for _, id := range ids {
		body = binary.BigEndian.AppendUint64(body, id)
		body = binary.BigEndian.AppendUint32(body, w.vector[id])
	}
	w.seq++
	w.send(to, 6, w.seq, body)
}

// read handles every waiting datagram.
func (w *wireClient) read() {
	buf := make([]byte, 2048)
	for {
		n, from, err := w.ep.ReadFrom(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		if w.key != nil {
			pt, sender, ok := w.open(b)
			if !ok {
				continue
			}
			w.peers[from] = sender
			b = pt
		}
		if len(b) < 8 || b[2] != 1 {
			continue
		}
		typ, seq, body := binary.BigEndian.Uint16(b), binary.BigEndian.Uint32(b[4:]), b[8:]
		switch typ {
		case 2: // Welcome: helloSeq, Member
			w.welcome = true
			w.peers[from] = binary.BigEndian.Uint64(body[4:])
		case 3, 6: // MemberList, Status: acknowledged
			w.ack(from, seq)
		case 5: // Data: origin, originSeq, len, payload
			w.ack(from, seq)
			w.dataIn++
			origin, oseq := binary.BigEndian.Uint64(body), binary.BigEndian.Uint32(body[8:])
			w.got[fmt.Sprintf("%016x/%d", origin, oseq)]++
			for w.got[fmt.Sprintf("%016x/%d", origin, w.vector[origin]+1)] > 0 {
				w.vector[origin]++
			}
		}
	}
}

func (w *wireClient) ack(to netip.AddrPort, seq uint32) {
	w.seq++
	w.send(to, 4, w.seq, binary.BigEndian.AppendUint32(nil, seq))
}

// TestEmptyStatusFromAConformingClientPullsTheLog: a client written from
// the shared wire format joins a cluster whose nodes have sent 15
// payloads and, having seen no data, sends an empty Status. It gets the
// log, RepairBudget Data at a time, and its next Statuses (its vector,
// not led by a record of its own) get the rest: all 15, each once.
// Plaintext and sealed, with the records in ascending order or led by the
// seed's own origin (which makes the Status look like an answer until the
// client has caught up on one origin).
func TestEmptyStatusFromAConformingClientPullsTheLog(t *testing.T) {
	for _, tc := range []struct {
		name        string
		keyed, lead bool
	}{{"plaintext", false, false}, {"sealed", true, false}, {"plaintext, led by the seed's origin", false, true}, {"sealed, led by the seed's origin", true, true}} {
		keyed := tc.keyed
		t.Run(tc.name, func(t *testing.T) {
			var key []byte
			c := newCluster(t, func(cfg *gossip.Config) {
				cfg.RepairBudget = 6
				if keyed {
					cfg.Keys = [][]byte{testKey("k1")}
				}
			})
			if keyed {
				key = testKey("k1")
			}
			c.start(3)
			for round := range 5 {
				for i, n := range c.nodes {
					if err := n.svc.SendData(fmt.Appendf(nil, "payload %d of %d", round, i)); err != nil {
						t.Fatal(err)
					}
				}
				c.run(200 * time.Millisecond)
			}
			seed := c.nodes[0]
			w := newWireClient(t, c, 9100, 0x00c1e47c1e47, key)
			w.hello(addrOf(seed))
			for i := 0; !w.welcome; i++ {
				c.pump()
				w.read()
				if i > 10 {
					t.Fatal("no Welcome")
				}
			}
			// A conforming client acknowledges what asks for it; the seed's
			// first probe proves it receives, and the seed's answers to it
			// are no longer limited to what it sent (anti-amplification).
			c.run(time.Second)
			if !w.welcome || w.dataIn != 0 {
				t.Fatalf("welcome %v, %d Data before asking", w.welcome, w.dataIn)
			}
			repaired := seed.svc.Stats().DataRepaired
			w.status(addrOf(seed), tc.lead) // empty: it has seen nothing
			c.pump()
			w.read()
			if got := seed.svc.Stats().DataRepaired - repaired; got != 6 || w.dataIn < 6 {
				t.Fatalf("the empty Status drew %d repairs (%d Data in); want RepairBudget, 6", got, w.dataIn)
			}
			for i := 0; len(w.got) < 15; i++ {
				if i > 20 {
					t.Fatalf("after %d Statuses the client has %d of 15 payloads", i, len(w.got))
				}
				w.status(addrOf(seed), tc.lead)
				c.run(100 * time.Millisecond)
				w.read()
			}
			for k, n := range w.got {
				if n != 1 {
					t.Errorf("payload %s received %d times", k, n)
				}
			}
		})
	}
}
