package confine

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOpen(t *testing.T) {
	scratch := t.TempDir()
	root := filepath.Join(scratch, "model")
	shared := filepath.Join(scratch, "shared")
	for _, d := range []string{root, shared, filepath.Join(root, "sub")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	write := func(p string) {
		if err := os.WriteFile(p, []byte("data"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	link := func(target, p string) {
		if err := os.Symlink(target, p); err != nil {
			t.Skipf("no symlinks: %v", err)
		}
	}
	write(filepath.Join(scratch, "secret"))
	write(filepath.Join(shared, "w.bin"))
	write(filepath.Join(root, "w.bin"))
	write(filepath.Join(root, "sub", "x.bin"))
	link("../secret", filepath.Join(root, "out.bin"))
	link(filepath.Join(scratch, "secret"), filepath.Join(root, "abs-out.bin"))
	link("..", filepath.Join(root, "up"))
	link("sub/x.bin", filepath.Join(root, "in.bin"))
	link(filepath.Join(root, "w.bin"), filepath.Join(root, "abs-in.bin"))
	link("../model/sub/../w.bin", filepath.Join(root, "roundabout.bin"))
	link("../nowhere", filepath.Join(root, "dangling-out.bin"))
	link("nowhere", filepath.Join(root, "dangling-in.bin"))
	link("loop2", filepath.Join(root, "loop1"))
	link("loop1", filepath.Join(root, "loop2"))
	link("../shared/w.bin", filepath.Join(root, "shared.bin"))
	if err := syscall.Mkfifo(filepath.Join(root, "fifo"), 0o644); err != nil {
		t.Fatal(err)
	}

	r, err := NewRoot(root)
	if err != nil {
		t.Fatal(err)
	}
	wide, err := NewRoot(root, shared)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		root *Root
		loc  string
		want error // nil: opens
	}{
		{r, "w.bin", nil},
		{r, "sub/x.bin", nil},
		{r, "sub/../w.bin", nil},
		{r, "in.bin", nil},
		{r, "abs-in.bin", nil},
		{r, filepath.Join(root, "w.bin"), nil},
		{r, "roundabout.bin", nil}, // leaves through "..", comes back by the root's own name
		{r, "out.bin", ErrOutside},
		{r, "abs-out.bin", ErrOutside},
		{r, "up/secret", ErrOutside},
		{r, "../secret", ErrOutside},
		{r, filepath.Join(scratch, "secret"), ErrOutside},
		{r, "dangling-out.bin", ErrOutside},
		{r, "../nowhere", ErrOutside},
		{r, "dangling-in.bin", fs.ErrNotExist},
		{r, "missing.bin", fs.ErrNotExist},
		{r, "fifo", ErrNotRegular},
		{r, "sub", ErrNotRegular},
		{r, "shared.bin", ErrOutside},
		{wide, "shared.bin", nil},
		{wide, "../shared/w.bin", nil},
		{wide, "out.bin", ErrOutside},
	}
	for _, c := range cases {
		t.Run(c.loc, func(t *testing.T) {
			done := make(chan struct{})
			var f *os.File
			var err error
			go func() { f, err = c.root.Open(c.loc); close(done) }()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("Open blocked")
			}
			if f != nil {
				f.Close()
			}
			switch {
			case c.want == nil && err != nil:
				t.Fatalf("Open: %v", err)
			case c.want != nil && !errors.Is(err, c.want):
				t.Fatalf("Open: %v, want %v", err, c.want)
			}
			if err != nil && !strings.Contains(c.loc, scratch) && strings.Contains(err.Error(), scratch) {
				t.Errorf("error %q names a real path", err)
			}
		})
	}
}
