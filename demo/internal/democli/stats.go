package democli

import (
	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

// statsFields are the fields of the stats line, in the order printed.
var statsFields = []string{
	"datagrams_in", "datagrams_out", "retries", "acked", "expired", "evicted", "drops",
	"drops_short", "drops_trailing", "drops_unknown_type", "drops_version", "drops_flags",
	"drops_address", "drops_invalid", "drops_oversize", "drops_sealed", "drops_state",
	"drops_unsolicited", "drops_spoofed", "drops_self", "drops_label",
	"sealed", "opened", "drops_no_key", "drops_plaintext_refused", "drops_sealing_version",
	"drops_misaddressed", "drops_sealing_malformed", "drops_sealing_oversize", "drops_replayed",
	"drops_sender_mismatch", "drops_sealing_label",
	"members_added", "members_left", "members_failed",
	"data_originated", "data_delivered", "data_duplicates", "data_repaired",
}

// LogStats prints a service's counters as one "stats" line at info.
func LogStats(log zerolog.Logger, s gossip.Stats) {
	StatsFields(log.Info(), s).Msg("stats")
}

// StatsFields adds a service's counters to e: traffic, the outbound
// queue's retries, acks, expiries and evictions, drops (the total, the
// engine's and the sealing layer's together, then each reason that is not
// zero), with keys the datagrams sealed and opened, member changes and
// data.
func StatsFields(e *zerolog.Event, s gossip.Stats) *zerolog.Event {
	sealing := sealingDrops(s.Sealing)
	total := s.Dropped.Total()
	for _, d := range sealing {
		total += d.n
	}
	e = e.Uint64("datagrams_in", s.DatagramsIn).
		Uint64("datagrams_out", s.DatagramsOut).
		Uint64("retries", s.Retries).
		Uint64("acked", s.Acked).
		Uint64("expired", s.Expired).
		Uint64("evicted", s.Evicted).
		Uint64("drops", total)
	for _, d := range dropReasons(s.Dropped) {
		if d.n > 0 {
			e = e.Uint64("drops_"+d.name, d.n)
		}
	}
	if s.Sealing.Sealed > 0 || s.Sealing.Opened > 0 {
		e = e.Uint64("sealed", s.Sealing.Sealed).Uint64("opened", s.Sealing.Opened)
	}
	for _, d := range sealing {
		if d.n > 0 {
			e = e.Uint64("drops_"+d.name, d.n)
		}
	}
	return e.Uint64("members_added", s.MembersAdded).
		Uint64("members_left", s.MembersLeft).
		Uint64("members_failed", s.MembersFailed).
		Uint64("data_originated", s.DataOriginated).
		Uint64("data_delivered", s.DataDelivered).
		Uint64("data_duplicates", s.DataDuplicates).
		Uint64("data_repaired", s.DataRepaired)
}

// sealingDrops lists the sealing layer's drops (gossip.SealStats) under
// the names of the stats line; they happen before the engine sees a
// datagram, so Drops does not count them.
func sealingDrops(d gossip.SealStats) [9]dropReason {
	return [...]dropReason{
		{"no_key", d.NoKey},
		{"plaintext_refused", d.PlaintextRefused},
		{"sealing_version", d.Version},
		{"misaddressed", d.Misaddressed},
		{"sealing_malformed", d.Malformed},
		{"sealing_oversize", d.Oversize},
		{"replayed", d.Replayed},
		{"sender_mismatch", d.SenderMismatch},
		{"sealing_label", d.Label},
	}
}

type dropReason struct {
	name string
	n    uint64
}

// dropReasons lists gossip.Drops field by field. The library exports no
// way to range over the reasons, so a reason added there must be added
// here and to statsFields too (Drops.Total would still count it).
func dropReasons(d gossip.Drops) [14]dropReason {
	return [...]dropReason{
		{"short", d.Short},
		{"trailing", d.Trailing},
		{"unknown_type", d.UnknownType},
		{"version", d.Version},
		{"flags", d.Flags},
		{"address", d.Address},
		{"invalid", d.Invalid},
		{"oversize", d.Oversize},
		{"sealed", d.Sealed},
		{"state", d.State},
		{"unsolicited", d.Unsolicited},
		{"spoofed", d.Spoofed},
		{"self", d.Self},
		{"label", d.Label},
	}
}
