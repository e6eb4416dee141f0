//go:build unix

package crashpoint

import (
	"syscall"
	"time"
)

func killSelf() {
	syscall.Kill(syscall.Getpid(), syscall.SIGKILL)
	for {
		time.Sleep(time.Hour) // the signal arrives; nothing runs after it
	}
}
