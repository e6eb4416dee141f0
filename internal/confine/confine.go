// Package confine opens the files a model or graph names (ONNX external
// data, the weights and manifest beside a graph) inside the directory they
// belong to, and only regular files.
//
// A location is resolved component by component with every symbolic link
// followed, and refused as soon as the resolved path leaves the root's real
// path (or one of the roots explicitly allowed beside it), before anything
// outside is even looked at: a refusal says nothing about its target, not
// whether it exists nor its size. The resolved file is then opened without
// following links (openat2 RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS where the
// kernel has it, O_NOFOLLOW elsewhere), non-blocking so that a FIFO cannot
// hang the open, and checked with fstat to be a regular file, so that a
// link swapped in after the resolution is refused too.
package confine

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// ErrOutside is the error of a location that resolves outside its root.
var ErrOutside = errors.New("outside the model directory (links are followed; --allow-external-path DIR widens it)")

// ErrNotRegular is the error of a location that is a FIFO, device,
// directory or socket.
var ErrNotRegular = errors.New("not a regular file")

// maxLinks bounds the links followed while resolving one location.
const maxLinks = 40

// Root is a directory that locations resolve inside, plus any directories
// explicitly allowed beside it.
type Root struct {
	dir   string   // as given
	roots []string // real paths: the directory's first, then the allowed ones
}

// NewRoot returns the root of dir; allow lists further directories whose
// files may be opened (--allow-external-path).
func NewRoot(dir string, allow ...string) (*Root, error) {
	r := &Root{dir: dir}
	for _, d := range append([]string{dir}, allow...) {
		real, err := realDir(d)
		if err != nil {
			return nil, err
		}
		r.roots = append(r.roots, real)
	}
	return r, nil
}

func realDir(d string) (string, error) {
	if d == "" {
		d = "."
	}
	abs, err := filepath.Abs(d)
	if err != nil {
		return "", err
	}
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return "", err
	}
	st, err := os.Stat(real)
	if err != nil {
		return "", err
	}
	if !st.IsDir() {
		return "", fmt.Errorf("%s is not a directory", d)
	}
	return real, nil
}

// Dir is the root directory as given.
func (r *Root) Dir() string { return r.dir }

// Error is a refused or failed location.
type Error struct {
	Loc string // the location as given
	Err error  // ErrOutside, ErrNotRegular, fs.ErrNotExist, ...
}

func (e *Error) Error() string { return fmt.Sprintf("%q: %v", e.Loc, e.Err) }
func (e *Error) Unwrap() error { return e.Err }

// within reports whether p is root or lies below it.
func within(p, root string) bool {
	if p == root {
		return true
	}
	if !strings.HasSuffix(root, string(filepath.Separator)) {
		root += string(filepath.Separator)
	}
	return strings.HasPrefix(p, root)
}

// inside reports whether p lies in one of the roots.
func (r *Root) inside(p string) bool {
	for _, root := range r.roots {
		if within(p, root) {
			return true
		}
	}
	return false
}

// reachable reports whether resolution may look at p: inside a root, or
// one of a root's ancestors (which exist and say nothing about anything
// else), on the way to a root through a relative link's "..".
func (r *Root) reachable(p string) bool {
	for _, root := range r.roots {
		if within(p, root) || within(root, p) {
			return true
		}
	}
	return false
}

// Resolve returns the real path of loc (relative to the root directory,
// or absolute), following links, or an *Error: ErrOutside as soon as the
// path leaves every root, before any path outside is looked at.
func (r *Root) Resolve(loc string) (string, error) {
	fail := func(err error) (string, error) { return "", &Error{Loc: loc, Err: err} }
	if loc == "" {
		return fail(fs.ErrNotExist)
	}
	prefix := r.roots[0]
	if filepath.IsAbs(loc) {
		prefix = volumeRoot(loc)
	}
	pending := splitPath(loc)
	links := 0
	for len(pending) > 0 {
		c := pending[0]
		pending = pending[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			prefix = filepath.Dir(prefix)
			continue
		}
		next := filepath.Join(prefix, c)
		if !r.reachable(next) {
			return fail(ErrOutside)
		}
		st, err := os.Lstat(next)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return fail(fs.ErrNotExist)
			}
			return fail(errors.Unwrap(err))
		}
		if st.Mode()&fs.ModeSymlink != 0 {
			if links++; links > maxLinks {
				return fail(errors.New("too many levels of symbolic links"))
			}
			target, err := os.Readlink(next)
			if err != nil {
				return fail(errors.Unwrap(err))
			}
			if filepath.IsAbs(target) {
				prefix = volumeRoot(target)
			}
			pending = append(splitPath(target), pending...)
			continue
		}
		if len(pending) > 0 && !st.IsDir() {
			return fail(errors.New("not a directory"))
		}
		prefix = next
	}
	if !r.inside(prefix) {
		return fail(ErrOutside)
	}
	return prefix, nil
}

func splitPath(p string) []string {
	p = filepath.ToSlash(strings.TrimPrefix(p, filepath.VolumeName(p)))
	return strings.Split(p, "/")
}

func volumeRoot(p string) string { return filepath.VolumeName(p) + string(filepath.Separator) }

// Open resolves loc and opens it read-only: a regular file inside the
// roots, or an *Error.
func (r *Root) Open(loc string) (*os.File, error) {
	real, err := r.Resolve(loc)
	if err != nil {
		return nil, err
	}
	var root string
	for _, rt := range r.roots {
		if within(real, rt) {
			root = rt
			break
		}
	}
	f, err := openBeneath(root, real)
	if err != nil {
		return nil, &Error{Loc: loc, Err: err}
	}
	if err := checkRegular(f); err != nil {
		f.Close()
		return nil, &Error{Loc: loc, Err: err}
	}
	return f, nil
}

// Exists reports whether loc names anything in the root directory itself
// (a link counts, wherever it points): the choice between candidate names
// never depends on what lies outside.
func (r *Root) Exists(loc string) bool {
	_, err := os.Lstat(filepath.Join(r.roots[0], loc))
	return err == nil
}

// OpenRegular opens a path the user gave (links followed, no root) for
// reading; only a regular file is accepted, and a FIFO never blocks.
func OpenRegular(path string) (*os.File, error) {
	f, err := openNonblock(path)
	if err != nil {
		return nil, err
	}
	if err := checkRegular(f); err != nil {
		f.Close()
		return nil, &fs.PathError{Op: "open", Path: path, Err: err}
	}
	return f, nil
}

// ReadRegular reads a whole user-given regular file, refusing one larger
// than limit bytes (limit ≤ 0: no limit).
func ReadRegular(path string, limit int64) ([]byte, error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadAll(f, path, limit)
}

// ReadAll reads an opened regular file whole, refusing one larger than
// limit bytes (limit ≤ 0: no limit).
func ReadAll(f *os.File, name string, limit int64) ([]byte, error) {
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if limit > 0 && st.Size() > limit {
		return nil, fmt.Errorf("%s: %d bytes is more than the %d this file may have", name, st.Size(), limit)
	}
	b := make([]byte, 0, st.Size())
	var r io.Reader = f
	if limit > 0 {
		r = io.LimitReader(f, limit+1)
	}
	buf := make([]byte, 64<<10)
	for {
		n, err := r.Read(buf)
		b = append(b, buf[:n]...)
		if limit > 0 && int64(len(b)) > limit {
			return nil, fmt.Errorf("%s: more than the %d bytes this file may have", name, limit)
		}
		if err == io.EOF {
			return b, nil
		}
		if err != nil {
			return nil, err
		}
	}
}

func checkRegular(f *os.File) error {
	st, err := f.Stat()
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() {
		return ErrNotRegular
	}
	return nil
}
