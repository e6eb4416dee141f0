//go:build !amd64 || noasm

package kernel

const hasF16C = false

func f16ToF32F16C(n int, dst *float32, src *uint16) {
	panic("kernel: assembly kernel called without assembly support")
}

func f32ToF16F16C(n int, dst *uint16, src *float32) {
	panic("kernel: assembly kernel called without assembly support")
}
