package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/rs/zerolog"
)

// ms formats a duration as milliseconds with three decimals.
func ms(d time.Duration) string { return fmt.Sprintf("%.3f", float64(d)/float64(time.Millisecond)) }

// table prints the summary: one row per payload.
func table(w io.Writer, flights []*flight) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "payload\torigin\tms to 50%\tms to 100%\tdatagrams\tper node\t")
	for _, f := range flights {
		fmt.Fprintf(tw, "%d\tn%d\t%s\t%s\t%d\t%.1f\t\n",
			f.num, f.origin, ms(f.until(0.5)), ms(f.until(1)), f.datagrams, f.perNode())
	}
	return tw.Flush()
}

// summaryLines prints the summary as one "summary" line per payload, for
// -json.
func summaryLines(log zerolog.Logger, flights []*flight) {
	for _, f := range flights {
		log.Info().Int("payload", f.num).Str("origin", fmt.Sprintf("n%d", f.origin)).
			Dur("to_50pct_ms", f.until(0.5)).Dur("to_100pct_ms", f.until(1)).
			Uint64("datagrams", f.datagrams).Float64("per_node", f.perNode()).
			Msg("summary")
	}
}
