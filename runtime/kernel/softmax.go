package kernel

import "math"

// Softmax computes dst[r,i] = exp(src[r,i] − max_r) / Σ_i exp(src[r,i] − max_r)
// over consecutive rows of n elements (the last axis); len(src)/n rows.
// Subtracting the row maximum keeps exp in range (numerically stable).
// A row of all −Inf gives NaN, as the definition does.
func Softmax(dst, src []float32, n int) {
	if n <= 0 {
		return
	}
	rows := len(src) / n
	dst = dst[:rows*n]
	ParallelFor(rows, max(1, 16384/n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			softmaxRow(dst[r*n:(r+1)*n], src[r*n:(r+1)*n])
		}
	})
}

func softmaxRow(dst, src []float32) {
	m := float32(math.Inf(-1))
	vec := 0
	if useAsm {
		vec = len(src) &^ 31
		if vec > 0 {
			m = maxAVX2(vec, &src[0])
		}
	}
	for _, v := range src[vec:] {
		if v > m || v != v {
			m = v
		}
	}
	s := expShiftSum(dst, src, m)
	inv := 1 / s
	vec = 0
	if useAsm {
		vec = len(dst) &^ 31
		if vec > 0 {
			scaleAVX2(vec, inv, &dst[0])
		}
	}
	for i := range dst[vec:] {
		dst[vec+i] *= inv
	}
}

// SoftmaxAxis is Softmax over the middle axis of a tensor viewed as
// [outer, axis, inner] (inner == 1 is the last-axis case).
func SoftmaxAxis(dst, src []float32, outer, axis, inner int) {
	if inner == 1 {
		Softmax(dst[:outer*axis], src[:outer*axis], axis)
		return
	}
	ParallelFor(outer, 1, func(lo, hi int) {
		buf := getFloats(inner)
		defer putFloats(buf)
		mx := *buf
		for o := lo; o < hi; o++ {
			s := src[o*axis*inner : (o+1)*axis*inner]
			d := dst[o*axis*inner : (o+1)*axis*inner]
			copy(mx, s[:inner])
			for a := 1; a < axis; a++ {
				for i, v := range s[a*inner : (a+1)*inner] {
					if v > mx[i] || v != v {
						mx[i] = v
					}
				}
			}
			for a := 0; a < axis; a++ {
				for i, v := range s[a*inner : (a+1)*inner] {
					d[a*inner+i] = Exp32(v - mx[i])
				}
			}
			sum := mx // reuse: the maxima are no longer needed
			clear(sum)
			for a := 0; a < axis; a++ {
				for i, v := range d[a*inner : (a+1)*inner] {
					sum[i] += v
				}
			}
			for i := range sum {
				sum[i] = 1 / sum[i]
			}
			for a := 0; a < axis; a++ {
				row := d[a*inner : (a+1)*inner]
				for i := range row {
					row[i] *= sum[i]
				}
			}
		}
	})
}

// LayerNorm normalises each row of n consecutive elements:
// dst = (src − mean) / sqrt(var + eps) · scale + bias, with the biased
// variance; scale and bias (length n) may be nil. Sums run in float64 so
// rows of large magnitude keep their precision.
func LayerNorm(dst, src []float32, n int, scale, bias []float32, eps float32) {
	if n <= 0 {
		return
	}
	rows := len(src) / n
	dst = dst[:rows*n]
	if scale != nil {
		scale = scale[:n]
	}
	if bias != nil {
		bias = bias[:n]
	}
	ParallelFor(rows, max(1, 16384/n), func(lo, hi int) {
		for r := lo; r < hi; r++ {
			x := src[r*n : (r+1)*n]
			y := dst[r*n : (r+1)*n]
			var s float64
			for _, v := range x {
				s += float64(v)
			}
			mean := s / float64(n)
			var ss float64
			for _, v := range x {
				d := float64(v) - mean
				ss += d * d
			}
			inv := float32(1 / math.Sqrt(ss/float64(n)+float64(eps)))
			m := float32(mean)
			switch {
			case scale != nil && bias != nil:
				for i, v := range x {
					y[i] = (v-m)*inv*scale[i] + bias[i]
				}
			case scale != nil:
				for i, v := range x {
					y[i] = (v - m) * inv * scale[i]
				}
			case bias != nil:
				for i, v := range x {
					y[i] = (v-m)*inv + bias[i]
				}
			default:
				for i, v := range x {
					y[i] = (v - m) * inv
				}
			}
		}
	})
}
