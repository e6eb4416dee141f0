// Package fuzzgraph turns fuzzer bytes into small graphs that reach past
// the parsers: ONNX models built from a grammar over common operators of
// the lowering registry (random shapes, attributes and constants, mostly
// valid, sometimes degenerate), and WebNN graphs over the runtime's ops.
// The fuzz targets (conformance/fuzz_test.go) run them through convert and
// both runtimes under a small memory budget: no panic, no hang, and where
// both runtimes answer, the same answer.
//
// Every choice is read from the input bytes (then from a generator seeded
// by them), so a mutated byte changes one decision and a crasher
// reproduces from its corpus file.
package fuzzgraph

import (
	"encoding/binary"
	"hash/fnv"
	"math/rand/v2"
)

// Source hands out the decisions of one graph.
type Source struct {
	b   []byte
	i   int
	rng *rand.Rand
}

// NewSource reads decisions from b, then from a generator seeded by b.
func NewSource(b []byte) *Source {
	h := fnv.New64a()
	h.Write(b)
	return &Source{b: b, rng: rand.New(rand.NewPCG(h.Sum64(), 0xf022))}
}

// Intn is a decision in [0, n) (0 when n ≤ 1).
func (s *Source) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	if s.i+2 <= len(s.b) {
		v := int(binary.LittleEndian.Uint16(s.b[s.i:]))
		s.i += 2
		return v % n
	}
	return s.rng.IntN(n)
}

// Chance is true with probability 1/n.
func (s *Source) Chance(n int) bool { return s.Intn(n) == 0 }

// Range is a decision in [lo, hi].
func (s *Source) Range(lo, hi int) int { return lo + s.Intn(hi-lo+1) }

// Float is a value in [-2, 2).
func (s *Source) Float() float32 { return float32(s.rng.Float64()*4 - 2) }
