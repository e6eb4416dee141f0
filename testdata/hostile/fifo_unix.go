//go:build unix

package hostile

import (
	"fmt"

	"golang.org/x/sys/unix"
)

// Mkfifo makes a named pipe at path: a reader that opens it blocks until a
// writer comes, which none ever does.
func Mkfifo(path string) error {
	if err := unix.Mkfifo(path, 0o644); err != nil {
		return fmt.Errorf("%w: mkfifo: %v", ErrUnsupported, err)
	}
	return nil
}
