// Bounds of dim symbols and the documented defaults for common dim names.

package shapeinfer

import "strings"

// Bound is the inclusive range [Min, Max] a dim symbol may take at run time.
type Bound struct{ Min, Max int64 }

// Bounds maps dim symbol names to their ranges.
type Bounds map[string]Bound

// Of returns the bound of name, or the default (DefaultMin, DefaultBound)
// when b has none.
func (b Bounds) Of(name string) Bound {
	if bd, ok := b[name]; ok {
		return bd
	}
	return Bound{Min: DefaultMin(name), Max: DefaultBound(name)}
}

// DefaultBound returns the default upper bound of a dim named name when the
// user gave none (`--dim name=max`). The table matches the Rust
// webnn-graph converter (formats-and-loader.md §8), compared
// case-insensitively:
//
//	name contains "past", "seq" or "length", or is "s" or "t"  → 4096
//	name contains "batch", or is "b" or "n"                    → 8
//	anything else (e.g. "height", "<input>_dim<i>")            → 65535
//
// total_sequence_length (= past + sequence in optimum exports) falls in the
// first row, so it defaults to 4096 like its parts.
func DefaultBound(name string) int64 {
	n := strings.ToLower(name)
	switch {
	case strings.Contains(n, "past"), strings.Contains(n, "seq"), strings.Contains(n, "length"), n == "s", n == "t":
		return 4096
	case strings.Contains(n, "batch"), n == "b", n == "n":
		return 8
	}
	return 65535
}

// defaultMax is DefaultBound, except that a dim whose name says nothing
// (65535: height, x_dim0) gets the batch bound when an input declares it
// at axis 0, and a one-letter "n" or "b" first declared past axis 0 gets
// the generic bound: it counts samples or points there (onnx-asr's
// waveforms [batch_size, N]), and 8 of them is no useful default.
func defaultMax(name string, axis0 bool) int64 {
	b := DefaultBound(name)
	if axis0 && b == genericBound {
		return batchBound
	}
	if n := strings.ToLower(name); !axis0 && (n == "n" || n == "b") {
		return genericBound
	}
	return b
}

const (
	genericBound = 65535
	batchBound   = 8
)

// DefaultMin returns the default lower bound of a dim named name: 0 for
// names containing "past" (an empty KV cache at prefill), 1 otherwise.
func DefaultMin(name string) int64 {
	if strings.Contains(strings.ToLower(name), "past") {
		return 0
	}
	return 1
}
