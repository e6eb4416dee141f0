//go:build !linux

package atomicdir

import "os"

// linkOpen cannot link an open file by its descriptor here: the caller
// copies it.
func linkOpen(src *os.File, dst string) error { return errUnsupported }
