package kernel

import "math"

// Float16To32 converts IEEE 754 binary16 bits to float32 exactly
// (subnormals and infinities exact; NaN payloads kept, NaNs made quiet).
func Float16To32(h uint16) float32 {
	sign := uint32(h>>15) << 31
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h) & 0x3ff
	switch {
	case exp == 0x1f && mant == 0:
		return math.Float32frombits(sign | 0x7f800000)
	case exp == 0x1f: // NaN: keep the payload, make it quiet (as F16C does).
		return math.Float32frombits(sign | 0x7fc00000 | mant<<13)
	case exp != 0:
		return math.Float32frombits(sign | (exp+112)<<23 | mant<<13)
	case mant == 0:
		return math.Float32frombits(sign)
	}
	// Subnormal half: value = mant * 2^-24, normalise into float32.
	e := uint32(113)
	for mant&0x400 == 0 {
		mant <<= 1
		e--
	}
	return math.Float32frombits(sign | e<<23 | (mant&0x3ff)<<13)
}

// Float32To16 converts float32 to IEEE 754 binary16 bits with
// round-to-nearest-even; overflow gives ±Inf, NaN stays NaN (quiet, payload
// truncated but never turned into Inf).
func Float32To16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	if exp == 0xff {
		if mant == 0 {
			return sign | 0x7c00
		}
		m := uint16(mant >> 13)
		if m == 0 {
			m = 0x200
		}
		return sign | 0x7c00 | m | 0x200
	}
	e := exp - 127 + 15
	if e >= 0x1f {
		return sign | 0x7c00
	}
	if e <= 0 {
		// Result is subnormal (or zero) in half precision.
		if e < -10 {
			return sign // rounds to zero even with the implicit bit (< 2^-25)
		}
		m := mant | 0x800000
		shift := uint32(14 - e)
		half := uint32(1) << (shift - 1)
		rest := m & (1<<shift - 1)
		r := m >> shift
		if rest > half || (rest == half && r&1 == 1) {
			r++
		}
		return sign | uint16(r)
	}
	r := uint32(e)<<10 | mant>>13
	rest := mant & 0x1fff
	if rest > 0x1000 || (rest == 0x1000 && r&1 == 1) {
		r++ // may carry into the exponent, up to Inf: that is the correct rounding
	}
	return sign | uint16(r)
}

// BFloat16To32 converts bfloat16 bits to float32 exactly.
func BFloat16To32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }

// Float32ToBFloat16 converts float32 to bfloat16 bits with
// round-to-nearest-even; NaN stays a quiet NaN.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 {
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// useF16C selects the hardware conversions; tests flip it to compare.
var useF16C = hasF16C

// F16ToF32 converts len(src) half values into dst[:len(src)].
func F16ToF32(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	vec := 0
	if useF16C {
		if vec = len(src) &^ 7; vec > 0 {
			f16ToF32F16C(vec, &dst[0], &src[0])
		}
	}
	for i := vec; i < len(src); i++ {
		dst[i] = Float16To32(src[i])
	}
}

// F32ToF16 converts len(src) floats into half bits in dst[:len(src)].
func F32ToF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	vec := 0
	if useF16C {
		if vec = len(src) &^ 7; vec > 0 {
			f32ToF16F16C(vec, &dst[0], &src[0])
		}
	}
	for i := vec; i < len(src); i++ {
		dst[i] = Float32To16(src[i])
	}
}

// BF16ToF32 converts len(src) bfloat16 values into dst[:len(src)].
func BF16ToF32(dst []float32, src []uint16) {
	dst = dst[:len(src)]
	for i, h := range src {
		dst[i] = BFloat16To32(h)
	}
}

// F32ToBF16 converts len(src) floats into bfloat16 bits in dst[:len(src)].
func F32ToBF16(dst []uint16, src []float32) {
	dst = dst[:len(src)]
	for i, f := range src {
		dst[i] = Float32ToBFloat16(f)
	}
}
