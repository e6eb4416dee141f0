//go:build !unix

package atomicdir

import "os"

func lockFile(f *os.File) error { return nil }

// ownerGone cannot tell a live writer here: temporaries are kept.
func ownerGone(path string) bool { return false }
