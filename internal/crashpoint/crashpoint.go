// Package crashpoint lets tests interrupt a command at a named point:
//
//   - $WEBNN_GRAPH_CRASH_AT=POINT: the process kills itself with SIGKILL
//     when it reaches POINT, as kill -9 would (no deferred cleanup runs);
//   - $WEBNN_GRAPH_PAUSE_AT=POINT: at POINT it writes "paused at POINT" on
//     stderr and waits for a line (or EOF) on stdin, so a test can act
//     while it stands still.
//
// Unset, At costs one string comparison.
package crashpoint

import (
	"bufio"
	"fmt"
	"os"
)

// CrashEnv and PauseEnv name the variables.
const (
	CrashEnv = "WEBNN_GRAPH_CRASH_AT"
	PauseEnv = "WEBNN_GRAPH_PAUSE_AT"
)

var (
	crashAt = os.Getenv(CrashEnv)
	pauseAt = os.Getenv(PauseEnv)
)

// At acts when point is the one the environment names.
func At(point string) {
	if crashAt != "" && crashAt == point {
		killSelf()
	}
	if pauseAt != "" && pauseAt == point {
		fmt.Fprintf(os.Stderr, "paused at %s\n", point)
		bufio.NewReader(os.Stdin).ReadString('\n')
	}
}
