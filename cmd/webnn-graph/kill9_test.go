package main

import (
	"bufio"
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/crashpoint"
	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

// chainModel writes an ONNX model y = x + w0 + w1 + ... with n weights of
// size floats each; seed makes the weights (and so the output set)
// differ between two models with the same names.
func chainModel(t testing.TB, path string, n, size int, seed float32) {
	t.Helper()
	g := &onnxpb.GraphProto{
		Input:  []*onnxpb.ValueInfoProto{hostile.VI("x", tensor.Float32, size)},
		Output: []*onnxpb.ValueInfoProto{hostile.VI("y", tensor.Float32, size)},
	}
	prev := "x"
	for i := 0; i < n; i++ {
		vals := make([]float32, size)
		for j := range vals {
			vals[j] = seed + float32(i) + float32(j%97)/97
		}
		w := fmt.Sprintf("w%d", i)
		out := fmt.Sprintf("t%d", i)
		if i == n-1 {
			out = "y"
		}
		g.Initializer = append(g.Initializer, hostile.Floats(w, []int64{int64(size)}, vals))
		g.Node = append(g.Node, hostile.Node("Add", []string{prev, w}, []string{out}))
		prev = out
	}
	if err := hostile.WriteModel(path, g); err != nil {
		t.Fatal(err)
	}
}

// dirFiles reads every entry of dir (nil when dir is absent).
func dirFiles(t testing.TB, dir string) map[string]string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		files[e.Name()] = string(b)
	}
	return files
}

func sameFiles(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func names(m map[string]string) string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, ",")
}

// leftovers lists staging directories and temporaries beside or in dir.
func leftovers(t testing.TB, dir string) []string {
	var out []string
	for _, d := range []string{filepath.Dir(dir), dir} {
		es, _ := os.ReadDir(d)
		for _, e := range es {
			if strings.Contains(e.Name(), ".webnn-graph-") || strings.Contains(e.Name(), ".tmp") {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	return out
}

// TestKill9 interrupts convert at every named stage and, with a real
// SIGKILL, at random moments, into a fresh directory, a directory holding
// the previous conversion's set, and one that also holds a file of the
// user's, and checks each time that the directory holds the complete old
// set or the complete new one (or, where files are published one by one,
// a mixture every reader refuses), that the user's file survives, and that
// the next convert clears what the interrupted one left.
func TestKill9(t *testing.T) {
	bin := buildCLI(t)
	work := t.TempDir()
	modelA := filepath.Join(work, "a.onnx")
	modelB := filepath.Join(work, "b.onnx")
	const nWeights, size = 8, 1 << 20 // 32 MiB of weights: convert takes a while
	chainModel(t, modelA, nWeights, size, 1)
	chainModel(t, modelB, nWeights, size, 2)
	convert := func(model, out string, env ...string) (*exec.Cmd, *bytes.Buffer) {
		cmd := exec.Command(bin, "-q", "convert", model, "-o", out)
		cmd.Env = append(os.Environ(), env...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		return cmd, &stderr
	}
	mustConvert := func(model, out string) {
		t.Helper()
		cmd, stderr := convert(model, out)
		if err := cmd.Run(); err != nil {
			t.Fatalf("convert %s: %v\n%s", model, err, stderr)
		}
	}
	refA, refB := filepath.Join(work, "refA"), filepath.Join(work, "refB")
	start := time.Now()
	mustConvert(modelA, refA)
	took := time.Since(start)
	mustConvert(modelB, refB)
	setA, setB := dirFiles(t, refA), dirFiles(t, refB)
	if sameFiles(setA, setB) {
		t.Fatal("the two models convert to the same files")
	}
	const notes = "notes.txt"
	modes := []string{"fresh", "previous-set", "with-user-file"}
	prepare := func(mode, dir string) {
		os.RemoveAll(dir)
		if mode == "fresh" {
			return
		}
		os.MkdirAll(dir, 0o755)
		for n, b := range setA {
			os.WriteFile(filepath.Join(dir, n), []byte(b), 0o644)
		}
		if mode == "with-user-file" {
			os.WriteFile(filepath.Join(dir, notes), []byte("mine"), 0o644)
		}
	}
	outcomes := map[string]int{}
	interruptions, failures := 0, 0
	check := func(mode, dir, how string) {
		t.Helper()
		interruptions++
		got := dirFiles(t, dir)
		if mode == "with-user-file" {
			if got[notes] != "mine" {
				failures++
				t.Errorf("%s, %s: the user's %s is gone or changed", mode, how, notes)
			}
			delete(got, notes)
		}
		switch {
		case got == nil && mode == "fresh":
			outcomes["absent"]++
		case sameFiles(got, setA) && mode != "fresh":
			outcomes["old set"]++
		case sameFiles(got, setB):
			outcomes["new set"]++
		case mode == "with-user-file":
			// Published file by file: readers must refuse the mixture.
			cmd := exec.Command(bin, "validate", filepath.Join(dir, "model.webnn"))
			out, err := cmd.CombinedOutput()
			if err == nil || !strings.Contains(string(out), "not part of the output set") {
				failures++
				t.Errorf("%s, %s: mixed set (%s) not refused by validate: %v %s", mode, how, names(got), err, out)
			} else {
				outcomes["mixed, refused"]++
			}
		default:
			failures++
			t.Errorf("%s, %s: directory holds neither set: %s", mode, how, names(got))
		}
		// The next convert completes and clears what was left.
		mustConvert(modelB, dir)
		got = dirFiles(t, dir)
		delete(got, notes)
		if !sameFiles(got, setB) {
			failures++
			t.Errorf("%s, %s: convert after the interruption left %s", mode, how, names(got))
		}
		if l := leftovers(t, dir); len(l) > 0 {
			failures++
			t.Errorf("%s, %s: leftovers after the next convert: %v", mode, how, l)
		}
	}

	points := []string{"staged", "weights-half", "before-commit", "after-exchange", "removing-old",
		"after-rename:model.webnn", "after-rename:model.weights", "committed"}
	for _, mode := range modes {
		for _, p := range points {
			dir := filepath.Join(work, "out-"+mode)
			prepare(mode, dir)
			cmd, stderr := convert(modelB, dir, crashpoint.CrashEnv+"="+p)
			err := cmd.Run()
			if ee, ok := err.(*exec.ExitError); ok && ee.Sys().(syscall.WaitStatus).Signaled() {
				check(mode, dir, "killed at "+p)
			} else if err != nil {
				t.Fatalf("%s at %s: %v\n%s", mode, p, err, stderr)
			} else {
				// The point is not on this mode's path (e.g. no exchange
				// into a fresh directory): the convert just succeeded.
				check(mode, dir, "not reaching "+p)
				interruptions--
			}
		}
	}

	// Real SIGKILLs at random moments of a convert.
	trials := 8
	if testing.Short() {
		trials = 4
	}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 9))
	for _, mode := range modes {
		for i := 0; i < trials; i++ {
			dir := filepath.Join(work, "out-"+mode)
			prepare(mode, dir)
			delay := time.Duration(rng.Int64N(int64(took) * 5 / 4))
			cmd, stderr := convert(modelB, dir)
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			time.Sleep(delay)
			cmd.Process.Signal(syscall.SIGKILL)
			if err := cmd.Wait(); err != nil {
				if ee, ok := err.(*exec.ExitError); !ok || !ee.Sys().(syscall.WaitStatus).Signaled() {
					t.Fatalf("convert: %v\n%s", err, stderr)
				}
			}
			check(mode, dir, fmt.Sprintf("SIGKILL after %v", delay.Round(time.Millisecond)))
		}
	}
	var parts []string
	for _, k := range []string{"absent", "old set", "new set", "mixed, refused"} {
		parts = append(parts, fmt.Sprintf("%d %s", outcomes[k], k))
	}
	testenv.Report("kill9: %d interruptions (%s), %d failures", interruptions, strings.Join(parts, ", "), failures)
}

// TestFailedConvertKeepsOthersFiles pauses a convert that will fail after
// it has started its output set, lets another convert publish into the
// same directory (and into a parent the first one created), then lets the
// first fail: its cleanup must remove only what it made itself.
func TestFailedConvertKeepsOthersFiles(t *testing.T) {
	bin := buildCLI(t)
	work := t.TempDir()
	good := filepath.Join(work, "good.onnx")
	chainModel(t, good, 2, 64, 1)
	// bad's weight is external data that does not exist: it fails while
	// writing weights, after its output set was begun.
	bad := filepath.Join(work, "bad", "model.onnx")
	os.MkdirAll(filepath.Dir(bad), 0o755)
	if err := hostile.AddModel(filepath.Dir(bad), "model.onnx", hostile.External("w", tensor.Float32, []int64{hostile.WeightLen}, "missing.bin", 0, 4*hostile.WeightLen)); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(work, "p", "q", "out")
	cmd := exec.Command(bin, "convert", bad, "-o", out)
	cmd.Env = append(os.Environ(), crashpoint.PauseEnv+"=staged")
	stdin, _ := cmd.StdinPipe()
	stderrPipe, _ := cmd.StderrPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	rd := bufio.NewReader(stderrPipe)
	line, _ := rd.ReadString('\n')
	if !strings.Contains(line, "paused at staged") {
		t.Fatalf("convert did not pause: %q", line)
	}
	// Meanwhile: another convert publishes into out, and a file appears
	// in the parent the first convert created.
	if o, err := exec.Command(bin, "convert", good, "-o", out).CombinedOutput(); err != nil {
		t.Fatalf("second convert: %v\n%s", err, o)
	}
	os.WriteFile(filepath.Join(work, "p", "q", "other.txt"), []byte("x"), 0o644)
	want := dirFiles(t, out)
	stdin.Close()
	rest, _ := rd.ReadString(0)
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the bad convert succeeded")
	}
	if !strings.Contains(rest, "missing.bin") {
		t.Errorf("bad convert's error: %q", rest)
	}
	if got := dirFiles(t, out); !sameFiles(got, want) {
		t.Errorf("the failed convert changed the other's output: %s", names(got))
	}
	if _, err := os.Stat(filepath.Join(work, "p", "q", "other.txt")); err != nil {
		t.Errorf("the failed convert removed a file it did not make: %v", err)
	}
	if l := leftovers(t, out); len(l) > 0 {
		t.Errorf("leftovers: %v", l)
	}
}
