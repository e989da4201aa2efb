package democli

import (
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/rs/zerolog"
)

// Log holds the logging flags every demo has.
type Log struct {
	Level zerolog.Level // -log-level
	JSON  bool          // -json
}

// Register adds -log-level and -json to fs, with info and console output
// as the defaults.
func (l *Log) Register(fs *flag.FlagSet) {
	l.Level = zerolog.InfoLevel
	fs.Var(levelFlag{&l.Level}, "log-level", "`level` of detail: debug, info, warn or error")
	fs.BoolVar(&l.JSON, "json", false, "print JSON lines instead of the console format")
}

// Logger returns a logger that writes one line per event to stdout:
// zerolog's ConsoleWriter, or JSON lines with -json. Times have
// millisecond precision.
func (l Log) Logger() zerolog.Logger {
	return l.LoggerTo(os.Stdout)
}

// LoggerTo is Logger writing to w.
func (l Log) LoggerTo(w io.Writer) zerolog.Logger {
	zerolog.TimeFieldFormat = "2006-01-02T15:04:05.000Z07:00"
	zerolog.DurationFieldUnit = time.Millisecond // Dur fields are float milliseconds
	if !l.JSON {
		w = zerolog.ConsoleWriter{Out: w, NoColor: !isTerminal(w), TimeFormat: "15:04:05.000", FieldsOrder: fieldsOrder}
	}
	return zerolog.New(w).Level(l.Level).With().Timestamp().Logger()
}

// fieldsOrder is the order of the fields on a console line: who speaks,
// about what, then the numbers. Fields not listed follow in name order.
var fieldsOrder = append([]string{
	"node", "addr", "seeds", "origin", "from", "seq", "member", "payload",
	"n", "members", "reached", "after_ms", "age_ms",
}, statsFields...)

// isTerminal reports whether w is a character device (a terminal, most
// likely), where colours help; files and pipes get plain text.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	if !ok {
		return false
	}
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}

// levelFlag accepts the four levels the demos document.
type levelFlag struct{ l *zerolog.Level }

var levels = map[string]zerolog.Level{
	"debug": zerolog.DebugLevel,
	"info":  zerolog.InfoLevel,
	"warn":  zerolog.WarnLevel,
	"error": zerolog.ErrorLevel,
}

func (f levelFlag) String() string {
	if f.l == nil {
		return ""
	}
	return f.l.String()
}

func (f levelFlag) Set(s string) error {
	l, ok := levels[strings.ToLower(s)]
	if !ok {
		return fmt.Errorf("want debug, info, warn or error")
	}
	*f.l = l
	return nil
}
