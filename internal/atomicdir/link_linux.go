package atomicdir

import (
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// linkOpen hard-links the file open as src at dst: linkat of its
// /proc/self/fd entry with AT_SYMLINK_FOLLOW links the open inode itself,
// whatever its path now names.
func linkOpen(src *os.File, dst string) error {
	return unix.Linkat(unix.AT_FDCWD, "/proc/self/fd/"+strconv.Itoa(int(src.Fd())), unix.AT_FDCWD, dst, unix.AT_SYMLINK_FOLLOW)
}
