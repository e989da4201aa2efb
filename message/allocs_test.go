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

	join := Join{Record: aliveA1}
	probeRequest := ProbeRequest{Target: memberB2}
	probeResult := ProbeResult{RequestSeq: 1, Target: 0xb2, Reached: true}
	noAllocs(t, "Join.Encode", func() { sink, _ = join.Encode(out, 1) })
	noAllocs(t, "ProbeRequest.Encode", func() { sink, _ = probeRequest.Encode(out, 1) })
	noAllocs(t, "ProbeResult.Encode", func() { sink, _ = probeResult.Encode(out, 1) })
	noAllocs(t, "UpdateWriter", func() {
		w, _ := NewUpdateWriter(out, 1, true)
		for w.Fits(aliveA1.Len()) && w.Add(aliveA1) && w.Add(aliveB2) && w.Add(suspectC3) && w.Add(failedD4) && w.Add(leftE5) {
		}
		sink = w.Finish() + w.Count()
	})
	digest := newDigest(DigestBits(DefaultMaxMessageSize), true, spreadView(100)...)
	digestBuf := make([]byte, (1<<MaxDigestBits)*DigestBucketSize)
	noAllocs(t, "Digest.Encode", func() { sink, _ = digest.Encode(out, 1) })
	noAllocs(t, "Digest Reset, SetBucket and Bucket", func() {
		var d Digest
		d.Reset(MaxDigestBits, false, digestBuf)
		for i := range 1 << MaxDigestBits {
			d.SetBucket(i, uint16(i), DigestHash(uint64(i)<<57|1, 1))
			c, h := d.Bucket(i)
			sink += int(c) + int(h&1) + DigestBucket(uint64(h)<<32, MaxDigestBits)
		}
		sink += d.Len() + DigestBits(DefaultMaxMessageSize)
	})
	noAllocs(t, "Record.Len and Valid", func() {
		for i := range validRecords {
			if validRecords[i].Valid() {
				sink += validRecords[i].Len()
			}
		}
		for i := range invalidRecords {
			sink += invalidRecords[i].r.Len()
		}
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
	badJoin := Join{Record: Record{ID: 1, Inc: 1, Addr: zone}}
	zeroIncJoin := Join{Record: Record{ID: 1, Addr: addr4}}
	longMetaJoin := Join{Record: Record{ID: 1, Inc: 1, Addr: addr4, Meta: out[:MaxMetaLen+1]}}
	badProbeRequest := ProbeRequest{Target: Member{ID: 1, Addr: zone}}
	zeroProbeResult := ProbeResult{RequestSeq: 1}
	noAllocs(t, "Join.Encode bad address", func() { sink, _ = badJoin.Encode(out, 1) })
	noAllocs(t, "Join.Encode zero inc", func() { sink, _ = zeroIncJoin.Encode(out, 1) })
	noAllocs(t, "Join.Encode metadata too long", func() { sink, _ = longMetaJoin.Encode(out, 1) })
	noAllocs(t, "Join.Encode too small", func() { sink, _ = join.Encode(out[:20], 1) })
	noAllocs(t, "ProbeRequest.Encode bad address", func() { sink, _ = badProbeRequest.Encode(out, 1) })
	noAllocs(t, "ProbeResult.Encode zero target", func() { sink, _ = zeroProbeResult.Encode(out, 1) })
	noAllocs(t, "ProbeResult.Encode too small", func() { sink, _ = probeResult.Encode(out[:20], 1) })
	var zeroDigest Digest
	noAllocs(t, "Digest.Encode zero Digest", func() { sink, _ = zeroDigest.Encode(out, 1) })
	noAllocs(t, "Digest.Encode too small", func() { sink, _ = digest.Encode(out[:digest.Len()-1], 1) })
	noAllocs(t, "UpdateWriter refusing", func() {
		w, _ := NewUpdateWriter(out[:40], 1, false)
		for i := range invalidRecords {
			w.Add(invalidRecords[i].r)
		}
		for w.Add(aliveB2) {
		}
		sink = w.Finish()
	})

	goldens := loadGoldens(t)
	var list MemberList
	var status Status
	var update Update
	var join2 Join
	var probeRequest2 ProbeRequest
	var probeResult2 ProbeResult
	var digest2 Digest
	if list.Decode(goldens["memberlist_three"][HeaderSize:]) != nil ||
		status.Decode(goldens["status_three"][HeaderSize:]) != nil ||
		update.Decode(goldens["update_rumor"][HeaderSize:]) != nil {
		t.Fatal("golden rejected")
	}
	noAllocs(t, "Update.Decode", func() {
		if update.Decode(goldens["update_state_alive"][HeaderSize:]) != nil {
			panic("golden rejected")
		}
	})
	noAllocs(t, "Join.Decode", func() {
		if join2.Decode(goldens["join_ip4"][HeaderSize:]) != nil {
			panic("golden rejected")
		}
	})
	noAllocs(t, "ProbeRequest.Decode", func() {
		if probeRequest2.Decode(goldens["probe_request"][HeaderSize:]) != nil {
			panic("golden rejected")
		}
	})
	noAllocs(t, "ProbeResult.Decode", func() {
		if probeResult2.Decode(goldens["probe_result_nack"][HeaderSize:]) != nil {
			panic("golden rejected")
		}
	})
	noAllocs(t, "Digest.Decode", func() {
		if digest2.Decode(goldens["digest_default"][HeaderSize:]) != nil {
			panic("golden rejected")
		}
	})
	noAllocs(t, "Digest.Decode rejecting", func() {
		b := goldens["digest_small"][HeaderSize:]
		for n := range len(b) {
			if digest2.Decode(b[:n]) == nil {
				panic("cut golden accepted")
			}
		}
	})
	if update.Decode(goldens["update_rumor"][HeaderSize:]) != nil {
		t.Fatal("golden rejected")
	}
	noAllocs(t, "Update.Encode", func() { sink, _ = update.Encode(out, 1) })
	noAllocs(t, "RecordIter", func() {
		for it := update.Iter(); ; {
			r, ok := it.Next()
			if !ok {
				break
			}
			sink += int(r.Inc) + len(r.Meta)
		}
	})
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
	noAllocs(t, "AppendDescribe of an Update", func() {
		sink += len(AppendDescribe(out[:0], goldens["update_rumor"]))
	})
	long := make([]byte, 0, 4096) // 64 buckets take more than out holds
	noAllocs(t, "AppendDescribe of a Digest", func() {
		sink += len(AppendDescribe(long[:0], goldens["digest_default"]))
	})
	_ = sink
}
