package onnxrt

import (
	"fmt"
	"math"
	"strings"

	"github.com/webnn-graph/webnn-graph/tensor"
)

// Recurrent layers: RNN, GRU, LSTM (forward, reverse, bidirectional;
// sequence_lens; layout 0 and 1; custom activations; clip; LSTM peepholes
// and input_forget; GRU linear_before_reset). Computed in float64.

func init() {
	register("", "RNN", 1, buildRecurrent("RNN"))
	register("", "GRU", 1, buildRecurrent("GRU"))
	register("", "LSTM", 1, buildRecurrent("LSTM"))
}

// rnnActivation returns the named activation with its alpha/beta.
func rnnActivation(name string, alpha, beta float64, hasAlpha, hasBeta bool) (func(float64) float64, error) {
	def := func(v float64, has bool, d float64) float64 {
		if has {
			return v
		}
		return d
	}
	switch strings.ToLower(name) {
	case "relu":
		return func(x float64) float64 { return math.Max(0, x) }, nil
	case "tanh":
		return math.Tanh, nil
	case "sigmoid":
		return sigmoid, nil
	case "affine":
		a, b := def(alpha, hasAlpha, 1), def(beta, hasBeta, 0)
		return func(x float64) float64 { return a*x + b }, nil
	case "leakyrelu":
		a := def(alpha, hasAlpha, 0.01)
		return func(x float64) float64 {
			if x < 0 {
				return a * x
			}
			return x
		}, nil
	case "thresholdedrelu":
		a := def(alpha, hasAlpha, 1)
		return func(x float64) float64 {
			if x > a {
				return x
			}
			return 0
		}, nil
	case "scaledtanh":
		a, b := def(alpha, hasAlpha, 1), def(beta, hasBeta, 1)
		return func(x float64) float64 { return a * math.Tanh(b*x) }, nil
	case "hardsigmoid":
		a, b := def(alpha, hasAlpha, 0.2), def(beta, hasBeta, 0.5)
		return func(x float64) float64 { return math.Max(0, math.Min(1, a*x+b)) }, nil
	case "elu":
		a := def(alpha, hasAlpha, 1)
		return func(x float64) float64 {
			if x < 0 {
				return a * (math.Exp(x) - 1)
			}
			return x
		}, nil
	case "softsign":
		return func(x float64) float64 { return x / (1 + math.Abs(x)) }, nil
	case "softplus":
		return softplus, nil
	}
	return nil, fmt.Errorf("unknown activation %q", name)
}

func buildRecurrent(kind string) builder {
	return func(n *node) (kernelFn, error) {
		hidden := int(n.i("hidden_size", 0))
		direction := n.s("direction", "forward")
		layout := n.i("layout", 0)
		clip := float64(n.f("clip", 0))
		hasClip := n.has("clip")
		linearBeforeReset := n.i("linear_before_reset", 0) == 1
		inputForget := n.i("input_forget", 0) == 1
		dirs := 1
		if direction == "bidirectional" {
			dirs = 2
		}
		gates := map[string]int{"RNN": 1, "GRU": 3, "LSTM": 4}[kind]
		perDir := map[string][]string{"RNN": {"Tanh"}, "GRU": {"Sigmoid", "Tanh"}, "LSTM": {"Sigmoid", "Tanh", "Tanh"}}[kind]
		names := n.strings("activations")
		alphas := n.floats("activation_alpha")
		betas := n.floats("activation_beta")
		acts := make([][]func(float64) float64, dirs)
		k := 0
		// activation_alpha/beta are consumed in order by the functions
		// that take them (ONNX Runtime's reading), not by position.
		ai, bi := 0, 0
		for d := 0; d < dirs; d++ {
			for j := range perDir {
				name := perDir[j]
				if names != nil {
					if k >= len(names) {
						return nil, fmt.Errorf("activations %v too short for %d directions", names, dirs)
					}
					name = names[k]
				}
				var a, b float64
				usesA, usesB := false, false
				switch strings.ToLower(name) {
				case "affine", "scaledtanh", "hardsigmoid":
					usesA, usesB = true, true
				case "leakyrelu", "thresholdedrelu", "elu":
					usesA = true
				}
				hasA, hasB := usesA && ai < len(alphas), usesB && bi < len(betas)
				if hasA {
					a = float64(alphas[ai])
					ai++
				}
				if hasB {
					b = float64(betas[bi])
					bi++
				}
				f, err := rnnActivation(name, a, b, hasA, hasB)
				if err != nil {
					return nil, err
				}
				acts[d] = append(acts[d], f)
				k++
			}
		}
		return halfWrap(func(c *runCtx, in []*tensor.Tensor) ([]*tensor.Tensor, error) {
			x, w, r := in[0], in[1], in[2]
			if len(x.Shape) != 3 {
				return nil, fmt.Errorf("X %v must be 3-D", x.Shape)
			}
			seq, batch, inSize := x.Shape[0], x.Shape[1], x.Shape[2]
			xv, _ := floats(x)
			if layout == 1 {
				batch, seq = seq, batch
				t, _ := transpose(f64Tensor(x.Shape, xv), []int{1, 0, 2})
				xv = t.Data.([]float64)
			}
			hs := hidden
			if hs == 0 {
				if len(r.Shape) != 3 {
					return nil, fmt.Errorf("R %v must be 3-D", r.Shape)
				}
				hs = r.Shape[2]
			}
			if !sameShape(w.Shape, []int{dirs, gates * hs, inSize}) || !sameShape(r.Shape, []int{dirs, gates * hs, hs}) {
				return nil, fmt.Errorf("W %v / R %v do not fit %d directions, %d gates, hidden %d, input %d", w.Shape, r.Shape, dirs, gates, hs, inSize)
			}
			wv, _ := floats(w)
			rv, _ := floats(r)
			bv := newSlice[float64](dirs, 2, gates, hs)
			if b := opt(in, 3); b != nil {
				bv, _ = floats(b)
			}
			lens := newSlice[int64](batch)
			for i := range lens {
				lens[i] = int64(seq)
			}
			if s := opt(in, 4); s != nil {
				l, err := ints(s)
				if err != nil {
					return nil, err
				}
				copy(lens, l)
			}
			h0 := newSlice[float64](dirs, batch, hs)
			if t := opt(in, 5); t != nil {
				v, _ := floats(t)
				if layout == 1 {
					tt, _ := transpose(f64Tensor(t.Shape, v), []int{1, 0, 2})
					v = tt.Data.([]float64)
				}
				copy(h0, v)
			}
			c0 := newSlice[float64](dirs, batch, hs)
			var peep []float64
			if kind == "LSTM" {
				if t := opt(in, 6); t != nil {
					v, _ := floats(t)
					if layout == 1 {
						tt, _ := transpose(f64Tensor(t.Shape, v), []int{1, 0, 2})
						v = tt.Data.([]float64)
					}
					copy(c0, v)
				}
				if t := opt(in, 7); t != nil {
					peep, _ = floats(t)
				}
			}
			y := newSlice[float64](seq, dirs, batch, hs)
			yh := newSlice[float64](dirs, batch, hs)
			yc := newSlice[float64](dirs, batch, hs)
			gate := newSlice[float64](gates, hs)
			clipf := func(v float64) float64 {
				if hasClip {
					return math.Max(-clip, math.Min(clip, v))
				}
				return v
			}
			for d := 0; d < dirs; d++ {
				reverse := direction == "reverse" || d == 1
				W := wv[d*gates*hs*inSize : (d+1)*gates*hs*inSize]
				R := rv[d*gates*hs*hs : (d+1)*gates*hs*hs]
				Wb := bv[d*2*gates*hs : d*2*gates*hs+gates*hs]
				Rb := bv[d*2*gates*hs+gates*hs : (d+1)*2*gates*hs]
				f, g := acts[d][0], acts[d][0]
				h := acts[d][0]
				if len(acts[d]) > 1 {
					g = acts[d][1]
				}
				if len(acts[d]) > 2 {
					h = acts[d][2]
				}
				for b := 0; b < batch; b++ {
					H := append([]float64{}, h0[(d*batch+b)*hs:(d*batch+b+1)*hs]...)
					C := append([]float64{}, c0[(d*batch+b)*hs:(d*batch+b+1)*hs]...)
					L := int(lens[b])
					for step := 0; step < L; step++ {
						t := step
						if reverse {
							t = L - 1 - step
						}
						xt := xv[(t*batch+b)*inSize : (t*batch+b+1)*inSize]
						// gate pre-activations: W·x + Wb (R·h added per kind)
						for q := 0; q < gates*hs; q++ {
							s := Wb[q]
							row := W[q*inSize : (q+1)*inSize]
							for i, xi := range xt {
								s += row[i] * xi
							}
							gate[q] = s
						}
						rh := func(q int, hv []float64) float64 {
							s := 0.0
							row := R[q*hs : (q+1)*hs]
							for i, v := range hv {
								s += row[i] * v
							}
							return s
						}
						switch kind {
						case "RNN":
							nh := make([]float64, hs)
							for q := 0; q < hs; q++ {
								nh[q] = f(clipf(gate[q] + rh(q, H) + Rb[q]))
							}
							H = nh
						case "GRU":
							z := make([]float64, hs)
							rr := make([]float64, hs)
							for q := 0; q < hs; q++ {
								z[q] = f(clipf(gate[q] + rh(q, H) + Rb[q]))
								rr[q] = f(clipf(gate[hs+q] + rh(hs+q, H) + Rb[hs+q]))
							}
							nh := make([]float64, hs)
							rH := make([]float64, hs)
							for q := 0; q < hs; q++ {
								rH[q] = rr[q] * H[q]
							}
							for q := 0; q < hs; q++ {
								var hh float64
								if linearBeforeReset {
									hh = g(clipf(gate[2*hs+q] + rr[q]*(rh(2*hs+q, H)+Rb[2*hs+q])))
								} else {
									hh = g(clipf(gate[2*hs+q] + rh(2*hs+q, rH) + Rb[2*hs+q]))
								}
								nh[q] = (1-z[q])*hh + z[q]*H[q]
							}
							H = nh
						case "LSTM":
							nh := make([]float64, hs)
							for q := 0; q < hs; q++ {
								pi, po, pf := 0.0, 0.0, 0.0
								if peep != nil {
									pi, po, pf = peep[d*3*hs+q], peep[d*3*hs+hs+q], peep[d*3*hs+2*hs+q]
								}
								iG := f(clipf(gate[q] + rh(q, H) + Rb[q] + pi*C[q]))
								fG := f(clipf(gate[2*hs+q] + rh(2*hs+q, H) + Rb[2*hs+q] + pf*C[q]))
								if inputForget {
									fG = 1 - iG
								}
								cG := g(clipf(gate[3*hs+q] + rh(3*hs+q, H) + Rb[3*hs+q]))
								C[q] = fG*C[q] + iG*cG
								oG := f(clipf(gate[hs+q] + rh(hs+q, H) + Rb[hs+q] + po*C[q]))
								nh[q] = oG * h(C[q])
							}
							H = nh
						}
						copy(y[((t*dirs+d)*batch+b)*hs:], H)
					}
					copy(yh[(d*batch+b)*hs:], H)
					copy(yc[(d*batch+b)*hs:], C)
				}
			}
			yShape := []int{seq, dirs, batch, hs}
			hShape := []int{dirs, batch, hs}
			yt := f64Tensor(yShape, y)
			yht := f64Tensor(hShape, yh)
			yct := f64Tensor(hShape, yc)
			if layout == 1 {
				yt, _ = transpose(yt, []int{2, 0, 1, 3})
				yht, _ = transpose(yht, []int{1, 0, 2})
				yct, _ = transpose(yct, []int{1, 0, 2})
			}
			dt := x.DType
			outs := []*tensor.Tensor{castF64(yt, dt), castF64(yht, dt)}
			if kind == "LSTM" {
				outs = append(outs, castF64(yct, dt))
			}
			return outs, nil
		}), nil
	}
}

func castF64(t *tensor.Tensor, dt tensor.DType) *tensor.Tensor {
	return fromFloat64(dt, t.Shape, t.Data.([]float64))
}
