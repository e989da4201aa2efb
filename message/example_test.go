package message_test

import (
	"fmt"
	"net/netip"

	"github.com/tickgossip/gossip/message"
)

// Encode a Data message into a datagram buffer, then decode it back as a
// receiver would.
func ExampleData() {
	buf := make([]byte, message.DefaultMaxMessageSize)
	out := message.Data{Origin: 0xa1, OriginSeq: 1, Payload: []byte("hello")}
	n, err := out.Encode(buf, 5)
	if err != nil {
		panic(err)
	}
	datagram := buf[:n]

	var m message.Message
	if err := message.Decode(datagram, &m); err != nil {
		panic(err)
	}
	fmt.Println(m.Header.Type, m.Header.Seq, m.Data.OriginSeq, string(m.Data.Payload))
	fmt.Println(message.Describe(datagram))
	// Output:
	// Data 5 1 hello
	// Data seq=5 origin=00000000000000a1 originSeq=1 len=5 payload=68656c6c6f
}

// Split a member list over as many datagrams as it needs.
func ExampleMemberListWriter() {
	members := make([]message.Member, 40)
	for i := range members {
		members[i] = message.Member{ID: uint64(i + 1), Addr: netip.MustParseAddrPort("127.0.0.1:7070")}
	}
	buf := make([]byte, message.DefaultMaxMessageSize)
	send := func(w *message.MemberListWriter) {
		n := w.Finish()
		fmt.Printf("seq %d: %d members in %d bytes\n", message.SeqOf(buf), w.Count(), n)
	}
	w, _ := message.NewMemberListWriter(buf, 1)
	for _, m := range members {
		if w.Add(m) {
			continue
		}
		send(&w)
		w, _ = message.NewMemberListWriter(buf, 2)
		if !w.Add(m) {
			fmt.Println("cannot encode", m)
		}
	}
	send(&w)
	// Output:
	// seq 1: 27 members in 496 bytes
	// seq 2: 13 members in 244 bytes
}
