package gossip

// QueueLen returns the outbound queue's length, the QueueMessages and
// QueueEnvelopes of Stats, without the rest of Stats' work (Stats sums
// footprints and copies every counter): for a loop that paces SendData by
// the queue on every turn, as the runner does. It does not allocate.
func (s *GossipService) QueueLen() (messages, envelopes int) {
	return s.n.Out.Messages(), s.n.Out.Len()
}
