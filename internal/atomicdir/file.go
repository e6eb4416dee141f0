package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// WriteFile writes one output file (a JUnit report, say) the way a set is
// published: see CreateFile.
func WriteFile(path string, data []byte) error {
	f, err := CreateFile(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Abort()
		return err
	}
	return f.Commit()
}

// File is one output file being written under a temporary name.
type File struct {
	*os.File
	path string
	done bool
}

// CreateFile starts one output file: a temporary beside path with an
// unpredictable name, created O_EXCL (never through a link) and flocked
// while this process writes it; Commit syncs it and renames it over path,
// so a failure leaves nothing of its own and the old file stays whole, and
// a link planted at path is replaced, never written through. An existing
// directory at path is refused before anything is written; a missing
// parent directory is an error, not created. Temporaries of earlier
// writers of path that died (their flock free) are removed first.
func CreateFile(path string) (*File, error) {
	if err := CheckFilePath(path); err != nil {
		return nil, err
	}
	dir, prefix := filepath.Dir(path), "."+filepath.Base(path)+stageMark
	clearTemps(dir, prefix)
	f, err := os.CreateTemp(dir, prefix+"*")
	if err != nil {
		return nil, err
	}
	if err := lockFile(f); err != nil {
		f.Close()
		os.Remove(f.Name())
		return nil, err
	}
	return &File{File: f, path: path}, nil
}

// Commit publishes the file at its path.
func (f *File) Commit() error {
	if f.done {
		return errors.New("atomicdir: file already published or aborted")
	}
	f.done = true
	tmp := f.Name()
	err := f.Sync()
	if err == nil {
		err = os.Chmod(tmp, 0o644) // CreateTemp makes it 0600
	}
	if err == nil {
		err = os.Rename(tmp, f.path)
	}
	f.File.Close() // after the rename: the flock marks the temporary live till then
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(f.path))
	return nil
}

// Abort removes the temporary; it does nothing after Commit.
func (f *File) Abort() {
	if f.done {
		return
	}
	f.done = true
	f.File.Close()
	os.Remove(f.Name())
}

// clearTemps removes the temporaries of earlier WriteFiles of the same
// path whose writers died (killed between create and rename): their flock
// is free. A live writer's is left alone.
func clearTemps(dir, prefix string) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range es {
		if !strings.HasPrefix(e.Name(), prefix) || !e.Type().IsRegular() {
			continue
		}
		// A temporary of the last minute may be a live writer's between
		// its create and its flock.
		if info, err := e.Info(); err != nil || time.Since(info.ModTime()) < time.Minute {
			continue
		}
		if p := filepath.Join(dir, e.Name()); ownerGone(p) {
			os.Remove(p)
		}
	}
}

// CheckFilePath reports, before any work is done, why path cannot take an
// output file: it is a directory (or a link to one), or its parent is
// missing or not a directory.
func CheckFilePath(path string) error {
	if path == "" {
		return errors.New("no output file named")
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return fmt.Errorf("%s is a directory", path)
	}
	parent := filepath.Dir(path)
	st, err := os.Stat(parent)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%s: directory %s does not exist", path, parent)
	case err != nil:
		return err
	case !st.IsDir():
		return fmt.Errorf("%s: %s is not a directory", path, parent)
	}
	return nil
}
