// Identifiers of the emitted graph: ONNX names sanitised to the characters
// every .webnn loader reads, made unique.

package lower

import (
	"fmt"
)

// namer hands out unique identifiers.
type namer struct{ used map[string]bool }

func newNamer() *namer { return &namer{used: map[string]bool{}} }

// fresh returns want, or want_2, want_3 … when want is taken.
func (nm *namer) fresh(want string) string {
	if !nm.used[want] {
		nm.used[want] = true
		return want
	}
	for i := 2; ; i++ {
		c := fmt.Sprintf("%s_%d", want, i)
		if !nm.used[c] {
			nm.used[c] = true
			return c
		}
	}
}
