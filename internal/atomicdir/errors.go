package atomicdir

import (
	"errors"
	"os"
)

var errUnsupported = errors.New("atomicdir: not supported here")

func wrapErr(op, path string, err error) error {
	if err == nil {
		return nil
	}
	return &os.LinkError{Op: op, Old: "", New: path, Err: err}
}
