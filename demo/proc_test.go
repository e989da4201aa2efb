package demo_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// proc is a demo program running as a real process, its stdout collected
// line by line as it comes.
type proc struct {
	name   string
	cmd    *exec.Cmd
	out    lines
	stderr bytes.Buffer  // read only after exited
	exited chan struct{} // closed once Wait returned and all output is in
}

// start runs bin with args and kills it at the end of the test if it is
// still running.
func start(t *testing.T, bin string, args ...string) *proc {
	t.Helper()
	p := &proc{name: bin[strings.LastIndexByte(bin, os.PathSeparator)+1:], exited: make(chan struct{})}
	p.out.more = make(chan struct{})
	p.cmd = exec.Command(bin, args...)
	p.cmd.Stdout = &p.out
	p.cmd.Stderr = &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", p.name, err)
	}
	go func() {
		p.cmd.Wait()
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

// signal sends sig to the process.
func (p *proc) signal(t *testing.T, sig os.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatalf("signal %s: %v", p.name, err)
	}
}

// wait waits for the process to exit and returns its exit status.
func (p *proc) wait(t *testing.T, within time.Duration) int {
	t.Helper()
	select {
	case <-p.exited:
		return p.cmd.ProcessState.ExitCode()
	case <-time.After(within):
		t.Fatalf("%s still running after %v; output:\n%s", p.name, within, p.out.String())
		return -1
	}
}

// waitFor returns the first JSON line that match accepts, waiting for it
// until the deadline; it fails the test if the process exits or the time
// runs out first.
func (p *proc) waitFor(t *testing.T, within time.Duration, what string, match func(map[string]any) bool) map[string]any {
	t.Helper()
	deadline := time.After(within)
	for seen := 0; ; {
		got, more := p.out.since(seen)
		for _, l := range got {
			seen++
			var m map[string]any
			if json.Unmarshal([]byte(l), &m) == nil && match(m) {
				return m
			}
		}
		select {
		case <-more:
			continue
		case <-p.exited:
			if got, _ := p.out.since(seen); len(got) > 0 {
				continue // the last lines came in with the exit
			}
			t.Fatalf("%s exited (%v) before printing %s; stdout:\n%s\nstderr:\n%s",
				p.name, p.cmd.ProcessState, what, p.out.String(), p.stderr.String())
		case <-deadline:
			t.Fatalf("%s did not print %s within %v; stdout:\n%s", p.name, what, within, p.out.String())
		}
	}
}

// lines is an io.Writer that keeps what is written as lines and wakes
// waiters on each new one.
type lines struct {
	mu      sync.Mutex
	partial []byte
	all     []string
	more    chan struct{} // closed and replaced when lines arrive
}

func (l *lines) Write(b []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.partial = append(l.partial, b...)
	added := false
	for {
		i := bytes.IndexByte(l.partial, '\n')
		if i < 0 {
			break
		}
		l.all = append(l.all, string(l.partial[:i]))
		l.partial = l.partial[i+1:]
		added = true
	}
	if added {
		close(l.more)
		l.more = make(chan struct{})
	}
	return len(b), nil
}

// since returns the lines after the first n, and a channel closed when
// more arrive.
func (l *lines) since(n int) ([]string, <-chan struct{}) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.all[n:], l.more
}

// String returns everything written so far.
func (l *lines) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return strings.Join(l.all, "\n") + string(l.partial)
}

// msg matches a JSON log line by its message and, optionally, fields.
func msg(message string, kv ...string) func(map[string]any) bool {
	return func(m map[string]any) bool {
		if m["message"] != message {
			return false
		}
		for i := 0; i+1 < len(kv); i += 2 {
			if m[kv[i]] != kv[i+1] {
				return false
			}
		}
		return true
	}
}
