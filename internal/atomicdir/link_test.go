package atomicdir

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

// TestLink: the opened file is what the set gets (even after its path is
// swapped for a link), as a regular file; publishing over a hard link of
// the same file leaves no stage behind.
func TestLink(t *testing.T) {
	root := t.TempDir()
	src := filepath.Join(root, "w.bin")
	secret := filepath.Join(root, "secret")
	os.WriteFile(src, []byte("weights"), 0o644)
	os.WriteFile(secret, []byte("secret"), 0o644)
	dir := filepath.Join(root, "out")
	for round := 0; round < 2; round++ {
		f, err := os.Open(src)
		if err != nil {
			t.Fatal(err)
		}
		// The path now names a link to the secret; the open file is still w.bin.
		os.Rename(src, src+".real")
		os.Symlink(secret, src)
		s, err := Begin(dir, []string{"model.weights", "model.js"})
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Link("model.weights", f); err != nil {
			t.Fatal(err)
		}
		if err := s.WriteFile("model.js", []byte("js")); err != nil {
			t.Fatal(err)
		}
		if err := s.Link("other", f); err == nil {
			t.Errorf("Link of a name outside the set succeeded")
		}
		if err := s.Commit(); err != nil {
			t.Fatalf("round %d: %v", round, err)
		}
		f.Close()
		os.Remove(src)
		os.Rename(src+".real", src)
		st, err := os.Lstat(filepath.Join(dir, "model.weights"))
		if err != nil || !st.Mode().IsRegular() {
			t.Fatalf("round %d: model.weights is not a regular file: %v", round, err)
		}
		if b, _ := os.ReadFile(filepath.Join(dir, "model.weights")); string(b) != "weights" {
			t.Errorf("round %d: model.weights holds %q", round, b)
		}
		// Round 2 publishes per file (a user's file is there) over the
		// hard link round 1 made.
		os.WriteFile(filepath.Join(dir, "notes.txt"), []byte("mine"), 0o644)
	}
	es, _ := os.ReadDir(root)
	for _, e := range es {
		if e.Name() != "out" && e.Name() != "w.bin" && e.Name() != "secret" {
			t.Errorf("%s left in %s", e.Name(), root)
		}
	}
}

// TestWriteFile: a link at the path is replaced, a directory refused
// before anything is written, a missing parent not created.
func TestWriteFile(t *testing.T) {
	root := t.TempDir()
	secret := filepath.Join(root, "secret")
	os.WriteFile(secret, []byte("secret"), 0o644)
	p := filepath.Join(root, "j.xml")
	os.Symlink(secret, p)
	if err := WriteFile(p, []byte("<x/>")); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Lstat(p); !st.Mode().IsRegular() {
		t.Errorf("the link at %s was not replaced", p)
	}
	if b, _ := os.ReadFile(secret); string(b) != "secret" {
		t.Errorf("written through the link: secret holds %q", b)
	}
	for _, bad := range []string{root, filepath.Join(root, "missing", "j.xml"), filepath.Join(secret, "j.xml")} {
		if err := WriteFile(bad, []byte("x")); err == nil {
			t.Errorf("WriteFile(%s) succeeded", bad)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "missing")); err == nil {
		t.Errorf("a missing parent was created")
	}
	es, _ := os.ReadDir(root)
	if len(es) != 2 {
		t.Errorf("left behind: %v", es)
	}
}

// TestWriteFileClearsDeadTemporaries: a temporary of an earlier writer of
// the same path that died (flock free, older than a minute) is removed; a
// live writer's (flock held) and a recent one are kept; other names too.
func TestWriteFileClearsDeadTemporaries(t *testing.T) {
	root := t.TempDir()
	p := filepath.Join(root, "j.xml")
	old := time.Now().Add(-time.Hour)
	mk := func(name string) string {
		q := filepath.Join(root, name)
		os.WriteFile(q, []byte("partial"), 0o600)
		os.Chtimes(q, old, old)
		return q
	}
	dead := mk(".j.xml" + stageMark + "111")
	live := mk(".j.xml" + stageMark + "222")
	other := mk(".k.xml" + stageMark + "333")
	recent := filepath.Join(root, ".j.xml"+stageMark+"444")
	os.WriteFile(recent, nil, 0o600)
	lf, err := os.Open(live)
	if err != nil {
		t.Fatal(err)
	}
	defer lf.Close()
	if err := lockFile(lf); err != nil {
		t.Skipf("no flock here: %v", err)
	}
	if err := WriteFile(p, []byte("<x/>")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(dead); err == nil {
		t.Errorf("a dead writer's temporary is still there")
	}
	for _, q := range []string{live, other, recent} {
		if _, err := os.Lstat(q); err != nil {
			t.Errorf("%s was removed", filepath.Base(q))
		}
	}
}
