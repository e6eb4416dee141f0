package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"

	"github.com/webnn-graph/webnn-graph/lower"
)

// TestOpsDocUpToDate fails when docs/ops.md differs from the registry
// (regenerate with `go generate ./lower`).
func TestOpsDocUpToDate(t *testing.T) {
	path := filepath.Join("..", "..", "..", "docs", "ops.md")
	have, err := os.ReadFile(path)
	if err != nil {
		t.Skipf("%s not generated yet: %v", path, err)
	}
	if want := render(lower.Registry()); !bytes.Equal(have, want) {
		t.Errorf("%s is stale: run go generate ./lower", path)
	}
}

func TestRenderListsEveryEntry(t *testing.T) {
	entries := lower.Registry()
	out := render(entries)
	rows := bytes.Count(out, []byte("\n| ")) - 1 // minus the header row
	if rows != len(entries) {
		t.Errorf("rendered %d rows for %d entries", rows, len(entries))
	}
}
