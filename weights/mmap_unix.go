//go:build unix

package weights

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f (pages come from the page cache, never
// copied into the heap). The runtimes use the mapped weights in place, so
// the mapping is private and writable, as onnxpb maps external data: the
// file is never written, and a consumer that wrote into a tensor by mistake
// would get a private page instead of a fault no recover catches.
func mapFile(f *os.File, size int) ([]byte, bool, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ|syscall.PROT_WRITE, syscall.MAP_PRIVATE)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func unmapFile(b []byte) error { return syscall.Munmap(b) }
