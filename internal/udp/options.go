package udp

// Options tunes the socket. A zero Options keeps the operating system's
// defaults and this package's batch sizes.
type Options struct {
	// ReadBuffer and WriteBuffer are the sizes asked for with SO_RCVBUF
	// and SO_SNDBUF, in bytes. Zero (or a negative value) leaves the
	// default. Setting them is best effort: the kernel may clamp the value
	// (on Linux to net.core.rmem_max and wmem_max) and a failure is ignored.
	ReadBuffer, WriteBuffer int

	// ReadBatch is how many datagrams one system call may read (recvmmsg)
	// and WriteBatch how many WriteTo gathers for one Flush (sendmmsg),
	// where the system has those calls (Linux, except 386 and s390x).
	// Zero means DefaultReadBatch and DefaultWriteBatch; 1 turns
	// batching off, so that every ReadFrom is one recvfrom and every
	// WriteTo one sendto. Elsewhere both are ignored. Memory: ReadBatch
	// buffers as long as ReadFrom's b (see NoSegmentOffload for the
	// exception), and WriteBatch buffers as long as the longest datagram
	// written.
	ReadBatch, WriteBatch int

	// NoSegmentOffload turns off UDP generic segmentation and receive
	// offload. Where the kernel has them and batching is on, a Flush
	// sends datagrams of one length to one destination as one
	// (UDP_SEGMENT, Linux 4.18), and the kernel hands a run of datagrams
	// of one length from one sender to ReadFrom as one (UDP_GRO, Linux
	// 5.0), which ReadFrom cuts apart. The datagrams on the wire are the
	// same either way. Receive offload needs room for a whole run: the
	// read ring then holds ReadBatch/4 buffers of 64 KiB instead of
	// ReadBatch buffers as long as ReadFrom's b.
	NoSegmentOffload bool
}

// The batch sizes when Options leaves them zero. Published measurements
// put most of what batching system calls gains at 8 to 16 datagrams per
// call. Writes gather more, up to what one Send writes after a full
// Receive, because segmentation offload (see Options.NoSegmentOffload)
// gains with every datagram added to a run to one member.
const (
	DefaultReadBatch  = 32
	DefaultWriteBatch = 256
)

// batchSize resolves an Options batch size.
func batchSize(n, def int) int {
	if n <= 0 {
		return def
	}
	return n
}
