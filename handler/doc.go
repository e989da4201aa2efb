// Package handler holds one handler per message type, dispatched on the
// header's type by Dispatch, and the handler for an envelope that expired
// unacknowledged (the failure detector).
//
// Where to look:
//
//	Hello       hello.go       a node asks to join through this one
//	Welcome     welcome.go     a seed answered our Hello
//	MemberList  memberlist.go  members to learn (and news to pass on)
//	Ack         ack.go         an envelope of ours arrived
//	Data        data.go        a payload: deliver once, forward once
//	Status      status.go      a peer's version vector: repair either side
//	Leave       leave.go       a member leaves
//	(timer)     expire.go      an envelope used every attempt
//
// Every handler takes the node's state as one *node.Node (see that
// package for why a struct and not an interface), appends what it sends to
// the node's outbound queue, and returns a node.Outcome for the state
// changes only the service may make. No handler performs I/O, reads a
// clock or keeps a reference to the datagram after it returns.
package handler
