package seal

import (
	"bytes"
	"errors"
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

var (
	addrA = memnet.Addr(7001)
	addrB = memnet.Addr(7002)
	addrC = memnet.Addr(7003)
	addrX = memnet.Addr(7999) // a stranger's address, for injected datagrams
)

const (
	idA    = 0xa1
	idB    = 0xb2
	idC    = 0xc3
	startA = 1_700_000_000_000_000_000
	startB = 1_700_000_000_250_000_000
	startC = 1_700_000_000_500_000_000
)

// readBufSize is the buffer tests read into: the engine's default
// MaxMessageSize plus the byte that marks an oversized datagram.
const readBufSize = message.DefaultMaxMessageSize + 1

func mustRing(t testing.TB, keys ...[]byte) *Keyring {
	t.Helper()
	r, err := NewKeyring(keys...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// ringIndex returns the index of key among goldenKeys, the fuzz ring.
func ringIndex(key []byte) int {
	for i, k := range goldenKeys {
		if bytes.Equal(k, key) {
			return i
		}
	}
	panic("not a golden key")
}

// drain reads every waiting datagram from tr and returns copies of them.
func drain(t testing.TB, tr *Transport) [][]byte {
	t.Helper()
	var out [][]byte
	buf := make([]byte, readBufSize)
	for {
		n, _, err := tr.ReadFrom(buf)
		if errors.Is(err, transport.ErrWouldBlock) {
			return out
		}
		if err != nil {
			t.Fatalf("ReadFrom: %v", err)
		}
		out = append(out, bytes.Clone(buf[:n]))
	}
}

// dataMsg encodes a Data datagram.
func dataMsg(t testing.TB, seq uint32, origin uint64, originSeq uint32, payload []byte) []byte {
	t.Helper()
	m := message.Data{Origin: origin, OriginSeq: originSeq, Payload: payload}
	b := make([]byte, m.Len())
	if _, err := m.Encode(b, seq); err != nil {
		t.Fatal(err)
	}
	return b
}

// memberMsg encodes a Hello, Welcome or Leave naming member id.
func memberMsg(t testing.TB, typ message.Type, id uint64, addr netip.AddrPort) []byte {
	t.Helper()
	mem := message.Member{ID: id, Addr: addr}
	var m interface {
		Len() int
		Encode([]byte, uint32) (int, error)
	}
	switch typ {
	case message.TypeHello:
		m = &message.Hello{Member: mem}
	case message.TypeWelcome:
		m = &message.Welcome{HelloSeq: 3, Member: mem}
	case message.TypeLeave:
		m = &message.Leave{Member: mem}
	default:
		t.Fatalf("memberMsg: type %v", typ)
	}
	b := make([]byte, m.Len())
	if _, err := m.Encode(b, 9); err != nil {
		t.Fatal(err)
	}
	return b
}

// mustSeal seals pt as sender for idB, the receiver of most tests.
func mustSeal(t testing.TB, key []byte, sender, counter uint64, pt []byte) []byte {
	t.Helper()
	return mustSealFor(t, key, sender, idB, counter, pt)
}

// mustSealFor seals pt as sender for recipient.
func mustSealFor(t testing.TB, key []byte, sender, recipient, counter uint64, pt []byte) []byte {
	t.Helper()
	b, err := Seal(nil, key, sender, recipient, counter, pt)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// capture records a copy of every datagram the network carries, and lets
// it through unless drop is set.
type capture struct {
	got  [][]byte
	drop bool
}

func (c *capture) filter(_, _ netip.AddrPort, b []byte) bool {
	c.got = append(c.got, bytes.Clone(b))
	return c.drop
}

// statsDelta returns after minus before, field by field.
func statsDelta(before, after Stats) Stats {
	return Stats{
		Sealed:            after.Sealed - before.Sealed,
		Opened:            after.Opened - before.Opened,
		PlaintextSent:     after.PlaintextSent - before.PlaintextSent,
		PlaintextAccepted: after.PlaintextAccepted - before.PlaintextAccepted,
		Unaddressed:       after.Unaddressed - before.Unaddressed,
		NoKey:             after.NoKey - before.NoKey,
		Malformed:         after.Malformed - before.Malformed,
		Version:           after.Version - before.Version,
		Misaddressed:      after.Misaddressed - before.Misaddressed,
		Oversize:          after.Oversize - before.Oversize,
		Replayed:          after.Replayed - before.Replayed,
		PlaintextRefused:  after.PlaintextRefused - before.PlaintextRefused,
		Label:             after.Label - before.Label,
		SenderMismatch:    after.SenderMismatch - before.SenderMismatch,
		WindowsEvicted:    after.WindowsEvicted - before.WindowsEvicted,
	}
}

// injectExpect injects b into tr's endpoint, reads, and checks that the
// datagram was dropped and counted exactly as want (a Stats with one
// field at 1).
func injectExpect(t testing.TB, ep *memnet.Endpoint, tr *Transport, b []byte, want Stats, what string) {
	t.Helper()
	before := tr.Stats()
	ep.Inject(addrX, b)
	got := drain(t, tr)
	d := statsDelta(before, tr.Stats())
	accepted := d.Opened + d.PlaintextAccepted
	if uint64(len(got)) != accepted || d != want {
		t.Errorf("%s: returned %d datagrams, stats delta %+v; want %+v", what, len(got), d, want)
	}
}
