//go:build !unix

package hostile

// Mkfifo reports ErrUnsupported: no named pipes here.
func Mkfifo(path string) error { return ErrUnsupported }
