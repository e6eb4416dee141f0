//go:build !unix

package onnxpb

import (
	"fmt"
	"io"
	"os"
)

// mapOpened reads fd, an opened regular file, into memory where mmap is
// not available (Windows): the weights are then held once in the heap
// rather than mapped.
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
		return nil, nil, fmt.Errorf("%s: file too large to read (%d bytes)", path, size)
	}
	data := make([]byte, size)
	if _, err := io.ReadFull(fd, data); err != nil {
		return nil, nil, fmt.Errorf("%s: %v", path, err)
	}
	return data, func() {}, nil
}

func unmapBytes(b []byte) error { return nil }

// releaseRange: heap bytes stay resident.
func releaseRange(b []byte) {}
