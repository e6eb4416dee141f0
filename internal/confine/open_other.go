//go:build !unix

package confine

import (
	"errors"
	"os"
)

// openBeneath opens real after checking it is not a link (no O_NOFOLLOW
// here; fstat afterwards still refuses anything but a regular file).
func openBeneath(root, real string) (*os.File, error) {
	st, err := os.Lstat(real)
	if err != nil {
		return nil, err
	}
	if st.Mode()&os.ModeSymlink != 0 {
		return nil, errors.New("changed into a link while it was opened")
	}
	return os.Open(real)
}

func openNonblock(path string) (*os.File, error) { return os.Open(path) }
