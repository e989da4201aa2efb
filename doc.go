// Package gossip is a tick-driven, single-threaded UDP gossip engine: a
// cluster of nodes that spreads small payloads to every member quickly and
// completely, and keeps track of who is in the cluster.
//
// It starts no goroutines and takes no locks. The caller owns the loop and
// drives a GossipService through four calls, using Tick's result as its
// poll timeout:
//
//	svc, err := gossip.New(gossip.DefaultConfig()) // binds the socket: INITIALIZED
//	err = svc.Join(seeds...)                         // no seeds: the first node, CONNECTED
//	for {
//		wait := svc.Tick()                     // rounds and retries that are due
//		unix.Poll(fds(svc.FD()), ms(wait))    // your poll, select or epoll
//		svc.Receive()                          // handle what arrived, never blocks
//		svc.Send()                             // write what is due, never blocks
//	}
//
// # The caller's duties
//
//  1. Create the service with New and a Config from DefaultConfig.
//  2. Call Join once, with the seeds' addresses or none. A seed may be a
//     DNS name (/dns4/NAME/udp/P): Join resolves it, blocking for up to
//     Config.ResolveTimeout. While the node is alone, resolve Seeds again
//     off the loop (ResolveSeeds) and hand the result to SetSeeds.
//  3. Loop: Tick, then wait on FD for at most Tick's result, then Receive,
//     then Send. Calling them more often is harmless; calling Tick late
//     only delays rounds and retries.
//  4. Call SendData to spread a payload; handle payloads in Config.OnData.
//     Call it anywhere in the loop but between Tick and the poll, or call
//     Send right after it: Tick's wait only knows what was queued before.
//  5. To go, call Leave, then keep turning the loop until Leaving reports
//     0 (every member acknowledged, or the Leaves used their attempts: at
//     most RetryAttempts × ProbeTimeout, 1.5 s by default), then Close.
//
// All methods must be called from one goroutine. OnData and OnMember run
// inside Receive or Tick and may call SendData, but not the loop's calls.
//
// # States
//
//	INITIALIZED ──Join()──► CONNECTED            (no seeds: a new cluster)
//	INITIALIZED ──Join(seeds)──► JOINING ──Welcome──► CONNECTED
//	JOINING ──every Hello expired──► DISCONNECTED  (Err() = ErrJoinFailed)
//	CONNECTED ──Leave──► DISCONNECTED ──Join──► JOINING or CONNECTED
//	any ──Close──► DESTROYED
//
// # Messages
//
// One message per datagram, behind an 8-byte header (type, version,
// flags, seq); the layouts are in package message and docs/protocol.md.
//
//	Hello       joiner → seed      answered by Welcome; retried
//	Welcome     seed → joiner      names the Hello's seq; the joiner is CONNECTED
//	MemberList  any → any          members to add; acknowledged; news is passed on
//	Ack         any → any          names the seq of the envelope it acknowledges
//	Data        any → any          a payload: delivered once, passed on once
//	Status      any → any          a version vector: anti-entropy, and the failure probe
//	Leave       leaver → all       the sender leaves; removed at once; acknowledged
//
// and the extensions (types 9 and above; a peer that knows only the base
// types drops them and still interoperates):
//
//	Join          joiner → seed    a Hello with the joiner's record (incarnation, metadata)
//	Update        any → any        membership records: alive, suspect, failed, left
//	ProbeRequest  prober → member  "probe this member for me"
//	ProbeResult   member → prober  the target answered, or not
//	Digest        any → any        the view of the membership by bucket: anti-entropy
//
// A join:
//
//	joiner                seed                 members
//	  │── Join seq=7 ───────►│                      │ (a Hello follows a ProbeTimeout
//	  │◄── Update (records) ─│                      │  later, for a base-format seed)
//	  │◄── Welcome hello=7 ──│── Update{joiner} ───►│ (Rumor: successor + random)
//	  │── Ack ──────────────►│◄──────────── Ack ─────│
//
// Failure detection: each round every member is probed by some node (the
// round's Status). A member that does not answer within ProbeTimeout is
// probed through IndirectProbes others; if nobody reaches it, its
// observers (the members just before it on the ring) hold a suspicion,
// ping it, end it as soon as it answers, and otherwise declare it failed
// when Lifeguard's timeout ends (SuspicionMult × log10(members) ×
// TickInterval once confirmed: 1.8 s at 64 members). The verdict reaches
// every node by rumor; a member declared failed while alive refutes it
// with a higher incarnation and is back at once:
//
//	prober              member            relays             observers
//	  │── Status ──────────X                │                    │
//	  │   ... ProbeTimeout/2: once more, then at ProbeTimeout:   │
//	  │── ProbeRequest ─────────────────────►│── ping ──X        │
//	  │◄──────────────── ProbeResult(no) ────│                    │
//	  │── Update{suspect} ────────────────────────────────────────►│── pings ──X
//	  │                                                            │ ... timeout
//	  │◄──────────────────────── Update{failed} (rumor, to all) ───│
//
// # How a payload spreads
//
// SendData sends the payload to the node's ring successor (the member
// with the next id up) and RumorFactor-1 random members. Every node that
// sees the payload for the first time delivers it, and passes it on the
// same way once. Passing to the successor closes the gap that random
// forwarding alone leaves (about e^-RumorFactor of the cluster, 5% at 3):
// with agreeing member tables and no loss, everyone is reached. Each
// round a node also sends its version vector (Status) to one member, in
// round-robin order; the receiver resends from its data log what the
// sender lacks and asks for what it lacks itself. That repairs loss, and
// the acknowledged Status doubles as the failure detector's probe.
//
// # Resources
//
// Everything is bounded by Config: the outbound queue, the member table,
// the version vector, the data log (in bytes) and the datagram size. The
// receive, handle and send path does not allocate (see
// TestReceiveHandleForwardDoesNotAllocate and BenchmarkDataDatagram).
//
// # Testing your own use
//
// Config.Transport, Config.Clock and Config.Rand replace the socket, the
// clock and the random source, so a whole cluster can run inside one
// test, deterministically, on virtual time.
package gossip
