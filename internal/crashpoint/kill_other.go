//go:build !unix

package crashpoint

import "os"

func killSelf() { os.Exit(137) }
