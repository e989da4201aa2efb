package message

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"maps"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// update rewrites the golden wire vectors and the seed corpus files.
var update = flag.Bool("update", false, "rewrite testdata/wire goldens and the FuzzDecode seed corpus")

// wireDir holds the golden wire vectors, shared by the repository.
const wireDir = "../testdata/wire"

var (
	addr4  = netip.MustParseAddrPort("127.0.0.1:7070")
	addr6  = netip.MustParseAddrPort("[::1]:7071")
	addr4b = netip.MustParseAddrPort("10.0.0.3:7072")

	memberA1 = Member{ID: 0xa1, Addr: addr4}
	memberB2 = Member{ID: 0xb2, Addr: addr6}
	memberC3 = Member{ID: 0xc3, Addr: addr4b}

	// Records of the extension goldens: every kind, both address families,
	// with and without metadata.
	aliveA1   = Record{Kind: RecordAlive, ID: 0xa1, Inc: 2, Addr: addr4, Meta: []byte("zone=eu")}
	aliveB2   = Record{Kind: RecordAlive, ID: 0xb2, Inc: 5, Addr: addr6}
	aliveC3   = Record{Kind: RecordAlive, ID: 0xc3, Inc: 1, Addr: addr4b, Meta: []byte("v=1.4")}
	suspectC3 = Record{Kind: RecordSuspect, ID: 0xc3, Inc: 4, From: 0xa1}
	failedD4  = Record{Kind: RecordFailed, ID: 0xd4, Inc: 1, From: 0xb2}
	leftE5    = Record{Kind: RecordLeft, ID: 0xe5, Inc: 7}

	// digestView is the view of the small Digest goldens: ids whose top
	// two bits put two members in bucket 0 of 4, none in bucket 1, one in
	// each of buckets 2 and 3 (and two in each bucket of 2).
	digestView = []digestMember{
		{0x00000000000000a1, 2}, {0x00000000000000b2, 5},
		{0x80000000000000c3, 4}, {0xc0000000000000d4, 1},
	}
)

// digestMember is one member of a view that a Digest summarizes.
type digestMember struct {
	id  uint64
	inc uint32
}

// spreadView returns a view of n members whose ids spread over the whole
// id space (multiples of an odd 64-bit constant), at incarnations 1..3.
func spreadView(n int) []digestMember {
	view := make([]digestMember, n)
	for i := range view {
		view[i] = digestMember{uint64(i+1) * 0x9e3779b97f4a7c15, uint32(i%3 + 1)}
	}
	return view
}

// newDigest builds, with Reset and SetBucket, the Digest of 2^bits
// buckets of a view, as its doc comment describes: each member counted in
// its DigestBucket, its DigestHash XORed into that bucket's hash.
func newDigest(bits int, answer bool, view ...digestMember) *Digest {
	counts := make([]uint16, 1<<bits)
	hashes := make([]uint32, 1<<bits)
	for _, m := range view {
		i := DigestBucket(m.id, bits)
		counts[i]++
		hashes[i] ^= DigestHash(m.id, m.inc)
	}
	d := new(Digest)
	d.Reset(bits, answer, make([]byte, (1<<bits)*DigestBucketSize))
	for i := range counts {
		d.SetBucket(i, counts[i], hashes[i])
	}
	return d
}

// goldenCase is one golden wire vector: the file testdata/wire/<name>.txt
// must hold what build encodes.
type goldenCase struct {
	name    string
	comment string
	build   func(b []byte) (int, error)
}

func encodeWith(m interface {
	Encode([]byte, uint32) (int, error)
}, seq uint32) func([]byte) (int, error) {
	return func(b []byte) (int, error) { return m.Encode(b, seq) }
}

var goldenCases = []goldenCase{
	{"hello_ip4", "Hello from member 0xa1 at /ip4/127.0.0.1/udp/7070.",
		encodeWith(&Hello{Member: memberA1}, 7)},
	{"hello_ip6", "Hello from member 0xb2 at /ip6/::1/udp/7071.",
		encodeWith(&Hello{Member: memberB2}, 7)},
	{"welcome", "Welcome from seed 0xa1, answering the Hello sent with seq 7.",
		encodeWith(&Welcome{HelloSeq: 7, Member: memberA1}, 9)},
	{"memberlist_empty", "MemberList with no members (count 0 is valid).",
		writeMemberList(3)},
	{"memberlist_three", "MemberList of three members, both address families.",
		writeMemberList(3, memberA1, memberB2, memberC3)},
	{"ack", "Ack of the envelope sent with seq 7.",
		encodeWith(&Ack{AckedSeq: 7}, 4)},
	{"data", `Data: originator 0xa1's first payload, "hello".`,
		encodeWith(&Data{Origin: 0xa1, OriginSeq: 1, Payload: []byte("hello")}, 5)},
	{"data_empty_payload", "Data with an empty payload (len 0 is valid).",
		encodeWith(&Data{Origin: 0xa1, OriginSeq: 2}, 5)},
	{"data_long", "Data with a 40-byte payload: Describe shows the first 32 bytes.",
		encodeWith(&Data{Origin: 0xb2, OriginSeq: 70000, Payload: []byte("0123456789abcdefghijklmnopqrstuvwxyzABCD")}, 5)},
	{"status_empty", "Status with no records (count 0 is valid).",
		writeStatus(6)},
	{"status_three", "Status: the sender holds data up to seq 3 of 0xa1, 1 of 0xb2, 12 of 0xc3.",
		writeStatus(6, 0xa1, 3, 0xb2, 1, 0xc3, 12)},
	{"leave", "Leave: member 0xa1 leaves the cluster.",
		encodeWith(&Leave{Member: memberA1}, 8)},

	// Extension types (9 and above).
	{"join_ip4", `Join from member 0xa1 at /ip4/127.0.0.1/udp/7070, incarnation 1, metadata "zone=eu".`,
		encodeWith(&Join{Record: Record{ID: 0xa1, Inc: 1, Addr: addr4, Meta: []byte("zone=eu")}}, 9)},
	{"join_ip6_nometa", "Join from member 0xb2 at /ip6/::1/udp/7071, incarnation 3, no metadata (metaLen 0).",
		encodeWith(&Join{Record: Record{ID: 0xb2, Inc: 3, Addr: addr6}}, 9)},
	{"update_rumor", "Update rumor: 0xa1 alive (ip4, metadata), 0xb2 alive (ip6), 0xc3 suspected by 0xa1, 0xd4 failed by 0xb2, 0xe5 left.",
		writeUpdate(3, true, aliveA1, aliveB2, suspectC3, failedD4, leftE5)},
	{"update_state_empty", "Update carrying state with no records (count 0 is valid).",
		writeUpdate(3, false)},
	{"update_state_alive", "Update carrying state: three alive members, both address families, two with metadata.",
		writeUpdate(3, false, aliveA1, aliveB2, aliveC3)},
	{"probe_request", "ProbeRequest: probe member 0xb2 at /ip6/::1/udp/7071 for the sender.",
		encodeWith(&ProbeRequest{Target: memberB2}, 11)},
	{"probe_result_reached", "ProbeResult answering the ProbeRequest sent with seq 11: member 0xb2 answered.",
		encodeWith(&ProbeResult{RequestSeq: 11, Target: 0xb2, Reached: true}, 12)},
	{"probe_result_nack", "ProbeResult answering the ProbeRequest sent with seq 11: member 0xb2 did not answer (a nack).",
		encodeWith(&ProbeResult{RequestSeq: 11, Target: 0xb2}, 12)},
	{"digest_small", "Digest of 4 buckets: members 0xa1 and 0xb2 in bucket 0, none in bucket 1, 0x80000000000000c3 in 2, 0xc0000000000000d4 in 3.",
		encodeWith(newDigest(2, false, digestView...), 13)},
	{"digest_answer", "Digest answering a Digest (answer 1): the same four members in 2 buckets, two in each.",
		encodeWith(newDigest(1, true, digestView...), 13)},
	{"digest_default", "Digest of 64 buckets, DigestBits(512): what a node at the default MaxMessageSize sends, here for 100 members spread over the id space.",
		encodeWith(newDigest(DigestBits(DefaultMaxMessageSize), false, spreadView(100)...), 13)},
	{"copy", `Copy: originator 0xa1's first payload, "hello", as a redundant copy that is not acknowledged.`,
		encodeCopy(&Data{Origin: 0xa1, OriginSeq: 1, Payload: []byte("hello")}, 14)},
	{"copy_empty_payload", "Copy with an empty payload (len 0 is valid).",
		encodeCopy(&Data{Origin: 0xb2, OriginSeq: 70000}, 14)},
}

func encodeCopy(d *Data, seq uint32) func([]byte) (int, error) {
	return func(b []byte) (int, error) { return d.EncodeCopy(b, seq) }
}

// writeUpdate builds an Update of the given records with UpdateWriter.
func writeUpdate(seq uint32, rumor bool, records ...Record) func([]byte) (int, error) {
	return func(b []byte) (int, error) {
		w, err := NewUpdateWriter(b, seq, rumor)
		if err != nil {
			return 0, err
		}
		for _, r := range records {
			if !w.Add(r) {
				return 0, fmt.Errorf("record %+v does not fit", r)
			}
		}
		return w.Finish(), nil
	}
}

func writeMemberList(seq uint32, members ...Member) func([]byte) (int, error) {
	return func(b []byte) (int, error) {
		w, err := NewMemberListWriter(b, seq)
		if err != nil {
			return 0, err
		}
		for _, m := range members {
			if !w.Add(m) {
				return 0, fmt.Errorf("member %v does not fit", m)
			}
		}
		return w.Finish(), nil
	}
}

// writeStatus builds a Status from id, seq pairs.
func writeStatus(seq uint32, records ...uint64) func([]byte) (int, error) {
	return func(b []byte) (int, error) {
		w, err := NewStatusWriter(b, seq)
		if err != nil {
			return 0, err
		}
		for i := 0; i < len(records); i += 2 {
			if !w.Add(records[i], uint32(records[i+1])) {
				return 0, fmt.Errorf("record %d does not fit", i/2)
			}
		}
		return w.Finish(), nil
	}
}

// renderGolden returns the golden file text for datagram b: the comment,
// the field layout as the reference decoder reads it, hex and describe.
func renderGolden(comment string, b []byte) (string, error) {
	_, spans, err := refDecode(b)
	if err != nil {
		return "", err
	}
	var s strings.Builder
	fmt.Fprintf(&s, "# %s\n#\n", comment)
	fmt.Fprintf(&s, "# %6s  %-24s  %s\n", "offset", "bytes", "field")
	for _, sp := range spans {
		line := fmt.Sprintf("# %6d  %-24x  %s", sp.Offset, sp.Bytes, sp.Name)
		if sp.Note != "" {
			line += " (" + sp.Note + ")"
		}
		s.WriteString(strings.TrimRight(line, " ") + "\n")
	}
	fmt.Fprintf(&s, "hex: %x\n", b)
	fmt.Fprintf(&s, "describe: %s\n", Describe(b))
	return s.String(), nil
}

// parseGolden returns the hex and describe lines of a golden file.
func parseGolden(text string) (wire []byte, describe string, err error) {
	var haveHex, haveDescribe bool
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "hex: "):
			if wire, err = hex.DecodeString(strings.TrimPrefix(line, "hex: ")); err != nil {
				return nil, "", err
			}
			haveHex = true
		case strings.HasPrefix(line, "describe: "):
			describe, haveDescribe = strings.TrimPrefix(line, "describe: "), true
		default:
			return nil, "", fmt.Errorf("unexpected line %q", line)
		}
	}
	if !haveHex || !haveDescribe {
		return nil, "", fmt.Errorf("missing hex: or describe: line")
	}
	return wire, describe, nil
}

// loadGoldens returns every golden datagram in testdata/wire by name.
func loadGoldens(tb testing.TB) map[string][]byte {
	tb.Helper()
	files, err := filepath.Glob(filepath.Join(wireDir, "*.txt"))
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden files in %s: %v", wireDir, err)
	}
	out := make(map[string][]byte)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		wire, _, err := parseGolden(string(text))
		if err != nil {
			tb.Fatalf("%s: %v", f, err)
		}
		out[strings.TrimSuffix(filepath.Base(f), ".txt")] = wire
	}
	return out
}

// sortedGoldens returns loadGoldens in name order.
func sortedGoldens(tb testing.TB) (names []string, wires [][]byte) {
	g := loadGoldens(tb)
	for _, name := range slices.Sorted(maps.Keys(g)) {
		names, wires = append(names, name), append(wires, g[name])
	}
	return names, wires
}

// TestGoldenWireVectors checks every golden file both ways: the Go value
// encodes to the file's hex, the hex decodes and describes as the file
// says, and the decoded Message encodes back to the same bytes.
func TestGoldenWireVectors(t *testing.T) {
	for _, gc := range goldenCases {
		t.Run(gc.name, func(t *testing.T) {
			buf := make([]byte, DefaultMaxMessageSize)
			n, err := gc.build(buf)
			if err != nil {
				t.Fatal(err)
			}
			want := buf[:n]
			text, err := renderGolden(gc.comment, want)
			if err != nil {
				t.Fatalf("reference decoder rejects the golden value: %v", err)
			}
			path := filepath.Join(wireDir, gc.name+".txt")
			if *update {
				if err := os.MkdirAll(wireDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			file, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			wire, describe, err := parseGolden(string(file))
			if err != nil {
				t.Fatal(err)
			}

			// Go value -> bytes.
			if !bytes.Equal(wire, want) {
				t.Errorf("encoding differs from the golden hex\n got %x\nwant %x", want, wire)
			}
			// Bytes -> Message and text.
			var m Message
			if err := Decode(wire, &m); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if got := Describe(wire); got != describe {
				t.Errorf("Describe\n got %s\nwant %s", got, describe)
			}
			// Message -> the same bytes.
			out := make([]byte, len(wire))
			n, err = Encode(out, &m)
			if err != nil || !bytes.Equal(out[:n], wire) {
				t.Errorf("re-encode: %v\n got %x\nwant %x", err, out[:n], wire)
			}
			if string(file) != text {
				t.Errorf("file differs from its rendering; run go test -update and review the diff\n got:\n%s\nwant:\n%s", file, text)
			}
		})
	}
}

// TestGoldenFilesHaveCases catches golden files no case produces.
func TestGoldenFilesHaveCases(t *testing.T) {
	for name := range loadGoldens(t) {
		if !slices.ContainsFunc(goldenCases, func(gc goldenCase) bool { return gc.name == name }) {
			t.Errorf("%s/%s.txt has no golden case", wireDir, name)
		}
	}
}

// TestHelloHandWritten spells one datagram out byte by byte from
// wire-format.md, so the goldens are not merely self-consistent.
func TestHelloHandWritten(t *testing.T) {
	want := []byte{
		0x00, 0x01, // type: Hello
		0x01,                   // version 1
		0x00,                   // flags
		0x00, 0x00, 0x00, 0x07, // seq 7
		0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xa1, // member.id
		0x09,         // member.addrLen
		0x04,         // multiaddr code ip4
		127, 0, 0, 1, // 127.0.0.1
		0x91, 0x02, // multiaddr code udp (273 as a varint)
		0x1b, 0x9e, // port 7070
	}
	hello := Hello{Member: memberA1}
	got := make([]byte, 64)
	n, err := hello.Encode(got, 7)
	if err != nil || !bytes.Equal(got[:n], want) {
		t.Fatalf("Encode = %x, %v; want %x", got[:n], err, want)
	}
	golden := loadGoldens(t)["hello_ip4"]
	if !bytes.Equal(golden, want) {
		t.Fatalf("testdata/wire/hello_ip4.txt = %x; want %x", golden, want)
	}
}

// TestExtensionsHandWritten spells out one datagram of each extension
// layout byte by byte, as TestHelloHandWritten does for the base format.
func TestExtensionsHandWritten(t *testing.T) {
	header := func(typ, seq byte) []byte { return []byte{0x00, typ, 0x01, 0x00, 0x00, 0x00, 0x00, seq} }
	ip4 := []byte{
		0x09,         // addrLen
		0x04,         // multiaddr code ip4
		127, 0, 0, 1, // 127.0.0.1
		0x91, 0x02, // multiaddr code udp
		0x1b, 0x9e, // port 7070
	}
	tests := []struct {
		name   string
		golden string // the golden file of the same bytes, if any
		build  func([]byte) (int, error)
		want   []byte
	}{
		{"join", "join_ip4",
			encodeWith(&Join{Record: Record{ID: 0xa1, Inc: 1, Addr: addr4, Meta: []byte("zone=eu")}}, 9),
			cat(header(0x09, 9),
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xa1}, // id (no kind byte)
				[]byte{0, 0, 0, 1},                // inc
				ip4,
				[]byte{7}, []byte("zone=eu"), // metaLen, meta
			)},
		{"update", "",
			writeUpdate(3, true, Record{Kind: RecordSuspect, ID: 0xc3, Inc: 4, From: 0xa1}, Record{Kind: RecordLeft, ID: 0xe5, Inc: 7},
				Record{Kind: RecordAlive, ID: 0xa1, Inc: 2, Addr: addr4}),
			cat(header(0x0a, 3),
				[]byte{0x01},                                          // rumor
				[]byte{0x00, 0x03},                                    // count
				[]byte{0x02},                                          // kind suspect
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xc3}, []byte{0, 0, 0, 4}, // id, inc
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xa1},                     // from
				[]byte{0x04},                                          // kind left
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xe5}, []byte{0, 0, 0, 7}, // id, inc
				[]byte{0x01},                                          // kind alive
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xa1}, []byte{0, 0, 0, 2}, // id, inc
				ip4,
				[]byte{0}, // metaLen
			)},
		{"probe request", "",
			encodeWith(&ProbeRequest{Target: memberA1}, 11),
			cat(header(0x0b, 11), []byte{0, 0, 0, 0, 0, 0, 0, 0xa1}, ip4)},
		{"probe result", "probe_result_reached",
			encodeWith(&ProbeResult{RequestSeq: 11, Target: 0xb2, Reached: true}, 12),
			cat(header(0x0c, 12),
				[]byte{0, 0, 0, 11},               // requestSeq
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xb2}, // target
				[]byte{0x01},                      // reached
			)},
		{"digest", "digest_answer",
			encodeWith(newDigest(1, true, digestView...), 13),
			cat(header(0x0d, 13),
				[]byte{0x01},                   // answer
				[]byte{0x01},                   // bits: 2 buckets
				[]byte{0x00, 0x02},             // bucket 0 count: 0xa1, 0xb2
				[]byte{0xbd, 0x06, 0x03, 0xea}, // bucket 0 hash: 770fc5a4 ^ ca09c64e
				[]byte{0x00, 0x02},             // bucket 1 count: 0x80000000000000c3, 0xc0000000000000d4
				[]byte{0x81, 0x60, 0xf1, 0xf5}, // bucket 1 hash: 26a5fe71 ^ a7c50f84
			)},
		{"copy", "copy",
			encodeCopy(&Data{Origin: 0xa1, OriginSeq: 1, Payload: []byte("hello")}, 14),
			cat(header(0x0e, 14),
				[]byte{0, 0, 0, 0, 0, 0, 0, 0xa1}, // origin
				[]byte{0, 0, 0, 1},                // originSeq
				[]byte{0, 5}, []byte("hello"),     // len, payload
			)},
	}
	goldens := loadGoldens(t)
	for _, tt := range tests {
		got := make([]byte, 128)
		n, err := tt.build(got)
		if err != nil || !bytes.Equal(got[:n], tt.want) {
			t.Errorf("%s: Encode = %x, %v; want %x", tt.name, got[:n], err, tt.want)
		}
		if tt.golden != "" && !bytes.Equal(goldens[tt.golden], tt.want) {
			t.Errorf("testdata/wire/%s.txt = %x; want %x", tt.golden, goldens[tt.golden], tt.want)
		}
	}
}
