//go:build unix

package atomicdir

import (
	"errors"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// createExcl creates path for reading and writing (the weights writer
// reads back what it wrote to deduplicate): it must not exist, and a link
// there is never followed.
// createExcl opens read-write: the weights writer reads back what it
// wrote to compare deduplicated tensors byte by byte.
func createExcl(path string) (*os.File, error) {
	return os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL|unix.O_NOFOLLOW, 0o644)
}

// lockDir takes dir's exclusive flock (blocking); the result releases it.
// Locking is best effort: where dir cannot be locked it returns a no-op.
func lockDir(dir string) func() {
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	if err != nil {
		return func() {}
	}
	if unix.Flock(fd, unix.LOCK_EX) != nil {
		unix.Close(fd)
		return func() {}
	}
	return func() { unix.Close(fd) }
}

// holdDir opens the directory at path and takes its exclusive flock, held
// until the file is closed or the process dies.
func holdDir(path string) (*os.File, error) {
	f, err := openDirNoFollow(path)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// holdDirNonblocking is holdDir failing at once when another process
// holds the lock.
func holdDirNonblocking(path string) (*os.File, error) { return holdDir(path) }

func openDirNoFollow(path string) (*os.File, error) {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func syncDir(path string) {
	if f, err := os.Open(path); err == nil {
		f.Sync()
		f.Close()
	}
}

func processAlive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func isReadOnly(err error) bool { return errors.Is(err, syscall.EROFS) }

func isNotEmpty(err error) bool { return errors.Is(err, syscall.ENOTEMPTY) }
