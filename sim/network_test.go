package sim

import (
	"container/heap"
	"math"
	"os"
	"testing"
	"time"
)

func TestLossCombinesGlobalNodeAndLinkLosses(t *testing.T) {
	s := New(Options{Loss: 0.1})
	s.SetNodeLoss(1, 0, 0.5)
	s.SetNodeLoss(2, 0.2, 0)
	near := func(a, b float64) bool { return math.Abs(a-b) < 1e-12 }
	if p := s.lossOf(1, 2); !near(p, 1-0.9*0.5*0.8) {
		t.Errorf("1->2: %v, want each loss on its own: 1 - 0.9 x 0.5 x 0.8", p)
	}
	if p := s.lossOf(2, 1); p != 0.1 {
		t.Errorf("2->1: %v, want the global loss exactly (node 2 loses inbound, node 1 outbound)", p)
	}
	s.SetLinkLoss(2, 1, 1)
	if p := s.lossOf(2, 1); p != 1 {
		t.Errorf("2->1 failed: %v", p)
	}
	if p := s.lossOf(1, 2); !near(p, 1-0.9*0.5*0.8) {
		t.Errorf("1->2 after failing 2->1: %v, want it unchanged (one direction)", p)
	}
	s.SetLinkLoss(2, 1, 0)
	if p := s.lossOf(2, 1); p != 0.1 || len(s.Links()) != 0 {
		t.Errorf("2->1 restored: %v, links %v", p, s.Links())
	}
	s.ResetLoss()
	if p := s.lossOf(1, 2); p != 0.1 {
		t.Errorf("after ResetLoss: %v, want the global loss", p)
	}
}

func TestFlappingLinkFailsThenWorksRepeatedly(t *testing.T) {
	s := New(Options{})
	s.RunFor(time.Second)
	s.FlapLink(3, 4, 2*time.Second, 3*time.Second)
	for _, c := range []struct {
		at   time.Duration
		down bool
	}{{0, true}, {1999 * time.Millisecond, true}, {2 * time.Second, false}, {4999 * time.Millisecond, false}, {5 * time.Second, true}, {7 * time.Second, false}} {
		s.now = int64(time.Second + c.at)
		if got := s.lossOf(3, 4) == 1; got != c.down {
			t.Errorf("%v after the flap began: down %v, want %v", c.at, got, c.down)
		}
		if s.lossOf(4, 3) != 0 {
			t.Errorf("the other direction flaps too")
		}
	}
	s.StopFlaps()
	if s.lossOf(3, 4) != 0 || len(s.Links()) != 0 {
		t.Error("StopFlaps left the link failing")
	}
}

func TestANodeLosingItsInboundHearsNothingButIsHeard(t *testing.T) {
	s := New(Options{Seed: 2, Latency: time.Millisecond})
	for range 3 {
		if _, err := s.AddNode(); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Node(0).Join(); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < 3; i++ {
		if err := s.Node(i).Join(s.Node(0)); err != nil {
			t.Fatal(err)
		}
	}
	s.RunFor(5 * time.Second)
	s.SetNodeLoss(2, 1, 0)
	in2, out2 := s.Node(2).Svc.Stats().DatagramsIn, s.Node(2).Svc.Stats().DatagramsOut
	s.RunFor(5 * time.Second)
	st := s.Node(2).Svc.Stats()
	if st.DatagramsIn != in2 || st.DatagramsOut == out2 {
		t.Errorf("node 2 read %d more and sent %d more: want none read, some sent", st.DatagramsIn-in2, st.DatagramsOut-out2)
	}
}

func TestTimersRunAfterTheEventsDueAtTheirInstant(t *testing.T) {
	s := New(Options{})
	s.schedule(event{at: 5, kind: evTimer, gen: 1})
	s.schedule(event{at: 5, kind: evDeliver})
	s.schedule(event{at: 4, kind: evTimer, gen: 2})
	s.schedule(event{at: 5, kind: evWake})
	s.schedule(event{at: 5, kind: evTimer, gen: 3})
	var got []eventKind
	var gens []uint64
	for len(s.events) > 0 {
		e := heap.Pop(&s.events).(event)
		got = append(got, e.kind)
		if e.kind == evTimer {
			gens = append(gens, e.gen)
		}
	}
	want := []eventKind{evTimer, evDeliver, evWake, evTimer, evTimer}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
	if gens[0] != 2 || gens[1] != 1 || gens[2] != 3 {
		t.Errorf("timers ran %v, want by time, then in the order set", gens)
	}
	// After runs a timer at its time, once, and frees its slot.
	var ran []time.Duration
	s.After(2*time.Second, func() { ran = append(ran, s.Elapsed()) })
	s.After(time.Second, func() {
		ran = append(ran, s.Elapsed())
		s.After(0, func() { ran = append(ran, s.Elapsed()) })
	})
	s.RunFor(3 * time.Second)
	if len(ran) != 3 || ran[0] != time.Second || ran[1] != time.Second || ran[2] != 2*time.Second {
		t.Errorf("timers ran at %v", ran)
	}
	if len(s.freeTimers) != len(s.timers) {
		t.Errorf("%d timer slots, %d free", len(s.timers), len(s.freeTimers))
	}
}

func TestSelectorsAndTheirFormat(t *testing.T) {
	if got := formatNodes([]int{8, 0, 1, 2, 5, 7}); got != "0-2,5,7-8" {
		t.Errorf("formatNodes: %q", got)
	}
	r := &runner{}
	if _, err := r.exec("new nodes=6"); err != nil {
		t.Fatal(err)
	}
	r.s.Node(1).Crash()
	r.s.Node(2).Pause()
	r.sets["odd"] = []int{1, 3, 5}
	for sel, want := range map[string]string{
		"0,4-5": "0,4-5", "all": "0-5", "live": "0,2-5", "running": "0,3-5", "down": "1", "paused": "2", "odd,0": "0-1,3,5",
	} {
		s, err := parseSelector(sel)
		if err != nil {
			t.Fatalf("%s: %v", sel, err)
		}
		idx, err := r.resolve(s)
		if err != nil || formatNodes(idx) != want {
			t.Errorf("%s: %v %v, want %s", sel, formatNodes(idx), err, want)
		}
	}
}

func TestAScenarioIsTheSameRunEveryTime(t *testing.T) {
	raw, err := os.ReadFile("../testdata/scenarios/language.txt")
	if err != nil {
		t.Fatal(err)
	}
	run := func() []StepResult {
		sc, err := ParseScenario("language", raw)
		if err != nil {
			t.Fatal(err)
		}
		res, err := sc.Run(RunOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return res.Steps
	}
	a, b := run(), run()
	for i := range a {
		if a[i].Got != b[i].Got {
			t.Fatalf("line %d: %q, then %q", a[i].Line, a[i].Got, b[i].Got)
		}
	}
}
