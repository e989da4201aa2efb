package message

import (
	"bytes"
	"testing"
)

// benchDatagrams returns one full-sized datagram of each type at the
// default MaxMessageSize: a MemberList of 27 ip4 members, a Status of 41
// records, a Data with a 490-byte payload, an Update of 16 alive ip4
// records with 7 bytes of metadata each, a Join with 32, and a Digest of
// DigestBits(512) = 64 buckets.
func benchDatagrams(b *testing.B) []struct {
	name string
	wire []byte
} {
	enc := func(f func([]byte) (int, error)) []byte {
		buf := make([]byte, DefaultMaxMessageSize)
		n, err := f(buf)
		if err != nil {
			b.Fatal(err)
		}
		return buf[:n]
	}
	members := make([]Member, 27)
	for i := range members {
		members[i] = Member{ID: uint64(i + 1), Addr: addr4}
	}
	records := make([]uint64, 0, 82)
	for i := range 41 {
		records = append(records, uint64(i+1), 7)
	}
	alive := make([]Record, 16)
	for i := range alive {
		alive[i] = Record{Kind: RecordAlive, ID: uint64(i + 1), Inc: 3, Addr: addr4, Meta: []byte("zone=eu")}
	}
	// A rumor of every kind, as many as fit.
	var mixed []Record
	kinds := []Record{aliveA1, aliveB2, suspectC3, failedD4, leftE5}
	for n := updateOverhead; ; {
		r := kinds[len(mixed)%len(kinds)]
		if n+r.Len() > DefaultMaxMessageSize {
			break
		}
		n += r.Len()
		mixed = append(mixed, r)
	}
	return []struct {
		name string
		wire []byte
	}{
		{"Hello", enc(encodeWith(&Hello{Member: memberB2}, 1))},
		{"Welcome", enc(encodeWith(&Welcome{HelloSeq: 1, Member: memberB2}, 2))},
		{"MemberList", enc(writeMemberList(3, members...))},
		{"Ack", enc(encodeWith(&Ack{AckedSeq: 1}, 4))},
		{"Data", enc(encodeWith(&Data{Origin: 1, OriginSeq: 1, Payload: bytes.Repeat([]byte{'x'}, 490)}, 5))},
		{"Status", enc(writeStatus(6, records...))},
		{"Leave", enc(encodeWith(&Leave{Member: memberB2}, 7))},
		{"Join", enc(encodeWith(&Join{Record: Record{ID: 1, Inc: 1, Addr: addr6, Meta: bytes.Repeat([]byte{'m'}, 32)}}, 9))},
		{"Update", enc(writeUpdate(10, false, alive...))},
		{"UpdateMixed", enc(writeUpdate(10, true, mixed...))},
		{"ProbeRequest", enc(encodeWith(&ProbeRequest{Target: memberB2}, 11))},
		{"ProbeResult", enc(encodeWith(&ProbeResult{RequestSeq: 11, Target: 0xb2, Reached: true}, 12))},
		{"Digest", enc(encodeWith(newDigest(DigestBits(DefaultMaxMessageSize), false, spreadView(1000)...), 13))},
	}
}

// BenchmarkDecode decodes a whole datagram of each type with Decode.
func BenchmarkDecode(b *testing.B) {
	for _, d := range benchDatagrams(b) {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(d.wire)))
			var m Message
			for b.Loop() {
				if err := Decode(d.wire, &m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkEncode encodes a datagram of each type the way a sender does:
// the type's Encode, or for MemberList, Status and Update the writer
// filling the datagram record by record, and for Digest Reset and
// SetBucket filling it bucket by bucket before Encode.
func BenchmarkEncode(b *testing.B) {
	out := make([]byte, DefaultMaxMessageSize)
	for _, d := range benchDatagrams(b) {
		var m Message
		if err := Decode(d.wire, &m); err != nil {
			b.Fatal(err)
		}
		encode := func() (int, error) { return Encode(out, &m) }
		switch m.Header.Type {
		case TypeMemberList:
			members := m.MemberList.AppendTo(nil)
			encode = func() (int, error) {
				w, _ := NewMemberListWriter(out, 3)
				for _, mem := range members {
					w.Add(mem)
				}
				return w.Finish(), nil
			}
		case TypeStatus:
			encode = func() (int, error) {
				w, _ := NewStatusWriter(out, 6)
				for i := range m.Status.Count() {
					w.Add(m.Status.Record(i))
				}
				return w.Finish(), nil
			}
		case TypeUpdate:
			recs := records(&m.Update)
			rumor := m.Update.Rumor()
			encode = func() (int, error) {
				w, _ := NewUpdateWriter(out, 10, rumor)
				for _, r := range recs {
					w.Add(r)
				}
				return w.Finish(), nil
			}
		case TypeDigest:
			from := m.Digest
			buf := make([]byte, (1<<MaxDigestBits)*DigestBucketSize)
			var d Digest
			encode = func() (int, error) {
				d.Reset(from.Bits(), from.Answer, buf)
				for i := range 1 << from.Bits() {
					c, h := from.Bucket(i)
					d.SetBucket(i, c, h)
				}
				return d.Encode(out, 13)
			}
		}
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(d.wire)))
			for b.Loop() {
				if n, err := encode(); err != nil || n != len(d.wire) {
					b.Fatal(n, err)
				}
			}
		})
	}
}

// BenchmarkMemberIter walks a decoded 27-member MemberList.
func BenchmarkMemberIter(b *testing.B) {
	wire := benchDatagrams(b)[2].wire
	var list MemberList
	if err := list.Decode(wire[HeaderSize:]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		for it := list.Iter(); ; {
			if _, ok := it.Next(); !ok {
				break
			}
		}
	}
}

// BenchmarkRecordIter walks a decoded Update of 16 alive records.
func BenchmarkRecordIter(b *testing.B) {
	var wire []byte
	for _, d := range benchDatagrams(b) {
		if d.name == "Update" {
			wire = d.wire
		}
	}
	var u Update
	if err := u.Decode(wire[HeaderSize:]); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.SetBytes(int64(len(wire)))
	for b.Loop() {
		for it := u.Iter(); ; {
			if _, ok := it.Next(); !ok {
				break
			}
		}
	}
}

// BenchmarkDigestHash is the cost of one member's contribution to its
// bucket, paid on every change of a member's incarnation.
func BenchmarkDigestHash(b *testing.B) {
	var sink uint32
	id := uint64(0x9e3779b97f4a7c15)
	for b.Loop() {
		sink ^= DigestHash(id, sink)
		id += 0x9e3779b97f4a7c15
	}
	_ = sink
}
