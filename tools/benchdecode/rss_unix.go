//go:build unix

package main

import (
	"os"
	"syscall"
)

// peakRSS is this process's peak resident set in bytes, or 0 when unknown.
func peakRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return int64(ru.Maxrss) * 1024 // kilobytes on Linux
}

// childUsage is a finished child's peak resident set (bytes) and CPU time
// (ns).
func childUsage(ps *os.ProcessState) (rss, cpu int64, ok bool) {
	ru, ok := ps.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0, false
	}
	return int64(ru.Maxrss) * 1024, ru.Utime.Nano() + ru.Stime.Nano(), true
}
