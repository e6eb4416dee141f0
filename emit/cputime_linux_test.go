package emit

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time of the calling thread (RUSAGE_THREAD).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	const rusageThread = 1
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
