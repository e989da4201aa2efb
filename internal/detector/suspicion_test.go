package detector

import (
	"testing"
	"time"
)

// Ten members: floor 4s, max 24s, k = 3 (see testConfig).
const members10 = 10

func deadlineOf(t *testing.T, d *Detector, target uint64) time.Time {
	t.Helper()
	s, ok := d.suspects[target]
	if !ok {
		t.Fatalf("%d is not suspected", target)
	}
	return s.deadline
}

func TestSuspectNewsAndDeadlines(t *testing.T) {
	c := testConfig()
	d := newTest()
	type step struct {
		name     string
		inc      uint32
		from     uint64
		now      time.Duration
		news     bool
		wantInc  uint32
		deadline time.Duration // from t0
	}
	for _, s := range []step{
		{"a new suspicion is news", 3, 1, 0, true, 3, 24 * time.Second},
		{"the raiser again is not", 3, 1, time.Second, false, 3, 24 * time.Second},
		{"a first confirmer is news, timed from the start", 3, 2, time.Second, true, 3, 14 * time.Second},
		{"the same confirmer again is not", 3, 2, time.Second, false, 3, 14 * time.Second},
		{"a second confirmer", 3, 3, time.Second, true, 3, c.SuspicionTimeout(members10, 2)},
		{"the k-th confirmer reaches the floor", 3, 4, time.Second, true, 3, 4 * time.Second},
		{"beyond k is not news", 3, 5, time.Second, false, 3, 4 * time.Second},
		{"the raiser at the floor is not news", 3, 1, time.Second, false, 3, 4 * time.Second},
		{"a lower incarnation is stale", 2, 6, time.Second, false, 3, 4 * time.Second},
		{"a higher incarnation restarts it", 4, 6, 2 * time.Second, true, 4, 2*time.Second + 24*time.Second},
		{"after a restart the old raiser confirms afresh", 4, 1, 2 * time.Second, true, 4, 2*time.Second + 14*time.Second},
		{"the new raiser is not a confirmer", 4, 6, 3 * time.Second, false, 4, 2*time.Second + 14*time.Second},
	} {
		if got := d.Suspect(7, addr(7), s.inc, s.from, members10, at(s.now)); got != s.news {
			t.Errorf("%s: Suspect(inc %d, from %d) = %v, want %v", s.name, s.inc, s.from, got, s.news)
		}
		if inc, ok := d.Suspected(7); !ok || inc != s.wantInc {
			t.Errorf("%s: Suspected(7) = %d, %v; want %d, true", s.name, inc, ok, s.wantInc)
		}
		if got := deadlineOf(t, d, 7); !got.Equal(at(s.deadline)) {
			t.Errorf("%s: deadline %v, want %v", s.name, got.Sub(t0), s.deadline)
		}
	}
	if d.Suspicions() != 1 {
		t.Errorf("Suspicions() = %d, want 1: one per member", d.Suspicions())
	}
}

// The cluster size is the one when the suspicion was raised: the floor
// does not move with churn.
func TestSuspicionKeepsItsClusterSize(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, 100, t0) // floor 8s, max 48s
	d.Suspect(7, addr(7), 3, 2, 10, t0)  // confirmed in a cluster that seems smaller
	if got, want := deadlineOf(t, d, 7), at(28*time.Second); !got.Equal(want) {
		t.Errorf("deadline %v, want %v (100 members, one confirmation)", got.Sub(t0), want.Sub(t0))
	}
}

type timed struct {
	at   time.Duration
	kind ActionKind
}

// run steps d every 10ms from t0 through end and returns what happened
// to target.
func run(d *Detector, target uint64, end time.Duration) []timed {
	var out []timed
	for now := time.Duration(0); now <= end; now += 10 * time.Millisecond {
		for _, a := range drain(d, at(now)) {
			if a.Target == target {
				out = append(out, timed{now, a.Kind})
			}
		}
	}
	return out
}

// schedule is a suspicion's expected life: pings from the start every
// 100ms (ProbeTimeout/4, whatever the health), the confirmation once at
// confirm (before that instant's ping), the verdict at deadline.
func schedule(confirm, deadline time.Duration) []timed {
	var want []timed
	for t := time.Duration(0); t < deadline; t += pt / 4 {
		if t == confirm {
			want = append(want, timed{t, ActConfirm})
		}
		want = append(want, timed{t, ActPing})
	}
	return append(want, timed{deadline, ActDeclare})
}

func checkTimeline(t *testing.T, got, want []timed) {
	t.Helper()
	if len(got) != len(want) {
		t.Errorf("%d actions, want %d", len(got), len(want))
	}
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			t.Fatalf("action %d: %v at %v, want %v at %v", i, kindName(got[i].kind), got[i].at, kindName(want[i].kind), want[i].at)
		}
	}
}

func TestSuspicionPingsConfirmsOnceAndDeclares(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	a := stepOne(t, d, t0, ActPing, 7)
	if a.Addr != addr(7) || a.Inc != 3 {
		t.Errorf("ActPing = %+v, want addr %v inc 3", a, addr(7))
	}
	d = newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	checkTimeline(t, run(d, 7, 30*time.Second), schedule(pt, 24*time.Second))
	if d.Suspicions() != 0 {
		t.Error("the suspicion survived its verdict")
	}
	if s := d.Stats(); s.Declared != 1 || s.Stalls != 0 {
		t.Errorf("Stats = %+v, want 1 declared, no stall", s)
	}
}

func TestConfirmedSuspicionDeclaresAtTheFloor(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	for from := uint64(2); from <= 4; from++ {
		d.Suspect(7, addr(7), 3, from, members10, t0)
	}
	checkTimeline(t, run(d, 7, 10*time.Second), schedule(pt, 4*time.Second))
}

// Local health stretches the confirmation and the verdict, not the pings:
// a slow node pings more times before it declares.
func TestHealthStretchesSuspicionTimeoutsNotPings(t *testing.T) {
	d := newTest()
	setHealth(d, 2)
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	checkTimeline(t, run(d, 7, 80*time.Second), schedule(3*pt, 72*time.Second))
}

// A ping is due ProbeTimeout/4 after the Step that handed out the last.
func TestSuspicionPingsFollowTheStep(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	stepOne(t, d, t0, ActPing, 7)
	stepNone(t, d, at(99*time.Millisecond))
	stepOne(t, d, at(150*time.Millisecond), ActPing, 7) // late, within the slack
	mustNext(t, d, at(250*time.Millisecond))
	stepNone(t, d, at(249*time.Millisecond))
	stepOne(t, d, at(250*time.Millisecond), ActPing, 7)
}

func TestHeardFromEndsTheSuspicion(t *testing.T) {
	d := newTest()
	if _, _, _, ok := d.HeardFrom(addr(7)); ok {
		t.Fatal("HeardFrom matched with nothing suspected")
	}
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	d.Suspect(7, addr(7), 3, 2, members10, t0)
	d.Suspect(8, addr(8), 5, 2, members10, t0)
	if _, _, _, ok := d.HeardFrom(addr(9)); ok {
		t.Fatal("HeardFrom matched an address nobody suspected has")
	}
	target, inc, accuser, ok := d.HeardFrom(addr(7))
	if !ok || target != 7 || inc != 3 || accuser != 1 {
		t.Fatalf("HeardFrom = %d, %d, %d, %v; want 7, 3, 1 (the raiser, not a confirmer), true", target, inc, accuser, ok)
	}
	if _, ok := d.Suspected(7); ok {
		t.Error("7 still suspected")
	}
	if _, ok := d.Suspected(8); !ok {
		t.Error("HeardFrom(7's address) ended the suspicion of 8")
	}
	if _, _, _, ok := d.HeardFrom(addr(7)); ok {
		t.Error("HeardFrom matched twice")
	}
	if s := d.Stats(); s.Answered != 1 || s.Cleared != 0 {
		t.Errorf("Stats = %+v, want 1 answered", s)
	}
	for _, a := range run(d, 7, 30*time.Second) {
		t.Fatalf("%v at %v about a suspicion that ended", kindName(a.kind), a.at)
	}
}

func TestClearEndsTheSuspicion(t *testing.T) {
	d := newTest()
	d.Clear(7)
	if d.Stats().Cleared != 0 {
		t.Error("Clear of nothing counted")
	}
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	d.Clear(7)
	if _, ok := d.Suspected(7); ok || d.Suspicions() != 0 {
		t.Error("7 still suspected after Clear")
	}
	if d.Stats().Cleared != 1 {
		t.Errorf("Cleared = %d, want 1", d.Stats().Cleared)
	}
	if _, ok := d.Next(); ok {
		t.Error("Next() reports a deadline after Clear")
	}
	// It can be suspected afresh.
	if !d.Suspect(7, addr(7), 3, 1, members10, at(time.Second)) {
		t.Error("a suspicion after Clear is not news")
	}
}

func TestSuspectVerdictStartsAtTheFloor(t *testing.T) {
	d := newTest()
	d.SuspectVerdict(7, addr(7), 3, 1, members10, at(time.Second))
	if inc, ok := d.Suspected(7); !ok || inc != 3 {
		t.Fatalf("Suspected(7) = %d, %v; want 3, true", inc, ok)
	}
	if got := deadlineOf(t, d, 7); !got.Equal(at(5 * time.Second)) {
		t.Errorf("deadline %v, want 5s (1s + the floor)", got.Sub(t0))
	}
	if d.Suspect(7, addr(7), 3, 2, members10, at(time.Second)) {
		t.Error("a confirmation of a verdict is news")
	}
	stepOne(t, d, at(time.Second), ActPing, 7)
}

func TestSuspectVerdictScaledByHealth(t *testing.T) {
	d := newTest()
	setHealth(d, 1)
	d.SuspectVerdict(7, addr(7), 3, 1, members10, t0)
	if got := deadlineOf(t, d, 7); !got.Equal(at(8 * time.Second)) {
		t.Errorf("deadline %v, want 8s (the floor × 2)", got.Sub(t0))
	}
}

func TestSuspectVerdictLowersAnExistingSuspicion(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	d.SuspectVerdict(7, addr(7), 3, 2, members10, at(time.Second))
	if got := deadlineOf(t, d, 7); !got.Equal(at(4 * time.Second)) {
		t.Errorf("deadline %v, want 4s (the start + the floor)", got.Sub(t0))
	}
	if d.Suspect(7, addr(7), 3, 5, members10, at(time.Second)) {
		t.Error("a confirmation after a verdict is news")
	}
	// A verdict never puts a deadline off, even when health has worsened
	// since.
	setHealth(d, 3)
	d.SuspectVerdict(7, addr(7), 3, 2, members10, at(time.Second))
	if got := deadlineOf(t, d, 7); !got.Equal(at(4 * time.Second)) {
		t.Errorf("deadline %v after a second verdict, want 4s", got.Sub(t0))
	}
}

func TestSuspectVerdictAtAHigherIncarnationRestarts(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	d.SuspectVerdict(7, addr(7), 4, 2, members10, at(time.Second))
	if inc, _ := d.Suspected(7); inc != 4 {
		t.Errorf("Suspected(7) = %d, want 4", inc)
	}
	if got := deadlineOf(t, d, 7); !got.Equal(at(5 * time.Second)) {
		t.Errorf("deadline %v, want 5s", got.Sub(t0))
	}
}

// A confirmation that brings the timeout below the suspicion's age means
// the timeout ran out already: the verdict is due at once, and the Step
// that hands it out is no stall of the loop.
func TestLateConfirmationDeclaresAtOnceWithoutAStall(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	d.Probe(Direct, 8, addr(8), 1, 100, at(10*time.Second-pt/4))
	run(d, 7, 10*time.Second-10*time.Millisecond)
	for from := uint64(2); from <= 4; from++ {
		d.Suspect(7, addr(7), 3, from, members10, at(10*time.Second)) // floor: 4s after the start
	}
	stepOne(t, d, at(10*time.Second), ActDeclare, 7)
	if s := d.Stats(); s.Stalls != 0 || d.Health() != 0 {
		t.Errorf("Stalls = %d, health %d: a late confirmation taken for a stall", s.Stalls, d.Health())
	}
	// The other probe keeps its own deadline.
	mustNext(t, d, at(10*time.Second-pt/4+half))
}

func TestLateVerdictDeclaresAtOnceWithoutAStall(t *testing.T) {
	d := newTest()
	d.Suspect(7, addr(7), 3, 1, members10, t0)
	run(d, 7, 10*time.Second-10*time.Millisecond)
	d.SuspectVerdict(7, addr(7), 3, 2, members10, at(10*time.Second))
	stepOne(t, d, at(10*time.Second), ActDeclare, 7)
	if s := d.Stats(); s.Stalls != 0 || d.Health() != 0 {
		t.Errorf("Stalls = %d, health %d: a late verdict taken for a stall", s.Stalls, d.Health())
	}
}

func TestRaisedAndConfirmedCountTheNodesOwnWord(t *testing.T) {
	d := newTest()
	d.Raised()
	d.Confirmed()
	d.Confirmed()
	if s := d.Stats(); s.Suspected != 1 || s.Confirmed != 2 {
		t.Errorf("Stats = %+v, want 1 suspected, 2 confirmed", s)
	}
}
