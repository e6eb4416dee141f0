//go:build !linux

package atomicdir

// renameNoReplace and exchange need renameat2: elsewhere the caller falls
// back to a plain rename or to publishing file by file.
func renameNoReplace(old, new string) error { return errUnsupported }

func exchange(a, b string) error { return errUnsupported }
