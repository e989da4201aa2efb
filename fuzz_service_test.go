package gossip_test

import (
	"bufio"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/internal/memnet"
	"github.com/tickgossip/gossip/message"
)

// update rewrites FuzzService's seed corpus from the golden wire vectors.
var update = flag.Bool("update", false, "rewrite the FuzzService seed corpus in testdata/fuzz/FuzzService")

// fuzzTweak shrinks every bound, so that a short input can reach each one:
// 6 members, 12 queued messages, 3 origins, a 256-byte log, 128-byte
// datagrams (a Data payload of at most 106 bytes).
func fuzzTweak(c *gossip.Config) {
	c.MaxMessageSize = 128
	c.MaxMembers = 6
	c.MaxOutboundMessages = 12
	c.MaxOrigins = 3
	c.DataLogBytes = 256
}

// fuzzSenders are the source addresses a script picks from (by index,
// modulo): the cluster's three nodes, then the golden vectors' members'
// addresses, strangers, node 0 as an IPv4-mapped IPv6 address, and the
// target itself.
func fuzzSenders(c *cluster, target *tnode) []netip.AddrPort {
	return []netip.AddrPort{
		addrOf(c.nodes[0]), addrOf(c.nodes[1]), addrOf(c.nodes[2]),
		netip.MustParseAddrPort("127.0.0.1:7070"),
		netip.MustParseAddrPort("[::1]:7071"),
		netip.MustParseAddrPort("10.0.0.3:7072"),
		memnet.Addr(9001),
		netip.MustParseAddrPort("10.9.9.9:7946"),
		netip.AddrPortFrom(netip.AddrFrom16(addrOf(c.nodes[0]).Addr().As16()), addrOf(c.nodes[0]).Port()),
		addrOf(target),
	}
}

// Script ops. A script is a mode byte, then ops until the bytes run out:
//
//	opInject sender len bytes[len]  a datagram from fuzzSenders[sender]
//	opTick   n                      the clock moves n×10ms; the target ticks
//	opSend                          the target sends what is due
//	opData   n                      the target's SendData of n bytes
//	opRun    n                      the whole cluster runs n×10ms
//
// The op byte is taken modulo 8, and 0..3 all inject, so that most
// mutations still parse as datagrams.
const (
	opInject = 0
	opTick   = 4
	opSend   = 5
	opData   = 6
	opRun    = 7
)

// The modes: which node of a three-node cluster the script drives.
const (
	modeSeed        = iota // node 0, CONNECTED, the seed the others joined through
	modeMember             // node 1, CONNECTED
	modeJoining            // a fourth node that has just sent its Hello to node 0
	modeInitialized        // a fourth node that has not joined
	modeLeft               // node 2, DISCONNECTED after Leave
	numModes
)

// FuzzService feeds a running service arbitrary datagrams from arbitrary
// senders, interleaved with Tick, Send, SendData and the rest of the
// cluster running, and checks after every step: no panic; every bound of
// every node (members, queued messages, data log bytes, origins) holds;
// no payload is delivered twice while no origin was forgotten, nor to its
// own originator; the state changes only as a Welcome or the last Hello's
// expiry may change it; and a datagram that message.Decode rejects (or
// that is oversized, or that the node's state does not accept) changes
// nothing but DatagramsIn, BytesIn and exactly one Dropped counter.
func FuzzService(f *testing.F) {
	// The seed corpus is testdata/fuzz/FuzzService, built from the golden
	// vectors by TestFuzzServiceSeedCorpus -update.
	f.Fuzz(func(t *testing.T, script []byte) {
		if len(script) == 0 {
			return
		}
		c := startCluster(t, 3, fuzzTweak)
		cfg := c.cfgOf()
		var target *tnode
		switch script[0] % numModes {
		case modeSeed:
			target = c.nodes[0]
		case modeMember:
			target = c.nodes[1]
		case modeJoining:
			target = c.add()
			if err := target.svc.Join(c.nodes[0].svc.Addr()); err != nil {
				t.Fatal(err)
			}
		case modeInitialized:
			target = c.add()
		case modeLeft:
			target = c.nodes[2]
			if err := target.svc.Leave(); err != nil {
				t.Fatal(err)
			}
			c.pump()
		}
		senders := fuzzSenders(c, target)
		s := script[1:]
		arg := func() int {
			if len(s) == 0 {
				return 0
			}
			a := int(s[0])
			s = s[1:]
			return a
		}
		state := target.svc.State()
		for step := 0; len(s) > 0; step++ {
			op := s[0] % 8
			s = s[1:]
			switch op {
			case opTick:
				c.clock.Advance(time.Duration(arg()) * 10 * time.Millisecond)
				if w := target.svc.Tick(); w < 0 || w > cfg.TickInterval {
					t.Fatalf("step %d: Tick() = %v, want 0..TickInterval", step, w)
				}
			case opSend:
				if _, err := target.svc.Send(); err != nil {
					t.Fatalf("step %d: Send: %v", step, err)
				}
			case opData:
				fuzzSendData(t, target, arg())
			case opRun:
				c.run(time.Duration(arg()) * 10 * time.Millisecond)
			default:
				from := senders[arg()%len(senders)]
				n := min(arg(), len(s))
				b := s[:n]
				s = s[n:]
				fuzzInject(t, target, from, b, cfg)
			}
			c.checkAllBounds(fmt.Sprintf("step %d", step))
			for i, n := range c.nodes {
				checkDeliveries(t, i, n)
			}
			now := target.svc.State()
			if now != state && !(state == gossip.Joining && (now == gossip.Connected || now == gossip.Disconnected)) {
				t.Fatalf("step %d: state %v -> %v", step, state, now)
			}
			state = now
		}
	})
}

// fuzzInject gives the target one datagram and checks that, if the
// datagram is one to drop, it was dropped and changed nothing else.
func fuzzInject(t *testing.T, target *tnode, from netip.AddrPort, b []byte, cfg gossip.Config) {
	t.Helper()
	drain(t, target)
	var m message.Message
	err := message.Decode(b, &m)
	st := target.svc.State()
	dropOnly := err != nil || len(b) > cfg.MaxMessageSize ||
		st == gossip.Initialized || (st == gossip.Disconnected && m.Header.Type != message.TypeAck) ||
		(st == gossip.Joining && (m.Header.Type == message.TypeHello || m.Header.Type == message.TypeJoin))
	before := snap(target.svc)
	target.ep.Inject(from, b)
	k, rerr := target.svc.Receive()
	if k != 1 || rerr != nil {
		t.Fatalf("Receive = %d, %v; want the one datagram", k, rerr)
	}
	if !dropOnly {
		return
	}
	if why, ok := droppedOnly(before, snap(target.svc), min(len(b), cfg.MaxMessageSize+1)); !ok {
		t.Fatalf("datagram %x from %v (decode: %v, state %v): %s", b, from, err, st, why)
	}
}

// fuzzSendData calls SendData with n bytes and checks its documented
// result: nil when CONNECTED and 1 <= n <= MaxPayload, else the error
// for the first broken rule, and then nothing changed.
func fuzzSendData(t *testing.T, target *tnode, n int) {
	t.Helper()
	svc := target.svc
	var want error
	switch {
	case svc.State() != gossip.Connected:
		want = gossip.ErrBadState
	case n == 0:
		want = gossip.ErrEmptyPayload
	case n > svc.MaxPayload():
		want = gossip.ErrPayloadTooLarge
	}
	before := svc.Stats()
	err := svc.SendData(make([]byte, n))
	switch {
	case want == nil && err != nil:
		t.Fatalf("SendData(%d bytes) in %v: %v", n, svc.State(), err)
	case want != nil && !errors.Is(err, want):
		t.Fatalf("SendData(%d bytes) in %v: %v, want %v", n, svc.State(), err, want)
	case want != nil && svc.Stats() != before:
		t.Fatalf("a refused SendData changed the stats: %s", statsDiff(before, svc.Stats()))
	case want == nil && svc.Stats().DataOriginated != before.DataOriginated+1:
		t.Fatal("SendData succeeded but DataOriginated did not count it")
	}
}

// checkDeliveries: a node is never handed its own payload, and is handed
// each other payload once, unless it forgot the origin (MaxOrigins), as
// Config.MaxOrigins warns.
func checkDeliveries(t *testing.T, i int, n *tnode) {
	t.Helper()
	self := n.svc.ID().String() + "/"
	forgot := n.svc.Stats().OriginsEvicted > 0
	for k, times := range n.got {
		if strings.HasPrefix(k, self) {
			t.Fatalf("node %d was handed its own payload %s", i, k)
		}
		if times > 1 && !forgot {
			t.Fatalf("node %d was handed %s %d times, and forgot no origin", i, k, times)
		}
	}
}

// The seed corpus.

const serviceCorpusDir = "testdata/fuzz/FuzzService"

// goldenWires returns the datagram of each golden vector in testdata/wire
// (its hex: line), by name, in name order.
func goldenWires(tb testing.TB) (names []string, wires [][]byte) {
	tb.Helper()
	files, err := filepath.Glob("testdata/wire/*.txt")
	if err != nil || len(files) == 0 {
		tb.Fatalf("no golden vectors in testdata/wire: %v", err)
	}
	slices.Sort(files)
	for _, f := range files {
		text, err := os.ReadFile(f)
		if err != nil {
			tb.Fatal(err)
		}
		var wire []byte
		sc := bufio.NewScanner(strings.NewReader(string(text)))
		for sc.Scan() {
			if h, ok := strings.CutPrefix(sc.Text(), "hex: "); ok {
				if wire, err = hex.DecodeString(h); err != nil {
					tb.Fatalf("%s: %v", f, err)
				}
			}
		}
		if wire == nil {
			tb.Fatalf("%s has no hex: line", f)
		}
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".txt"))
		wires = append(wires, wire)
	}
	return names, wires
}

// seedScript is the script of one seed: the datagram from a sender that
// matches the goldens' member address (127.0.0.1:7070), a Send and a
// short run, the same datagram again from a stranger, then a Tick and a
// Send, a SendData, and a run long enough for retries and expiry.
func seedScript(mode byte, b []byte) []byte {
	s := []byte{mode}
	s = append(s, opInject, 3, byte(len(b)))
	s = append(s, b...)
	s = append(s, opSend, opRun, 5)
	s = append(s, opInject, 6, byte(len(b)))
	s = append(s, b...)
	s = append(s, opTick, 30, opSend, opData, 5, opRun, 100)
	return s
}

// serviceSeeds returns the seed corpus by file name: every golden vector
// in every mode, and in the seed mode every golden cut at a few places,
// extended by a byte, and with one bit flipped in each header field and a
// few body bytes.
func serviceSeeds(tb testing.TB) map[string][]byte {
	names, wires := goldenWires(tb)
	seeds := map[string][]byte{}
	for i, b := range wires {
		name := names[i]
		seeds[name] = seedScript(modeSeed, b)
		for mode := byte(1); mode < numModes; mode++ {
			seeds[name+"_mode"+strconv.Itoa(int(mode))] = seedScript(mode, b)
		}
		for _, n := range []int{0, message.HeaderSize - 1, message.HeaderSize, message.HeaderSize + 1, len(b) / 2, len(b) - 1} {
			if n < len(b) {
				seeds[name+"_cut"+strconv.Itoa(n)] = seedScript(modeSeed, b[:n])
			}
		}
		seeds[name+"_extended"] = seedScript(modeSeed, append(slices.Clone(b), 0))
		for _, off := range []int{0, 1, 2, 3, 7, message.HeaderSize, message.HeaderSize + 1, len(b) / 2, len(b) - 1} {
			if off < len(b) {
				bit := off % 8
				c := slices.Clone(b)
				c[off] ^= 1 << bit
				seeds[fmt.Sprintf("%s_flip%d.%d", name, off, bit)] = seedScript(modeSeed, c)
			}
		}
	}
	return seeds
}

// TestFuzzServiceSeedCorpus keeps FuzzService's seed corpus in step with
// the golden vectors; run with -update to rewrite it. Files the fuzzer
// adds for failures it found are left alone.
func TestFuzzServiceSeedCorpus(t *testing.T) {
	seeds := serviceSeeds(t)
	if *update {
		if err := os.MkdirAll(serviceCorpusDir, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range seeds {
			if err := os.WriteFile(filepath.Join(serviceCorpusDir, name), []byte(corpusFile(b)), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	for name, b := range seeds {
		got, err := os.ReadFile(filepath.Join(serviceCorpusDir, name))
		if err != nil {
			t.Errorf("%v (run go test -run TestFuzzServiceSeedCorpus -update to write the seed corpus)", err)
			continue
		}
		if string(got) != corpusFile(b) {
			t.Errorf("%s/%s is stale; run go test -run TestFuzzServiceSeedCorpus -update", serviceCorpusDir, name)
		}
	}
}

// corpusFile renders b in Go's fuzz corpus file format.
func corpusFile(b []byte) string {
	return "go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n"
}
