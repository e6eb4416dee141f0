// Package bytesize formats byte counts for people: the one spelling that
// convert, inspect, diff, the verify reports and emitted pages share.
package bytesize

import "fmt"

// Format writes n with a binary unit: "512 B", "3.5 KiB", "651.9 MiB",
// "1.93 GiB" (GiB with two decimals: model sizes differ in the second).
func Format(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.2f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}
