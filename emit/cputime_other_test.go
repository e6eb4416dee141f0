//go:build !linux

package emit

import "time"

var start = time.Now()

// cpuTime falls back to wall time off Linux.
func cpuTime() time.Duration { return time.Since(start) }
