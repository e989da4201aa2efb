// Package metrics exports a runner's counters as Prometheus metrics: the
// service's Stats (datagrams, drops by reason, retries, members, data,
// sealing) and the runner's own (publishing, deliveries, events, loop
// turns), with conventional names (gossip_..._total for counters, units
// in the name), units and help text.
//
// It writes the Prometheus text exposition format itself, so that the
// core module needs no Prometheus dependency:
//
//	http.Handle("/metrics", metrics.Handler(r)) // r is a *runner.Runner
//
// A program that already uses the Prometheus client library registers
// the same metrics as a prometheus.Collector instead, with package
// github.com/tickgossip/gossip/metrics/prom, a module of its own so that
// only such programs depend on the client library. Both read the same
// Families, so names and help agree.
//
// The counters come from Runner.Stats, which is safe from any goroutine:
// each scrape wakes the runner's loop once to copy them. A program that
// drives a GossipService in its own loop calls Write from that loop with
// runner.Stats{Stats: svc.Stats()}.
package metrics

import (
	"bufio"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/tickgossip/gossip"
	"github.com/tickgossip/gossip/runner"
)

// Type is a metric's Prometheus type.
type Type string

// The types used.
const (
	Counter Type = "counter"
	Gauge   Type = "gauge"
)

// Sample is one value of a family: Label is the value of the family's
// label, "" for a family without one.
type Sample struct {
	Label string
	Value float64
}

// Family is one metric: its name, help, type, the name of its one label
// (or ""), and how to read its samples from a runner's Stats.
type Family struct {
	Name  string
	Help  string
	Type  Type
	Label string
	Read  func(st *runner.Stats) []Sample
}

func one(v uint64) []Sample { return []Sample{{Value: float64(v)}} }
func oneI(v int) []Sample   { return []Sample{{Value: float64(v)}} }
func counter(name, help string, f func(st *runner.Stats) uint64) Family {
	return Family{Name: name, Help: help, Type: Counter, Read: func(st *runner.Stats) []Sample { return one(f(st)) }}
}
func gauge(name, help string, f func(st *runner.Stats) int) Family {
	return Family{Name: name, Help: help, Type: Gauge, Read: func(st *runner.Stats) []Sample { return oneI(f(st)) }}
}

// labelled is a counter with one label whose samples are listed in a
// fixed order.
func labelled(name, help, label string, f func(st *runner.Stats) []Sample) Family {
	return Family{Name: name, Help: help, Type: Counter, Label: label, Read: f}
}

func drops(d gossip.Drops) []Sample {
	return []Sample{
		{"short", float64(d.Short)}, {"trailing", float64(d.Trailing)},
		{"unknown_type", float64(d.UnknownType)}, {"version", float64(d.Version)},
		{"flags", float64(d.Flags)}, {"address", float64(d.Address)},
		{"invalid", float64(d.Invalid)}, {"oversize", float64(d.Oversize)},
		{"sealed", float64(d.Sealed)}, {"state", float64(d.State)},
		{"unsolicited", float64(d.Unsolicited)}, {"spoofed", float64(d.Spoofed)},
		{"self", float64(d.Self)},
	}
}

func sealDrops(s gossip.SealStats) []Sample {
	return []Sample{
		{"no_key", float64(s.NoKey)}, {"malformed", float64(s.Malformed)},
		{"oversize", float64(s.Oversize)}, {"replayed", float64(s.Replayed)},
		{"plaintext_refused", float64(s.PlaintextRefused)}, {"sender_mismatch", float64(s.SenderMismatch)},
	}
}

// Families lists every metric, in the order Write writes them.
var Families = []Family{
	counter("gossip_datagrams_received_total", "Datagrams read from the socket.", func(s *runner.Stats) uint64 { return s.DatagramsIn }),
	counter("gossip_received_bytes_total", "Bytes of the datagrams read from the socket.", func(s *runner.Stats) uint64 { return s.BytesIn }),
	counter("gossip_datagrams_sent_total", "Datagrams the socket accepted.", func(s *runner.Stats) uint64 { return s.DatagramsOut }),
	counter("gossip_sent_bytes_total", "Bytes of the datagrams the socket accepted.", func(s *runner.Stats) uint64 { return s.BytesOut }),
	counter("gossip_receive_errors_total", "Socket read errors (not malformed datagrams).", func(s *runner.Stats) uint64 { return s.ReceiveErrors }),
	counter("gossip_send_errors_total", "Socket write errors; each counts as a lost attempt.", func(s *runner.Stats) uint64 { return s.SendErrors }),
	labelled("gossip_datagrams_dropped_total", "Datagrams read and dropped, by reason (malformed, unexpected, forged).", "reason",
		func(s *runner.Stats) []Sample { return drops(s.Dropped) }),

	counter("gossip_retries_total", "Attempts after an envelope's first.", func(s *runner.Stats) uint64 { return s.Retries }),
	counter("gossip_acked_total", "Envelopes acknowledged by their recipient.", func(s *runner.Stats) uint64 { return s.Acked }),
	counter("gossip_stale_acks_total", "Acks naming no waiting envelope, or from the wrong sender.", func(s *runner.Stats) uint64 { return s.StaleAcks }),
	counter("gossip_expired_total", "Envelopes that used every attempt unacknowledged.", func(s *runner.Stats) uint64 { return s.Expired }),
	counter("gossip_evicted_messages_total", "Messages evicted from the full outbound queue.", func(s *runner.Stats) uint64 { return s.Evicted }),
	counter("gossip_evicted_envelopes_total", "Envelopes evicted with those messages.", func(s *runner.Stats) uint64 { return s.EvictedEnvelopes }),
	gauge("gossip_queue_messages", "Messages in the outbound queue.", func(s *runner.Stats) int { return s.QueueMessages }),
	gauge("gossip_queue_envelopes", "Envelopes in the outbound queue.", func(s *runner.Stats) int { return s.QueueEnvelopes }),
	gauge("gossip_queue_peak_envelopes", "The most envelopes the outbound queue has held at once.", func(s *runner.Stats) int { return s.QueuePeak }),
	gauge("gossip_memory_bytes", "Approximate bytes held by the service's bounded structures.", func(s *runner.Stats) int { return s.MemoryBytes }),

	gauge("gossip_members", "Other members this node knows (the node itself not counted).", func(s *runner.Stats) int { return s.Members }),
	counter("gossip_members_added_total", "Members added to the member table.", func(s *runner.Stats) uint64 { return s.MembersAdded }),
	counter("gossip_members_left_total", "Members removed on their Leave.", func(s *runner.Stats) uint64 { return s.MembersLeft }),
	counter("gossip_members_failed_total", "Members removed when an envelope to them expired.", func(s *runner.Stats) uint64 { return s.MembersFailed }),
	counter("gossip_members_replaced_total", "Members replaced by a new id at their address.", func(s *runner.Stats) uint64 { return s.MembersReplaced }),
	counter("gossip_members_refused_total", "Members not added: the table was at MaxMembers.", func(s *runner.Stats) uint64 { return s.MembersRefused }),
	counter("gossip_members_buried_total", "Removed members not re-added on hearsay within TombstonePeriod.", func(s *runner.Stats) uint64 { return s.MembersBuried }),
	counter("gossip_introductions_total", "Own entries sent to newcomers heard of by rumor.", func(s *runner.Stats) uint64 { return s.Introductions }),
	counter("gossip_member_syncs_total", "Member-table slices sent in place of a Status.", func(s *runner.Stats) uint64 { return s.MemberSyncs }),
	counter("gossip_greetings_total", "Hellos to senders this node did not know (membership repair).", func(s *runner.Stats) uint64 { return s.Greetings }),

	counter("gossip_data_originated_total", "Payloads this node sent.", func(s *runner.Stats) uint64 { return s.DataOriginated }),
	counter("gossip_data_delivered_total", "Payloads from other nodes delivered, each once.", func(s *runner.Stats) uint64 { return s.DataDelivered }),
	counter("gossip_data_duplicates_total", "Data already seen, or this node's own, ignored.", func(s *runner.Stats) uint64 { return s.DataDuplicates }),
	counter("gossip_data_forwarded_total", "Payloads passed on to other members.", func(s *runner.Stats) uint64 { return s.DataForwarded }),
	counter("gossip_data_repaired_total", "Data resent from the log to answer a Status.", func(s *runner.Stats) uint64 { return s.DataRepaired }),
	counter("gossip_data_skipped_total", "Sequence numbers given up as lost.", func(s *runner.Stats) uint64 { return s.DataSkipped }),
	counter("gossip_data_log_evicted_total", "Entries dropped from the data log to make room.", func(s *runner.Stats) uint64 { return s.DataLogEvicted }),
	counter("gossip_origins_evicted_total", "Origins forgotten at MaxOrigins.", func(s *runner.Stats) uint64 { return s.OriginsEvicted }),
	gauge("gossip_data_log_bytes", "Bytes in the data log.", func(s *runner.Stats) int { return s.DataLogBytes }),
	gauge("gossip_origins", "Origins in the version vector.", func(s *runner.Stats) int { return s.Origins }),
	counter("gossip_status_sent_total", "Status messages sent (anti-entropy and probes).", func(s *runner.Stats) uint64 { return s.StatusSent }),
	counter("gossip_status_received_total", "Status messages received.", func(s *runner.Stats) uint64 { return s.StatusReceived }),

	counter("gossip_sealed_total", "Datagrams sealed and sent.", func(s *runner.Stats) uint64 { return s.Sealing.Sealed }),
	counter("gossip_opened_total", "Sealed datagrams that authenticated.", func(s *runner.Stats) uint64 { return s.Sealing.Opened }),
	counter("gossip_plaintext_sent_total", "Datagrams sent unsealed by Config.SendPlaintext.", func(s *runner.Stats) uint64 { return s.Sealing.PlaintextSent }),
	counter("gossip_plaintext_accepted_total", "Plaintext datagrams accepted by Config.AcceptPlaintext.", func(s *runner.Stats) uint64 { return s.Sealing.PlaintextAccepted }),
	labelled("gossip_sealing_dropped_total", "Datagrams the sealing layer dropped, by reason.", "reason",
		func(s *runner.Stats) []Sample { return sealDrops(s.Sealing) }),
	counter("gossip_sealing_windows_evicted_total", "Replay windows of old senders forgotten at the bound.", func(s *runner.Stats) uint64 { return s.Sealing.WindowsEvicted }),

	counter("gossip_runner_published_total", "Payloads Publish and PublishWait queued.", func(s *runner.Stats) uint64 { return s.Published }),
	counter("gossip_runner_queue_full_total", "Publish calls refused: the publish queue was full.", func(s *runner.Stats) uint64 { return s.QueueFull }),
	counter("gossip_runner_publish_discarded_total", "Queued payloads never sent: the runner stopped first.", func(s *runner.Stats) uint64 { return s.PublishDiscarded }),
	gauge("gossip_runner_publish_queued", "Payloads waiting in the publish queue.", func(s *runner.Stats) int { return s.PublishQueued }),
	counter("gossip_runner_deliveries_total", "Payloads put on the Deliveries channel.", func(s *runner.Stats) uint64 { return s.Delivered }),
	counter("gossip_runner_deliveries_dropped_total", "Payloads dropped: the Deliveries channel was full.", func(s *runner.Stats) uint64 { return s.DeliveriesDropped }),
	counter("gossip_runner_events_total", "Membership events put on the Events channel.", func(s *runner.Stats) uint64 { return s.Events }),
	counter("gossip_runner_events_dropped_total", "Membership events dropped: the Events channel was full.", func(s *runner.Stats) uint64 { return s.EventsDropped }),
	counter("gossip_runner_loop_turns_total", "Turns of the runner's loop.", func(s *runner.Stats) uint64 { return s.Turns }),
	counter("gossip_runner_wakeups_total", "Turns woken by another goroutine (Publish, Stats, Leave, Close).", func(s *runner.Stats) uint64 { return s.Wakeups }),
	counter("gossip_runner_seed_resolutions_total", "DNS seeds resolved again while the node was alone.", func(s *runner.Stats) uint64 { return s.SeedResolutions }),
	counter("gossip_runner_seed_resolve_errors_total", "Of those, the resolutions in which a name failed.", func(s *runner.Stats) uint64 { return s.SeedResolveErrors }),
}

// ContentType is the media type of what Write writes: the Prometheus
// text exposition format, version 0.0.4.
const ContentType = "text/plain; version=0.0.4; charset=utf-8"

// Write writes every family's samples from st to w in the Prometheus text
// exposition format.
func Write(w io.Writer, st runner.Stats) error {
	bw := bufio.NewWriter(w)
	for _, f := range Families {
		bw.WriteString("# HELP " + f.Name + " " + escapeHelp(f.Help) + "\n")
		bw.WriteString("# TYPE " + f.Name + " " + string(f.Type) + "\n")
		for _, s := range f.Read(&st) {
			bw.WriteString(f.Name)
			if f.Label != "" {
				bw.WriteString("{" + f.Label + `="` + escapeLabel(s.Label) + `"}`)
			}
			bw.WriteString(" " + strconv.FormatFloat(s.Value, 'f', -1, 64) + "\n")
		}
	}
	return bw.Flush()
}

// Handler serves r's metrics, for a /metrics endpoint. Each request
// reads Runner.Stats once.
func Handler(r *runner.Runner) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ContentType)
		_ = Write(w, r.Stats()) // a failed write is the client gone
	})
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }
