//go:build !unix

package atomicdir

import "os"

func createExcl(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o644)
}

func lockDir(dir string) func() { return func() {} }

func holdDir(path string) (*os.File, error) { return os.Open(path) }

// holdDirNonblocking cannot tell a live owner here: leftovers are kept.
func holdDirNonblocking(path string) (*os.File, error) { return nil, os.ErrPermission }

func syncDir(path string) {}

func processAlive(pid int) bool { return true }

func isReadOnly(err error) bool { return false }

func isNotEmpty(err error) bool { return false }
