package onnxrt

import (
	"math"
	"math/bits"
)

// The DFTs of DFT and STFT, computed with an FFT: radix-2 for a power of
// two, Bluestein's chirp-z transform (three power-of-two FFTs) for any
// other length. A transform of n points costs O(n log n), so a node's
// work follows its output's size, which the memory budget bounds; the
// direct sum cost O(n²) per transform, and a 150-byte model asking for a
// dft_length of 2^20 kept the interpreter busy for hours.
//
// Every twiddle is computed in float64 from an exact integer angle
// (k·t mod n, or j² mod 2n for the chirp), as the direct sum did.

// spectrum transforms sequences of one length n.
type spectrum struct {
	n       int
	inverse bool
	m       int       // FFT size: n, or the power of two ≥ 2n-1 (Bluestein)
	cos     []float64 // cos(2πk/m), k < m/2
	sin     []float64 // -sin(2πk/m), k < m/2: the forward twiddles
	// Bluestein only: the chirp w_j = e^{s·iπj²/n} (s = -1 forward), and
	// the FFT of its conjugate laid out for a circular convolution.
	chRe, chIm []float64
	bRe, bIm   []float64
	aRe, aIm   []float64 // scratch of m
}

// newSpectrum prepares transforms of n ≥ 1 points; its tables are
// allocated through newSlice, so a length over the memory budget is
// refused before they are made.
func newSpectrum(n int, inverse bool) *spectrum {
	s := &spectrum{n: n, inverse: inverse, m: n}
	if n&(n-1) != 0 {
		s.m = 1 << bits.Len(uint(2*n-2))
	}
	half := max(s.m/2, 1)
	s.cos, s.sin = newSlice[float64](half), newSlice[float64](half)
	for k := 0; k < half; k++ {
		ang := 2 * math.Pi * float64(k) / float64(s.m)
		s.cos[k], s.sin[k] = math.Cos(ang), -math.Sin(ang)
	}
	if s.m == n {
		return s
	}
	sign := -1.0
	if inverse {
		sign = 1
	}
	s.chRe, s.chIm = newSlice[float64](n), newSlice[float64](n)
	nn := int64(2 * n)
	for j := 0; j < n; j++ {
		jj := int64(j) % nn
		ang := sign * math.Pi * float64(jj*jj%nn) / float64(n)
		s.chRe[j], s.chIm[j] = math.Cos(ang), math.Sin(ang)
	}
	s.bRe, s.bIm = newSlice[float64](s.m), newSlice[float64](s.m)
	s.bRe[0], s.bIm[0] = s.chRe[0], -s.chIm[0]
	for j := 1; j < n; j++ {
		s.bRe[j], s.bIm[j] = s.chRe[j], -s.chIm[j]
		s.bRe[s.m-j], s.bIm[s.m-j] = s.chRe[j], -s.chIm[j]
	}
	s.fft(s.bRe, s.bIm, false)
	s.aRe, s.aIm = newSlice[float64](s.m), newSlice[float64](s.m)
	return s
}

// transform replaces re, im (n values each) with their DFT, unscaled:
// Σ_t x_t e^{s·2πi·kt/n}, s = -1 forward and +1 inverse.
func (s *spectrum) transform(re, im []float64) {
	if s.m == s.n {
		s.fft(re, im, s.inverse)
		return
	}
	a, ai := s.aRe, s.aIm
	for t := 0; t < s.n; t++ {
		a[t] = re[t]*s.chRe[t] - im[t]*s.chIm[t]
		ai[t] = re[t]*s.chIm[t] + im[t]*s.chRe[t]
	}
	clear(a[s.n:])
	clear(ai[s.n:])
	s.fft(a, ai, false)
	for k := range a {
		a[k], ai[k] = a[k]*s.bRe[k]-ai[k]*s.bIm[k], a[k]*s.bIm[k]+ai[k]*s.bRe[k]
	}
	s.fft(a, ai, true)
	scale := 1 / float64(s.m)
	for k := 0; k < s.n; k++ {
		cr, ci := a[k]*scale, ai[k]*scale
		re[k] = cr*s.chRe[k] - ci*s.chIm[k]
		im[k] = cr*s.chIm[k] + ci*s.chRe[k]
	}
}

// fft is an in-place iterative radix-2 FFT of len(re) = s.m points (or a
// power of two dividing it), unscaled; invert conjugates the twiddles.
func (s *spectrum) fft(re, im []float64, invert bool) {
	n := len(re)
	for i, j := 1, 0; i < n; i++ {
		bit := n >> 1
		for ; j&bit != 0; bit >>= 1 {
			j ^= bit
		}
		j ^= bit
		if i < j {
			re[i], re[j] = re[j], re[i]
			im[i], im[j] = im[j], im[i]
		}
	}
	for size := 2; size <= n; size <<= 1 {
		half, step := size/2, s.m/size
		for start := 0; start < n; start += size {
			for k := 0; k < half; k++ {
				wr, wi := s.cos[k*step], s.sin[k*step]
				if invert {
					wi = -wi
				}
				a, b := start+k, start+k+half
				tr := re[b]*wr - im[b]*wi
				ti := re[b]*wi + im[b]*wr
				re[b], im[b] = re[a]-tr, im[a]-ti
				re[a], im[a] = re[a]+tr, im[a]+ti
			}
		}
	}
}
