// Package atomicdir publishes a set of output files (model.webnn,
// model.weights, manifest.json, ...) into a directory so that a crash at
// any moment, kill -9 included, leaves the directory holding the complete
// old set or the complete new set, never a mixture, and never loses a
// file of the user's.
//
// The set is built in a private staging directory created beside the
// target with an unpredictable name (os.MkdirTemp; mode 0700; files
// created O_EXCL|O_NOFOLLOW inside it), and published by one rename:
//
//   - target absent: renameat2(RENAME_NOREPLACE) of the stage onto it;
//   - target holding only names of the set (a previous conversion): the
//     stage and the target are swapped with renameat2(RENAME_EXCHANGE),
//     then the old set, now at the stage's name, is removed (anything
//     another process put into the old directory meanwhile is moved back
//     first, never deleted);
//   - target holding other files too (the user's), the current directory,
//     or a system without renameat2: the files are renamed into it one by
//     one, manifest last. Each rename is atomic, but between two of them
//     the directory holds a mixture; the manifest pins the exact graph and
//     weights it describes (see package manifest), so readers refuse such
//     a mixture instead of using it, and the next conversion replaces it.
//
// Every staging directory is held with flock while its process lives; a
// later Begin for the same target removes the staging directories whose
// owners died (their flock is gone) and the names of the set inside them,
// nothing else. A failed conversion removes only what its own process
// created: its stage and the parent directories it made, if still empty.
package atomicdir

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/webnn-graph/webnn-graph/internal/crashpoint"
)

// stageMark is in the name of every staging directory:
// PARENT/.<target name>.webnn-graph-<random>, or, when the parent is not
// writable, TARGET/.webnn-graph-<random>.
const stageMark = ".webnn-graph-"

// Set is an output set being built.
type Set struct {
	dir      string   // target directory (absolute)
	parent   string   // its parent
	names    []string // file names a set may hold, in publishing order
	stage    string   // private staging directory
	lock     *os.File // the stage, open and flocked while this process lives
	inDir    bool     // the stage lies inside dir (parent not writable)
	written  []string // names created in the stage, in order
	madeDirs []string // ancestors of dir this process created, outermost first
	done     bool
}

// Begin starts a set for directory dir. names lists every file name a set
// may hold (what a previous set in dir may have left and this one may
// replace); the last is published last (the manifest). Missing parents of
// dir are created, and removed again by Abort. Leftovers of interrupted
// sets for dir are cleared first.
func Begin(dir string, names []string) (*Set, error) {
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if st, err := os.Lstat(abs); err == nil {
		if st.Mode()&fs.ModeSymlink != 0 {
			// A link the user named as the output: publish where it leads.
			if abs, err = filepath.EvalSymlinks(abs); err != nil {
				return nil, err
			}
			if st, err = os.Stat(abs); err != nil {
				return nil, err
			}
		}
		if !st.IsDir() {
			return nil, fmt.Errorf("%s exists and is not a directory", dir)
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	if filepath.Dir(abs) == abs {
		return nil, fmt.Errorf("%s: cannot publish into a filesystem root", dir)
	}
	s := &Set{dir: abs, parent: filepath.Dir(abs), names: names}
	if err := s.makeParents(); err != nil {
		s.removeMadeDirs()
		return nil, err
	}
	unlock := lockDir(s.parent)
	s.clearLeftovers()
	s.stage, err = os.MkdirTemp(s.parent, "."+filepath.Base(abs)+stageMark)
	if err != nil && (errors.Is(err, fs.ErrPermission) || isReadOnly(err)) {
		if _, serr := os.Stat(abs); serr == nil {
			s.stage, err = os.MkdirTemp(abs, stageMark)
			s.inDir = true
		}
	}
	if err == nil {
		s.lock, err = holdDir(s.stage)
		if err != nil {
			os.Remove(s.stage)
		}
	}
	unlock()
	if err != nil {
		s.removeMadeDirs()
		return nil, err
	}
	crashpoint.At("staged")
	return s, nil
}

// makeParents creates the missing ancestors of s.dir, remembering them.
func (s *Set) makeParents() error {
	var missing []string
	for d := s.parent; ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil {
			break
		} else if !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		missing = append(missing, d)
		if filepath.Dir(d) == d {
			break
		}
	}
	for i := len(missing) - 1; i >= 0; i-- {
		if err := os.Mkdir(missing[i], 0o755); err != nil {
			if errors.Is(err, fs.ErrExist) {
				continue // someone else made it: not ours to remove
			}
			return err
		}
		s.madeDirs = append(s.madeDirs, missing[i])
	}
	return nil
}

// Dir is the target directory.
func (s *Set) Dir() string { return s.dir }

// Create creates name in the stage (O_EXCL, never through a link), open
// for reading and writing: the weights writer reads back what it wrote to
// deduplicate constants.
func (s *Set) Create(name string) (*os.File, error) {
	if !slices.Contains(s.names, name) || strings.ContainsRune(name, filepath.Separator) {
		return nil, fmt.Errorf("atomicdir: %q is not a name of this set", name)
	}
	if s.done {
		return nil, errors.New("atomicdir: set already published or aborted")
	}
	f, err := createExcl(filepath.Join(s.stage, name))
	if err != nil {
		return nil, err
	}
	s.written = append(s.written, name)
	return f, nil
}

// WriteFile creates name in the stage holding data, synced.
func (s *Set) WriteFile(name string, data []byte) error {
	f, err := s.Create(name)
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// Commit publishes the set into the target directory.
func (s *Set) Commit() error {
	if s.done {
		return errors.New("atomicdir: set already published or aborted")
	}
	if err := s.lock.Sync(); err != nil {
		return err
	}
	crashpoint.At("before-commit")
	unlock := lockDir(s.parent)
	defer unlock()
	err := s.publish()
	if err != nil {
		return err
	}
	s.done = true
	syncDir(s.dir)
	syncDir(s.parent)
	s.lock.Close()
	crashpoint.At("committed")
	return nil
}

func (s *Set) publish() error {
	if s.inDir {
		return s.publishFiles()
	}
	st, err := os.Lstat(s.dir)
	if errors.Is(err, fs.ErrNotExist) {
		os.Chmod(s.stage, 0o755)
		err := renameNoReplace(s.stage, s.dir)
		if err == nil {
			return nil
		}
		if !errors.Is(err, errUnsupported) && !errors.Is(err, fs.ErrExist) && !isNotEmpty(err) {
			return err
		}
		if errors.Is(err, errUnsupported) {
			if _, lerr := os.Lstat(s.dir); errors.Is(lerr, fs.ErrNotExist) {
				return os.Rename(s.stage, s.dir)
			}
		}
		// Someone created the target meanwhile: publish into it.
		if st, err = os.Lstat(s.dir); err != nil {
			return err
		}
	} else if err != nil {
		return err
	}
	if !st.IsDir() {
		return fmt.Errorf("%s is not a directory", s.dir)
	}
	if s.onlyOurs() && !s.holdsWorkingDir() {
		os.Chmod(s.stage, st.Mode().Perm())
		err := exchange(s.stage, s.dir)
		if err == nil {
			crashpoint.At("after-exchange")
			s.removeOld(s.stage)
			return nil
		}
		if !errors.Is(err, errUnsupported) {
			return err
		}
	}
	return s.publishFiles()
}

// onlyOurs reports whether the target holds names of the set only.
func (s *Set) onlyOurs() bool {
	es, err := os.ReadDir(s.dir)
	if err != nil {
		return false
	}
	for _, e := range es {
		if !slices.Contains(s.names, e.Name()) {
			return false
		}
	}
	return true
}

// holdsWorkingDir reports whether the target is, or holds, this process's
// working directory (most likely the user's shell's too), which a swap
// would leave pointing at a removed directory.
func (s *Set) holdsWorkingDir() bool {
	wd, err := os.Getwd()
	if err != nil {
		return true
	}
	if real, err := filepath.EvalSymlinks(wd); err == nil {
		wd = real
	}
	dir := s.dir
	if real, err := filepath.EvalSymlinks(dir); err == nil {
		dir = real
	}
	return wd == dir || strings.HasPrefix(wd, dir+string(filepath.Separator))
}

// publishFiles renames the staged files into the target one by one, the
// last name (the manifest) last, then removes names of the set this one
// does not hold.
func (s *Set) publishFiles() error {
	order := slices.Clone(s.written)
	last := s.names[len(s.names)-1]
	if i := slices.Index(order, last); i >= 0 {
		order = append(slices.Delete(order, i, i+1), last)
	}
	for _, n := range order {
		src, dst := filepath.Join(s.stage, n), filepath.Join(s.dir, n)
		if err := os.Rename(src, dst); err != nil {
			return err
		}
		// A staged hard link (Link) of the file already at dst: rename
		// leaves both names in place (POSIX), and dst is already right.
		removeSameFile(src, dst)
		crashpoint.At("after-rename:" + n)
	}
	for _, n := range s.names {
		if !slices.Contains(s.written, n) {
			removeEntry(filepath.Join(s.dir, n))
		}
	}
	return os.Remove(s.stage)
}

// removeOld removes the old set swapped out to path: what another process
// added there meanwhile goes back into the target first.
func (s *Set) removeOld(path string) {
	es, _ := os.ReadDir(path)
	for _, e := range es {
		if !slices.Contains(s.names, e.Name()) {
			renameNoReplace(filepath.Join(path, e.Name()), filepath.Join(s.dir, e.Name()))
		}
	}
	crashpoint.At("removing-old")
	for _, n := range s.names {
		removeEntry(filepath.Join(path, n))
	}
	os.Remove(path)
}

// Abort removes what this process created: the stage and the parents it
// made (if still empty). It does nothing after Commit.
func (s *Set) Abort() {
	if s.done {
		return
	}
	s.done = true
	for _, n := range s.written {
		os.Remove(filepath.Join(s.stage, n))
	}
	os.Remove(s.stage)
	if s.lock != nil {
		s.lock.Close()
	}
	s.removeMadeDirs()
}

func (s *Set) removeMadeDirs() {
	for i := len(s.madeDirs) - 1; i >= 0; i-- {
		if os.Remove(s.madeDirs[i]) != nil {
			break // someone else's files are in it now
		}
	}
	s.madeDirs = nil
}

// legacyTemp matches the temporaries of earlier versions: NAME.tmp-PID.
var legacyTemp = regexp.MustCompile(`^(.+)\.tmp-([0-9]+)$`)

// clearLeftovers removes what interrupted sets for this target left: the
// staging directories whose owners died (no flock held) and the names of
// the set in them, and earlier versions' NAME.tmp-PID files of dead PIDs.
// The caller holds the parent's lock, so no live Begin is half-way.
func (s *Set) clearLeftovers() {
	prefix := "." + filepath.Base(s.dir) + stageMark
	scan := func(dir, prefix string) {
		es, err := os.ReadDir(dir)
		if err != nil {
			return
		}
		for _, e := range es {
			if strings.HasPrefix(e.Name(), prefix) && e.IsDir() {
				s.clearStage(filepath.Join(dir, e.Name()))
			}
		}
	}
	scan(s.parent, prefix)
	scan(s.dir, stageMark)
	es, _ := os.ReadDir(s.dir)
	for _, e := range es {
		m := legacyTemp.FindStringSubmatch(e.Name())
		if m == nil || !slices.Contains(s.names, m[1]) || e.IsDir() {
			continue
		}
		if pid, err := strconv.Atoi(m[2]); err == nil && !processAlive(pid) {
			os.Remove(filepath.Join(s.dir, e.Name()))
		}
	}
}

// clearStage removes a dead process's staging directory: the names of the
// set in it, then the directory if nothing else is left.
func (s *Set) clearStage(path string) {
	f, err := holdDirNonblocking(path)
	if err != nil {
		return // a live owner holds it, or it is not a plain directory
	}
	defer f.Close()
	for _, n := range s.names {
		removeEntry(filepath.Join(path, n))
	}
	os.Remove(path)
}

// removeSameFile removes src when it is still there as another name of
// dst's file.
func removeSameFile(src, dst string) {
	ss, err1 := os.Lstat(src)
	ds, err2 := os.Lstat(dst)
	if err1 == nil && err2 == nil && ss.Mode().IsRegular() && os.SameFile(ss, ds) {
		os.Remove(src)
	}
}

// removeEntry removes a file or link (never a directory, never through a
// link).
func removeEntry(p string) {
	if st, err := os.Lstat(p); err == nil && !st.IsDir() {
		os.Remove(p)
	}
}
