// Package sim runs a whole gossip cluster inside one process, on virtual
// time, over a simulated network with latency, jitter, loss (global, per
// node and direction, per one-way link), duplication, reordering,
// flapping links and partitions into any number of groups, where nodes
// can crash, restart, leave and pause.
//
// Every service in a simulation is a real gossip.GossipService: only its
// Transport, Clock and random source are the simulator's. Events (datagram
// deliveries, node wake-ups and timers) run in time order from one seeded
// source, so the same seed and the same calls give the same run, datagram
// for datagram. That makes it a tool for testing your own use of the
// library as much as ours: script a failure, assert what must hold, run it
// a thousand times with different seeds, replay the one that broke.
//
// A node is driven the way a real caller's loop drives it: when a datagram
// arrives or its Tick deadline passes, the simulator calls Tick, Receive
// and Send, and schedules the next wake-up at Tick's result.
//
// # From Go
//
// New makes a simulation from Options (seed, network, each node's
// Config); AddNode adds a node, Node.Join joins it; RunFor and RunUntil
// advance virtual time; After sets a timer that acts while it runs. Faults:
// SetLoss, SetNodeLoss, SetLinkLoss, FlapLink, Partition, Heal, and
// Node.Crash, Leave, Pause, Resume, Restart. Measurements: Node.Publish
// with Payloads, Reach, Quantile and Cost for data; with
// Options.TrackMembers, Lists, ListedBy, LiveListings and Removals for
// membership (every node's table, kept from its OnMember events, and every
// removal with its time and whether the member was live).
//
// # Scenario scripts
//
// A scenario is a text file of commands, each followed by a line "----",
// the output it printed, and a blank line:
//
//	# A crashed node leaves every live member table within a bound.
//	new nodes=50 seed=4 retry=2s
//	----
//	50 nodes, tick 1s, retry 2s
//
//	join every=20ms
//	----
//	49 joins through node 0: seed sent 7.9 datagrams per join, the cluster 157.6 (3.15 per node)
//
//	run 120s
//	----
//	t=2m0.98s
//
//	crash 7
//	----
//	node 7 crashed
//
//	check removed 7 within=55s
//	----
//	node 7 removed from every live table: p50 33.768s, max 54.614s
//
//	check false-removals == 0
//	----
//	false-removals 0
//
// Lines starting with # are comments. Run a file from a test with
// RunScenarioFile: each command's output must equal the recorded one, and
// each check must hold. With TestOptions.Rewrite the test records what the
// commands printed instead of comparing (review the diff), but a check
// that fails still fails the test: rewriting records its output, never
// its verdict. A failed check prints "FAIL: " and what did not hold, with
// the first offenders:
//
//	check false-removals == 0
//	----
//	FAIL: false-removals is 9, want == 0: removals of live members: node 3 by node 9 at t=23.216s (failed), ...
//
// From the command line, go run ./sim/cmd/gossipsim -scenario FILE runs a
// script, prints each command's output and exits 1 if a check failed.
// From Go, ParseScenario and Scenario.Run give the results to inspect.
//
// A line that cannot run stops the scenario with an error naming the
// script, the line, the command and what is wrong: an unknown command, a
// key the command does not take (listing those it does), a value it
// cannot read, a node that does not exist.
//
// # Arguments
//
// Commands take positional arguments and key=value ones, in any order.
// Each key is taken once. In the usage lines below, [key=V] is optional
// and key=V is not; values are written as:
//
//   - D: a duration, as Go writes them: 20ms, 10s, 1m30s
//   - N: a whole number, 0 or more
//   - P: a probability, 10% or 0.1
//   - SEL: a set of nodes: node indices (7), ranges (0-49) and these
//     words, separated by commas (3,9,12 or 0-9,20-29): all; live (up,
//     paused or not); running (up and not paused); down (crashed or
//     left); paused; and the names given with pick
//   - K: a key's name (k1, k2, ...): the simulator derives the key
//
// The commands that take [SEL] (crash, leave, pause, pick) take instead
// count=N or fraction=P nodes chosen at random from from=SEL (default
// running), with their own seed=N (default: the simulation's source, so
// the choice follows the run's seed; with seed= it stays put). A fraction
// chooses at least one node.
//
// Time passes only in the commands that say so: run, join, send with
// every=, keys with every=, and check with within=. Background traffic
// and random pauses go on whichever of those runs the simulation.
//
// # The cluster
//
//	new [nodes=N] [seed=N] [latency=D] [jitter=D] [loss=P] [dup=P] [tick=D] [retry=D] [maxmembers=N] [datalog=N] [tombstone=D] [keys=K,...] [track=0|1] [cfg.FIELD=V ...]
//
// A new simulation of N nodes (default 3), none joined yet; the previous
// one, its sets and allowances are forgotten. seed defaults to 1;
// latency to 2ms and jitter to 1ms (one-way delay plus a uniform extra
// in [0, jitter)); loss and dup are global loss and duplication
// (default 0). The rest set gossip.Config fields, and only those given
// differ from gossip.DefaultConfig: tick (TickInterval), retry
// (RetryInterval, and GapTimeout to RetryAttempts x retry), maxmembers,
// datalog (DataLogBytes), tombstone (TombstonePeriod), keys (Keys, the
// first one seals). cfg.FIELD=V sets any duration, number or bool field
// of gossip.Config by name: cfg.RetryAttempts=5. track=0 stops tracking
// the member tables (Options.TrackMembers), which the membership checks,
// listed and removals read: about a fifth faster on the largest
// clusters. Prints the settings.
//
//	join [every=D]
//
// Node 0 starts the cluster; the others join through it in index order,
// one every D (default 50ms). Prints the seed's and the cluster's
// datagrams per join.
//
//	run D
//
// Runs the simulation for D. Prints the time.
//
// # Data
//
//	send [count=N] [every=D] [size=N] [from=N]
//
// Publishes N payloads (default 1) of size bytes (default 32), one every
// D (default 10ms), each from a random live node, or from node from.
// deliveries, metrics and check deliveries follow them.
//
//	traffic every=D
//	traffic off
//
// While the simulation runs, a 32-byte payload every D from a random
// connected, running node; off stops it and prints how many it sent.
//
//	deliveries
//
// How many payloads reached every live node, and the duplicate
// deliveries (always 0 unless something is wrong).
//
//	metrics
//
// For the payloads of the last send: the median and worst time until 50%,
// 99% and 100% of the live nodes had them, the datagrams and bytes per
// payload per node, the outbound queue's peak and the memory per node.
//
// # The network
//
//	net [loss=P] [dup=P] [latency=D] [jitter=D]
//
// Changes the global settings; those not given stay.
//
//	loss [P] [node=SEL] [in=P] [out=P]
//	loss reset
//
// loss P sets the global loss. loss node=SEL in=P out=P sets the loss
// of what those nodes receive (in) and send (out), on top of the global
// one: in=80% makes a node that hears a fifth of what is sent to it; a
// direction not given stays. Each loss a datagram meets is an independent
// chance. loss alone shows the losses; loss reset removes all of them:
// global, per node, per link and the flaps.
//
//	link from=SEL to=SEL drop=P [both=0|1]
//
// Loss on the one-way links from each node of from to each node of to
// (both=1: back too): drop=100% fails them, drop=0% restores them. With
// sets it makes a one-way partition.
//
//	flap from=SEL to=SEL down=D up=D
//	flap off
//
// The one-way links fail for down, work for up, and so on, starting now
// with a failure; off stops every flap.
//
//	partition SEL | SEL ... [at=N]
//
// Splits the nodes into groups, any number: partition 0-49 | 50-99, or
// partition 0-9 | 10-19 | 20-29 (the nodes named in no group form one
// more). Datagrams between groups are lost. at=N splits below node N and
// from it. A new partition replaces the last.
//
//	heal
//
// Ends the partition (not the losses).
//
// # Nodes
//
//	crash [SEL] [count=N] [fraction=P] [from=SEL] [seed=N]
//
// The nodes stop silently: no Leave; what is on its way to them is lost.
// crash count=10 seed=3 crashes ten random running nodes.
//
//	leave [SEL] [count=N] [fraction=P] [from=SEL] [seed=N]
//
// The nodes leave gracefully (Leave, Send) and stop.
//
//	restart SEL [via=N]
//
// A new service, with a new id, at each node's address joins through node
// N (default 0), as a restarted process would.
//
//	pause [SEL] [count=N] [fraction=P] [from=SEL] [seed=N]
//	resume SEL
//
// A paused node is a stopped process: it reads, sends and ticks nothing,
// and what is sent to it waits, until resume. It counts as live: its
// removal is a false removal (see allow-removal), and its frozen table
// keeps listing the nodes it knew.
//
//	pauses fraction=P for=D [seed=N]
//	pauses off
//
// While the simulation runs, pauses begin at random times (a Poisson
// process), each of a random running node for D, at the rate that keeps
// about P of the nodes paused at any moment: pauses fraction=5% for=2s.
// off starts no more (those under way end on time, even for a node a
// pause command named meanwhile) and prints how many there were.
//
//	pick NAME [SEL] [count=N] [fraction=P] [from=SEL] [seed=N]
//
// Names a set of nodes, for any SEL afterwards: pick lossy fraction=1%
// seed=5, then loss node=lossy in=80% and allow-removal lossy.
//
// # Membership
//
//	members
//
// Whether every live node knows every other live node, from the services'
// own tables (GossipService.Members): the incomplete nodes, the fewest
// known and the entries for nodes that are gone.
//
//	listed N
//
// How many other live nodes list node N's current id, and its earlier
// ones.
//
//	removals
//	removals reset
//
// The removals from member tables since new or removals reset: failed,
// left, replaced (a restart seen), how many took out a live member, and
// the first false ones. reset starts the count again, for removals, check
// false-removals and check removals.
//
//	allow-removal [SEL|none] [by=SEL]
//
// The removals of these nodes are not false removals: the nodes a
// scenario makes lossy or pauses for long on purpose. With by=, neither
// are the removals these nodes make of others (a node that hears a fifth
// of what is sent to it may accuse everyone). none forgets them all.
//
//	meta SEL value=W [count=N] [every=D]
//
// The nodes set their metadata (GossipService.SetMeta) to W; with count,
// to W1, W2, ... WN, one every D (default 100ms), the simulation running
// meanwhile. From then on what every node sees of their metadata is
// recorded, for check meta and meta-regressions.
//
// # Keys and counters
//
//	keys [show]
//	keys add K [node=SEL] [every=D]
//	keys use K [node=SEL] [every=D]
//	keys remove K [node=SEL] [every=D]
//
// show groups the live nodes by keyring, sealing key first. add, use
// and remove change the keyring of every live node (or those of SEL), one
// after another, D apart (default 0), and print the errors.
//
//	keys roll step=N key=K [every=D]
//
// One pass of a roll-out from plaintext onto keys: every live node in
// turn leaves and restarts with the step's settings (1: opens sealed,
// sends plaintext; 2: seals, accepts plaintext; 3: sealed only), D apart
// (default 1s). Finish each step before the next.
//
//	stat FIELD ... [all=0|1]
//
// The sums of gossip.Stats counters over the live services (all=1: over
// the stopped ones too): stat MembersFailed Sealing.Opened Dropped.Total.
//
// # Assertions
//
// check fails the scenario when its condition does not hold, and says
// what did not, with the first offenders. With within=D it runs the
// simulation until the condition holds, for at most D, and prints how
// long it took; conditions on counters are looked at after every event,
// the others every 10ms of virtual time.
//
//	check QUANTITY OP N [within=D]
//
// Compares a quantity with N; OP is ==, !=, <, <=, > or >=. The
// quantities:
//
//   - false-removals: MemberFailed and MemberLeft events, at any node,
//     about a member that was live then (up, paused or not), other than
//     those allow-removal excuses, since new or removals reset
//   - removals: every MemberFailed and MemberLeft event since then
//   - incomplete: the live nodes that miss another live node in their
//     table
//   - stale: the entries in live tables for services no longer running
//   - undelivered: the payloads not yet at every live node
//   - duplicates: the payloads delivered twice to a node
//   - meta-regressions: the times a node's view of a member's metadata
//     (one a meta command set) went back to an older incarnation
//   - live, down, paused: the nodes in each state
//   - stat.FIELD: a gossip.Stats counter summed over the live services
//
// The other conditions are about nodes, payloads and tables:
//
//	check removed SEL [within=D] [p50=D]
//
// Runs until no live node lists any id the nodes have had, and prints, over
// every (live node, removed node) pair, the median and the longest time
// from the node's crash, leave or pause (or from now, if it runs) until
// that table dropped it for the last time. Fails if that takes longer than
// D (default 1m) for any of them, or if the median is over p50.
//
//	check known SEL [within=D]
//
// Runs until every other live node lists each node's running service,
// for at most D (default 1m). Fails at once for a node that is down.
//
//	check members complete [within=D]
//
// Every live node lists every other live node.
//
//	check deliveries complete [within=D]
//
// Every payload sent reached every live node, and no node twice.
//
//	check meta SEL value=W [within=D]
//
// Every other live node sees the nodes' metadata as W (nodes a meta
// command set).
package sim
