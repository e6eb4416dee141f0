//go:build amd64 && !noasm

package kernel

import "golang.org/x/sys/cpu"

// hasF16C selects the hardware half conversions (exact in both directions
// for every input, round-to-nearest-even, like Float16To32/Float32To16;
// NaNs stay NaN with their payload's top bits, quietened).
var hasF16C = cpu.X86.HasF16C && cpu.X86.HasAVX

//go:noescape
func f16ToF32F16C(n int, dst *float32, src *uint16)

//go:noescape
func f32ToF16F16C(n int, dst *uint16, src *float32)
