package gossip

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"github.com/multiformats/go-multiaddr"
	madns "github.com/multiformats/go-multiaddr-dns"
)

// Seeds may be DNS names: /dns/NAME/udp/P, /dns4/NAME/udp/P (IPv4
// addresses only) or /dns6/NAME/udp/P (IPv6 only), as Kubernetes and
// Compose users find their peers through a headless service. A name
// stands for every address it has: each one is tried as a seed.
//
// Resolution blocks, so it happens only where the caller expects to
// wait: in Join (bounded by Config.ResolveTimeout), and in ResolveSeeds,
// which a caller runs off its loop. Tick, Receive and Send never resolve.
//
// When the node is CONNECTED but knows no member at all, it greets its
// seeds again every MemberSyncRounds rounds (see docs/protocol.md,
// Reconnect). Behind a name the addresses may have changed since the
// join (the pods restarted): a caller that wants the new ones resolves
// Seeds() again off its loop, with ResolveSeeds, and hands the result to
// SetSeeds. Package runner does this on a goroutine of its own.

// Resolver resolves a DNS multiaddr to the IP multiaddrs it names now.
// *madns.Resolver of github.com/multiformats/go-multiaddr-dns is one (the
// default); tests, or a program with its own DNS, plug in another.
type Resolver interface {
	Resolve(ctx context.Context, m multiaddr.Multiaddr) ([]multiaddr.Multiaddr, error)
}

// ErrUnresolved: a seed's DNS name did not resolve, or resolved to no
// address this node can reach (none of its IP family, say). Join returns
// it, changing nothing, when no seed is left to try.
var ErrUnresolved = errors.New("gossip: seed name did not resolve")

// IsDNSSeed reports whether m is a seed that names its host,
// /dns|dns4|dns6/NAME/udp/P, and so must be resolved before use.
func IsDNSSeed(m multiaddr.Multiaddr) bool {
	if len(m) != 2 || m[1].Code() != multiaddr.P_UDP {
		return false
	}
	switch m[0].Code() {
	case multiaddr.P_DNS, multiaddr.P_DNS4, multiaddr.P_DNS6:
		return true
	}
	return false
}

// ResolveSeeds returns seeds with every DNS name replaced by all its
// addresses, in order and without duplicates; IP seeds are passed
// through. r nil means the default resolver. It blocks until the names
// are resolved or ctx ends, so call it off the loop.
//
// A seed that is neither an IP nor a DNS UDP multiaddr returns an error
// wrapping ErrInvalidAddress (ErrNotUDP) and nothing else. A name that
// fails to resolve is left out, and the error wraps ErrUnresolved, naming
// it; the addresses of the other seeds are returned beside that error.
func ResolveSeeds(ctx context.Context, r Resolver, seeds ...multiaddr.Multiaddr) ([]multiaddr.Multiaddr, error) {
	if r == nil {
		r = madns.DefaultResolver
	}
	var (
		out    []multiaddr.Multiaddr
		seen   = map[netip.AddrPort]bool{}
		failed []string
		cause  error
	)
	add := func(m multiaddr.Multiaddr) bool {
		a, err := addrPort(m)
		if err != nil {
			return false
		}
		if !seen[a] {
			seen[a] = true
			out = append(out, m)
		}
		return true
	}
	for _, m := range seeds {
		if !IsDNSSeed(m) {
			if _, err := addrPort(m); err != nil {
				return nil, fmt.Errorf("gossip: seed %v: %w", m, err)
			}
			add(m)
			continue
		}
		got, err := r.Resolve(ctx, m)
		n := 0
		for _, g := range got {
			if add(g) {
				n++
			}
		}
		switch {
		case err != nil:
			failed = append(failed, m.String())
			cause = errors.Join(cause, err)
		case n == 0:
			failed = append(failed, m.String()+" (no address)")
		}
	}
	if len(failed) > 0 {
		if cause != nil {
			return out, fmt.Errorf("%w: %s: %w", ErrUnresolved, strings.Join(failed, ", "), cause)
		}
		return out, fmt.Errorf("%w: %s", ErrUnresolved, strings.Join(failed, ", "))
	}
	return out, nil
}

// Seeds returns the seeds of the last Join as they were given, DNS names
// unresolved: what to resolve again for SetSeeds. Nil before any Join.
func (s *GossipService) Seeds() []multiaddr.Multiaddr {
	return append([]multiaddr.Multiaddr(nil), s.seeds...)
}

// HasDNSSeeds reports whether a seed of the last Join is a DNS name,
// that is whether resolving Seeds again can find new addresses.
func (s *GossipService) HasDNSSeeds() bool {
	for _, m := range s.seeds {
		if IsDNSSeed(m) {
			return true
		}
	}
	return false
}

// SetSeeds replaces the addresses the node greets when it is CONNECTED
// but alone (every MemberSyncRounds rounds), typically with a fresh
// resolution of Seeds: behind a name, the seeds may have moved since the
// join. The addresses must be IP multiaddrs (resolve names first, off the
// loop, with ResolveSeeds): anything else returns an error wrapping
// ErrInvalidAddress and changes nothing. The node's own address, and
// addresses of the other IP family than its socket's, are left out. It
// sends nothing itself and does not change the state. ErrClosed after
// Close.
func (s *GossipService) SetSeeds(addrs ...multiaddr.Multiaddr) error {
	if s.state == Destroyed {
		return ErrClosed
	}
	targets := make([]netip.AddrPort, 0, len(addrs))
	for _, m := range addrs {
		a, err := addrPort(m)
		if err != nil {
			return fmt.Errorf("gossip: SetSeeds %v: %w", m, err)
		}
		if s.reachable(a) {
			targets = append(targets, a)
		}
	}
	s.n.Seeds = targets
	return nil
}

// seedTargets is Join's part: it resolves the seeds' names (within
// Config.ResolveTimeout in all), remembers the seeds for Seeds, and
// returns the addresses to send a Hello to. A seed that is not a UDP
// multiaddr fails the whole Join. A name that does not resolve, or has
// no address of the socket's IP family, is logged and skipped, and fails
// the Join (ErrUnresolved) only when no seed is left. Nothing changes on
// error.
func (s *GossipService) seedTargets(seeds []multiaddr.Multiaddr) ([]netip.AddrPort, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.ResolveTimeout)
	defer cancel()
	var (
		targets    []netip.AddrPort
		unresolved []error
		self       bool
	)
	for _, m := range seeds {
		if !IsDNSSeed(m) {
			a, err := addrPort(m)
			if err != nil {
				return nil, fmt.Errorf("gossip: seed %v: %w", m, err)
			}
			if a, err = seedTarget(s.tr.LocalAddr(), a); err != nil {
				return nil, err
			}
			if a == s.n.Self.Addr || a == s.tr.LocalAddr() {
				self = true
				continue
			}
			targets = appendNew(targets, a)
			continue
		}
		got, err := ResolveSeeds(ctx, s.cfg.Resolver, m)
		n := 0
		for _, g := range got {
			a, _ := addrPort(g) // ResolveSeeds returns IP multiaddrs only
			switch {
			case a == s.n.Self.Addr || a == s.tr.LocalAddr():
				self = true
				n++
			case s.reachable(a):
				targets = appendNew(targets, a)
				n++
			}
		}
		switch {
		case err != nil:
			unresolved = append(unresolved, err)
		case n == 0:
			unresolved = append(unresolved, fmt.Errorf("%w: %v has no address of this node's IP family", ErrUnresolved, m))
		}
		s.n.Logger.Debug().Stringer("seed", m).Int("addresses", n).Msg("seed resolved")
	}
	if len(unresolved) > 0 {
		err := errors.Join(unresolved...)
		if len(targets) == 0 && !self {
			return nil, err
		}
		s.n.Logger.Warn().Err(err).Msg("seed skipped")
	}
	s.seeds = append(s.seeds[:0:0], seeds...)
	return targets, nil
}

func appendNew(list []netip.AddrPort, a netip.AddrPort) []netip.AddrPort {
	for _, b := range list {
		if a == b {
			return list
		}
	}
	return append(list, a)
}

// reachable reports whether a seed address is worth a Hello: not this
// node itself, and of the family of its socket (a v4 socket cannot send
// to a v6 address, nor the reverse).
func (s *GossipService) reachable(a netip.AddrPort) bool {
	if a == s.n.Self.Addr || a == s.tr.LocalAddr() {
		return false
	}
	return a.Addr().Unmap().Is4() == s.tr.LocalAddr().Addr().Unmap().Is4()
}
