package atomicdir

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// Link places src, an open regular file (opened by the caller inside the
// directory it belongs to, e.g. with package confine), into the set as
// name: a hard link to that very file where the system allows it (linked
// through the open descriptor, so a link planted at src's path after it
// was opened is never what gets linked), else a copy of its bytes. The
// staged name is checked to be a regular file that is src before it is
// kept: the set never holds a symbolic link.
func (s *Set) Link(name string, src *os.File) error {
	if !slices.Contains(s.names, name) || strings.ContainsRune(name, filepath.Separator) {
		return fmt.Errorf("atomicdir: %q is not a name of this set", name)
	}
	if s.done {
		return errors.New("atomicdir: set already published or aborted")
	}
	sst, err := src.Stat()
	if err != nil {
		return err
	}
	if !sst.Mode().IsRegular() {
		return fmt.Errorf("atomicdir: %s is not a regular file", src.Name())
	}
	dst := filepath.Join(s.stage, name)
	if linkOpen(src, dst) == nil {
		if st, err := os.Lstat(dst); err == nil && st.Mode().IsRegular() && os.SameFile(st, sst) {
			s.written = append(s.written, name)
			return nil
		}
		os.Remove(dst) // not the file opened: copy it instead
	}
	f, err := s.Create(name)
	if err != nil {
		return err
	}
	_, err = io.Copy(f, io.NewSectionReader(src, 0, sst.Size()))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
