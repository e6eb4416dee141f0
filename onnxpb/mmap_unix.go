//go:build unix

package onnxpb

import (
	"fmt"
	"os"

	"golang.org/x/sys/unix"
)

// mapOpened maps fd, an opened regular file.
func mapOpened(fd *os.File, path string) ([]byte, func(), error) {
	st, err := fd.Stat()
	if err != nil {
		return nil, nil, err
	}
	size := st.Size()
	if size == 0 {
		return nil, func() {}, nil
	}
	if int64(int(size)) != size {
		return nil, nil, fmt.Errorf("%s: file too large to map (%d bytes)", path, size)
	}
	// The file is opened read-only and never written. The mapping is
	// private copy-on-write rather than PROT_READ only: a consumer that
	// writes into a tensor's bytes by mistake then gets a private page
	// instead of crashing the process with a fault no recover catches.
	data, err := unix.Mmap(int(fd.Fd()), 0, int(size), unix.PROT_READ|unix.PROT_WRITE, unix.MAP_PRIVATE)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: mmap: %v", path, err)
	}
	return data, func() { unix.Munmap(data) }, nil
}

func unmapBytes(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	return unix.Munmap(b)
}

// releaseRange drops the resident pages of b, whole pages of a private
// file mapping: they fault in again from the file if read.
func releaseRange(b []byte) { unix.Madvise(b, unix.MADV_DONTNEED) }
