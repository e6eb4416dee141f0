//go:build unix

package weights

import (
	"os"
	"syscall"
)

// mapFile maps size bytes of f read-only (shared: pages come from the page
// cache, never copied into the heap).
func mapFile(f *os.File, size int) ([]byte, bool, error) {
	b, err := syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_SHARED)
	if err != nil {
		return nil, false, err
	}
	return b, true, nil
}

func unmapFile(b []byte) error { return syscall.Munmap(b) }
