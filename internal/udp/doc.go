// Package udp is the default transport.Transport: one non-blocking UDP
// socket made directly with golang.org/x/sys/unix, without package net, so
// that nothing on the read and write path allocates and the caller can poll
// the raw file descriptor in its own loop.
//
// A Conn is not safe for concurrent use, like every Transport: the engine
// is single-threaded.
//
// On Linux (all architectures except 386 and s390x, where the socket calls
// go through socketcall) ReadFrom and WriteTo do not allocate, and both are
// batched: ReadFrom hands out, one by one, datagrams that one recvmmsg(2)
// read into the Conn's own ring of buffers, and WriteTo copies each
// datagram into a batch that Flush (or a full batch) sends with one
// sendmmsg(2). Where the kernel has them, the batches use UDP
// segmentation offload (a run of datagrams of one length to one
// destination goes through the network stack as one) and receive offload
// (such a run arrives as one, and ReadFrom cuts it apart); see
// Options.NoSegmentOffload. Elsewhere every datagram is one recvfrom or
// sendto, and ReadFrom goes through unix.Recvfrom, which allocates on
// every call (its address buffer, and the source address of each
// datagram).
//
// On systems without package unix's poll (Windows), Listen opens a NetConn
// instead, on the standard library's net.UDPConn.
package udp
