package main_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestChat builds the program and runs a room of two processes on
// loopback: a line written to one's stdin is printed by the other with
// its sender's address, both ways. Closing stdin and SIGINT each make a
// member leave, which the other sees at once, and exit 0.
func TestChat(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program and runs it on real sockets")
	}
	bin := build(t)
	a := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0")
	addrA := a.expect(t, `^\* listening on (\S+) as [0-9a-f]{16}; a new room`)[1]
	a.expect(t, `^\* connected$`)
	b := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0", "-seed", addrA)
	addrB := b.expect(t, `^\* listening on (\S+) as [0-9a-f]{16}; joining via `+regexp.QuoteMeta(addrA)+`$`)[1]
	b.expect(t, `^\* connected$`)
	b.expect(t, `^\* `+regexp.QuoteMeta(addrA)+` joined$`)
	a.expect(t, `^\* `+regexp.QuoteMeta(addrB)+` joined$`)

	b.say(t, "hello from b")
	a.expect(t, `^\[`+regexp.QuoteMeta(addrB)+`\] hello from b$`)
	a.say(t, "hi b, \x1b[31mnot red\x1b[0m")
	b.expect(t, `^\[`+regexp.QuoteMeta(addrA)+`\] hi b, \x{FFFD}\[31mnot red\x{FFFD}\[0m$`)

	b.stdin.Close() // end of input: b leaves
	b.expect(t, `^\* left the room$`)
	if code := b.wait(t); code != 0 {
		t.Errorf("b exited %d: %s", code, b.stderr.String())
	}
	a.expect(t, `^\* `+regexp.QuoteMeta(addrB)+` left$`)
	if err := a.cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	a.expect(t, `^\* left the room$`)
	if code := a.wait(t); code != 0 {
		t.Errorf("a exited %d: %s", code, a.stderr.String())
	}
	for _, p := range []*proc{a, b} {
		if p.stderr.Len() != 0 {
			t.Errorf("stderr: %q", p.stderr.String())
		}
	}
}

// TestBadInput: bad flags and addresses print one line on stderr and exit 2.
func TestBadInput(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program")
	}
	bin := build(t)
	held, err := net.ListenPacket("udp4", "127.0.0.1:0") // a port in use
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { held.Close() })
	inUse := fmt.Sprintf("/ip4/127.0.0.1/udp/%d", held.LocalAddr().(*net.UDPAddr).Port)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"UnknownFlag", []string{"-bogus"}, "flag provided but not defined: -bogus"},
		{"NotAMultiaddr", []string{"-addr", "127.0.0.1:7070"}, "invalid value"},
		{"AddrNotUDP", []string{"-addr", "/ip4/127.0.0.1/tcp/7070"}, "not a UDP address"},
		{"SeedNotUDP", []string{"-seed", "/dns4/localhost/tcp/8080"}, "not a UDP address"},
		{"Wildcard", []string{"-addr", "/ip4/0.0.0.0/udp/0"}, "cannot be advertised"},
		{"PortInUse", []string{"-addr", inUse}, "address already in use"},
		{"Argument", []string{"hello"}, `unexpected argument "hello"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			p := start(t, bin, tc.args...)
			p.stdin.Close()
			if code := p.wait(t); code != 2 {
				t.Errorf("exit %d, want 2", code)
			}
			lines := strings.Split(strings.TrimSuffix(p.stderr.String(), "\n"), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], "chat: ") || !strings.Contains(lines[0], tc.want) {
				t.Errorf("stderr %q, want one line with %q", p.stderr.String(), tc.want)
			}
		})
	}
}

// build compiles the program, with the race detector when the test runs
// with it.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "chat")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race")
	}
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// proc is the program running as a process: its stdin to write to, its
// stdout read line by line as it comes, its stderr kept whole.
type proc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	lines  chan string  // stdout, closed at its end
	seen   []string     // the lines expect has read
	used   map[int]bool // those an expect matched
	stderr bytes.Buffer // read only once the process has exited
	exited chan struct{}
	code   int
}

func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{cmd: exec.Command(bin, args...), lines: make(chan string, 256), used: map[int]bool{}, exited: make(chan struct{})}
	stdin, err := p.cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := p.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p.stdin = stdin
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	read := make(chan struct{})
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			p.lines <- sc.Text()
		}
		close(p.lines)
		close(read)
	}()
	go func() {
		<-read // Wait closes stdout: read it all first
		err := p.cmd.Wait()
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			p.code = exit.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			p.cmd.Process.Kill()
			<-p.exited
		}
	})
	return p
}

// say writes a line to the process's stdin.
func (p *proc) say(t *testing.T, line string) {
	t.Helper()
	if _, err := io.WriteString(p.stdin, line+"\n"); err != nil {
		t.Fatalf("write stdin: %v", err)
	}
}

// expect returns the submatches of the first line of stdout that matches
// pattern and no earlier expect matched, reading more output as needed,
// so the order of expectations need not be that of the lines. It fails
// the test at the deadline or at the end of output.
func (p *proc) expect(t *testing.T, pattern string) []string {
	t.Helper()
	re := regexp.MustCompile(pattern)
	for i, line := range p.seen {
		if m := re.FindStringSubmatch(line); m != nil && !p.used[i] {
			p.used[i] = true
			return m
		}
	}
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case line, ok := <-p.lines:
			if !ok {
				t.Fatalf("%s: output ended without %q; it was:\n%s", p.cmd.Path, pattern, strings.Join(p.seen, "\n"))
			}
			p.seen = append(p.seen, line)
			if m := re.FindStringSubmatch(line); m != nil {
				p.used[len(p.seen)-1] = true
				return m
			}
		case <-deadline.C:
			t.Fatalf("%s: no %q within 10s; output so far:\n%s", p.cmd.Path, pattern, strings.Join(p.seen, "\n"))
		}
	}
}

// wait waits for the process to exit and returns its exit status,
// reading (and dropping) the rest of its output.
func (p *proc) wait(t *testing.T) int {
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	for {
		select {
		case _, ok := <-p.lines:
			if !ok {
				p.lines = nil
			}
		case <-p.exited:
			return p.code
		case <-deadline.C:
			t.Fatalf("%s did not exit within 10s", p.cmd.Path)
		}
	}
}
