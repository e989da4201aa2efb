package seal

import "net/netip"

// Reason says why ReadFrom dropped a datagram; each names a [Stats] field.
type Reason uint8

// The reasons a datagram is dropped.
const (
	ReasonNoKey          Reason = iota + 1 // opened under no key of the ring (wrong key, another recipient, forged)
	ReasonMalformed                        // type Sealed, shorter than 36 bytes
	ReasonVersion                          // type Sealed, another version than 2
	ReasonMisaddressed                     // opened only for recipient 0, and not a Hello
	ReasonOversize                         // plaintext larger than the read buffer
	ReasonReplayed                         // counter already accepted or too old, or sealed as this node
	ReasonPlaintext                        // unsealed, and plaintext is not accepted
	ReasonSenderMismatch                   // a Hello, Welcome or Leave naming another id than its sealer
	ReasonLabel                            // plaintext of another cluster label, or of none where one is set
)

var reasonNames = [...]string{
	ReasonNoKey:          "no_key",
	ReasonMalformed:      "malformed",
	ReasonVersion:        "version",
	ReasonMisaddressed:   "misaddressed",
	ReasonOversize:       "oversize",
	ReasonReplayed:       "replayed",
	ReasonPlaintext:      "plaintext_refused",
	ReasonSenderMismatch: "sender_mismatch",
	ReasonLabel:          "label",
}

// String returns the reason as logs print it.
func (r Reason) String() string {
	if int(r) < len(reasonNames) && reasonNames[r] != "" {
		return reasonNames[r]
	}
	return "unknown"
}

// Unopened reports whether r means the datagram did not open under this
// node's keys (as opposed to opening and then failing a check): what a
// node with the wrong key, or none, sees of its peers' datagrams.
func (r Reason) Unopened() bool {
	switch r {
	case ReasonNoKey, ReasonMalformed, ReasonVersion, ReasonMisaddressed, ReasonPlaintext, ReasonLabel:
		return true
	}
	return false
}

// refuse counts a dropped datagram under its reason and tells OnRefused.
func (t *Transport) refuse(from netip.AddrPort, r Reason) {
	switch r {
	case ReasonNoKey:
		t.stats.NoKey++
	case ReasonMalformed:
		t.stats.Malformed++
	case ReasonVersion:
		t.stats.Version++
	case ReasonMisaddressed:
		t.stats.Misaddressed++
	case ReasonOversize:
		t.stats.Oversize++
	case ReasonReplayed:
		t.stats.Replayed++
	case ReasonPlaintext:
		t.stats.PlaintextRefused++
	case ReasonSenderMismatch:
		t.stats.SenderMismatch++
	case ReasonLabel:
		t.stats.Label++
	}
	if t.opts.OnRefused != nil {
		t.opts.OnRefused(from, r)
	}
}
