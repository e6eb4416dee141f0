//go:build unix && !linux

package confine

import (
	"errors"
	"os"
	"syscall"
)

// openBeneath opens real (a path with no links) without following a link
// in its final component.
func openBeneath(root, real string) (*os.File, error) {
	f, err := os.OpenFile(real, os.O_RDONLY|syscall.O_NONBLOCK|syscall.O_NOFOLLOW, 0)
	if err != nil && errors.Is(err, syscall.ELOOP) {
		return nil, errors.New("changed into a link while it was opened")
	}
	return f, err
}

func openNonblock(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
}
