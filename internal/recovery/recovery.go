// Package recovery turns panics into one-line errors. Bad input must never
// crash webnn-graph; a panic that still happens is a bug, and each stage
// (a runtime's node loop, the converter's node loop, the CLI) recovers it
// and reports it against what it was doing, with the place it happened,
// on one line — no goroutine dump.
//
// Panics inside worker goroutines (runtime/kernel's parallel loops) are
// carried back to the goroutine that started the work as a *Panic, so the
// same recover sees them.
package recovery

import (
	"fmt"
	"path/filepath"
	"runtime"
	"strings"
)

// Panic is a panic value recovered in one goroutine and re-raised in
// another, with the place it first happened.
type Panic struct {
	Value any
	Site  string // "runtime/onnx/conv.go:179"
}

func (p *Panic) Error() string { return fmt.Sprintf("%v (at %s)", p.Value, p.Site) }

// Unwrap returns the panic value when it is an error (so errors.As finds a
// *membudget.Error carried from a worker).
func (p *Panic) Unwrap() error {
	if e, ok := p.Value.(error); ok {
		return e
	}
	return nil
}

// Capture wraps r, a value just recovered, with Site (called from the
// deferred function that recovered it). A *Panic is returned unchanged.
func Capture(r any) *Panic {
	if p, ok := r.(*Panic); ok {
		return p
	}
	return &Panic{Value: r, Site: site(3)}
}

// Describe is the one-line text of a recovered value r: the value and the
// place it happened. Call it from the deferred function that recovered r.
func Describe(r any) string {
	if p, ok := r.(*Panic); ok {
		return p.Error()
	}
	return fmt.Sprintf("%v (at %s)", r, site(3))
}

// site finds the frame that panicked: the first frame after the runtime's
// panic machinery, skipping skip frames of the recovering code.
func site(skip int) string {
	pcs := make([]uintptr, 64)
	n := runtime.Callers(skip, pcs)
	frames := runtime.CallersFrames(pcs[:n])
	afterPanic := false
	first := ""
	for {
		f, more := frames.Next()
		if first == "" && !strings.HasPrefix(f.Function, "runtime.") {
			first = shortPath(f.File, f.Line)
		}
		if strings.HasPrefix(f.Function, "runtime.gopanic") || strings.HasPrefix(f.Function, "runtime.panic") {
			afterPanic = true
		} else if afterPanic && !strings.HasPrefix(f.Function, "runtime.") {
			return shortPath(f.File, f.Line)
		}
		if !more {
			break
		}
	}
	if first == "" {
		return "unknown"
	}
	return first
}

// shortPath keeps the last two path elements: "onnx/conv.go:179".
func shortPath(file string, line int) string {
	dir, base := filepath.Split(file)
	return fmt.Sprintf("%s/%s:%d", filepath.Base(filepath.Clean(dir)), base, line)
}
