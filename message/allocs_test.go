package message

import (
	"net/netip"
	"testing"
)

// noAllocs fails t if f allocates.
func noAllocs(t *testing.T, name string, f func()) {
	t.Helper()
	if n := testing.AllocsPerRun(50, f); n != 0 {
		t.Errorf("%s: %.1f allocations per run; want 0", name, n)
	}
}

// TestNoAllocs holds every Decode and Encode path, success and failure, to
// zero allocations.
func TestNoAllocs(t *testing.T) {
	names, wires := sortedGoldens(t)
	buf := make([]byte, DefaultMaxMessageSize)
	var m Message
	var sink int

	for i, b := range wires {
		noAllocs(t, "Decode "+names[i], func() {
			if Decode(b, &m) != nil {
				panic("golden rejected")
			}
		})
		noAllocs(t, "Encode "+names[i], func() {
			n, _ := Encode(buf, &m)
			sink += n
		})
		noAllocs(t, "Encode too small "+names[i], func() {
			n, _ := Encode(buf[:len(b)-1], &m)
			sink += n
		})
		for _, v := range allVariants(b) {
			noAllocs(t, "Decode variant of "+names[i], func() { _ = Decode(v, &m) })
		}
	}

	hello := Hello{Member: memberB2}
	welcome := Welcome{HelloSeq: 1, Member: memberA1}
	leave := Leave{Member: memberA1}
	ack := Ack{AckedSeq: 1}
	data := Data{Origin: 1, OriginSeq: 1, Payload: buf[:100]}
	out := make([]byte, DefaultMaxMessageSize)
	noAllocs(t, "Hello.Encode", func() { sink, _ = hello.Encode(out, 1) })
	noAllocs(t, "Welcome.Encode", func() { sink, _ = welcome.Encode(out, 1) })
	noAllocs(t, "Leave.Encode", func() { sink, _ = leave.Encode(out, 1) })
	noAllocs(t, "Ack.Encode", func() { sink, _ = ack.Encode(out, 1) })
	noAllocs(t, "Data.Encode", func() { sink, _ = data.Encode(out, 1) })
	noAllocs(t, "MemberListWriter", func() {
		w, _ := NewMemberListWriter(out, 1)
		for w.Add(memberA1) && w.Add(memberB2) {
		}
		sink = w.Finish()
	})
	noAllocs(t, "StatusWriter", func() {
		w, _ := NewStatusWriter(out, 1)
		for w.Add(0xa1, 1) {
		}
		sink = w.Finish()
	})

	zone := netip.MustParseAddrPort("[fe80::1%eth0]:1")
	badHello := Hello{Member: Member{ID: 1, Addr: zone}}
	zeroHello := Hello{}
	badData := Data{Origin: 1}
	noAllocs(t, "Encode bad address", func() { sink, _ = badHello.Encode(out, 1) })
	noAllocs(t, "Encode zero id", func() { sink, _ = zeroHello.Encode(out, 1) })
	noAllocs(t, "Encode zero originSeq", func() { sink, _ = badData.Encode(out, 1) })
	noAllocs(t, "Encode too small", func() { sink, _ = data.Encode(out[:50], 1) })
	noAllocs(t, "Encode unknown type", func() { sink, _ = Encode(out, &Message{Header: Header{Type: 99}}) })

	goldens := loadGoldens(t)
	var list MemberList
	var status Status
	if list.Decode(goldens["memberlist_three"][HeaderSize:]) != nil ||
		status.Decode(goldens["status_three"][HeaderSize:]) != nil {
		t.Fatal("golden rejected")
	}
	noAllocs(t, "MemberIter", func() {
		for it := list.Iter(); ; {
			mem, ok := it.Next()
			if !ok {
				break
			}
			sink += int(mem.Addr.Port())
		}
	})
	noAllocs(t, "Status.Record", func() {
		for i := range status.Count() {
			id, _ := status.Record(i)
			sink += int(id)
		}
	})
	noAllocs(t, "AppendAddr and ParseAddr", func() {
		b, _ := AppendAddr(out[:0], addr6)
		a, _ := ParseAddr(b)
		_, err := ParseAddr(b[:5])
		sink += int(a.Port()) + len(err.Error())
	})
	noAllocs(t, "AppendDescribe", func() {
		sink += len(AppendDescribe(out[:0], goldens["data"]))
	})
	_ = sink
}
