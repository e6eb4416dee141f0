package lower

import (
	"os"
	"testing"

	"github.com/webnn-graph/webnn-graph/emit"
)

// TestDumpZoo writes the converted text of $LOWER_DUMP (a zoo model name)
// to $LOWER_DUMP_OUT; a debugging aid, skipped unless asked for.
func TestDumpZoo(t *testing.T) {
	name := os.Getenv("LOWER_DUMP")
	if name == "" {
		t.Skip("set LOWER_DUMP=<zoo model> to dump its converted text")
	}
	m, _ := loadZoo(t, name)
	res, err := Convert(m, Options{Name: name})
	if err != nil {
		t.Fatal(err)
	}
	txt, err := emit.PrintText(res.Graph)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(os.Getenv("LOWER_DUMP_OUT"), txt, 0o644); err != nil {
		t.Fatal(err)
	}
}
