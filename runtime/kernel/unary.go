package kernel

import "math"

// Exp32 returns e^x in float32 within 2 ulp of the correctly rounded result
// (Cody–Waite range reduction to |r| ≤ ln2/2 and a degree-7 polynomial),
// without going through float64 math.Exp.
func Exp32(x float32) float32 {
	const (
		log2e  = 1.44269504088896341
		ln2Hi  = 0.693145751953125 // ln 2 with its low bits cleared (exact in float32)
		ln2Lo  = 1.42860682030941723212e-6
		maxArg = 88.72283905206835
		minArg = -103.97208
	)
	switch {
	case x != x:
		return x
	case x > maxArg:
		return float32(math.Inf(1))
	case x < minArg:
		return 0
	}
	n := float32(math.Floor(float64(x*log2e) + 0.5))
	r := x - n*ln2Hi - n*ln2Lo
	p := float32(1.0 / 5040)
	p = p*r + 1.0/720
	p = p*r + 1.0/120
	p = p*r + 1.0/24
	p = p*r + 1.0/6
	p = p*r + 0.5
	p = p*r + 1
	p = p*r + 1
	k := int32(n)
	if k >= -126 {
		if k > 127 {
			// p < 1 here, so split the scale to stay finite where it should.
			return p * 2 * math.Float32frombits(uint32(k-1+127)<<23)
		}
		return p * math.Float32frombits(uint32(k+127)<<23)
	}
	// Subnormal result: scale in two steps so 2^k itself does not underflow.
	return p * math.Float32frombits(uint32(k+126+127)<<23) * math.Float32frombits(1<<23)
}

// Exp does dst[i] = e^src[i] (within 2 ulp).
func Exp(dst, src []float32) {
	dst = dst[:len(src)]
	ParallelFor(len(src), 16384, func(lo, hi int) {
		expShiftSum(dst[lo:hi], src[lo:hi], 0)
	})
}

// expShiftSum does dst[i] = e^(src[i]−shift) and returns the sum, eight
// lanes at a time where the assembly kernels exist.
func expShiftSum(dst, src []float32, shift float32) float32 {
	dst = dst[:len(src)]
	var s float32
	vec := 0
	if useAsm {
		vec = len(src) &^ 7
		if vec > 0 {
			s = expSumAVX2(vec, &src[0], &dst[0], shift)
		}
	}
	for i := vec; i < len(src); i++ {
		e := Exp32(src[i] - shift)
		dst[i] = e
		s += e
	}
	return s
}

// Sigmoid does dst[i] = 1 / (1 + e^−src[i]) (within 3 ulp); dst may be src.
// Each element's result depends on its value only, never on where it lies
// in src (the vector exp also computes the tail, padded), so any split of a
// tensor into calls gives the same bits.
func Sigmoid(dst, src []float32) {
	dst = dst[:len(src)]
	ParallelFor(len(src), 16384, func(lo, hi int) {
		// e = e^−|x| through the vector exp, a block at a time on the stack;
		// then 1/(1+e) for x ≥ 0 and e/(1+e) for x < 0, which never overflows.
		var tmp [256]float32
		for b := lo; b < hi; b += len(tmp) {
			x := src[b:min(hi, b+len(tmp))]
			t := tmp[:roundUp(len(x), 8)]
			vec := 0
			if useAsm {
				vec = len(x) &^ 7
				if vec > 0 {
					negAbsAVX2(vec, &x[0], &t[0])
				}
			}
			for i, v := range x[vec:] {
				t[vec+i] = -abs32(v)
			}
			clear(t[len(x):])
			expShiftSum(t, t, 0)
			d := dst[b : b+len(x)]
			if vec > 0 {
				sigmoidFinishAVX2(vec, &x[0], &t[0], &d[0])
			}
			for i, e := range t[vec:len(x)] {
				if x[vec+i] < 0 {
					d[vec+i] = e / (1 + e)
				} else {
					d[vec+i] = 1 / (1 + e)
				}
			}
		}
	})
}

// Tanh does dst[i] = tanh(src[i]) (computed in float64, correctly rounded
// to float32 in practice).
func Tanh(dst, src []float32) {
	dst = dst[:len(src)]
	ParallelFor(len(src), 8192, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] = float32(math.Tanh(float64(src[i])))
		}
	})
}

// Erf does dst[i] = erf(src[i]) (computed in float64).
func Erf(dst, src []float32) {
	dst = dst[:len(src)]
	ParallelFor(len(src), 8192, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			dst[i] = float32(math.Erf(float64(src[i])))
		}
	})
}

// Gelu does dst[i] = x·(1 + erf(x/√2))/2, the exact GELU of WebNN and ONNX.
func Gelu(dst, src []float32) {
	dst = dst[:len(src)]
	ParallelFor(len(src), 8192, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			x := float64(src[i])
			dst[i] = float32(0.5 * x * (1 + math.Erf(x*(1/math.Sqrt2))))
		}
	})
}

func abs32(x float32) float32 { return math.Float32frombits(math.Float32bits(x) &^ (1 << 31)) }
