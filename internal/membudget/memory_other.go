//go:build !linux

package membudget

// usableMemory is unknown off Linux: Total falls back to fallbackTotal.
func usableMemory() int64 { return 0 }
