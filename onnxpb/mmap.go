package onnxpb

import (
	"os"
	"unsafe"

	"github.com/webnn-graph/webnn-graph/internal/confine"
)

// mappedFile is one external data file, mapped.
type mappedFile struct {
	path string
	data []byte   // nil for an empty file
	fd   *os.File // the mapped file, kept open for FileRange (keepOpen); nil otherwise
}

func (f *mappedFile) close() error {
	if f.fd != nil {
		f.fd.Close()
		f.fd = nil
	}
	if f.data == nil {
		return nil
	}
	err := unmapBytes(f.data)
	f.data = nil
	return err
}

// A mapped file stays open beside its mapping (for FileRange) when it is
// at least keepOpenSize bytes and fewer than maxKeptOpen files are: copying
// file to file pays only for large files, and a model of many thousands
// of small external files must not run out of descriptors.
const (
	keepOpenSize = 1 << 20
	maxKeptOpen  = 256
)

// keepOpen reports whether a mapping of size bytes keeps its descriptor,
// counting it in m.keptOpen. Called with m.mu held (or before m is shared).
func (m *Model) keepOpen(size int) bool {
	if size < keepOpenSize || m.keptOpen >= maxKeptOpen {
		return false
	}
	m.keptOpen++
	return true
}

// mapFile maps the regular file at path, a path the user gave (links
// followed; a FIFO or device is refused without blocking). An empty file
// gives a nil slice. The returned function unmaps it. The file is returned
// open; the caller closes it.
func mapFile(path string) ([]byte, *os.File, func(), error) {
	fd, err := confine.OpenRegular(path)
	if err != nil {
		return nil, nil, nil, err
	}
	data, unmap, err := mapOpened(fd, path)
	if err != nil {
		fd.Close()
		return nil, nil, nil, err
	}
	return data, fd, unmap, nil
}

// FileRange reports the file b's bytes are mapped from and their offset in
// it, when b lies wholly inside one of the model's file mappings (raw_data
// in the model file, or external data) and that file was kept open (files
// of 1 MiB or more), so a consumer may copy the bytes file to file in the
// kernel (copy_file_range) instead of through memory. The file is the very
// one that was mapped (same descriptor, opened under the confinement
// rules); it stays open until Close, and the caller must not close it.
// The mapping is private: bytes a consumer wrote into it differ from the
// file's, so only slices nobody writes into may be copied this way.
func (m *Model) FileRange(b []byte) (*os.File, int64, bool) {
	if len(b) == 0 {
		return nil, 0, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, 0, false
	}
	start := uintptr(unsafe.Pointer(&b[0]))
	end := start + uintptr(len(b))
	in := func(r []byte) (int64, bool) {
		if len(r) == 0 {
			return 0, false
		}
		rs := uintptr(unsafe.Pointer(&r[0]))
		if start < rs || end > rs+uintptr(len(r)) {
			return 0, false
		}
		return int64(start - rs), true
	}
	if m.modelFD != nil {
		if off, ok := in(m.modelMM); ok {
			return m.modelFD, off, true
		}
	}
	for _, f := range m.maps {
		if f.fd == nil {
			continue
		}
		if off, ok := in(f.data); ok {
			return f.fd, off, true
		}
	}
	return nil, 0, false
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
			releaseRange(r[lo-rs : hi-rs])
		}
		return
	}
}
