// Package envelope holds datagrams on their way in and out of a node.
//
// An In is one received datagram and where it came from. An Out is one
// recipient's copy of an outbound message: the recipient, the sequence
// number the recipient will see in the header, and the attempt bookkeeping
// that drives retries.
//
// A Queue owns the outbound messages. Each message is encoded once into a
// buffer of the queue's; every recipient's Out refers to that shared
// buffer, and its own seq is written into the buffer just before its
// datagram is sent. The queue is bounded twice: by the number of distinct
// messages (MaxOutboundMessages) and by the number of envelopes. When
// either bound is reached the oldest message is evicted with all its
// envelopes and counted, so memory never grows with traffic.
//
// Sequence numbers are chosen by the queue: the low bits are the envelope's
// slot and the high bits count the slot's reuse. An Ack is therefore found
// in O(1), and an Ack for a slot's earlier occupant does not match.
package envelope
