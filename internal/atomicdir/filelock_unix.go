//go:build unix

package atomicdir

import (
	"os"

	"golang.org/x/sys/unix"
)

// lockFile takes f's exclusive flock without waiting: held until f is
// closed or the process dies, it marks a temporary as its writer's.
func lockFile(f *os.File) error {
	return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB)
}

// ownerGone reports whether the temporary at path is a dead writer's: a
// regular file (not a link) whose flock is free.
func ownerGone(path string) bool {
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_CLOEXEC, 0)
	if err != nil {
		return false
	}
	defer unix.Close(fd)
	var st unix.Stat_t
	if unix.Fstat(fd, &st) != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return false
	}
	return unix.Flock(fd, unix.LOCK_EX|unix.LOCK_NB) == nil
}
