//go:build linux && !386 && !s390x

package udp

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/tickgossip/gossip/transport"
)

// drain reads every datagram that has arrived at c, polling for up to
// five seconds for the first of want.
func drain(t *testing.T, c *Conn, buf []byte, want int) []string {
	t.Helper()
	var got []string
	for len(got) < want {
		n, _ := recv(t, c, buf)
		got = append(got, string(buf[:n]))
	}
	return got
}

func TestBatchedWritesWaitForFlush(t *testing.T) {
	a, b := listen(t, loop4), listen(t, loop4)
	for i := range 3 {
		if err := a.WriteTo(fmt.Appendf(nil, "d%d", i), b.LocalAddr()); err != nil {
			t.Fatalf("WriteTo %d: %v", i, err)
		}
	}
	if !a.Buffered() {
		t.Fatal("Buffered() = false with three datagrams gathered")
	}
	// Loopback delivers during the send call: nothing sent, nothing here.
	if _, _, err := b.ReadFrom(make([]byte, 8)); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("ReadFrom before Flush: %v; want ErrWouldBlock", err)
	}
	if err := a.Flush(); err != nil {
		t.Fatalf("Flush: %v", err)
	}
	if a.Buffered() {
		t.Fatal("Buffered() = true after Flush")
	}
	if got := drain(t, b, make([]byte, 8), 3); fmt.Sprint(got) != "[d0 d1 d2]" {
		t.Fatalf("got %v; want [d0 d1 d2]", got)
	}
}

// testBatch is the batch the tests that send more than a batch use: small
// enough that an unbatched sender does not overflow the receiver's
// socket buffer (a few hundred small datagrams) before it reads.
const testBatch = 16

func TestBatchesLongerThanOneCall(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		b := listen(t, addr)
		if listenOpts.WriteBatch == 0 {
			listenOpts.WriteBatch = testBatch
		}
		a := listen(t, addr)
		const total = 3*testBatch + 5 // full batches sent by WriteTo, the rest by Flush
		var want []string
		for i := range total {
			msg := fmt.Sprintf("datagram %03d", i)
			want = append(want, msg)
			if err := a.WriteTo([]byte(msg), b.LocalAddr()); err != nil {
				t.Fatalf("WriteTo %d: %v", i, err)
			}
		}
		if err := a.Flush(); err != nil {
			t.Fatalf("Flush: %v", err)
		}
		buf := make([]byte, 64)
		got := drain(t, b, buf, total)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("got %v\nwant %v", got, want)
		}
		if b.Buffered() {
			t.Fatal("Buffered() = true with every datagram read")
		}
		if _, _, err := b.ReadFrom(buf); !errors.Is(err, transport.ErrWouldBlock) {
			t.Fatalf("ReadFrom after the last: %v; want ErrWouldBlock", err)
		}
	})
}

func TestReadAheadIsBuffered(t *testing.T) {
	a, b := listen(t, loop4), listen(t, loop4)
	for i := range 5 {
		if err := send(a, []byte{byte(i)}, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 4)
	recv(t, b, buf) // one recvmmsg reads all five: loopback delivered them already
	for i := 1; i < 5; i++ {
		if !b.Buffered() {
			t.Fatalf("Buffered() = false with %d datagrams read ahead", 5-i)
		}
		// The socket itself is empty now: only the ring holds them.
		fds := []unix.PollFd{{Fd: int32(b.FD()), Events: unix.POLLIN}}
		if n, _ := unix.Poll(fds, 0); n != 0 {
			t.Fatalf("poll: socket readable with the datagrams in the ring")
		}
		n, _, err := b.ReadFrom(buf)
		if err != nil || n != 1 || buf[0] != byte(i) {
			t.Fatalf("ReadFrom = %d %v %v; want datagram %d", n, buf[:n], err, i)
		}
	}
	if b.Buffered() {
		t.Fatal("Buffered() = true with the ring empty")
	}
}

func TestRingGrowsForLongerBuffer(t *testing.T) {
	// Without receive offload, whose slots are 64 KiB from the start.
	listenOpts = Options{NoSegmentOffload: true}
	defer func() { listenOpts = Options{} }()
	a, b := listen(t, loop4), listen(t, loop4)
	big := bytes.Repeat([]byte("x"), 100)
	for range 2 {
		if err := send(a, big, b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	small := make([]byte, 10)
	if n, _ := recv(t, b, small); n != len(small) {
		t.Fatalf("first ReadFrom = %d; want %d (truncated)", n, len(small))
	}
	// The second was read into a 10-byte slot: with a 200-byte b it is
	// still reported as too long, never as a complete 10-byte datagram.
	large := bytes.Repeat([]byte{0xff}, 200)
	n, _, err := b.ReadFrom(large)
	if err != nil || n != len(large) || !bytes.Equal(large[:10], big[:10]) || large[10] != 0 {
		t.Fatalf("second ReadFrom = %d, %v, %q...; want %d, oversized", n, err, large[:12], len(large))
	}
	// With the ring empty, the next read uses slots of the new size.
	if err := send(a, big, b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if n, _ := recv(t, b, large); n != len(big) || !bytes.Equal(large[:n], big) {
		t.Fatalf("third ReadFrom = %d; want %d whole", n, len(big))
	}
}

func TestFlushDropsRefusedKeepsRest(t *testing.T) {
	c := listen(t, loop4)
	peer := listen(t, loop4)
	// A datagram too long for UDP is refused by the kernel (EMSGSIZE):
	// it alone is dropped, the ones around it go.
	if err := c.WriteTo([]byte("before"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteTo(make([]byte, 70000), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := c.WriteTo([]byte("after"), peer.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := c.Flush(); !errors.Is(err, unix.EMSGSIZE) {
		t.Fatalf("Flush: %v; want EMSGSIZE", err)
	}
	if got := drain(t, peer, make([]byte, 16), 2); fmt.Sprint(got) != "[before after]" {
		t.Fatalf("got %v; want [before after]", got)
	}
	if err := c.Flush(); err != nil {
		t.Fatalf("second Flush: %v; want nil", err)
	}
}

func TestCloseFlushes(t *testing.T) {
	a, b := listen(t, loop4), listen(t, loop4)
	if err := a.WriteTo([]byte("last words"), b.LocalAddr()); err != nil {
		t.Fatal(err)
	}
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, b, make([]byte, 16), 1); got[0] != "last words" {
		t.Fatalf("got %q", got[0])
	}
	if err := a.Flush(); !errors.Is(err, transport.ErrClosed) {
		t.Fatalf("Flush after Close: %v; want ErrClosed", err)
	}
	if a.Buffered() {
		t.Fatal("Buffered() after Close")
	}
}

// batchRound writes k datagrams from a to b, flushes, and reads them
// back, polling only when they have not all arrived. It reports failure
// through ok so that the allocation test does not allocate on success.
func batchRound(a, b *Conn, k int, msg, buf []byte, fds []unix.PollFd) (ok bool) {
	for range k {
		if err := a.WriteTo(msg, b.LocalAddr()); err != nil {
			return false
		}
	}
	if err := a.Flush(); err != nil {
		return false
	}
	for got := 0; got < k; {
		n, _, err := b.ReadFrom(buf)
		if err == nil {
			if n != len(msg) {
				return false
			}
			got++
			continue
		}
		if err != transport.ErrWouldBlock {
			return false
		}
		if n, err := unix.Poll(fds, 5000); n == 0 || (err != nil && err != unix.EINTR) {
			return false // lost, or an error: fail rather than wait for ever
		}
	}
	return true
}

func TestBatchNoAllocs(t *testing.T) {
	families(t, func(t *testing.T, addr netip.AddrPort) {
		a, b := listen(t, addr), listen(t, addr)
		msg := bytes.Repeat([]byte{0xcd}, 100)
		buf := make([]byte, 513)
		fds := []unix.PollFd{{Fd: int32(b.FD()), Events: unix.POLLIN}}
		failed := false
		allocs := testing.AllocsPerRun(200, func() {
			if !batchRound(a, b, roundSize, msg, buf, fds) {
				failed = true
			}
		})
		if failed {
			t.Fatal("batch round failed")
		}
		if allocs != 0 {
			t.Errorf("%d WriteTo, Flush and ReadFrom: %v allocations per round; want 0", roundSize, allocs)
		}
	})
}

// roundSize is the datagrams of one round of the allocation test and the
// benchmark: more than a read batch, and few enough that an unbatched
// sender does not overflow the receiver's socket buffer.
const roundSize = 3*DefaultReadBatch + 3

// BenchmarkBatch is the transport's share of the throughput benchmark:
// one op is one datagram written, sent, received and read, in rounds of
// roundSize to one destination: batched (recvmmsg, and sendmmsg with
// each round as one segmented send), batched without segmentation, and
// not batched (sendto and recvfrom). Sizes are those of bench/throughput: an Ack (12 bytes) and
// a Data with 64 payload bytes (86).
func BenchmarkBatch(b *testing.B) {
	for _, mode := range []struct {
		name string
		opts Options
	}{
		{"batched", Options{}},
		{"batched-nosegment", Options{NoSegmentOffload: true}},
		{"unbatched", Options{ReadBatch: 1, WriteBatch: 1}},
	} {
		for _, size := range []int{12, 86} {
			b.Run(fmt.Sprintf("%s/%dB", mode.name, size), func(b *testing.B) {
				listenOpts = mode.opts
				defer func() { listenOpts = Options{} }()
				x, y := listen(b, loop4), listen(b, loop4)
				msg := make([]byte, size)
				buf := make([]byte, 513)
				fds := []unix.PollFd{{Fd: int32(y.FD()), Events: unix.POLLIN}}
				if !batchRound(x, y, roundSize, msg, buf, fds) { // warm: the ring and batch at their size
					b.Fatal("batch round failed")
				}
				b.SetBytes(int64(size))
				b.ReportAllocs()
				b.ResetTimer()
				for i := 0; i < b.N; i += roundSize {
					if !batchRound(x, y, min(roundSize, b.N-i), msg, buf, fds) {
						b.Fatal("batch round failed")
					}
				}
			})
		}
	}
}

// fullSocket makes sendmmsg take at most room datagrams, then fail with
// EAGAIN, as a socket whose send buffer is full does, until restored.
func fullSocket(t *testing.T, room *int) {
	real := sendmmsg
	t.Cleanup(func() { sendmmsg = real })
	sendmmsg = func(fd int, hdrs []unix.Mmsghdr) (uintptr, unix.Errno) {
		if *room <= 0 {
			return 0, unix.EAGAIN
		}
		n, errno := real(fd, hdrs[:min(len(hdrs), *room)])
		*room -= int(n)
		return n, errno
	}
}

func TestFullSocketKeepsTheRestInOrder(t *testing.T) {
	// Without segmentation, so that each datagram is one header.
	listenOpts = Options{NoSegmentOffload: true, WriteBatch: testBatch}
	a := listen(t, loop4)
	listenOpts = Options{}
	b := listen(t, loop4)
	room := 2
	fullSocket(t, &room)
	for i := range 5 {
		if err := a.WriteTo(fmt.Appendf(nil, "d%d", i), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("Flush into a full socket: %v; want ErrWouldBlock", err)
	}
	if !a.Buffered() {
		t.Fatal("Buffered() = false with three datagrams left unsent")
	}
	// Until the socket has room, WriteTo fills what is free and then
	// refuses: the refused datagram stays with its caller.
	for i := 5; i < testBatch+2; i++ {
		if err := a.WriteTo(fmt.Appendf(nil, "d%d", i), b.LocalAddr()); err != nil {
			t.Fatalf("WriteTo %d with %d gathered: %v", i, i-2, err)
		}
	}
	if err := a.WriteTo([]byte("refused"), b.LocalAddr()); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("WriteTo into a full batch and a full socket: %v; want ErrWouldBlock", err)
	}
	// A socket that takes part of a full batch makes room for the next.
	room = 5
	if err := a.WriteTo(fmt.Appendf(nil, "d%d", testBatch+2), b.LocalAddr()); err != nil {
		t.Fatalf("WriteTo into a full batch the socket took part of: %v", err)
	}
	room = 1 << 20
	if err := a.Flush(); err != nil {
		t.Fatalf("Flush once the socket has room: %v", err)
	}
	var want []string
	for i := range testBatch + 3 {
		want = append(want, fmt.Sprintf("d%d", i))
	}
	if got := drain(t, b, make([]byte, 16), len(want)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
	if a.Buffered() {
		t.Fatal("Buffered() = true with everything sent")
	}
}

func TestSegmentedRunsKeepEachDestinationsOrder(t *testing.T) {
	a := listen(t, loop4)
	if !a.tx.gso {
		t.Skip("no UDP_SEGMENT on this kernel")
	}
	peers := []*Conn{listen(t, loop4), listen(t, loop4), listen(t, loop4)}
	want := make([][]string, len(peers))
	// Interleaved destinations and two lengths, more than one batch.
	for i := range 3 * 32 {
		p := i % len(peers)
		msg := fmt.Sprintf("to %d #%03d", p, i)
		if i%5 == 0 {
			msg += " (longer)"
		}
		want[p] = append(want[p], msg)
		if err := a.WriteTo([]byte(msg), peers[p].LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	for p, peer := range peers {
		got := drain(t, peer, make([]byte, 64), len(want[p]))
		// Per destination, each length keeps its order; runs of one
		// length may come before the other's.
		for _, long := range []bool{false, true} {
			var g, w []string
			for _, m := range got {
				if strings.HasSuffix(m, "(longer)") == long {
					g = append(g, m)
				}
			}
			for _, m := range want[p] {
				if strings.HasSuffix(m, "(longer)") == long {
					w = append(w, m)
				}
			}
			if fmt.Sprint(g) != fmt.Sprint(w) {
				t.Fatalf("peer %d: got %v\nwant %v", p, g, w)
			}
		}
	}
}

func TestRunsLongerThanTheKernelsLimit(t *testing.T) {
	listenOpts = Options{WriteBatch: 3 * maxSegments}
	a := listen(t, loop4)
	listenOpts = Options{}
	b := listen(t, loop4)
	var want []string
	for i := range 3 * maxSegments {
		msg := fmt.Sprintf("%04d", i)
		want = append(want, msg)
		if err := a.WriteTo([]byte(msg), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	if got := drain(t, b, make([]byte, 8), len(want)); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got %v\nwant %v", got, want)
	}
}

func TestRefusedRunGoesOneByOne(t *testing.T) {
	a, b := listen(t, loop4), listen(t, loop4)
	real := sendmmsg
	t.Cleanup(func() { sendmmsg = real })
	refused := 0
	sendmmsg = func(fd int, hdrs []unix.Mmsghdr) (uintptr, unix.Errno) {
		if hdrs[0].Hdr.Iovlen > 1 { // a run: refuse it, as for a route whose MTU is too small
			refused++
			return 0, unix.EINVAL
		}
		return real(fd, hdrs)
	}
	for i := range 10 {
		if err := a.WriteTo(fmt.Appendf(nil, "d%d", i), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatalf("Flush: %v; want the datagrams sent one by one", err)
	}
	if got := drain(t, b, make([]byte, 8), 10); len(got) != 10 || got[0] != "d0" || got[9] != "d9" {
		t.Fatalf("got %v", got)
	}
	if a.tx.gso && refused == 0 {
		t.Fatal("no run was tried")
	}
}

func TestCoalescedRunIsCutApart(t *testing.T) {
	a, b := listen(t, loop4), listen(t, loop4)
	if !a.tx.gso || !b.rx.gro {
		t.Skip("no UDP_SEGMENT or UDP_GRO on this kernel")
	}
	for i := range 5 {
		if err := a.WriteTo(bytes.Repeat([]byte{byte('a' + i)}, 100), b.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.Flush(); err != nil {
		t.Fatal(err)
	}
	small := make([]byte, 10)
	for i := range 5 {
		n, from := recv(t, b, small)
		if n != len(small) || small[0] != byte('a'+i) || small[9] != byte('a'+i) || from != a.LocalAddr() {
			t.Fatalf("datagram %d: %d bytes %q from %v; want %d of %c, truncated, from %v", i, n, small[:n], from, len(small), rune('a'+i), a.LocalAddr())
		}
		if i == 0 && (b.rx.n != 1 || b.rx.seg[0] != 100) {
			t.Logf("the kernel did not coalesce the run (%d slots, segment %d)", b.rx.n, b.rx.seg[0])
		}
	}
	if b.Buffered() {
		t.Fatal("Buffered() = true after the whole run")
	}
	if _, _, err := b.ReadFrom(small); !errors.Is(err, transport.ErrWouldBlock) {
		t.Fatalf("ReadFrom after the run: %v; want ErrWouldBlock", err)
	}
}
