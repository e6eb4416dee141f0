package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
)

// zooModel returns the directory of ../shared/zoo/<name>, rebuilding the
// external weights of a graph-only model (one with a layout.json) once into
// $TMPDIR/webnn-graph-zoo/<name> with ../shared/tools/regen-weights. It is
// the same cache, marker file and layout as testenv.ZooModel (which needs a
// testing.TB), so tests and this benchmark share one rebuilt copy.
func zooModel(name string) (string, error) {
	shared := testenv.SharedDir()
	if shared == "" {
		return "", &noDataError{"../shared (test data beside the checkout) is absent; set WEBNN_GRAPH_SHARED or pass -model DIR"}
	}
	src := filepath.Join(shared, "zoo", name)
	if _, err := os.Stat(filepath.Join(src, "model.onnx")); err != nil {
		return "", &noDataError{fmt.Sprintf("%s is absent; pass -model DIR", filepath.Join(src, "model.onnx"))}
	}
	if _, err := os.Stat(filepath.Join(src, "layout.json")); err != nil {
		return src, nil // weights ship with the model
	}
	dst := filepath.Join(os.TempDir(), "webnn-graph-zoo", name)
	if _, err := os.Stat(filepath.Join(dst, ".regen-done")); err == nil {
		return dst, nil
	}
	fmt.Fprintf(os.Stderr, "benchdecode: rebuilding the external weights of %s into %s (once; takes a minute)\n", name, dst)
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return "", err
	}
	// Build in a private directory and rename it into place, so concurrent
	// test binaries never see a half-written copy.
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	os.RemoveAll(tmp)
	if err := copyDir(src, tmp); err != nil {
		return "", fmt.Errorf("copy %s: %w", src, err)
	}
	tool := filepath.Join(shared, "tools", "regen-weights")
	cmd := exec.Command("go", "-C", tool, "run", ".", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		os.RemoveAll(tmp)
		return "", fmt.Errorf("regen-weights %s: %v\n%s", tmp, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".regen-done"), nil, 0o644); err != nil {
		return "", err
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.RemoveAll(tmp) // another process won the race
		if _, err2 := os.Stat(filepath.Join(dst, ".regen-done")); err2 != nil {
			return "", fmt.Errorf("rename %s: %w", tmp, err)
		}
	}
	return dst, nil
}

// noDataError says the default model is not on this machine: `make bench`
// then skips the decode benchmark instead of failing.
type noDataError struct{ why string }

func (e *noDataError) Error() string { return e.why }

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(src, p)
		if err != nil {
			return err
		}
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, 0o644)
	})
}
