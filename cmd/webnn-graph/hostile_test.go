package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/testdata/hostile"
)

// TestHostile runs every row of the hostile-input suite (testdata/hostile)
// against the built CLI: each in a fresh scratch area, under its timeout
// and a peak-RSS limit, checking the exit status, that stderr is one line
// without a Go trace and holds the row's message, that no byte of the
// secret beside the model directory appears in any output, and that
// nothing outside the output path changed (nothing at all when the command
// fails). Rows listed in testdata/hostile/known-failures.txt may fail (a
// listed row that passes fails the test, so the list only shrinks).
func TestHostile(t *testing.T) {
	bin := buildCLI(t)
	known := knownFailures(t)
	var passed, failed, skipped int
	for _, c := range hostile.Cases() {
		var problems []string
		skip, ran := "", false
		t.Run(c.Name, func(t *testing.T) {
			ran = true
			problems, skip = runHostileCase(t, bin, c)
			if skip != "" {
				t.Skipf("skipping: %s", skip) // after the counts have seen it
			}
		})
		switch {
		case !ran:
			continue // left out by -run
		case skip != "":
			skipped++
		case len(problems) == 0:
			passed++
			if known[c.Name] {
				t.Errorf("%s passes now: remove it from testdata/hostile/known-failures.txt", c.Name)
			}
		default:
			failed++
			msg := fmt.Sprintf("%s (%s): %s", c.Name, c.Class, strings.Join(problems, "; "))
			if known[c.Name] {
				t.Logf("known failure: %s", msg)
			} else {
				t.Error(msg)
			}
		}
	}
	testenv.Report("hostile: %d passed, %d failed, %d skipped", passed, failed, skipped)
}

// buildCLI builds the command into the test's temporary directory (the
// build cache makes every build after the first a link).
func buildCLI(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "webnn-graph")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

func knownFailures(t *testing.T) map[string]bool {
	p := filepath.Join(testenv.RepoRoot(), "testdata", "hostile", "known-failures.txt")
	b, err := os.ReadFile(p)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		t.Fatal(err)
	}
	names := map[string]bool{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if i := strings.IndexByte(line, '#'); i >= 0 {
			line = strings.TrimSpace(line[:i])
		}
		if line != "" {
			names[line] = true
		}
	}
	return names
}

// runHostileCase runs one row and returns what it got wrong (nothing: it
// passed) or why it was skipped.
func runHostileCase(t *testing.T, bin string, c hostile.Case) (problems []string, skip string) {
	scratch := t.TempDir()
	dir := filepath.Join(scratch, hostile.ModelDirName)
	out := hostile.OutPath(dir)
	tmp := filepath.Join(scratch, hostile.TmpName)
	cwd := filepath.Join(scratch, hostile.CwdName)
	for _, d := range []string{dir, tmp, cwd} {
		if err := os.Mkdir(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(hostile.SecretPath(dir), hostile.Secret, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := c.Setup(dir); err != nil {
		if errors.Is(err, hostile.ErrUnsupported) {
			return nil, err.Error()
		}
		t.Fatalf("setup: %v", err)
	}
	before, err := snapshot(scratch)
	if err != nil {
		t.Fatal(err)
	}

	timeout := c.Timeout
	if timeout == 0 {
		timeout = hostile.DefaultTimeout
	}
	args := hostile.Expand(c.Args, dir, out)
	cmd := exec.Command(bin, args...)
	cmd.Dir = cwd
	cmd.Env = append(os.Environ(), "TMPDIR="+tmp, "NO_COLOR=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// The watchdog kills the command at its timeout, or as soon as its
	// resident set passes twice the limit (so a runaway allocation never
	// takes the machine down before rusage can report it).
	var timedOut, overMemory bool
	var mu sync.Mutex
	done := make(chan struct{})
	go func() {
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		deadline := time.After(timeout)
		for {
			select {
			case <-done:
				return
			case <-deadline:
				mu.Lock()
				timedOut = true
				mu.Unlock()
				cmd.Process.Kill()
				return
			case <-tick.C:
				if rss := currentRSS(cmd.Process.Pid); rss > 2*hostile.MemoryLimit {
					mu.Lock()
					overMemory = true
					mu.Unlock()
					cmd.Process.Kill()
					return
				}
			}
		}
	}()
	waitErr := cmd.Wait()
	close(done)
	elapsed := time.Since(start)
	mu.Lock()
	defer mu.Unlock()

	fail := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	status := cmd.ProcessState.ExitCode()
	errText := stderr.String()
	oneLine := strings.TrimSpace(errText)
	switch {
	case timedOut:
		fail("timed out after %v", timeout)
	case overMemory:
		fail("resident set passed %d MiB; killed", 2*hostile.MemoryLimit>>20)
	case status != c.Exit:
		fail("exit status %d (%v), want %d", status, waitErr, c.Exit)
	}
	if rss := peakRSS(cmd.ProcessState); rss > hostile.MemoryLimit {
		fail("peak RSS %d MiB is above %d MiB", rss>>20, hostile.MemoryLimit>>20)
	}
	for _, bad := range []string{"goroutine ", "panic:", "fatal error", "internal error"} {
		if strings.Contains(errText, bad) {
			fail("stderr shows a Go failure (%q)", bad)
		}
	}
	if c.Exit != 0 && (oneLine == "" || strings.Contains(oneLine, "\n")) {
		fail("stderr is not one line")
	}
	if !strings.Contains(errText, c.Msg) {
		fail("stderr lacks %q", c.Msg)
	}
	// the size as a number of its own: the scratch paths in messages
	// (TestHostile…2046507731) hold digit runs that may contain it
	disclosed := regexp.MustCompile(`(^|[^0-9])` + strconv.Itoa(hostile.SecretSize) + `([^0-9]|$)`)
	if disclosed.MatchString(stdout.String()) || disclosed.MatchString(errText) {
		fail("output discloses the secret's size %d", hostile.SecretSize)
	}
	// names from the model never reach the terminal as control
	// characters (escape sequences, BEL, carriage returns)
	if i := bytes.IndexFunc(stdout.Bytes(), func(r rune) bool {
		return (r < 0x20 && r != '\n' && r != '\t') || r == 0x7f || (r >= 0x80 && r <= 0x9f)
	}); i >= 0 {
		fail("stdout holds the control character %q", stdout.Bytes()[i])
	}
	if leaks := secretIn(stdout.Bytes()) || secretIn(stderr.Bytes()); leaks {
		fail("stdout/stderr hold bytes of the secret")
	}

	after, err := snapshot(scratch)
	if err != nil {
		t.Fatal(err)
	}
	// A failed command changes nothing; a successful one only the output path.
	changed := diffSnapshots(before, after, scratch, out, c.Exit != 0)
	if len(changed) > 0 {
		if len(changed) > 5 {
			changed = append(changed[:5], fmt.Sprintf("and %d more", len(changed)-5))
		}
		fail("changed outside the output: %s", strings.Join(changed, ", "))
	}
	for p, e := range after {
		if e.kind == "file" && e.secret {
			fail("%s holds bytes of the secret", p)
		}
	}
	if c.Check != nil {
		if err := c.Check(dir, out); err != nil {
			fail("%v", err)
		}
	}
	if len(problems) > 0 {
		t.Logf("webnn-graph %s\nexit %d after %v\nstderr:\n%s", strings.Join(args, " "), status, elapsed.Round(time.Millisecond), errText)
	}
	return problems, ""
}

// entry is what a snapshot keeps of one path (never following links,
// never opening anything but regular files).
type entry struct {
	kind   string // "dir", "file", "link", "other"
	mode   fs.FileMode
	size   int64
	mtime  time.Time
	sum    [32]byte
	target string
	secret bool // a regular file holding bytes of the secret
}

func snapshot(root string) (map[string]entry, error) {
	snap := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		e := entry{mode: info.Mode()}
		switch {
		case info.IsDir():
			e.kind = "dir"
		case info.Mode()&fs.ModeSymlink != 0:
			e.kind = "link"
			e.target, _ = os.Readlink(p)
		case info.Mode().IsRegular():
			e.kind, e.size, e.mtime = "file", info.Size(), info.ModTime()
			b, err := os.ReadFile(p)
			if err != nil {
				return err
			}
			e.sum = sha256.Sum256(b)
			e.secret = rel != hostile.SecretName && secretIn(b)
		default:
			e.kind = "other"
		}
		snap[rel] = e
		return nil
	})
	return snap, err
}

// diffSnapshots lists the paths created, removed or changed, except under
// out (relative to root) when outChanges allows it.
func diffSnapshots(before, after map[string]entry, root, out string, failed bool) []string {
	outRel, _ := filepath.Rel(root, out)
	underOut := func(p string) bool {
		return !failed && (p == outRel || strings.HasPrefix(p, outRel+string(filepath.Separator)))
	}
	var changed []string
	for p, b := range before {
		if underOut(p) {
			continue
		}
		a, ok := after[p]
		switch {
		case !ok:
			changed = append(changed, p+" removed")
		case a.kind != b.kind || a.mode != b.mode || a.size != b.size || !a.mtime.Equal(b.mtime) || a.sum != b.sum || a.target != b.target:
			changed = append(changed, p+" modified")
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok && !underOut(p) {
			changed = append(changed, p+" created")
		}
	}
	return changed
}

// secretIn reports whether b holds any 16-byte run of the secret (aligned
// in the secret, so every copy of 31 bytes or more is found).
func secretIn(b []byte) bool {
	for i := 0; i+16 <= len(hostile.Secret); i += 16 {
		if bytes.Contains(b, hostile.Secret[i:i+16]) {
			return true
		}
	}
	return false
}
