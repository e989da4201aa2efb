package gossip_test

import "testing"

// TestSealedHotPathDoesNotAllocate extends the allocation contract to keys:
// a sealed Data datagram received, opened, decoded, acknowledged (sealed),
// logged, delivered and forwarded to three members (sealed), and the three
// sealed Acks for those forwards opened, all without a heap allocation
// once warm. The peers' sealing and opening are inside the measured
// function too.
func TestSealedHotPathDoesNotAllocate(t *testing.T) {
	h := newHotPath(t, testKey("k1"), false)
	if a := testing.AllocsPerRun(500, func() {
		h.data()
		h.turn()
	}); a != 0 {
		t.Fatalf("%v allocations per sealed Data datagram, want 0", a)
	}
	st := h.svc.Stats()
	sd := st.Sealing
	if st.DataForwarded < 700 || st.Evicted != 0 || st.Expired != 0 || sd.Opened != st.DatagramsIn || sd.Sealed != st.DatagramsOut ||
		sd.NoKey+sd.Malformed+sd.Oversize+sd.Replayed+sd.PlaintextRefused+sd.SenderMismatch != 0 {
		t.Fatalf("not the steady state meant: %+v", st)
	}
}

// BenchmarkSealedDataDatagram is BenchmarkDataDatagram with keys: one
// sealed Data datagram through the service (open, decode, Ack, log,
// deliver, forward to three members, each datagram sealed) and the three
// sealed Acks that come back. It includes the peers' side: sealing the
// Data and the Acks, opening the forwards.
func BenchmarkSealedDataDatagram(b *testing.B) {
	h := newHotPath(b, testKey("k1"), false)
	b.ReportAllocs()
	for b.Loop() {
		h.data()
		h.turn()
	}
}
