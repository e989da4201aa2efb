package democli

import (
	"encoding/base64"
	"flag"
	"fmt"
	"os"
	"strings"
)

// KeyFlag is -key-file: a file holding one cluster key in standard
// base64, as `head -c 32 /dev/urandom | base64` writes it; white space
// around it is ignored. The key is read and checked when the flag is set,
// so a missing or malformed file is one line on stderr and exit status 2.
type KeyFlag struct{ Key *[]byte }

// String returns "" (a key is never printed).
func (f KeyFlag) String() string { return "" }

// Set reads the key file at path.
func (f KeyFlag) Set(path string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return fmt.Errorf("cannot read key file: %v", err)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(raw)))
	if err != nil {
		return fmt.Errorf("key file %s: not one key in standard base64", path)
	}
	switch len(key) {
	case 16, 24, 32:
	default:
		return fmt.Errorf("key file %s: key of %d bytes, want 16, 24 or 32", path, len(key))
	}
	*f.Key = key
	return nil
}

// keyUsage documents -key-file for every program.
const keyUsage = "`file` holding the cluster key in base64 (16, 24 or 32 bytes, e.g. head -c 32 /dev/urandom | base64): seal every datagram"

// RegisterKey adds -key-file to fs, storing the key in key.
func RegisterKey(fs *flag.FlagSet, key *[]byte) { fs.Var(KeyFlag{key}, "key-file", keyUsage) }
