package onnxrt

import (
	"fmt"
	"math"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Signal processing: HannWindow, HammingWindow, BlackmanWindow, DFT,
// STFT, MelWeightMatrix; and Det (linear algebra).

func init() {
	register("", "HannWindow", 17, buildWindow("hann"))
	register("", "HammingWindow", 17, buildWindow("hamming"))
	register("", "BlackmanWindow", 17, buildWindow("blackman"))
	register("", "DFT", 17, buildDFT)
	register("", "STFT", 17, buildSTFT)
	register("", "MelWeightMatrix", 17, buildMelWeightMatrix)
	register("", "Det", 11, buildDet)
}

func buildWindow(kind string) builder {
	return func(n *node) (kernelFn, error) {
		periodic := n.i("periodic", 1) == 1
		dt, err := outputDType(n, "output_datatype")
		if err != nil {
			return nil, err
		}
		return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			size, err := scalarInt(in[0])
			if err != nil {
				return nil, err
			}
			if size < 0 {
				return nil, fmt.Errorf("negative window size %d", size)
			}
			denom := float64(size)
			if !periodic {
				denom = float64(size - 1)
			}
			v := newSlice[float64](int(size))
			for i := range v {
				x := 2 * math.Pi * float64(i) / denom
				switch kind {
				case "hann":
					v[i] = 0.5 - 0.5*math.Cos(x)
				case "hamming":
					a := 25.0 / 46
					v[i] = a - (1-a)*math.Cos(x)
				case "blackman":
					v[i] = 0.42 - 0.5*math.Cos(x) + 0.08*math.Cos(2*x)
				}
			}
			return []*tensor.Tensor{fromFloat64(dt, []int{int(size)}, v)}, nil
		}, nil
	}
}

// binaryAttr reads a flag attribute the spec allows only as 0 or 1 (any
// other value is refused, not read as one of them).
func binaryAttr(n *node, name string, def int64) (bool, error) {
	v := n.i(name, def)
	if v != 0 && v != 1 {
		return false, fmt.Errorf("attribute %s is %d (want 0 or 1)", name, v)
	}
	return v == 1, nil
}

func buildDFT(n *node) (kernelFn, error) {
	inverse, err := binaryAttr(n, "inverse", 0)
	if err != nil {
		return nil, err
	}
	onesided, err := binaryAttr(n, "onesided", 0)
	if err != nil {
		return nil, err
	}
	attrAxis := n.i("axis", 1)
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		r := len(x.Shape)
		if r < 2 || (x.Shape[r-1] != 1 && x.Shape[r-1] != 2) {
			return nil, fmt.Errorf("input %v must end in a dim of 1 (real) or 2 (complex)", x.Shape)
		}
		axis := attrAxis
		if n.opset >= 20 {
			axis = -2
			if t := opt(in, 2); t != nil {
				v, err := scalarInt(t)
				if err != nil {
					return nil, err
				}
				axis = v
			}
		}
		ax := int(axis)
		if ax < 0 {
			ax += r
		}
		if ax < 0 || ax >= r-1 {
			return nil, fmt.Errorf("axis %d out of range", axis)
		}
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		length := x.Shape[ax]
		if t := opt(in, 1); t != nil {
			l, err := scalarInt(t)
			if err != nil {
				return nil, err
			}
			if l < 1 || l > math.MaxInt32 {
				return nil, fmt.Errorf("dft_length %d is not in [1, 2^31)", l)
			}
			length = int(l)
		}
		if length < 1 {
			return nil, fmt.Errorf("a DFT over axis %d of %v has no points", ax, x.Shape)
		}
		bins := length
		if onesided {
			bins = length/2 + 1
		}
		complexIn := x.Shape[r-1] == 2
		outer := tensor.NumElements(x.Shape[:ax])
		dim := x.Shape[ax]
		inner := tensor.NumElements(x.Shape[ax+1 : r-1])
		shape := append([]int{}, x.Shape...)
		shape[ax] = bins
		shape[r-1] = 2
		out := newSlice[float64](outer, bins, inner, 2)
		re := newSlice[float64](length)
		im := newSlice[float64](length)
		sp := newSpectrum(length, inverse)
		scale := 1.0
		if inverse {
			scale = 1 / float64(length)
		}
		for o := 0; o < outer; o++ {
			for i := 0; i < inner; i++ {
				for t := 0; t < length; t++ {
					re[t], im[t] = 0, 0
					if t < dim {
						base := ((o*dim+t)*inner + i) * x.Shape[r-1]
						re[t] = v[base]
						if complexIn {
							im[t] = v[base+1]
						}
					}
				}
				sp.transform(re, im)
				for k := 0; k < bins; k++ {
					base := ((o*bins+k)*inner + i) * 2
					out[base], out[base+1] = re[k]*scale, im[k]*scale
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, shape, out)}, nil
	}, nil
}

func buildSTFT(n *node) (kernelFn, error) {
	onesided, err := binaryAttr(n, "onesided", 1)
	if err != nil {
		return nil, err
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		if len(x.Shape) == 2 {
			// [batch, length]: a real signal (ONNX Runtime reads it so).
			x = reshaped(x, []int{x.Shape[0], x.Shape[1], 1})
		}
		if len(x.Shape) != 3 || (x.Shape[2] != 1 && x.Shape[2] != 2) {
			return nil, fmt.Errorf("signal %v must be [batch, length], [batch, length, 1] or [batch, length, 2]", x.Shape)
		}
		step, err := scalarInt(in[1])
		if err != nil {
			return nil, err
		}
		var window []float64
		if w := opt(in, 2); w != nil {
			if window, err = floats(w); err != nil {
				return nil, err
			}
		}
		if w := opt(in, 2); w != nil && len(w.Shape) != 1 {
			return nil, fmt.Errorf("window %v is not 1-D", w.Shape)
		}
		frameLen := len(window)
		if t := opt(in, 3); t != nil {
			l, err := scalarInt(t)
			if err != nil {
				return nil, err
			}
			if l < 1 || l > math.MaxInt32 {
				return nil, fmt.Errorf("frame_length %d is not in [1, 2^31)", l)
			}
			frameLen = int(l)
		}
		if frameLen <= 0 || step <= 0 {
			return nil, fmt.Errorf("frame_length %d and frame_step %d must be positive", frameLen, step)
		}
		v, _ := floats(x)
		nb, length, comp := x.Shape[0], x.Shape[1], x.Shape[2]
		if window != nil && len(window) != frameLen {
			return nil, fmt.Errorf("window of %d values for frame_length %d", len(window), frameLen)
		}
		if length < frameLen {
			return nil, fmt.Errorf("signal length %d is shorter than frame_length %d", length, frameLen)
		}
		frames := (length-frameLen)/int(step) + 1
		bins := frameLen
		if onesided {
			bins = frameLen/2 + 1
		}
		out := newSlice[float64](nb, frames, bins, 2)
		re := newSlice[float64](frameLen)
		im := newSlice[float64](frameLen)
		sp := newSpectrum(frameLen, false)
		for b := 0; b < nb; b++ {
			for f := 0; f < frames; f++ {
				for t := 0; t < frameLen; t++ {
					p := (b*length + f*int(step) + t) * comp
					w := 1.0
					if window != nil {
						w = window[t]
					}
					re[t] = v[p] * w
					im[t] = 0
					if comp == 2 {
						im[t] = v[p+1] * w
					}
				}
				sp.transform(re, im)
				for k := 0; k < bins; k++ {
					base := ((b*frames+f)*bins + k) * 2
					out[base], out[base+1] = re[k], im[k]
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(x.DType, []int{nb, frames, bins, 2}, out)}, nil
	}, nil
}

func buildMelWeightMatrix(n *node) (kernelFn, error) {
	dt, err := outputDType(n, "output_datatype")
	if err != nil {
		return nil, err
	}
	return func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		numMel, err := scalarInt(in[0])
		if err != nil {
			return nil, err
		}
		dftLen, _ := scalarInt(in[1])
		rate, _ := scalarInt(in[2])
		lo, _ := scalarFloat(in[3])
		hi, _ := scalarFloat(in[4])
		if numMel < 1 || numMel > 1<<20 || dftLen < 1 || dftLen > 1<<30 || rate < 1 || !(lo >= 0 && lo <= hi && hi < 1e12) {
			return nil, fmt.Errorf("num_mel_bins %d, dft_length %d, sample_rate %d and edges %v..%v Hz are not a mel filter bank", numMel, dftLen, rate, lo, hi)
		}
		specBins := int(dftLen/2 + 1)
		loMel := 2595 * math.Log10(1+lo/700)
		hiMel := 2595 * math.Log10(1+hi/700)
		step := (hiMel - loMel) / float64(numMel+2) // as the reference: over the num_mel_bins+2 edges
		bins := make([]int, numMel+2)
		for i := range bins {
			mel := float64(i)*step + loMel
			hz := 700 * (math.Pow(10, mel/2595) - 1)
			bins[i] = int(math.Floor(float64(dftLen+1) * hz / float64(rate)))
		}
		out := newSlice[float64](specBins, int(numMel))
		m := int(numMel)
		for i := 0; i < m; i++ {
			l, cen, h := bins[i], bins[i+1], bins[i+2]
			if cen-l == 0 {
				if cen < specBins {
					out[cen*m+i] = 1
				}
			} else {
				for j := l; j <= cen && j < specBins; j++ {
					out[j*m+i] = float64(j-l) / float64(cen-l)
				}
			}
			if h-cen > 0 {
				for j := cen; j < h && j < specBins; j++ {
					out[j*m+i] = float64(h-j) / float64(h-cen)
				}
			}
		}
		return []*tensor.Tensor{fromFloat64(dt, []int{specBins, m}, out)}, nil
	}, nil
}

func buildDet(n *node) (kernelFn, error) {
	return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
		x := in[0]
		r := len(x.Shape)
		if r < 2 || x.Shape[r-1] != x.Shape[r-2] {
			return nil, fmt.Errorf("input %v must end in a square matrix", x.Shape)
		}
		v, err := floats(x)
		if err != nil {
			return nil, err
		}
		k := x.Shape[r-1]
		nb := tensor.NumElements(x.Shape[:r-2])
		out := newSlice[float64](nb)
		a := newSlice[float64](k, k)
		for b := 0; b < nb; b++ {
			copy(a, v[b*k*k:(b+1)*k*k])
			det := 1.0
			for col := 0; col < k; col++ {
				p := col
				for i := col + 1; i < k; i++ {
					if math.Abs(a[i*k+col]) > math.Abs(a[p*k+col]) {
						p = i
					}
				}
				if a[p*k+col] == 0 {
					det = 0
					break
				}
				if p != col {
					for j := 0; j < k; j++ {
						a[p*k+j], a[col*k+j] = a[col*k+j], a[p*k+j]
					}
					det = -det
				}
				det *= a[col*k+col]
				for i := col + 1; i < k; i++ {
					f := a[i*k+col] / a[col*k+col]
					for j := col; j < k; j++ {
						a[i*k+j] -= f * a[col*k+j]
					}
				}
			}
			out[b] = det
		}
		return []*tensor.Tensor{fromFloat64(x.DType, x.Shape[:r-2], out)}, nil
	}), nil
}
