package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// WriteFile writes one output file (a JUnit report, say) the way a set is
// published: into a temporary beside path with an unpredictable name,
// created O_EXCL (never through a link), synced, then renamed over path,
// so a failure leaves nothing of its own and the old file stays whole, and
// a link planted at path is replaced, never written through. An existing
// directory at path is refused before anything is written; a missing
// parent directory is an error, not created.
func WriteFile(path string, data []byte) error {
	if err := CheckFilePath(path); err != nil {
		return err
	}
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+stageMark+"*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, 0o644) // CreateTemp makes it 0600
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	syncDir(filepath.Dir(path))
	return nil
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
