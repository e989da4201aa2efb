package gossip

import (
	"errors"
	"fmt"

	"github.com/tickgossip/gossip/transport"
)

// batching is what the service knows of a transport that batches system
// calls (the default UDP transport on Linux): one that gathers writes
// (transport.Flusher) is flushed at the end of every Send, and one that
// holds datagrams a poll does not show (transport.Buffered) makes Tick
// return 0. Both are looked up once, in New, on the transport as wrapped
// (the sealing layer forwards them).
type batching struct {
	flusher  transport.Flusher
	buffered transport.Buffered
}

func (b *batching) init(tr Transport) {
	b.flusher, _ = tr.(transport.Flusher)
	b.buffered, _ = tr.(transport.Buffered)
}

// flushed ends a Send: it flushes what the transport gathered. A socket
// that takes only part of it (ErrWouldBlock) is not an error: the rest
// stays with the transport, which keeps Tick at 0 until a later Send gets
// it out. Any other error counts as a send error, like a failed write,
// and is returned if the pass itself had none.
func (s *GossipService) flushed(sent int, err error) (int, error) {
	if s.batch.flusher == nil {
		return sent, err
	}
	if ferr := s.batch.flusher.Flush(); ferr != nil && !errors.Is(ferr, transport.ErrWouldBlock) {
		s.io.sendErrors++
		if err == nil {
			err = fmt.Errorf("gossip: send: %w", ferr)
		}
	}
	return sent, err
}

// held reports whether the transport holds datagrams read ahead or left
// unsent, which the caller's poll would not wake for.
func (s *GossipService) held() bool {
	return s.batch.buffered != nil && s.batch.buffered.Buffered()
}
