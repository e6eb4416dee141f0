//go:build !unix

package main

import "os"

func peakRSS(ps *os.ProcessState) int64 { return 0 }

func currentRSS(pid int) int64 { return 0 }
