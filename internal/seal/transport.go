package seal

import (
	"bytes"
	"crypto/cipher"
	"encoding/binary"
	"net/netip"
	"slices"
	"time"

	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// DefaultMaxWindows is the number of replay windows kept when
// Options.MaxWindows is not positive.
const DefaultMaxWindows = 1024

// HelloSlack is how far below the highest counter accepted from its
// sender a Hello sealed for recipient 0 may be and still open: the
// datagrams a sender queues in one burst behind a greeting (an Ack, a
// few forwards), which the network may deliver first. Further below, the
// Hello can only be a replay.
const HelloSlack = 64

// Options tune a [Transport].
type Options struct {
	// AcceptPlaintext also accepts unsealed datagrams (any type but 8),
	// passing them through unchanged: for rolling a cluster onto keys.
	AcceptPlaintext bool
	// SendPlaintext sends datagrams unsealed; sealed ones are still
	// opened. For the first step of a roll-out, together with
	// AcceptPlaintext on every node.
	SendPlaintext bool
	// MaxWindows bounds the replay windows kept, one per sender whose
	// datagrams authenticated; beyond it the least recently used is
	// evicted with its cached subkeys. The service passes MaxMembers plus
	// a bound for recently removed members. Not positive means
	// [DefaultMaxWindows].
	MaxWindows int
	// Label is the cluster's label ("" for none), which Check accepts: it
	// goes into every sealed datagram's additional data, and wraps the
	// plaintext ones (SendPlaintext, AcceptPlaintext) as internal/label
	// has it. A datagram of another label is dropped: sealed, it does not
	// open (NoKey); plaintext, it is counted as Label.
	Label string
	// Addr is the address this node advertises, if known. A Hello sealed
	// for recipient 0 that names it (under another id: the sender check
	// refuses this node's own) is refused as a replay of a previous
	// incarnation's.
	Addr netip.AddrPort
	// OnRefused, when set, is called for every datagram ReadFrom drops,
	// with its source address and the reason, after it is counted. The
	// service logs them. It must not call back into the Transport.
	OnRefused func(from netip.AddrPort, reason Reason)
}

// Stats are a Transport's counters. Every datagram read from the inner
// transport is counted exactly once, under Opened, PlaintextAccepted or one
// of the drop reasons.
type Stats struct {
	Sealed uint64 // datagrams sealed by WriteTo (each consumed a counter)
	Opened uint64 // sealed datagrams opened and returned by ReadFrom

	PlaintextSent     uint64 // datagrams WriteTo sent unsealed (SendPlaintext)
	PlaintextAccepted uint64 // unsealed datagrams ReadFrom returned (AcceptPlaintext)

	// Unaddressed counts datagrams other than Hellos that WriteTo sealed
	// for recipient 0, knowing no id for their address: the receiver
	// drops them as misaddressed. Not a drop here.
	Unaddressed uint64

	// The drops.
	NoKey            uint64 // opened under no key of the ring for this node or for recipient 0, unknown keyID included
	Malformed        uint64 // type Sealed but shorter than 36 bytes
	Version          uint64 // type Sealed but another version than 2 (version 1 included)
	Misaddressed     uint64 // opened only as sealed for recipient 0, and not a Hello
	Oversize         uint64 // sealed, and its plaintext would not fit ReadFrom's buffer
	Replayed         uint64 // authenticated, but the counter was accepted before or is too old, or it is sealed as this node
	PlaintextRefused uint64 // unsealed (type other than 8, or under 2 bytes) without AcceptPlaintext
	Label            uint64 // unsealed, accepted, but of another cluster label (or none where one is set)
	SenderMismatch   uint64 // a Hello, Welcome or Leave whose member id is not the sealed sender

	WindowsEvicted uint64 // replay windows evicted at MaxWindows
}

// Dropped returns the sum of the drop counters.
func (s Stats) Dropped() uint64 {
	return s.NoKey + s.Malformed + s.Version + s.Misaddressed + s.Oversize + s.Replayed +
		s.PlaintextRefused + s.Label + s.SenderMismatch
}

// keyState is one key of the ring as the Transport uses it.
type keyState struct {
	key []byte // shared with the Keyring's snapshot; never modified
	id  KeyID
	own cipher.AEAD // this node's subkey, derived when first needed
}

// peerKey is a subkey of a remote sender under which one of its datagrams
// authenticated.
type peerKey struct {
	ks   *keyState
	aead cipher.AEAD
}

// peer is what is kept about one authenticated sender: its replay window
// and subkeys, on a least-recently-used list.
type peer struct {
	id         uint64
	addr       netip.AddrPort // where its last accepted datagram came from
	win        window
	keys       []peerKey
	prev, next *peer
}

func (p *peer) aeadFor(ks *keyState) cipher.AEAD {
	for i := range p.keys {
		if p.keys[i].ks == ks {
			return p.keys[i].aead
		}
	}
	return nil
}

// Transport seals what it writes and opens what it reads, around an inner
// transport. Like every Transport it is not safe for concurrent use: call
// its methods, Stats included, from one goroutine. Its [Keyring] may be
// changed from any goroutine; the change applies from the next ReadFrom or
// WriteTo.
//
// Each datagram is sealed for its recipient (format version 2): WriteToID
// takes the recipient's id; WriteTo, and WriteToID given id 0, seal a Hello
// for recipient 0 and anything else for the sender last authenticated from
// the destination address (the datagram is then an answer to it). ReadFrom
// opens a datagram sealed for this node, or a Hello sealed for recipient 0.
//
// In steady state (known senders, an unchanged ring, buffers of an
// unchanged size) ReadFrom and WriteTo do not allocate.
type Transport struct {
	inner   transport.Transport
	ring    *Keyring
	self    uint64
	counter uint64 // the next counter to seal with
	opts    Options
	closed  bool

	gen  uint64      // ring generation keys reflects
	keys []*keyState // primary first

	peers      map[uint64]*peer
	byAddr     map[netip.AddrPort]*peer // the peer last accepted from each address
	head, tail *peer                    // most and least recently used

	rbuf, wbuf []byte
	ad         [maxAD]byte // additional data, apart from dst as AEAD asks; the label stays at adLen
	adN        int         // its length: adLen plus the label's
	nonce      [12]byte

	stats Stats
}

var _ transport.Transport = (*Transport)(nil)

// New wraps inner. ring must come from [NewKeyring]. self is this node's
// id, the sealed sender field. counterStart is the first counter sealed
// with: the sender's wall clock in Unix nanoseconds when its service was
// created, passed by the caller from its clock, so that counters keep
// increasing across restarts that reuse an id.
func New(inner transport.Transport, ring *Keyring, self, counterStart uint64, opts Options) *Transport {
	if opts.MaxWindows <= 0 {
		opts.MaxWindows = DefaultMaxWindows
	}
	t := &Transport{
		inner:   inner,
		ring:    ring,
		self:    self,
		counter: counterStart,
		opts:    opts,
		peers:   make(map[uint64]*peer),
		byAddr:  make(map[netip.AddrPort]*peer),
	}
	t.adN = adLen + copy(t.ad[adLen:], opts.Label)
	t.resync()
	return t
}

// sync brings t.keys up to date with the ring.
func (t *Transport) sync() {
	if t.ring.gen.Load() != t.gen {
		t.resync()
	}
}

// resync rebuilds t.keys from the ring, keeping the derived subkeys of the
// keys that stay, and forgets the subkeys of removed keys.
func (t *Transport) resync() {
	keys, gen := t.ring.snapshot()
	next := make([]*keyState, len(keys))
	for i, key := range keys {
		for _, ks := range t.keys {
			if bytes.Equal(ks.key, key) {
				next[i] = ks
				break
			}
		}
		if next[i] == nil {
			next[i] = &keyState{key: key, id: IDOf(key)}
		}
	}
	removed := false
	for _, ks := range t.keys {
		if !slices.Contains(next, ks) {
			removed = true
			break
		}
	}
	t.keys, t.gen = next, gen
	if !removed {
		return
	}
	for p := t.head; p != nil; p = p.next {
		t.pruneKeys(p)
	}
}

// pruneKeys drops p's subkeys of keys no longer in the ring.
func (t *Transport) pruneKeys(p *peer) {
	kept := p.keys[:0]
	for _, pk := range p.keys {
		for _, ks := range t.keys {
			if ks == pk.ks {
				kept = append(kept, pk)
				break
			}
		}
	}
	clear(p.keys[len(kept):])
	p.keys = kept
}

// ReadFrom reads datagrams from the inner transport until one is sealed
// under a key of the ring, or is plaintext and AcceptPlaintext is set, and
// copies its plaintext into b. Datagrams that fail are dropped, each counted
// in [Stats] under its reason, and the next is read; when the inner
// transport has nothing more, ReadFrom returns its error
// ([transport.ErrWouldBlock]). b may be overwritten by dropped datagrams.
//
// As the Transport contract asks, a plaintext longer than b is marked by
// n == len(b): an unsealed datagram is truncated to len(b); a sealed one
// whose plaintext would not fit in len(b)-1 bytes is dropped unopened and
// counted as Oversize, since a truncated datagram cannot be authenticated.
//
// A sealed Hello, Welcome or Leave whose member id is not the sealed sender
// is dropped as SenderMismatch; its counter still counts as used in the
// sender's replay window, since the datagram authenticated. An inner
// datagram that does not decode is returned for the engine to drop and
// count.
func (t *Transport) ReadFrom(b []byte) (int, netip.AddrPort, error) {
	if t.closed {
		return 0, netip.AddrPort{}, transport.ErrClosed
	}
	t.sync()
	// Room for a datagram one byte too long for the caller, sealed or
	// labelled: a sealed one whose plaintext would fill b is oversize.
	need := len(b) + max(Overhead, label.Overhead(t.opts.Label))
	if cap(t.rbuf) < need {
		t.rbuf = make([]byte, need)
	}
	rbuf := t.rbuf[:need]
	for {
		n, from, err := t.inner.ReadFrom(rbuf)
		if err != nil {
			return 0, from, err
		}
		d := rbuf[:n]
		if !isSealed(d) {
			if !t.opts.AcceptPlaintext {
				t.refuse(from, ReasonPlaintext)
				continue
			}
			inner, v := label.Unwrap(d, t.opts.Label)
			if v != label.Ours {
				t.refuse(from, ReasonLabel)
				continue
			}
			t.stats.PlaintextAccepted++
			return copy(b, inner), from, nil
		}
		switch {
		case n < Overhead:
			t.refuse(from, ReasonMalformed)
			continue
		case d[2] != Version:
			t.refuse(from, ReasonVersion)
			continue
		case n-Overhead >= len(b): // its plaintext would fill b: too long for the caller
			t.refuse(from, ReasonOversize)
			continue
		}
		if pt, ok := t.open(d, b[:0:len(b)], from); ok {
			t.stats.Opened++
			return len(pt), from, nil
		}
	}
}

// open authenticates the sealed datagram d (of at least Overhead bytes,
// version checked) from the address from, checks its recipient, counter
// and inner sender, and returns its plaintext, appended to dst. When it
// returns false it has counted the reason.
//
// It tries each key whose keyID matches, first as sealed for this node,
// then as sealed for recipient 0. What opens only for recipient 0 must be
// a Hello; anything else is dropped as misaddressed before it touches the
// sender's window or leaves any state. A Hello for recipient 0 must
// moreover carry a counter above any accepted from its sender.
func (t *Transport) open(d, dst []byte, from netip.AddrPort) ([]byte, bool) {
	id := KeyID(d[3])
	sender := binary.BigEndian.Uint64(d[4:])
	counter := binary.BigEndian.Uint64(d[12:])
	copy(t.ad[:HeaderLen], d[:HeaderLen])
	putNonce(&t.nonce, counter)

	p := t.peers[sender]
	var (
		pt     []byte
		opened *keyState
		fresh  cipher.AEAD // derived here: kept only if it opened
		toZero bool        // opened only as sealed for recipient 0
	)
	for _, ks := range t.keys {
		if ks.id != id {
			continue
		}
		var aead cipher.AEAD
		if p != nil {
			aead = p.aeadFor(ks)
		}
		derived := aead == nil
		if derived {
			var err error
			if aead, err = deriveAEAD(ks.key, sender); err != nil {
				continue
			}
		}
		var err error
		putRecipient(&t.ad, t.self)
		if pt, err = aead.Open(dst, t.nonce[:], d[HeaderLen:], t.ad[:t.adN]); err != nil && t.self != 0 {
			putRecipient(&t.ad, 0)
			pt, err = aead.Open(dst, t.nonce[:], d[HeaderLen:], t.ad[:t.adN])
			toZero = err == nil
		}
		if err == nil {
			opened = ks
			if derived {
				fresh = aead
			}
			break
		}
	}
	if opened == nil {
		t.refuse(from, ReasonNoKey)
		return nil, false
	}
	if toZero && !isHello(pt) {
		t.refuse(from, ReasonMisaddressed)
		return nil, false
	}
	// Sealed as this node: one of its own datagrams reflected back (a node
	// never sends to itself). It has no window here, so without this every
	// reflection would be accepted once.
	if sender == t.self {
		t.refuse(from, ReasonReplayed)
		return nil, false
	}
	// A Hello sealed for recipient 0 opens at any node, so the window alone
	// would let one captured on its way to one node open once at every
	// other. It must be about its sender's newest datagram here: a genuine
	// one is (a sender greeting this node, or joining through it, has sent
	// it little since: at most what it queued in the same burst, an Ack
	// behind a greeting, which the network may deliver first), a replayed
	// one is older than what the sender has sent this node since.
	if p != nil && (!p.win.fresh(counter) || toZero && p.win.used && counter < p.win.max && p.win.max-counter > HelloSlack) {
		t.refuse(from, ReasonReplayed)
		return nil, false
	}
	// A Hello for recipient 0 naming this node's own address under another
	// id is a previous incarnation's (a restarted node has a new id and no
	// windows), replayed: two nodes never share an address.
	if toZero && t.opts.Addr.IsValid() && helloAddr(pt) == t.opts.Addr {
		t.refuse(from, ReasonReplayed)
		return nil, false
	}
	if p == nil {
		p = t.addPeer(sender)
	} else {
		t.touch(p)
	}
	if fresh != nil {
		p.keys = append(p.keys, peerKey{ks: opened, aead: fresh})
	}
	p.win.accept(counter)
	t.locate(p, from)
	if !senderMatches(pt, sender) {
		t.refuse(from, ReasonSenderMismatch)
		return nil, false
	}
	return pt, true
}

// helloAddr returns the address the Hello pt names, or the zero address
// if it does not decode.
func helloAddr(pt []byte) netip.AddrPort {
	h, body, err := message.ParseHeader(pt)
	if err != nil {
		return netip.AddrPort{}
	}
	if h.Type == message.TypeJoin {
		var j message.Join
		if j.Decode(body) != nil {
			return netip.AddrPort{}
		}
		return j.Record.Addr
	}
	var m message.Hello
	if m.Decode(body) != nil {
		return netip.AddrPort{}
	}
	return m.Member.Addr
}

// isHello reports whether the plaintext pt is a Hello, or a Join, the
// extension form of a Hello (by its header): the only datagrams that may
// be sealed for recipient 0. A Join can do no more than a Hello does (it
// is a Hello that carries the sender's record), so the argument of the
// recipient binding holds for it too (docs/protocol.md, "Sealed
// datagrams, version 2").
func isHello(pt []byte) bool {
	h, _, err := message.ParseHeader(pt)
	return err == nil && (h.Type == message.TypeHello || h.Type == message.TypeJoin)
}

// locate records that p's latest datagram came from the address from, so
// that an answer to that address is sealed for p.
func (t *Transport) locate(p *peer, from netip.AddrPort) {
	if p.addr == from && t.byAddr[from] == p {
		return
	}
	if t.byAddr[p.addr] == p {
		delete(t.byAddr, p.addr)
	}
	p.addr = from
	t.byAddr[from] = p
}

// senderMatches reports whether an inner datagram that names its sender
// (Hello, Welcome, Leave) names the sealed sender. Other types, and
// datagrams that do not decode, pass: the engine drops the latter.
func senderMatches(pt []byte, sender uint64) bool {
	h, body, err := message.ParseHeader(pt)
	if err != nil {
		return true
	}
	var (
		id  uint64
		bad error
	)
	switch h.Type {
	case message.TypeHello:
		var m message.Hello
		bad, id = m.Decode(body), m.Member.ID
	case message.TypeJoin:
		var m message.Join
		bad, id = m.Decode(body), m.Record.ID
	case message.TypeWelcome:
		var m message.Welcome
		bad, id = m.Decode(body), m.Member.ID
	case message.TypeLeave:
		var m message.Leave
		bad, id = m.Decode(body), m.Member.ID
	default:
		return true
	}
	return bad != nil || id == sender
}

// Fence refuses from now on every counter of sender up to the highest
// accepted from it, as if all had been accepted; its later datagrams still
// open. The service calls it when sender stops being a member: a Hello
// sealed for recipient 0 opens at any node, so without this one the
// member sent to another node (its join), replayed here, would open and
// bring it back. A sender with no window here is left alone.
func (t *Transport) Fence(sender uint64) {
	if p := t.peers[sender]; p != nil && p.win.used {
		for i := range p.win.bits {
			p.win.bits[i] = ^uint64(0)
		}
	}
}

// addPeer starts keeping sender, evicting the least recently used sender
// at MaxWindows (and reusing its memory).
func (t *Transport) addPeer(sender uint64) *peer {
	var p *peer
	if len(t.peers) >= t.opts.MaxWindows && t.tail != nil {
		p = t.tail
		t.unlink(p)
		delete(t.peers, p.id)
		if t.byAddr[p.addr] == p {
			delete(t.byAddr, p.addr)
		}
		t.stats.WindowsEvicted++
		clear(p.keys)
		*p = peer{keys: p.keys[:0]}
	} else {
		p = new(peer)
	}
	p.id = sender
	t.peers[sender] = p
	t.pushFront(p)
	return p
}

func (t *Transport) touch(p *peer) {
	if t.head != p {
		t.unlink(p)
		t.pushFront(p)
	}
}

func (t *Transport) unlink(p *peer) {
	if p.prev != nil {
		p.prev.next = p.next
	} else {
		t.head = p.next
	}
	if p.next != nil {
		p.next.prev = p.prev
	} else {
		t.tail = p.prev
	}
	p.prev, p.next = nil, nil
}

func (t *Transport) pushFront(p *peer) {
	p.next = t.head
	if t.head != nil {
		t.head.prev = p
	} else {
		t.tail = p
	}
	t.head = p
}

// WriteTo is WriteToID with recipient id 0: the recipient is the sender
// last authenticated from to, or, for a Hello, recipient 0.
func (t *Transport) WriteTo(b []byte, to netip.AddrPort) error { return t.WriteToID(b, to, 0) }

// WriteToID seals b for the node id at to, under the primary key's subkey
// for this node with the next counter, and writes the sealed datagram to
// the inner transport; with SendPlaintext it writes b unchanged. An id of
// 0 means the caller does not know it: a Hello is then sealed for
// recipient 0, which any node opens, and any other datagram for the
// sender whose datagram this Transport last accepted from to (it answers
// that sender), or for recipient 0 if none (counted as Unaddressed; the
// receiver will drop it), unless this Transport accepts plaintext: then it
// answers a plaintext sender, and goes in plaintext. An Ack always goes to
// that last sender if there is one: it answers the datagram just read.
//
// Every call consumes a counter, a retry of the same datagram included,
// even if the inner write fails. It fails with [ErrNoKeys] if the ring is
// empty (a zero Keyring) and [ErrCounterExhausted] when the counter has
// run out.
func (t *Transport) WriteToID(b []byte, to netip.AddrPort, id uint64) error {
	if t.closed {
		return transport.ErrClosed
	}
	if t.opts.SendPlaintext {
		return t.writePlaintext(b, to)
	}
	recipient, known := t.recipient(b, to, id)
	if !known && t.opts.AcceptPlaintext {
		// Sealed for recipient 0 it would be dropped as misaddressed: it
		// answers a plaintext sender during a roll-out, which reads
		// plaintext, as this node does.
		return t.writePlaintext(b, to)
	}
	if !known {
		t.stats.Unaddressed++
	}
	t.sync()
	if len(t.keys) == 0 {
		return ErrNoKeys
	}
	ks := t.keys[0]
	if ks.own == nil {
		aead, err := deriveAEAD(ks.key, t.self)
		if err != nil {
			return err
		}
		ks.own = aead
	}
	if t.counter == lastCounter {
		return ErrCounterExhausted
	}
	c := t.counter
	t.counter++
	need := len(b) + Overhead
	if cap(t.wbuf) < need {
		t.wbuf = make([]byte, need)
	}
	putHeader(&t.ad, ks.id, t.self, c)
	putRecipient(&t.ad, recipient)
	putNonce(&t.nonce, c)
	out := append(t.wbuf[:0], t.ad[:HeaderLen]...)
	out = ks.own.Seal(out, t.nonce[:], b, t.ad[:t.adN])
	t.stats.Sealed++
	return t.inner.WriteTo(out, to)
}

// recipient chooses the id the datagram b to the address to is sealed
// for, given the caller's id (0: unknown), and reports false for a
// datagram other than a Hello that it can only seal for recipient 0 (its
// receiver would drop it). A Hello goes to the caller's id, or to
// recipient 0. An Ack answers the datagram just read from to, so it goes
// to the sender that sealed that one, when one did, else to the caller's
// id (the member at to, for a plaintext datagram accepted while a cluster
// is rolled onto keys). Anything else goes to the caller's id, or when it
// has none to the sender last accepted from to (an answer to a sender the
// caller does not know).
func (t *Transport) recipient(b []byte, to netip.AddrPort, id uint64) (uint64, bool) {
	typ := message.TypeSealed // not a type of an inner datagram: none of the cases
	if len(b) >= 2 {
		typ = message.Type(binary.BigEndian.Uint16(b))
	}
	switch {
	case typ == message.TypeHello || typ == message.TypeJoin:
		return id, true
	case typ == message.TypeAck || id == 0:
		if p := t.byAddr[to]; p != nil {
			return p.id, true
		}
	}
	return id, id != 0
}

// writePlaintext writes b unsealed, labelled if the cluster has a label.
func (t *Transport) writePlaintext(b []byte, to netip.AddrPort) error {
	t.stats.PlaintextSent++
	if t.opts.Label != "" {
		t.wbuf = label.Wrap(t.wbuf[:0], t.opts.Label, b)
		return t.inner.WriteTo(t.wbuf, to)
	}
	return t.inner.WriteTo(b, to)
}

// LocalAddr returns the inner transport's address.
func (t *Transport) LocalAddr() netip.AddrPort { return t.inner.LocalAddr() }

// FD returns the inner transport's file descriptor.
func (t *Transport) FD() int { return t.inner.FD() }

// Close closes the inner transport. Later calls return
// [transport.ErrClosed].
func (t *Transport) Close() error {
	if t.closed {
		return transport.ErrClosed
	}
	t.closed = true
	clear(t.peers)
	clear(t.byAddr)
	t.head, t.tail = nil, nil
	return t.inner.Close()
}

// Stats returns the counters.
func (t *Transport) Stats() Stats { return t.stats }

// Keyring returns the ring the Transport seals and opens with.
func (t *Transport) Keyring() *Keyring { return t.ring }

// Overhead returns the bytes sealing adds to a datagram, [Overhead] (36),
// also when SendPlaintext is set: a service sizes its datagrams so that
// sealing can be switched on.
func (t *Transport) Overhead() int { return Overhead }

// The optional interfaces of package transport, forwarded to the inner
// transport so that batching and waiting work through sealing: a sealed
// datagram is complete when WriteTo hands it on, so nothing here is held.
var (
	_ transport.Flusher  = (*Transport)(nil)
	_ transport.Buffered = (*Transport)(nil)
	_ transport.Waiter   = (*Transport)(nil)
)

// Flush flushes the inner transport if it gathers writes
// ([transport.Flusher]), and returns nil otherwise.
func (t *Transport) Flush() error {
	if t.closed {
		return transport.ErrClosed
	}
	if f, ok := t.inner.(transport.Flusher); ok {
		return f.Flush()
	}
	return nil
}

// Buffered reports whether the inner transport holds datagrams
// ([transport.Buffered]).
func (t *Transport) Buffered() bool {
	b, ok := t.inner.(transport.Buffered)
	return ok && !t.closed && b.Buffered()
}

// Wait waits on the inner transport ([transport.Waiter]), and returns
// [transport.ErrCannotWait] if it cannot wait.
func (t *Transport) Wait(d time.Duration) error {
	if t.closed {
		return transport.ErrClosed
	}
	if w, ok := t.inner.(transport.Waiter); ok {
		return w.Wait(d)
	}
	return transport.ErrCannotWait
}

// Wake wakes the inner transport's Wait. Like Wait's Wake it is safe for
// concurrent use: it reads only the inner transport, set once by New.
func (t *Transport) Wake() {
	if w, ok := t.inner.(transport.Waiter); ok {
		w.Wake()
	}
}
