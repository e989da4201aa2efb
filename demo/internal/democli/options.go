package democli

import (
	"flag"
	"time"

	"github.com/multiformats/go-multiaddr"
	"github.com/rs/zerolog"

	"github.com/tickgossip/gossip"
)

// Options configure one node run by Run: the seed program leaves Seeds
// and Every empty, the node program sets both.
type Options struct {
	Log
	Addr  multiaddr.Multiaddr   // -addr: the UDP address to bind
	Seeds []multiaddr.Multiaddr // -seed: whom to join through; none makes a new cluster
	Every time.Duration         // -every: how often to send a payload; 0 sends none
	Retry time.Duration         // -retry: Config.RetryInterval
	Tick  time.Duration         // -tick: Config.TickInterval
	Key   []byte                // -key-file: the cluster key; nil sends plaintext
	Meta  string                // -meta: this node's metadata (Config.Meta), shown to the others
}

// Register adds the flags seed and node share to fs: -addr (default
// addr), -retry, -tick, -key-file, -log-level and -json.
func (o *Options) Register(fs *flag.FlagSet, addr string) {
	def := gossip.DefaultConfig()
	o.Addr = MustAddr(addr)
	fs.Var(AddrFlag{&o.Addr}, "addr", "UDP `multiaddr` to bind, /ip4/A/udp/P or /ip6/A/udp/P (port 0: any free port)")
	fs.DurationVar(&o.Retry, "retry", def.RetryInterval, "wait for an Ack before retrying (RetryInterval); 3 unanswered attempts mean failure")
	fs.DurationVar(&o.Tick, "tick", def.TickInterval, "anti-entropy and failure-probe period (TickInterval)")
	RegisterKey(fs, &o.Key)
	fs.StringVar(&o.Meta, "meta", "", "this node's metadata (Config.Meta, at most MaxMetaSize bytes): a name, a role, a zone; the others print it")
	o.Log.Register(fs)
}

// Check reports a flag value the library would reject, naming the flag
// rather than the Config field.
func (o *Options) Check() error {
	switch {
	case o.Retry <= 0:
		return BadInputf("-retry %v: want a positive duration", o.Retry)
	case o.Tick <= 0:
		return BadInputf("-tick %v: want a positive duration", o.Tick)
	case len(o.Meta) > gossip.DefaultConfig().MaxMetaSize:
		return BadInputf("-meta: %d bytes, at most %d", len(o.Meta), gossip.DefaultConfig().MaxMetaSize)
	}
	return nil
}

// config returns the library configuration for o, with the callbacks
// still unset.
func (o *Options) config(log zerolog.Logger) gossip.Config {
	cfg := gossip.DefaultConfig()
	cfg.Addr = o.Addr
	cfg.RetryInterval = o.Retry
	cfg.TickInterval = o.Tick
	cfg.Logger = log
	if o.Meta != "" {
		cfg.Meta = []byte(o.Meta)
	}
	if o.Key != nil {
		cfg.Keys = [][]byte{o.Key}
	}
	return cfg
}
