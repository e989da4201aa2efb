package main_test

import (
	"syscall"
	"testing"
	"time"
)

// TestChatNames: three processes with -name. Each shows the others by
// name when they join, on every line they send, and when they leave; a
// member killed with SIGKILL (no goodbye) is shown as failed within 5 s,
// with the default flags.
func TestChatNames(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the program and runs it on real sockets")
	}
	bin := build(t)
	alice := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0", "-name", "alice")
	addr := alice.expect(t, `^\* listening on (\S+) as [0-9a-f]{16}; a new room`)[1]
	alice.expect(t, `^\* connected$`)
	bob := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0", "-seed", addr, "-name", "bob")
	bob.expect(t, `^\* connected$`)
	bob.expect(t, `^\* alice joined$`)
	alice.expect(t, `^\* bob joined$`)
	carol := start(t, bin, "-addr", "/ip4/127.0.0.1/udp/0", "-seed", addr, "-name", "carol")
	carol.expect(t, `^\* connected$`)
	carol.expect(t, `^\* alice joined$`)
	carol.expect(t, `^\* bob joined$`)
	alice.expect(t, `^\* carol joined$`)
	bob.expect(t, `^\* carol joined$`)

	bob.say(t, "hello")
	alice.expect(t, `^\[bob\] hello$`)
	carol.expect(t, `^\[bob\] hello$`)
	carol.say(t, "hi all")
	alice.expect(t, `^\[carol\] hi all$`)
	bob.expect(t, `^\[carol\] hi all$`)

	killed := time.Now()
	if err := bob.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for _, p := range []*proc{alice, carol} {
		p.expect(t, `^\* bob failed$`)
		if took := time.Since(killed); took > 5*time.Second {
			t.Errorf("bob shown as failed %v after SIGKILL, want within 5s", took)
		} else {
			t.Logf("bob shown as failed %v after SIGKILL", took.Round(time.Millisecond))
		}
	}

	carol.stdin.Close() // carol leaves
	alice.expect(t, `^\* carol left$`)
	if code := carol.wait(t); code != 0 {
		t.Errorf("carol exited %d: %s", code, carol.stderr.String())
	}
	alice.stdin.Close()
	alice.expect(t, `^\* left the room$`)
}
