package onnxrt

import (
	"math"
	"math/rand"
	"testing"
)

// TestSpectrumMatchesDirectSum checks the FFT (radix-2 and Bluestein)
// against the direct O(n²) sum for lengths of every kind, both directions.
func TestSpectrumMatchesDirectSum(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{1, 2, 3, 4, 5, 7, 8, 9, 12, 16, 17, 100, 400, 512, 1000} {
		for _, inverse := range []bool{false, true} {
			re, im := make([]float64, n), make([]float64, n)
			for i := range re {
				re[i], im[i] = rng.NormFloat64(), rng.NormFloat64()
			}
			sign := -1.0
			if inverse {
				sign = 1
			}
			wantRe, wantIm := make([]float64, n), make([]float64, n)
			for k := 0; k < n; k++ {
				for j := 0; j < n; j++ {
					ang := sign * 2 * math.Pi * float64(k*j%n) / float64(n)
					c, s := math.Cos(ang), math.Sin(ang)
					wantRe[k] += re[j]*c - im[j]*s
					wantIm[k] += re[j]*s + im[j]*c
				}
			}
			newSpectrum(n, inverse).transform(re, im)
			for k := 0; k < n; k++ {
				if d := math.Hypot(re[k]-wantRe[k], im[k]-wantIm[k]); d > 1e-9*float64(n) {
					t.Fatalf("n=%d inverse=%v: bin %d is %g%+gi, want %g%+gi", n, inverse, k, re[k], im[k], wantRe[k], wantIm[k])
				}
			}
		}
	}
}
