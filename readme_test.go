package gossip_test

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestREADMEGoBlocksCompile extracts every ```go block of README.md and
// builds and vets it against this checkout, so the README cannot drift
// from the API. A block that starts with "package" is a whole file. Any
// other block is a fragment: it becomes the body of a function whose
// parameters an HTML comment just above the fence declares, such as
//
//	<!-- readme-test: cfg gossip.Config, keyFile string -->
//
// and the imports it uses are added from a fixed table. The blocks are
// written into a temporary module that replaces this module with the
// checkout; everything it needs is in the module cache (GOPROXY=off), so
// the test runs offline.
func TestREADMEGoBlocksCompile(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	blocks := goBlocks(t, filepath.Join(root, "README.md"))
	if len(blocks) == 0 {
		t.Fatal("README.md has no ```go block")
	}
	dir := t.TempDir()
	writeModule(t, dir, root)
	for i, b := range blocks {
		pkg := filepath.Join(dir, fmt.Sprintf("block%02d", i+1))
		if err := os.Mkdir(pkg, 0o755); err != nil {
			t.Fatal(err)
		}
		src, err := b.source()
		if err != nil {
			t.Fatalf("README.md:%d: %v", b.line, err)
		}
		if err := os.WriteFile(filepath.Join(pkg, "main.go"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{{"build", "-o", os.DevNull, "./..."}, {"vet", "./..."}} {
		if args[0] == "build" && len(blocks) > 1 {
			args = []string{"build", "./..."} // several mains: build and discard
		}
		cmd := exec.Command("go", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOWORK=off", "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Errorf("go %s on the README's Go blocks: %v\n%s\n(blockNN is the NNth ```go block of README.md:%s)",
				strings.Join(args, " "), err, out, blockLines(blocks))
		}
	}
}

// readmeBlock is one ```go block: its text, the line it starts on, and
// the parameters a fragment is given.
type readmeBlock struct {
	line   int
	text   string
	params string
}

var directive = regexp.MustCompile(`^<!--\s*readme-test:\s*(.*?)\s*-->$`)

// goBlocks returns the ```go blocks of a Markdown file.
func goBlocks(t *testing.T, path string) []readmeBlock {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var (
		blocks []readmeBlock
		cur    *readmeBlock
		params string
		prev   string
	)
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		l := sc.Text()
		switch {
		case cur == nil && strings.TrimSpace(l) == "```go":
			params = ""
			if m := directive.FindStringSubmatch(strings.TrimSpace(prev)); m != nil {
				params = m[1]
			}
			cur = &readmeBlock{line: n, params: params}
		case cur != nil && strings.TrimSpace(l) == "```":
			blocks = append(blocks, *cur)
			cur = nil
		case cur != nil:
			cur.text += l + "\n"
		}
		prev = l
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if cur != nil {
		t.Fatalf("%s:%d: ```go block never closed", path, cur.line)
	}
	return blocks
}

// knownImports are the packages a fragment may use without importing.
var knownImports = map[string]string{
	"base64":    "encoding/base64",
	"context":   "context",
	"errors":    "errors",
	"fmt":       "fmt",
	"gossip":    "github.com/tickgossip/gossip",
	"log":       "log",
	"multiaddr": "github.com/multiformats/go-multiaddr",
	"os":        "os",
	"runner":    "github.com/tickgossip/gossip/runner",
	"strings":   "strings",
	"time":      "time",
	"unix":      "golang.org/x/sys/unix",
}

// source returns the block as a Go file of package main.
func (b readmeBlock) source() (string, error) {
	if strings.HasPrefix(strings.TrimSpace(b.text), "package ") {
		return b.text, nil
	}
	if b.params == "" {
		return "", fmt.Errorf("a ```go fragment without a <!-- readme-test: PARAMS --> line above it to say what it uses")
	}
	var imports []string
	for name, path := range knownImports {
		if regexp.MustCompile(`\b` + name + `\.`).MatchString(b.text + b.params) {
			imports = append(imports, fmt.Sprintf("\t%q\n", path))
		}
	}
	return fmt.Sprintf("package main\n\nimport (\n%s)\n\nfunc main() {}\n\nfunc fragment(%s) {\n%s}\n",
		strings.Join(imports, ""), b.params, b.text), nil
}

// writeModule writes the go.mod and go.sum of a module that requires
// this one, replaced by the checkout at root, and its dependencies at
// the checkout's versions.
func writeModule(t *testing.T, dir, root string) {
	t.Helper()
	mod, err := os.ReadFile(filepath.Join(root, "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	if err != nil {
		t.Fatal(err)
	}
	body := string(mod)
	i := strings.Index(body, "\ngo ")
	if i < 0 {
		t.Fatal("go.mod has no go line")
	}
	// The checkout's go line and requirements, plus the checkout itself.
	rest := body[i+1:]
	gomod := "module readmecheck\n\n" + rest +
		"\nrequire github.com/tickgossip/gossip v0.0.0\n\nreplace github.com/tickgossip/gossip => " + root + "\n"
	if err := os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644); err != nil {
		t.Fatal(err)
	}
}

// blockLines lists where each block starts, for the failure message.
func blockLines(blocks []readmeBlock) string {
	var s strings.Builder
	for i, b := range blocks {
		fmt.Fprintf(&s, " block%02d at line %d;", i+1, b.line)
	}
	return strings.TrimSuffix(s.String(), ";")
}
