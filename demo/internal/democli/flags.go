package democli

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/multiformats/go-multiaddr"

	"github.com/tickgossip/gossip"
)

// Parse parses args into fs without letting the flag package print: a
// bad flag becomes one BadInput error line, and -h prints the usage to
// stderr and returns flag.ErrHelp (exit status 0).
func Parse(fs *flag.FlagSet, args []string) error {
	fs.SetOutput(io.Discard)
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		fs.SetOutput(os.Stderr)
		fs.Usage()
		return err
	case err != nil:
		return BadInputf("%v (see -h)", err)
	case fs.NArg() > 0:
		return BadInputf("unexpected argument %q (see -h)", fs.Arg(0))
	}
	return nil
}

// AddrFlag is a flag.Value holding one multiaddr, checked when set.
type AddrFlag struct{ Addr *multiaddr.Multiaddr }

// String returns the multiaddr, or "" when there is none.
func (f AddrFlag) String() string {
	if f.Addr == nil || *f.Addr == nil {
		return ""
	}
	return (*f.Addr).String()
}

// Set parses s as a multiaddr.
func (f AddrFlag) Set(s string) error {
	m, err := ParseAddr(s)
	if err != nil {
		return err
	}
	*f.Addr = m
	return nil
}

// AddrsFlag is a repeatable flag.Value: each use appends one multiaddr.
type AddrsFlag struct{ Addrs *[]multiaddr.Multiaddr }

// String joins the multiaddrs with commas.
func (f AddrsFlag) String() string {
	if f.Addrs == nil {
		return ""
	}
	s := make([]string, len(*f.Addrs))
	for i, m := range *f.Addrs {
		s[i] = m.String()
	}
	return strings.Join(s, ",")
}

// Set parses s as a seed multiaddr (an IP or a DNS name) and appends it.
func (f AddrsFlag) Set(s string) error {
	m, err := ParseSeed(s)
	if err != nil {
		return err
	}
	*f.Addrs = append(*f.Addrs, m)
	return nil
}

// ParseAddr parses a UDP multiaddr, /ip4/A/udp/P or /ip6/A/udp/P, with
// an error that says what shape is wanted. The library checks the same
// when it binds or joins, but its error cannot say which flag was wrong.
func ParseAddr(s string) (multiaddr.Multiaddr, error) {
	m, err := multiaddr.NewMultiaddr(s)
	if err != nil {
		return nil, fmt.Errorf("%v; want /ip4/A/udp/P or /ip6/A/udp/P", err)
	}
	if len(m) != 2 || (m[0].Code() != multiaddr.P_IP4 && m[0].Code() != multiaddr.P_IP6) || m[1].Code() != multiaddr.P_UDP {
		return nil, errors.New("not a UDP address; want /ip4/A/udp/P or /ip6/A/udp/P")
	}
	return m, nil
}

// ParseSeed parses a seed: a UDP multiaddr as ParseAddr, or a DNS name
// and a UDP port, /dns/NAME/udp/P, /dns4/NAME/udp/P or /dns6/NAME/udp/P,
// which Join resolves to every address the name has.
func ParseSeed(s string) (multiaddr.Multiaddr, error) {
	m, err := multiaddr.NewMultiaddr(s)
	if err != nil {
		return nil, fmt.Errorf("%v; want /ip4/A/udp/P, /ip6/A/udp/P or /dns4/NAME/udp/P", err)
	}
	if gossip.IsDNSSeed(m) {
		return m, nil
	}
	if _, err := ParseAddr(s); err != nil {
		return nil, errors.New("not a UDP address; want /ip4/A/udp/P, /ip6/A/udp/P or /dns|dns4|dns6/NAME/udp/P")
	}
	return m, nil
}

// MustAddr parses a multiaddr known to be valid, a flag's default.
func MustAddr(s string) multiaddr.Multiaddr { return multiaddr.StringCast(s) }
