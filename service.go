package gossip

import (
	"bytes"
	crand "crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip/envelope"
	"github.com/tickgossip/gossip/handler"
	"github.com/tickgossip/gossip/internal/amplify"
	"github.com/tickgossip/gossip/internal/backlog"
	"github.com/tickgossip/gossip/internal/datalog"
	"github.com/tickgossip/gossip/internal/detector"
	"github.com/tickgossip/gossip/internal/label"
	"github.com/tickgossip/gossip/internal/members"
	"github.com/tickgossip/gossip/internal/node"
	"github.com/tickgossip/gossip/internal/seal"
	"github.com/tickgossip/gossip/internal/udp"
	"github.com/tickgossip/gossip/internal/version"
	"github.com/tickgossip/gossip/message"
	"github.com/tickgossip/gossip/transport"
)

// GossipService is one node of a gossip cluster. It is single-threaded by
// design: call its methods from one goroutine, the one that runs your
// poll loop (see the package documentation).
type GossipService struct {
	cfg    Config
	state  State
	err    error
	tr     Transport
	idw    recipientWriter  // tr, when it takes recipient ids (the sealer); else nil
	sealer *seal.Transport  // nil without Config.Keys
	labels *label.Transport // with Config.Label and no Keys; else nil
	amp    *amplify.Table   // what each address not proved to receive may still get (amplify.go)
	clock  Clock
	n      node.Node
	addr   multiaddr.Multiaddr
	rbuf   []byte                // one byte longer than MaxMessageSize, to spot oversized datagrams
	seeds  []multiaddr.Multiaddr // the last Join's, names unresolved (seeds.go)

	nextRound time.Time
	io        ioStats
	// challenges counts the empty MemberLists sent to ask an address to
	// prove it receives, and toChallenge lists the addresses the last
	// Send held datagrams back from (amplify.go).
	challenges  uint64
	toChallenge challengeQueue
	refusal     refusals // datagrams not read, for the warn log and Err (diagnose.go)
	unlabelled  uint64   // labelled datagrams dropped at a node without keys or label

	sendFn   func(*envelope.Out, []byte) error // bound once: no allocation per Send
	batch    batching                          // what the transport batches (batch.go)
	expireFn func(envelope.Out)
	outcome  node.Outcome
}

type ioStats struct {
	datagramsIn, bytesIn, datagramsOut, bytesOut uint64
	receiveErrors, sendErrors, originated        uint64
}

// New creates a service in state INITIALIZED: it binds the socket (or
// adopts cfg.Transport) and picks the node's random id. Errors wrap
// ErrInvalidConfig or ErrInvalidAddress, or are the socket's (a port in
// use, say); no socket stays open after an error.
func New(cfg Config) (*GossipService, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &GossipService{cfg: cfg, state: Initialized, clock: cfg.Clock, tr: cfg.Transport}
	if s.clock == nil {
		s.clock = SystemClock{}
	}
	rng := cfg.Rand
	if rng == nil {
		var seed [16]byte
		_, _ = crand.Read(seed[:])
		rng = rand.New(rand.NewPCG(binary.LittleEndian.Uint64(seed[:8]), binary.LittleEndian.Uint64(seed[8:])))
	}
	if s.tr == nil {
		bind, err := addrPort(cfg.Addr)
		if err != nil {
			return nil, fmt.Errorf("gossip: Config.Addr %v: %w", cfg.Addr, err)
		}
		conn, err := udp.Listen(bind, udp.Options{})
		if err != nil {
			return nil, fmt.Errorf("gossip: bind %s: %w", cfg.Addr, err)
		}
		s.tr = conn
	}
	self := s.tr.LocalAddr()
	if cfg.AdvertiseAddr != nil {
		a, err := addrPort(cfg.AdvertiseAddr)
		if err != nil {
			s.tr.Close()
			return nil, fmt.Errorf("gossip: Config.AdvertiseAddr %v: %w", cfg.AdvertiseAddr, err)
		}
		self = a
	}
	if !self.IsValid() || self.Addr().IsUnspecified() || self.Port() == 0 || message.AddrLen(self) == 0 {
		s.tr.Close()
		return nil, fmt.Errorf("%w: %s cannot be advertised to other nodes; bind a concrete address or set AdvertiseAddr", ErrInvalidAddress, self)
	}
	s.addr = toMultiaddr(self)
	id := rng.Uint64()
	for id == 0 {
		id = rng.Uint64()
	}
	if len(cfg.Keys) > 0 {
		ring, err := seal.NewKeyring(cfg.Keys...)
		if err != nil {
			s.tr.Close()
			return nil, fmt.Errorf("gossip: Config.Keys: %w", err)
		}
		// The counter starts at the wall clock so it keeps rising across
		// restarts of a node with the same id (ids are random, but the
		// format asks it), and the replay windows hold the members and as
		// many again of recently removed ones.
		s.sealer = seal.New(s.tr, ring, id, uint64(s.clock.Now().UnixNano()), seal.Options{
			AcceptPlaintext: cfg.AcceptPlaintext,
			SendPlaintext:   cfg.SendPlaintext,
			MaxWindows:      2 * cfg.MaxMembers,
			Addr:            self,
			OnRefused:       s.onSealRefused,
			Label:           cfg.Label,
		})
		s.tr = s.sealer
	} else if cfg.Label != "" {
		s.labels = label.New(s.tr, cfg.Label)
		s.labels.OnDropped = s.onLabelDropped
		s.tr = s.labels
	}
	s.idw, _ = s.tr.(recipientWriter)
	inner := cfg.innerSize()
	s.rbuf = make([]byte, inner+1)
	seqKey := rng.Uint32() // seqs start at random: a blind forger cannot name one
	// The anti-amplification table holds strangers and newcomers (members
	// need no entry); its set index is keyed from the same secret.
	s.amp = amplify.New(256+cfg.MaxMembers/4, uint64(seqKey)*0x9e3779b97f4a7c15)
	s.n = node.Node{
		Cfg: node.Config{
			MaxMessageSize:    inner,
			RetryAttempts:     cfg.RetryAttempts,
			RumorFactor:       cfg.RumorFactor,
			JoinListDatagrams: cfg.JoinListDatagrams,
			RepairBudget:      cfg.RepairBudget,
			MemberSyncRounds:  cfg.MemberSyncRounds,
			TombstonePeriod:   cfg.TombstonePeriod,
			TickInterval:      cfg.TickInterval,
			ProbeTimeout:      cfg.ProbeTimeout,
			IndirectProbes:    cfg.IndirectProbes,
			Authenticated:     len(cfg.Keys) > 0 && !cfg.AcceptPlaintext,
			AckNamesMember:    len(cfg.Keys) > 0 && cfg.AcceptPlaintext,
		},
		Detector: detector.New(cfg.detectorConfig()),
		Inc:      1,
		Meta:     bytes.Clone(cfg.Meta),
		Self:     message.Member{ID: id, Addr: self},
		Phase:    node.Initialized,
		Rand:     rng,
		Members:  members.New(id, self, cfg.MaxMembers),
		Versions: version.New(id, cfg.MaxOrigins),
		Log:      datalog.New(cfg.DataLogBytes),
		Out: envelope.New(envelope.Config{
			MaxMessages:   cfg.MaxOutboundMessages,
			MaxEnvelopes:  cfg.MaxOutboundMessages*cfg.RumorFactor + cfg.MaxMembers,
			MessageSize:   inner,
			RetryInterval: cfg.RetryInterval,
			SeqKey:        seqKey,
			MaxHolds:      cfg.RetryAttempts,
		}),
		Logger: cfg.Logger.With().Stringer("node", NodeID(id)).Logger(),
	}
	if cfg.Backlog == BacklogSkip {
		s.n.Backlog = backlog.New(2 * cfg.MaxMembers)
	}
	if cfg.OnData != nil {
		s.n.OnData = func(origin uint64, seq uint32, payload []byte) { cfg.OnData(NodeID(origin), seq, payload) }
	}
	if cfg.OnMember != nil || s.sealer != nil {
		s.n.OnMember = func(ev node.MemberEvent, m members.Member) {
			if s.sealer != nil && ev != node.MemberJoined && ev != node.MemberUpdated {
				// What it sealed before must not open here again, not
				// even what it sent to others: it would bring it back.
				s.sealer.Fence(m.ID)
			}
			if cfg.OnMember != nil {
				cfg.OnMember(MemberEvent{Kind: MemberEventKind(ev), Member: publicMember(m)})
			}
		}
	}
	s.n.Versions.ClaimFor = cfg.GapTimeout // a far seq held back waits as long as a gap
	s.n.Unproven = s.amp.Suspect
	s.sendFn = s.write
	s.expireFn = s.expired
	s.batch.init(s.tr)
	return s, nil
}

// ID returns this node's id.
func (s *GossipService) ID() NodeID { return NodeID(s.n.Self.ID) }

// Addr returns the address other nodes reach this one at: the bound
// address with the port actually bound, or AdvertiseAddr.
func (s *GossipService) Addr() multiaddr.Multiaddr { return s.addr }

// State returns the service's state.
func (s *GossipService) State() State { return s.state }

// Err returns why the service last left the cluster on its own:
// ErrJoinFailed after a join that no seed answered (a *JoinError, which
// wraps it, when the seeds' answers could not be read: it says why), nil
// otherwise.
func (s *GossipService) Err() error { return s.err }

// FD returns the socket's file descriptor, for the caller's poll, select
// or epoll, or -1 when the transport has none or the service is closed.
func (s *GossipService) FD() int {
	if s.state == Destroyed {
		return -1
	}
	return s.tr.FD()
}

// MaxPayload returns the largest payload SendData accepts.
func (s *GossipService) MaxPayload() int { return s.cfg.MaxPayload() }

// transition moves the service to another state if the table allows it.
func (s *GossipService) transition(to State) error {
	if s.state == Destroyed {
		return ErrClosed
	}
	if !canTransition(s.state, to) {
		return fmt.Errorf("%w: %s cannot become %s", ErrBadState, s.state, to)
	}
	s.n.Logger.Info().Stringer("from", s.state).Stringer("to", to).Msg("state")
	s.state = to
	s.n.Phase = node.Phase(to)
	if to == Connected {
		// A random phase keeps the cluster's rounds from firing together.
		s.nextRound = s.n.Now.Add(time.Duration(s.n.Rand.Int64N(int64(s.cfg.TickInterval))))
	}
	return nil
}

// Join enters the cluster through the given seeds: a Hello goes to each
// (sent by the next Send), and the service is JOINING until a Welcome
// makes it CONNECTED. With no seeds, or only its own address, this node
// is the first of a new cluster and CONNECTED at once. Join is allowed in
// INITIALIZED and DISCONNECTED; elsewhere it returns ErrBadState. An
// invalid seed returns ErrInvalidAddress, and a seed of the other address
// family than the socket ErrAddressFamily; either changes nothing.
//
// A seed may be a DNS name, /dns|dns4|dns6/NAME/udp/P: Join resolves it,
// blocking for up to Config.ResolveTimeout, and sends a Join (and its
// Hello) to every address it has (of the socket's IP family). A name that
// does not resolve is skipped; when no seed is left, Join returns
// ErrUnresolved and changes nothing. See SetSeeds for resolving again
// later.
func (s *GossipService) Join(seeds ...multiaddr.Multiaddr) error {
	if s.state == Destroyed {
		return ErrClosed
	}
	if !canTransition(s.state, Joining) {
		return fmt.Errorf("%w: Join in %s", ErrBadState, s.state)
	}
	targets, err := s.seedTargets(seeds) // resolves DNS names: see seeds.go
	if err != nil {
		return err
	}
	s.n.Now = s.clock.Now()
	s.err = nil
	clear(s.refusal.fromSeeds[:])
	clear(s.refusal.fromOthers[:])
	if len(targets) == 0 {
		return s.transition(Connected)
	}
	s.n.Seeds = targets
	for _, a := range targets {
		s.n.JoinVia(a)
	}
	return s.transition(Joining)
}

// Receive handles the datagrams waiting on the transport, without
// blocking, and returns how many it handled. It handles at most
// MaxOutboundMessages/4 per call, and stops early when the outbound queue
// is nearly full, so the replies they cause fit the queue until the
// caller's Send; what is left stays readable for the next turn of the
// loop. Malformed datagrams are dropped and counted
// in Stats, never returned as errors; an error means the transport
// failed (ErrClosed after Close).
func (s *GossipService) Receive() (int, error) {
	if s.state == Destroyed {
		return 0, ErrClosed
	}
	s.n.Now = s.clock.Now()
	// Stop while the replies to one more datagram (a Hello's are the most:
	// the member lists, a Welcome, an announcement) might not fit the
	// queue without evicting: Send makes room, and the rest stays readable.
	reserve := s.cfg.JoinListDatagrams + 4
	batch := max(1, s.cfg.MaxOutboundMessages/4)
	handled := 0
	for handled < batch && (handled == 0 || s.n.Out.Free() >= reserve) {
		size, from, err := s.tr.ReadFrom(s.rbuf)
		if err != nil {
			if errors.Is(err, transport.ErrWouldBlock) {
				s.n.FlushRumors()
				return handled, nil
			}
			if errors.Is(err, transport.ErrClosed) {
				return handled, ErrClosed
			}
			s.io.receiveErrors++
			return handled, fmt.Errorf("gossip: receive: %w", err)
		}
		handled++
		s.io.datagramsIn++
		s.io.bytesIn += uint64(size)
		acked, mark, limited := s.received(from, size)
		if size >= len(s.rbuf) {
			s.n.Drop(node.DropOversize)
			continue
		}
		if s.refusedUnread(from, s.rbuf[:size]) {
			continue
		}
		s.apply(handler.Dispatch(&s.n, envelope.In{From: from, Bytes: s.rbuf[:size]}))
		s.afterDispatch(from, s.rbuf[:size], acked, mark, limited)
	}
	s.n.FlushRumors()
	return handled, nil
}

// Send writes every envelope that is due: first attempts, and retries
// whose RetryInterval has passed. It returns how many datagrams went out.
// A datagram the transport cannot take without blocking stays due for the
// next Send. Other transport errors count as a lost attempt (the retry
// covers it) and the first is returned after the pass. A transport that
// gathers writes (transport.Flusher) is flushed before Send returns.
func (s *GossipService) Send() (int, error) {
	if s.state == Destroyed {
		return 0, ErrClosed
	}
	s.n.Now = s.clock.Now()
	n, err := s.n.Out.SendDue(s.n.Now, s.sendFn)
	if s.toChallenge.n > 0 && s.challenge() { // held datagrams back: ask for proof at once
		m, err2 := s.n.Out.SendDue(s.n.Now, s.sendFn)
		n += m
		if err == nil {
			err = err2
		}
	}
	return s.flushed(n, err)
}

func (s *GossipService) write(e *envelope.Out, b []byte) error {
	if err := s.withhold(e, b); err != nil {
		return err
	}
	var err error
	if s.idw != nil {
		err = s.idw.WriteToID(b, e.To, e.ToID)
	} else {
		err = s.tr.WriteTo(b, e.To)
	}
	if err != nil {
		if !errors.Is(err, transport.ErrWouldBlock) {
			s.io.sendErrors++
		}
		return err
	}
	s.io.datagramsOut++
	s.io.bytesOut += uint64(len(b))
	return nil
}

// Tick runs what is due: envelopes that used every attempt expire (their
// recipients are removed as failed), holes in data sequences older than
// GapTimeout are given up, and when CONNECTED and the round is due a
// Status goes out. It returns how long the caller may wait before the
// next Tick: until the next round or the next envelope falls due,
// whichever is first (0 when something is due now, for Send, or when the
// transport holds datagrams its FD does not show, transport.Buffered).
func (s *GossipService) Tick() time.Duration {
	if s.state == Destroyed {
		return s.cfg.TickInterval
	}
	now := s.clock.Now()
	s.n.Now = now
	s.n.Out.Expire(now, s.expireFn)
	s.n.Versions.GiveUp(now, s.cfg.GapTimeout)
	wait := s.cfg.TickInterval
	if s.state == Connected {
		s.n.Detect()
		if !now.Before(s.nextRound) {
			s.n.StatusRound(s.cfg.StatusFanout)
			s.nextRound = s.nextRound.Add(s.cfg.TickInterval)
			if !s.nextRound.After(now) { // the caller fell behind: skip, don't burst
				s.nextRound = now.Add(s.cfg.TickInterval)
			}
		}
		wait = s.nextRound.Sub(now)
	}
	s.n.FlushRumors() // before the wait: the rumor is due at once
	if due, ok := s.n.Out.Next(); ok {
		wait = min(wait, max(0, due.Sub(now)))
	}
	if due, ok := s.n.Detector.Next(); ok && s.state == Connected {
		wait = min(wait, max(0, due.Sub(now)))
	}
	if s.held() {
		wait = 0
	}
	return wait
}

func (s *GossipService) expired(e envelope.Out) { s.apply(handler.Expired(&s.n, e)) }

// apply carries out a handler's outcome through the transition table.
func (s *GossipService) apply(o node.Outcome) {
	switch o {
	case node.Joined:
		_ = s.transition(Connected)
	case node.JoinFailed:
		s.err = s.joinFailed()
		_ = s.transition(Disconnected)
	}
}

// SendData spreads payload to the cluster: to this node's ring successor
// and RumorFactor-1 random members, each of which passes it on once;
// anti-entropy repairs what the rumor misses. The payload is copied;
// the caller may reuse it at once. It returns ErrBadState unless
// CONNECTED, ErrEmptyPayload for no bytes, ErrPayloadTooLarge beyond
// MaxPayload; on error nothing is sent.
func (s *GossipService) SendData(payload []byte) error {
	if s.state == Destroyed {
		return ErrClosed
	}
	if s.state != Connected {
		return fmt.Errorf("%w: SendData in %s", ErrBadState, s.state)
	}
	if len(payload) == 0 {
		return ErrEmptyPayload
	}
	if len(payload) > s.cfg.MaxPayload() {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrPayloadTooLarge, len(payload), s.cfg.MaxPayload())
	}
	s.n.Now = s.clock.Now()
	if err := s.n.Originate(payload); err != nil {
		return err
	}
	s.io.originated++
	return nil
}

// Leave tells every member this node leaves, forgets the members
// (without an OnMember event for each: it is this node that goes) and
// whatever was waiting to be sent, and moves to DISCONNECTED. Allowed
// only when CONNECTED (ErrBadState otherwise).
//
// Each Leave is acknowledged and retried every ProbeTimeout, up to
// RetryAttempts times, so a lost datagram does not leave a member
// believing this node is still there. Keep driving the loop (Tick, wait,
// Receive, Send) until Leaving reports 0, at most RetryAttempts ×
// ProbeTimeout (1.5 s by default), then Close:
//
//	svc.Leave()
//	for {
//		wait := svc.Tick() // the last attempts expire here
//		if svc.Leaving() == 0 {
//			break
//		}
//		poll(svc.FD(), wait)
//		svc.Receive()
//		svc.Send()
//	}
//	svc.Close()
//
// A member that speaks only the base format does not acknowledge Leaves;
// its Leave is simply sent RetryAttempts times.
func (s *GossipService) Leave() error {
	if s.state == Destroyed {
		return ErrClosed
	}
	if s.state != Connected {
		return fmt.Errorf("%w: Leave in %s", ErrBadState, s.state)
	}
	s.n.Now = s.clock.Now()
	s.n.Out.DropAll()
	s.n.Detector.Reset()
	if s.n.Members.Len() > 0 {
		out, buf := s.n.Open()
		l := message.Leave{Member: s.n.Self}
		size, err := l.Encode(buf, 0)
		if s.n.Commit(out, size, err, message.TypeLeave) {
			for i := range s.n.Members.Len() {
				m := s.n.Members.At(i)
				s.n.Out.AddEvery(out, m.Addr, m.ID, s.cfg.RetryAttempts, s.cfg.ProbeTimeout, s.n.Now)
			}
			s.n.Out.Close(out)
		}
	}
	// A later Join comes back at a higher incarnation than the one the
	// others buried this node at.
	s.n.Inc++
	s.n.Members.Clear()
	return s.transition(Disconnected)
}

// Leaving returns how many of the Leaves that Leave queued are neither
// acknowledged nor given up yet: 0 once the goodbye is complete. It is 0
// in any state but DISCONNECTED after a Leave.
func (s *GossipService) Leaving() int {
	if s.state != Disconnected {
		return 0
	}
	return s.n.Out.Pending(message.TypeLeave)
}

// Close releases the transport and moves to DESTROYED. Unsent envelopes
// are dropped: Leave and Send first to say goodbye. A second Close
// returns ErrClosed.
func (s *GossipService) Close() error {
	if s.state == Destroyed {
		return ErrClosed
	}
	if err := s.transition(Destroyed); err != nil {
		return err
	}
	s.n.Out.DropAll()
	if err := s.tr.Close(); err != nil && !errors.Is(err, transport.ErrClosed) {
		return fmt.Errorf("gossip: close: %w", err)
	}
	return nil
}

// Members returns the other members this node knows, in id order. The
// node itself is not among them (memberlist's Members includes the local
// node; this one does not), so a cluster of n nodes gives n-1. Each
// Member's Meta is a copy. It
// allocates; call it for display and checks, not on every turn of the
// loop.
func (s *GossipService) Members() []Member {
	out := make([]Member, 0, s.n.Members.Len())
	for i := range s.n.Members.Len() {
		out = append(out, publicMember(s.n.Members.At(i)))
	}
	return out
}

// publicMember copies a table entry into the exported form.
func publicMember(m members.Member) Member {
	return Member{ID: NodeID(m.ID), Addr: toMultiaddr(m.Addr), Meta: bytes.Clone(m.Meta), Incarnation: m.Inc}
}

// MaxMetaSize returns the most metadata bytes Config.Meta and SetMeta
// take (Config.MaxMetaSize, lowered to what fits one datagram).
func (s *GossipService) MaxMetaSize() int { return s.cfg.MaxMetaSize }

// Meta returns a copy of this node's metadata.
func (s *GossipService) Meta() []byte { return bytes.Clone(s.n.Meta) }

// Incarnation returns this node's incarnation: the version of its own
// record, raised by SetMeta, by every refutation of a suspicion of it,
// and by leaving.
func (s *GossipService) Incarnation() uint32 { return s.n.Inc }

// SetMeta replaces this node's metadata (at most Config.MaxMetaSize
// bytes; the slice is copied). It raises the node's incarnation and, when
// CONNECTED, spreads the new record by rumor at once; anti-entropy
// repairs the nodes that miss it, and no node ever takes an older
// incarnation's metadata over a newer one's. Before Join, or while
// DISCONNECTED, the next Join carries it. It returns ErrMetaTooLarge
// beyond the bound and ErrClosed after Close; on error nothing changes.
func (s *GossipService) SetMeta(meta []byte) error {
	if s.state == Destroyed {
		return ErrClosed
	}
	if len(meta) > s.cfg.MaxMetaSize {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrMetaTooLarge, len(meta), s.cfg.MaxMetaSize)
	}
	s.n.Now = s.clock.Now()
	s.n.Meta = bytes.Clone(meta)
	s.n.Inc++
	if s.state == Connected {
		s.n.AnnounceSelf()
	}
	return nil
}

// NumMembers returns how many other members this node knows, without
// allocating: len(Members()), the node itself not counted (0 for a node
// alone, n-1 in a cluster of n).
func (s *GossipService) NumMembers() int { return s.n.Members.Len() }
