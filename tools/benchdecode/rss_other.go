//go:build !unix

package main

import "os"

// peakRSS is unknown here.
func peakRSS() int64 { return 0 }

// childUsage is unknown here.
func childUsage(ps *os.ProcessState) (rss, cpu int64, ok bool) { return 0, 0, false }
