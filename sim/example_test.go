package sim_test

import (
	"fmt"

	"github.com/tickgossip/gossip/sim"
)

// A scenario from Go: parse it, run it, look at what each step printed
// and which checks failed. (In a test, sim.RunScenarioFile does this and
// compares with the recorded output.)
func ExampleScenario_Run() {
	script := `
new nodes=50 seed=4 retry=2s
----

join every=20ms
----

run 120s
----

crash 7
----

check removed 7 within=8s
----

check false-removals == 0
----

check removed 3 within=1s
----
`
	sc, err := sim.ParseScenario("example", []byte(script))
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := sc.Run(sim.RunOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, st := range res.Steps {
		fmt.Println(st.Command, "=>", st.Got)
	}
	for _, f := range res.Failures() {
		fmt.Println(f)
	}
	// Output:
	// new nodes=50 seed=4 retry=2s => 50 nodes, tick 1s, retry 2s
	// join every=20ms => 49 joins through node 0: seed sent 9.7 datagrams per join, the cluster 161.1 (3.22 per node)
	// run 120s => t=2m0.98s
	// crash 7 => node 7 crashed
	// check removed 7 within=8s => node 7 removed from every live table: p50 2.801s, max 2.806s
	// check false-removals == 0 => false-removals 0
	// check removed 3 within=1s => FAIL: still listed 1s after the check began: node 3 by 48 of 49 live nodes (0-2,4-6,8-11 and 38 more)
	// example:20: check removed 3 within=1s: still listed 1s after the check began: node 3 by 48 of 49 live nodes (0-2,4-6,8-11 and 38 more)
}
