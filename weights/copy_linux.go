//go:build linux

package weights

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"
)

// copyRange appends n bytes of src, from srcOff on, to dst at its current
// offset with copy_file_range: the kernel moves them page cache to page
// cache (or shares extents where the file system can), with no user-space
// copy and no page faults on a mapping. It returns how many bytes were
// appended; errCopyUnsupported (with nothing appended by the failing call)
// when this kernel or file system pair cannot, so the caller writes the
// rest itself; io.ErrUnexpectedEOF when src ends early.
func copyRange(dst, src *os.File, srcOff, n int64) (int64, error) {
	var done int64
	for done < n {
		roff := srcOff + done
		k, err := unix.CopyFileRange(int(src.Fd()), &roff, int(dst.Fd()), nil, int(min(n-done, 1<<30)), 0)
		if err != nil {
			if errors.Is(err, unix.EINTR) {
				continue
			}
			if errors.Is(err, unix.EXDEV) || errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) ||
				errors.Is(err, unix.EOPNOTSUPP) || errors.Is(err, unix.EBADF) || errors.Is(err, unix.EPERM) {
				return done, errCopyUnsupported
			}
			return done, err
		}
		if k == 0 {
			return done, errSourceShort
		}
		done += int64(k)
	}
	return done, nil
}

// startWriteback asks the kernel to begin writing [off, off+n) of f to
// disk now (SYNC_FILE_RANGE_WRITE: no waiting), so the disk works while
// the rest is copied and the final fsync waits only for the tail.
func startWriteback(f *os.File, off, n int64) {
	unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}

// fileStamp is what changes when a file's bytes do.
type fileStamp struct {
	size         int64
	mtime, ctime unix.Timespec
	ino          uint64
}

func stampOf(f *os.File) (fileStamp, error) {
	var st unix.Stat_t
	if err := unix.Fstat(int(f.Fd()), &st); err != nil {
		return fileStamp{}, err
	}
	return fileStamp{size: st.Size, mtime: st.Mtim, ctime: st.Ctim, ino: st.Ino}, nil
}
