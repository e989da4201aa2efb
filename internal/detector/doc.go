// Package detector is the failure detector: it decides when a member is
// suspected and when it is declared failed, and it keeps this node's own
// health. It is a state machine with no I/O and no clock of its own, in
// the manner of raft's progress tracking: the node tells it what it sent
// (Probe, Relay, Confirm, Request) and what came back (Acked, Result,
// Suspect), and asks it in every Tick what is due (Step). Each Action
// that Step returns is something the node must now do on the wire.
//
// The scheme is SWIM with Lifeguard's refinements, tuned for a cluster
// whose rumors reach every member in milliseconds:
//
//   - Every round each node probes one member (ProbeTarget): node k of the
//     ring probes the member r places after it in round r, so in every
//     round every member is probed by exactly one node while the member
//     tables agree, and a crashed member is first probed within one round.
//   - A probe unanswered halfway through ProbeTimeout (stretched by poor
//     local health) is sent once more (ActRetry). Unanswered at the
//     timeout it escalates: the node asks IndirectProbes others to probe
//     the target and tries once more directly (ActIndirect). Unanswered
//     after another ProbeTimeout, the target becomes suspect (ActSuspect).
//   - A suspicion runs for a timeout that starts at SuspicionMaxMult ×
//     the floor and falls, as independent nodes confirm it, to the floor
//     SuspicionMult × log10(members) × TickInterval (Lifeguard's formula;
//     the floor's log10 is at least 1). The node holds it with the
//     suspect's observers (Predecessors). Each holder pings the suspect
//     every ProbeTimeout/4 (ActPing), ends the suspicion as soon as
//     anything comes from it (HeardFrom), confirms it once when its first
//     ping goes unanswered for a ProbeTimeout (ActConfirm), so the floor is
//     normally reached within one ProbeTimeout, and declares the member
//     failed when the timeout ends (ActDeclare).
//   - Local health (Lifeguard's awareness): a score from 0 to MaxHealth
//     that rises when this node's probes fail, when its indirect probes
//     bring back fewer answers than requested (the lost answers point at
//     this node's own links), when it has to refute a suspicion of
//     itself, and when its loop stalls (Step called much later than it
//     should be: the process was paused or starved); it falls with every
//     answered probe. Probe and suspicion timeouts are multiplied by
//     1 + score, so a slow node waits longer before accusing others.
//     After a stall every pending deadline is pushed back by the stall,
//     so answers that arrived during it are read before anything times
//     out.
//
// Everything is bounded: at most MaxProbes probes are tracked (the
// oldest relay or confirmation is dropped first), and at most one
// suspicion per member.
package detector
