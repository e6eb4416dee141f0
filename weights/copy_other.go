//go:build !linux

package weights

import "os"

// copyRange: no file-to-file copy here; the writer writes from memory.
func copyRange(dst, src *os.File, srcOff, n int64) (int64, error) { return 0, errCopyUnsupported }

func startWriteback(f *os.File, off, n int64) {}

// fileStamp is what changes when a file's bytes do.
type fileStamp struct {
	size  int64
	mtime int64
}

func stampOf(f *os.File) (fileStamp, error) {
	st, err := f.Stat()
	if err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: st.Size(), mtime: st.ModTime().UnixNano()}, nil
}
