package demo_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// rawClient speaks the shared wire format over a UDP socket with nothing
// of the project's code: encoding/binary for the layouts, the standard
// library's HKDF and AES-GCM for sealing (format version 2).
type rawClient struct {
	t       *testing.T
	conn    *net.UDPConn
	id      uint64
	key     []byte // nil: plaintext
	counter uint64
	seq     uint32
	peers   map[netip.AddrPort]uint64 // node ids, from the sealed senders
	data    int                       // Data datagrams received
	welcome bool
	sent    []sentDatagram // what it sent, as it went on the wire
}

type sentDatagram struct {
	to netip.AddrPort
	b  []byte
}

func newRawClient(t *testing.T, key []byte) *rawClient {
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	return &rawClient{t: t, conn: conn, id: 0x7e57c11e47, key: key,
		counter: uint64(time.Now().UnixNano()), peers: map[netip.AddrPort]uint64{}}
}

func (c *rawClient) addr() netip.AddrPort { return c.conn.LocalAddr().(*net.UDPAddr).AddrPort() }

func (c *rawClient) aead(sender uint64) cipher.AEAD {
	info := binary.BigEndian.AppendUint64([]byte("gossip v1 sealed"), sender)
	sub, err := hkdf.Key(sha256.New, c.key, nil, string(info), len(c.key))
	if err != nil {
		c.t.Fatal(err)
	}
	block, _ := aes.NewCipher(sub)
	gcm, _ := cipher.NewGCM(block)
	return gcm
}

// seal seals pt as this client for recipient, in sealing version v
// (version 1 authenticated the header alone).
func (c *rawClient) seal(pt []byte, recipient uint64, v byte) []byte {
	c.counter++
	sum := sha256.Sum256(c.key)
	h := []byte{0, 8, v, sum[0]}
	h = binary.BigEndian.AppendUint64(h, c.id)
	h = binary.BigEndian.AppendUint64(h, c.counter)
	nonce := binary.BigEndian.AppendUint64([]byte{0, 0, 0, 0}, c.counter)
	ad := slices.Clone(h)
	if v == 2 {
		ad = binary.BigEndian.AppendUint64(ad, recipient)
	}
	return c.aead(c.id).Seal(h, nonce, pt, ad)
}

func (c *rawClient) send(to netip.AddrPort, typ uint16, body []byte) {
	c.seq++
	b := binary.BigEndian.AppendUint16(nil, typ)
	b = append(b, 1, 0)
	b = binary.BigEndian.AppendUint32(b, c.seq)
	b = append(b, body...)
	if c.key != nil {
		b = c.seal(b, c.peers[to], 2)
	}
	c.raw(to, b)
}

func (c *rawClient) raw(to netip.AddrPort, b []byte) {
	if _, err := c.conn.WriteToUDPAddrPort(b, to); err != nil {
		c.t.Fatal(err)
	}
	c.sent = append(c.sent, sentDatagram{to, slices.Clone(b)})
}

func (c *rawClient) hello(to netip.AddrPort) {
	a := c.addr()
	ip := a.Addr().As4()
	body := binary.BigEndian.AppendUint64(nil, c.id)
	body = append(body, 9, 0x04)
	body = append(body, ip[:]...)
	body = append(body, 0x91, 0x02)
	body = binary.BigEndian.AppendUint16(body, a.Port())
	c.send(to, 1, body)
}

// read handles what arrives for d: acknowledges what asks for it, counts
// Data, notes a Welcome.
func (c *rawClient) read(d time.Duration) {
	buf := make([]byte, 2048)
	c.conn.SetReadDeadline(time.Now().Add(d))
	for {
		n, from, err := c.conn.ReadFromUDPAddrPort(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		if c.key != nil {
			if n < 36 || b[1] != 8 || b[2] != 2 {
				continue
			}
			sender := binary.BigEndian.Uint64(b[4:])
			nonce := append([]byte{0, 0, 0, 0}, b[12:20]...)
			ad := binary.BigEndian.AppendUint64(slices.Clone(b[:20]), c.id)
			pt, err := c.aead(sender).Open(nil, nonce, b[20:], ad)
			if err != nil {
				continue
			}
			c.peers[from] = sender
			b = pt
		}
		if len(b) < 8 {
			continue
		}
		seq := binary.BigEndian.Uint32(b[4:])
		switch binary.BigEndian.Uint16(b) {
		case 2:
			c.welcome = true
		case 3, 6:
			c.send(from, 4, binary.BigEndian.AppendUint32(nil, seq))
		case 5:
			c.data++
			c.send(from, 4, binary.BigEndian.AppendUint32(nil, seq))
		}
	}
}

func addrPortOf(t *testing.T, m string) netip.AddrPort {
	// /ip4/A/udp/P
	parts := strings.Split(m, "/")
	port, err := strconv.Atoi(parts[4])
	if err != nil {
		t.Fatalf("address %q: %v", m, err)
	}
	return netip.AddrPortFrom(netip.MustParseAddr(parts[2]), uint16(port))
}

// testBlackBox speaks only the shared wire format, over UDP, to the demo
// programs: a client that has seen no data joins demo/seed and sends an
// empty Status, and gets the data log; with keys, the same sealed, and
// a version-1 sealed datagram is dropped (the seed logs it), and a
// datagram the client sealed for the seed, replayed to a node, does not
// open there (the node logs it).
func testBlackBox(t *testing.T, b bins) {
	for _, keyed := range []bool{false, true} {
		var key []byte
		var keyArgs []string
		if keyed {
			key = make([]byte, 32)
			for i := range key {
				key[i] = byte(3 * i)
			}
			path := filepath.Join(t.TempDir(), "k")
			if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)), 0o600); err != nil {
				t.Fatal(err)
			}
			keyArgs = []string{"-key-file", path}
		}
		fast := append([]string{"-json", "-tick", "100ms", "-retry", "500ms"}, keyArgs...)
		seed := start(t, b.seed, append([]string{"-addr", "/ip4/127.0.0.1/udp/0"}, fast...)...)
		seedAddr := seed.waitFor(t, within, "its address", msg("listening"))["addr"].(string)
		node := start(t, b.node, append([]string{"-addr", "/ip4/127.0.0.1/udp/0", "-seed", seedAddr, "-every", "50ms"}, fast...)...)
		nodeAddr := node.waitFor(t, within, "its address", msg("listening"))["addr"].(string)
		for range 5 { // payloads in the seed's data log
			seed.waitFor(t, within, "data", msg("data"))
		}

		c := newRawClient(t, key)
		to := addrPortOf(t, seedAddr)
		replayed := 0
		c.hello(to)
		for end := time.Now().Add(within); !c.welcome && time.Now().Before(end); {
			c.read(100 * time.Millisecond) // the seed's challenge first, then lists and Welcome
		}
		if !c.welcome {
			t.Fatalf("keyed %v: no Welcome from the seed", keyed)
		}
		before := c.data
		c.send(to, 6, []byte{0, 0}) // an empty Status: it has seen nothing
		c.read(500 * time.Millisecond)
		if c.data-before < 5 {
			t.Fatalf("keyed %v: the empty Status drew %d Data", keyed, c.data-before)
		}

		if keyed {
			// A version-1 datagram: refused, and the seed says so.
			v1 := c.seal([]byte{0, 4, 1, 0, 0, 0, 0, 9, 0, 0, 0, 1}, 0, 1)
			c.raw(to, v1)
			seed.waitFor(t, within, "the version-1 datagram logged", func(m map[string]any) bool {
				return m["level"] == "warn" && m["reason"] == "version"
			})
			// Everything the client sealed for the seed, replayed to the
			// node: none opens there. (Not its Hello: sealed for recipient
			// 0, a Hello opens at a node that has never heard from its
			// sender, as the format says; docs/protocol.md.)
			n := addrPortOf(t, nodeAddr)
			var replays [][]byte
			for _, d := range c.sent[1 : len(c.sent)-1] {
				if d.to == to {
					replays = append(replays, d.b)
				}
			}
			for _, d := range replays {
				c.raw(n, d)
			}
			replayed = len(replays)
			node.waitFor(t, within, "the replays logged", func(m map[string]any) bool {
				return m["level"] == "warn" && m["reason"] == "no_key"
			})
		}
		c.read(300 * time.Millisecond) // let the node read the replays
		node.signal(t, syscall.SIGTERM)
		seed.signal(t, syscall.SIGTERM)
		for _, p := range []*proc{node, seed} {
			p.wait(t, within)
		}
		if keyed {
			stats := node.waitFor(t, within, "the node's stats", msg("stats"))
			if got, _ := stats["drops_no_key"].(float64); int(got) < replayed || replayed < 3 {
				t.Fatalf("the node's stats %v count %v of %d replays as not opening", stats, got, replayed)
			}
		}
	}
}
