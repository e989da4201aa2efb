package sim

import "slices"

// commandList is every scenario command, in the manual's order (doc.go
// must show each one's usage line: TestManualCoversEveryCommand). A
// command with subs picks one by its first positional word; the command's
// own fields, if it has a run, serve when none matches.
var commandList = []*command{
	// The cluster.
	{name: "new", noSim: true, run: cmdNew, keys: []key{
		{name: "nodes", kind: argInt}, {name: "seed", kind: argSeed},
		{name: "latency", kind: argDur}, {name: "jitter", kind: argDur},
		{name: "loss", kind: argProb}, {name: "dup", kind: argProb},
		{name: "tick", kind: argDur}, {name: "retry", kind: argDur},
		{name: "maxmembers", kind: argInt}, {name: "datalog", kind: argInt},
		{name: "tombstone", kind: argDur}, {name: "keys", kind: argWord, meta: "K,..."},
		{name: "track", kind: argBool},
	}, prefix: "cfg.", prefixCheck: checkConfigField},
	{name: "join", run: cmdJoin, keys: []key{{name: "every", kind: argDur}}},
	{name: "run", pos: "D", minPos: 1, maxPos: 1, run: cmdRun},

	// Data.
	{name: "send", run: cmdSend, keys: []key{
		{name: "count", kind: argInt}, {name: "every", kind: argDur},
		{name: "size", kind: argInt}, {name: "from", kind: argNode},
	}},
	{name: "traffic", run: cmdTraffic, keys: []key{{name: "every", kind: argDur, req: true}}, subs: []*command{
		{name: "traffic off", run: cmdTrafficOff},
	}},
	{name: "deliveries", run: cmdDeliveries},
	{name: "metrics", run: cmdMetrics},

	// The network.
	{name: "net", run: cmdNet, keys: []key{
		{name: "loss", kind: argProb}, {name: "dup", kind: argProb},
		{name: "latency", kind: argDur}, {name: "jitter", kind: argDur},
	}},
	{name: "loss", pos: "[P]", maxPos: 1, run: cmdLoss, keys: []key{
		{name: "node", kind: argNodes}, {name: "in", kind: argProb}, {name: "out", kind: argProb},
	}, subs: []*command{
		{name: "loss reset", run: cmdLossReset},
	}},
	{name: "link", run: cmdLink, keys: []key{
		{name: "from", kind: argNodes, req: true}, {name: "to", kind: argNodes, req: true},
		{name: "drop", kind: argProb, req: true}, {name: "both", kind: argBool},
	}},
	{name: "flap", run: cmdFlap, keys: []key{
		{name: "from", kind: argNodes, req: true}, {name: "to", kind: argNodes, req: true},
		{name: "down", kind: argDur, req: true}, {name: "up", kind: argDur, req: true},
	}, subs: []*command{
		{name: "flap off", run: cmdFlapOff},
	}},
	{name: "partition", pos: "SEL | SEL ...", maxPos: -1, run: cmdPartition, keys: []key{{name: "at", kind: argInt}}},
	{name: "heal", run: cmdHeal},

	// Nodes.
	{name: "crash", pos: "[SEL]", maxPos: 1, run: cmdCrash, keys: chooserKeys},
	{name: "leave", pos: "[SEL]", maxPos: 1, run: cmdLeave, keys: chooserKeys},
	{name: "restart", pos: "SEL", minPos: 1, maxPos: 1, run: cmdRestart, keys: []key{{name: "via", kind: argNode}}},
	{name: "pause", pos: "[SEL]", maxPos: 1, run: cmdPause, keys: chooserKeys},
	{name: "resume", pos: "SEL", minPos: 1, maxPos: 1, run: cmdResume},
	{name: "pauses", run: cmdPauses, keys: []key{
		{name: "fraction", kind: argProb, req: true}, {name: "for", kind: argDur, req: true},
		{name: "seed", kind: argSeed},
	}, subs: []*command{
		{name: "pauses off", run: cmdPausesOff},
	}},
	{name: "pick", pos: "NAME [SEL]", minPos: 1, maxPos: 2, run: cmdPick, keys: chooserKeys},

	// Membership.
	{name: "members", run: cmdMembers},
	{name: "listed", pos: "N", minPos: 1, maxPos: 1, run: cmdListed},
	{name: "removals", run: cmdRemovals, subs: []*command{
		{name: "removals reset", run: cmdRemovalsReset},
	}},
	{name: "allow-removal", pos: "[SEL|none]", maxPos: 1, run: cmdAllowRemoval, keys: []key{{name: "by", kind: argNodes}}},
	{name: "meta", pos: "SEL", minPos: 1, maxPos: 1, run: cmdMeta, keys: []key{
		{name: "value", kind: argWord, req: true}, {name: "count", kind: argInt}, {name: "every", kind: argDur},
	}},

	// Keys and counters.
	{name: "keys", pos: "[show]", maxPos: 1, run: cmdKeysShow, subs: []*command{
		{name: "keys add", pos: "K", minPos: 1, maxPos: 1, run: cmdKeysChange, keys: []key{{name: "node", kind: argNodes}, {name: "every", kind: argDur}}},
		{name: "keys use", pos: "K", minPos: 1, maxPos: 1, run: cmdKeysChange, keys: []key{{name: "node", kind: argNodes}, {name: "every", kind: argDur}}},
		{name: "keys remove", pos: "K", minPos: 1, maxPos: 1, run: cmdKeysChange, keys: []key{{name: "node", kind: argNodes}, {name: "every", kind: argDur}}},
		{name: "keys roll", run: cmdKeysRoll, keys: []key{{name: "step", kind: argInt, req: true}, {name: "key", kind: argWord, req: true, meta: "K"}, {name: "every", kind: argDur}}},
	}},
	{name: "stat", pos: "FIELD ...", minPos: 1, maxPos: -1, run: cmdStat, keys: []key{{name: "all", kind: argBool}}},

	// Assertions.
	{name: "check", pos: "QUANTITY OP N", minPos: 3, maxPos: 3, run: cmdCheckCompare, keys: []key{{name: "within", kind: argDur}}, subs: []*command{
		{name: "check removed", pos: "SEL", minPos: 1, maxPos: 1, run: cmdCheckRemoved, keys: []key{{name: "within", kind: argDur}, {name: "p50", kind: argDur}}},
		{name: "check known", pos: "SEL", minPos: 1, maxPos: 1, run: cmdCheckKnown, keys: []key{{name: "within", kind: argDur}}},
		{name: "check members", pos: "complete", minPos: 1, maxPos: 1, run: cmdCheckMembers, keys: []key{{name: "within", kind: argDur}}},
		{name: "check deliveries", pos: "complete", minPos: 1, maxPos: 1, run: cmdCheckDeliveries, keys: []key{{name: "within", kind: argDur}}},
		{name: "check meta", pos: "SEL", minPos: 1, maxPos: 1, run: cmdCheckMeta, keys: []key{{name: "value", kind: argWord, req: true}, {name: "within", kind: argDur}}},
	}},
}

// commandTable finds a command by its first word.
var commandTable map[string]*command

func init() {
	commandTable = make(map[string]*command, len(commandList))
	for _, c := range commandList {
		commandTable[c.name] = c
	}
}

// allCommands returns every command and sub-command, for the manual's
// test.
func allCommands() []*command {
	var out []*command
	for _, c := range commandList {
		if c.run != nil {
			out = append(out, c)
		}
		out = append(out, c.subs...)
	}
	return slices.Clip(out)
}
