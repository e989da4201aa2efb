package sim

import (
	"os"
	"strings"
	"testing"
)

// TestManualCoversEveryCommand keeps the package documentation a manual:
// it shows the usage line of every command and sub-command, generated
// from the command table, and names every check quantity.
func TestManualCoversEveryCommand(t *testing.T) {
	raw, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	doc := string(raw)
	for _, c := range allCommands() {
		if !strings.Contains(doc, "\n//\t"+c.usage()+"\n") {
			t.Errorf("doc.go does not show the usage line\n\t%s", c.usage())
		}
	}
	for _, q := range quantities {
		if !strings.Contains(doc, q.name) {
			t.Errorf("doc.go does not describe the quantity %s", q.name)
		}
	}
}
