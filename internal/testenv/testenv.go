// Package testenv locates the test data that lives outside the repository
// (../shared beside the checkout, Debian's libonnx-testdata) and skips a
// test with a clear message when it is absent.
package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// RepoRoot returns the directory holding go.mod, found by walking up from
// the working directory (go test runs in the package directory).
func RepoRoot() string {
	dir, err := os.Getwd()
	if err != nil {
		return "."
	}
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}

// SharedDir returns ../shared beside the repository ($WEBNN_GRAPH_SHARED
// overrides), or "" when it does not exist.
func SharedDir() string {
	if d := os.Getenv("WEBNN_GRAPH_SHARED"); d != "" {
		return d
	}
	d := filepath.Join(filepath.Dir(RepoRoot()), "shared")
	if st, err := os.Stat(d); err == nil && st.IsDir() {
		return d
	}
	return ""
}

// Shared returns the path of rel under the shared directory, skipping t
// when it is absent.
func Shared(t testing.TB, rel string) string {
	t.Helper()
	root := SharedDir()
	if root == "" {
		t.Skipf("skipping: ../shared (test data beside the checkout) is absent; set WEBNN_GRAPH_SHARED")
	}
	p := filepath.Join(root, rel)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("skipping: %s is absent", p)
	}
	return p
}

// ONNXTestData is where Debian's libonnx-testdata installs ONNX's backend
// test suite.
const ONNXTestData = "/usr/share/libonnx-testdata/data"

// ONNXNodeTests returns the node test directory, skipping t when the
// package is not installed.
func ONNXNodeTests(t testing.TB) string {
	t.Helper()
	d := filepath.Join(ONNXTestData, "node")
	if _, err := os.Stat(d); err != nil {
		t.Skipf("skipping: %s is absent (apt-get install libonnx-testdata)", d)
	}
	return d
}

// ZooModel returns the directory of ../shared/zoo/<name>. Graph-only models
// (those with a layout.json) get their external weights rebuilt once into
// $TMPDIR/webnn-graph-zoo/<name> with ../shared/tools/regen-weights, and that
// copy's directory is returned.
func ZooModel(t testing.TB, name string) string {
	t.Helper()
	src := Shared(t, filepath.Join("zoo", name))
	if _, err := os.Stat(filepath.Join(src, "layout.json")); err != nil {
		return src
	}
	dst := filepath.Join(os.TempDir(), "webnn-graph-zoo", name)
	if _, err := os.Stat(filepath.Join(dst, ".regen-done")); err == nil {
		return dst
	}
	// Build in a private directory and rename it into place, so test
	// binaries running in parallel never see a half-written copy.
	tmp := fmt.Sprintf("%s.tmp-%d", dst, os.Getpid())
	os.RemoveAll(tmp)
	if err := copyDir(src, tmp); err != nil {
		t.Fatalf("copy %s: %v", src, err)
	}
	tool := Shared(t, filepath.Join("tools", "regen-weights"))
	cmd := exec.Command("go", "-C", tool, "run", ".", tmp)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("regen-weights %s: %v\n%s", tmp, err, out)
	}
	if err := os.WriteFile(filepath.Join(tmp, ".regen-done"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		os.RemoveAll(tmp) // another process won the race
		if _, err := os.Stat(filepath.Join(dst, ".regen-done")); err != nil {
			t.Fatalf("rename %s: %v", tmp, err)
		}
	}
	return dst
}

func copyDir(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
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

// Report prints a suite's summary line (e.g. "wpt-webnn: 1620 passed, 3
// failed, 37 skipped") on stdout and, when $WEBNN_GRAPH_REPORT names a
// file, appends it there: `go test ./...` hides the output of passing
// packages, so `make test` prints that file at the end.
func Report(format string, args ...any) {
	line := fmt.Sprintf(format, args...)
	fmt.Println(line)
	if p := os.Getenv("WEBNN_GRAPH_REPORT"); p != "" {
		if f, err := os.OpenFile(p, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			fmt.Fprintln(f, line)
			f.Close()
		}
	}
}

// CacheDir is where test data fetched from the network lives, outside the
// repository: $WEBNN_GRAPH_CACHE, default ~/.cache/webnn-graph.
func CacheDir() string {
	if d := os.Getenv("WEBNN_GRAPH_CACHE"); d != "" {
		return d
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return filepath.Join(os.TempDir(), "webnn-graph-cache")
	}
	return filepath.Join(home, ".cache", "webnn-graph")
}

// RealModels returns the directory that testdata/realmodels/fetch.py fills
// with the real-model corpus, skipping t when it has not been fetched.
func RealModels(t testing.TB) string {
	t.Helper()
	d := filepath.Join(CacheDir(), "realmodels")
	if st, err := os.Stat(d); err != nil || !st.IsDir() {
		t.Skipf("skipping: the real-model corpus is absent from %s (python3 testdata/realmodels/fetch.py fetches it)", d)
	}
	return d
}

// Python returns a Python interpreter that imports every module given,
// skipping t when none does. It tries $WEBNN_GRAPH_PYTHON, the CI venv
// ($WEBNN_GRAPH_CACHE/venv, made by .ci/run), then python3 on PATH.
func Python(t testing.TB, modules ...string) string {
	t.Helper()
	var tried []string
	for _, py := range pythonCandidates() {
		code := "import " + strings.Join(append([]string{"sys"}, modules...), ", ")
		if err := exec.Command(py, "-c", code).Run(); err == nil {
			return py
		}
		tried = append(tried, py)
	}
	t.Skipf("skipping: no Python interpreter imports %s (tried %s; .ci/run sets one up)", strings.Join(modules, ", "), strings.Join(tried, ", "))
	return ""
}

func pythonCandidates() []string {
	var c []string
	if p := os.Getenv("WEBNN_GRAPH_PYTHON"); p != "" {
		c = append(c, p)
	}
	if p := filepath.Join(CacheDir(), "venv", "bin", "python"); fileExists(p) {
		c = append(c, p)
	}
	return append(c, "python3")
}

func fileExists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}
