package seal

import (
	"errors"
	"net/netip"
	"testing"

	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// TestNoAllocs holds WriteTo and ReadFrom to zero allocations in steady
// state: a known sender, an unchanged ring, buffers of one size. Dropped
// datagrams of known senders (replays, forgeries, mismatches) are held to
// zero too.
func TestNoAllocs(t *testing.T) {
	const runs = 200
	n := memnet.New()
	n.Filter = func(_, _ netip.AddrPort, _ []byte) bool { return true } // WriteTo alone: drop
	ring := mustRing(t, key16, key32)
	a := New(n.Listen(addrA), ring, idA, startA, Options{})
	data := dataMsg(t, 1, idA, 1, make([]byte, 400))
	if err := a.WriteToID(data, addrB, idB); err != nil { // derives the subkey
		t.Fatal(err)
	}
	if got := testing.AllocsPerRun(runs, func() {
		if err := a.WriteToID(data, addrB, idB); err != nil {
			panic(err)
		}
		if err := a.WriteTo(data, addrB); err != nil { // no id: looked up by address
			panic(err)
		}
	}); got != 0 {
		t.Errorf("WriteTo: %.1f allocations per call", got)
	}

	ep := n.Listen(addrB)
	buf := make([]byte, readBufSize)
	inner := [][]byte{
		data,
		memberMsg(t, message.TypeHello, idA, addrA),
		memberMsg(t, message.TypeWelcome, idA, addrA),
		memberMsg(t, message.TypeLeave, idA, addrA),
		memberMsg(t, message.TypeHello, idA, netip.MustParseAddrPort("[::1]:7001")),
	}
	for _, pt := range inner {
		b := New(ep, mustRing(t, key32, key16), idB, startB, Options{})
		// Enough datagrams, fresh counters, sealed ahead; the first warms up.
		sealed := make([][]byte, runs+2)
		for i := range sealed {
			sealed[i] = mustSeal(t, key16, idA, startA+uint64(i)*2, pt)
		}
		mismatch := mustSeal(t, key16, idA, startA+1, memberMsg(t, message.TypeHello, idC, addrC))
		misaddressed := mustSealFor(t, key16, idA, 0, startA+3, data)
		i := 0
		read := func(want error) {
			_, _, err := b.ReadFrom(buf)
			if !errors.Is(err, want) {
				panic(err)
			}
		}
		ep.Inject(addrX, sealed[0])
		read(nil)
		got := testing.AllocsPerRun(runs, func() {
			i++
			ep.Inject(addrX, sealed[i])
			read(nil)
			ep.Inject(addrX, sealed[i]) // replayed
			forged := sealed[i-1]
			forged[40] ^= 1 // forged, known sender
			ep.Inject(addrX, forged)
			forged[40] ^= 1
			ep.Inject(addrX, mismatch)     // mismatch or replay
			ep.Inject(addrX, misaddressed) // Data sealed for recipient 0
			ep.Inject(addrX, data)         // plaintext
			read(transport.ErrWouldBlock)
		})
		if got != 0 {
			t.Errorf("ReadFrom of %v: %.1f allocations per call", message.Type(pt[1]), got)
		}
	}
}
