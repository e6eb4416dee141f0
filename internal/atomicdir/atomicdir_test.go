package atomicdir

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

var names = []string{"model.webnn", "model.weights", "manifest.json"}

func publish(t *testing.T, dir, content string, files ...string) error {
	t.Helper()
	s, err := Begin(dir, names)
	if err != nil {
		return err
	}
	defer s.Abort()
	if len(files) == 0 {
		files = names
	}
	for _, n := range files {
		if err := s.WriteFile(n, []byte(content+":"+n)); err != nil {
			return err
		}
	}
	return s.Commit()
}

func list(t *testing.T, dir string) string {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		return "(" + err.Error() + ")"
	}
	var out []string
	for _, e := range es {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out = append(out, e.Name()+"="+string(b))
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func TestPublish(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "b", "out")
	if err := publish(t, dir, "one"); err != nil {
		t.Fatal(err)
	}
	want := "manifest.json=one:manifest.json model.webnn=one:model.webnn model.weights=one:model.weights"
	if got := list(t, dir); got != want {
		t.Fatalf("fresh: %s", got)
	}
	// Over a previous set (swapped whole); a name the new set lacks goes.
	if err := publish(t, dir, "two", "model.webnn", "manifest.json"); err != nil {
		t.Fatal(err)
	}
	if got := list(t, dir); got != "manifest.json=two:manifest.json model.webnn=two:model.webnn" {
		t.Fatalf("over a previous set: %s", got)
	}
	// Beside a file of the user's: file by file, the user's file stays.
	os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	if err := publish(t, dir, "three"); err != nil {
		t.Fatal(err)
	}
	want = "manifest.json=three:manifest.json model.webnn=three:model.webnn model.weights=three:model.weights notes.txt=mine"
	if got := list(t, dir); got != want {
		t.Fatalf("beside a user file: %s", got)
	}
	// A link planted at an output name is replaced, not written through.
	victim := filepath.Join(root, "victim")
	os.WriteFile(victim, []byte("victim"), 0o644)
	os.Remove(filepath.Join(dir, "model.webnn"))
	os.Symlink(victim, filepath.Join(dir, "model.webnn"))
	if err := publish(t, dir, "four"); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(victim); string(b) != "victim" {
		t.Errorf("wrote through a planted link: victim = %q", b)
	}
	if st, _ := os.Lstat(filepath.Join(dir, "model.webnn")); !st.Mode().IsRegular() {
		t.Errorf("model.webnn is still a link")
	}
	if got := list(t, filepath.Dir(dir)); strings.Contains(got, stageMark) {
		t.Errorf("staging left beside the output: %s", got)
	}
}

func TestAbortRemovesOnlyItsOwn(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "p", "q", "out")
	s, err := Begin(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.WriteFile("model.webnn", []byte("x")); err != nil {
		t.Fatal(err)
	}
	s.Abort()
	if _, err := os.Stat(filepath.Join(root, "p")); !os.IsNotExist(err) {
		t.Errorf("abort left the parents it made: %v", err)
	}
	// A parent someone else wrote into meanwhile stays.
	s, err = Begin(dir, names)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(root, "p", "q", "other"), []byte("x"), 0o644)
	s.Abort()
	if _, err := os.Stat(filepath.Join(root, "p", "q", "other")); err != nil {
		t.Errorf("abort removed a file it did not make: %v", err)
	}
	if got := list(t, filepath.Join(root, "p", "q")); got != "other=x" {
		t.Errorf("left: %s", got)
	}
}

func TestLeftovers(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "out")
	// A dead convert's stage (no flock), with a file of the set and one
	// that is not; a live one's (flocked); an earlier version's temporary.
	dead := filepath.Join(root, ".out"+stageMark+"dead")
	os.Mkdir(dead, 0o700)
	os.WriteFile(filepath.Join(dead, "model.weights"), []byte("stale"), 0o644)
	deadOnlyOurs := filepath.Join(root, ".out"+stageMark+"gone")
	os.Mkdir(deadOnlyOurs, 0o700)
	os.WriteFile(filepath.Join(deadOnlyOurs, "model.weights"), []byte("stale"), 0o644)
	os.WriteFile(filepath.Join(dead, "unknown"), []byte("?"), 0o644)
	live := filepath.Join(root, ".out"+stageMark+"live")
	os.Mkdir(live, 0o700)
	hold, err := holdDir(live)
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	os.WriteFile(filepath.Join(live, "model.weights"), []byte("busy"), 0o644)
	os.Mkdir(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "model.weights.tmp-4194399"), []byte("stale"), 0o644)

	if err := publish(t, dir, "new"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(deadOnlyOurs); !os.IsNotExist(err) {
		t.Errorf("a dead convert's stage is still there")
	}
	if got := list(t, dead); got != "unknown=?" {
		t.Errorf("dead stage with a foreign file: %s (want only the foreign file kept)", got)
	}
	if got := list(t, live); got != "model.weights=busy" {
		t.Errorf("a live convert's stage was touched: %s", got)
	}
	if _, err := os.Stat(filepath.Join(dir, "model.weights.tmp-4194399")); !os.IsNotExist(err) {
		t.Errorf("an earlier version's temporary is still there")
	}
}
