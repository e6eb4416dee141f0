package onnxpb

import (
	"fmt"
	"os"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/webnn-graph/webnn-graph/internal/confine"
)

// mappedFile is one external data file, mapped.
type mappedFile struct {
	path string
	data []byte // nil for an empty file
}

func (f *mappedFile) close() error {
	if f.data == nil {
		return nil
	}
	err := unmapBytes(f.data)
	f.data = nil
	return err
}

// mapFile maps the regular file at path, a path the user gave (links
// followed; a FIFO or device is refused without blocking). An empty file
// gives a nil slice. The returned function unmaps it.
func mapFile(path string) ([]byte, func(), error) {
	fd, err := confine.OpenRegular(path)
	if err != nil {
		return nil, nil, err
	}
	defer fd.Close()
	return mapOpened(fd, path)
}

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

// ReleasePages tells the kernel that the pages of b are not needed any
// more, when b lies inside one of the model's file mappings (raw_data or
// external data). Re-reading b later faults the pages in again from the
// file, so this only lowers resident memory: convert calls it after it has
// written each weight, which keeps its peak RSS near the largest tensor
// instead of the whole model. Slices outside the mappings are left alone.
func (m *Model) ReleasePages(b []byte) {
	if len(b) == 0 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	regions := make([][]byte, 0, len(m.maps)+1)
	if m.modelMM != nil {
		regions = append(regions, m.modelMM)
	}
	for _, f := range m.maps {
		if f.data != nil {
			regions = append(regions, f.data)
		}
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	for _, r := range regions {
		rs := uintptr(unsafe.Pointer(&r[0]))
		re := rs + uintptr(len(r))
		if start < rs || end > re {
			continue
		}
		page := uintptr(os.Getpagesize())
		lo := (start + page - 1) &^ (page - 1) // whole pages inside b only
		hi := end &^ (page - 1)
		if hi > lo {
			unix.Madvise(r[lo-rs:hi-rs], unix.MADV_DONTNEED)
		}
		return
	}
}
