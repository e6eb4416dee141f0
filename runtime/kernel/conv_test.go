package kernel

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naiveConv2D is the definition Conv2D must equal (NCHW, OIHW), in float64.
func naiveConv2D(p Conv2DParams, in, filter, bias []float32) []float64 {
	p.normalize()
	oh, ow := p.OutH(), p.OutW()
	cg, og := p.C/p.Groups, p.OutC/p.Groups
	out := make([]float64, p.N*p.OutC*oh*ow)
	for n := 0; n < p.N; n++ {
		for o := 0; o < p.OutC; o++ {
			g := o / og
			for y := 0; y < oh; y++ {
				for x := 0; x < ow; x++ {
					var s float64
					if bias != nil {
						s = float64(bias[o])
					}
					for c := 0; c < cg; c++ {
						for i := 0; i < p.KH; i++ {
							for j := 0; j < p.KW; j++ {
								iy := y*p.StrideH - p.PadTop + i*p.DilationH
								ix := x*p.StrideW - p.PadLeft + j*p.DilationW
								if iy < 0 || iy >= p.H || ix < 0 || ix >= p.W {
									continue
								}
								s += float64(in[((n*p.C+g*cg+c)*p.H+iy)*p.W+ix]) * float64(filter[((o*cg+c)*p.KH+i)*p.KW+j])
							}
						}
					}
					out[((n*p.OutC+o)*oh+y)*ow+x] = s
				}
			}
		}
	}
	return out
}

func randSlice(rng *rand.Rand, n int) []float32 {
	s := make([]float32, n)
	for i := range s {
		s[i] = rng.Float32()*2 - 1
	}
	return s
}

var convCases = []Conv2DParams{
	{N: 1, C: 3, H: 8, W: 8, OutC: 4, KH: 3, KW: 3},
	{N: 2, C: 3, H: 7, W: 9, OutC: 5, KH: 3, KW: 2, PadTop: 1, PadBottom: 2, PadLeft: 0, PadRight: 1},
	{N: 1, C: 4, H: 11, W: 10, OutC: 6, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
	{N: 1, C: 4, H: 12, W: 12, OutC: 4, KH: 3, KW: 3, DilationH: 2, DilationW: 3, PadTop: 2, PadBottom: 2, PadLeft: 3, PadRight: 3},
	{N: 1, C: 6, H: 9, W: 9, OutC: 4, KH: 3, KW: 3, Groups: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
	{N: 2, C: 8, H: 10, W: 10, OutC: 8, KH: 3, KW: 3, Groups: 8, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},                         // depthwise
	{N: 1, C: 8, H: 11, W: 11, OutC: 8, KH: 3, KW: 3, Groups: 8, StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}, // depthwise s2
	{N: 1, C: 5, H: 9, W: 7, OutC: 5, KH: 5, KW: 3, Groups: 5, DilationH: 2, PadTop: 4, PadBottom: 0, PadLeft: 2, PadRight: 1},             // depthwise dilated
	{N: 1, C: 4, H: 6, W: 6, OutC: 8, KH: 3, KW: 3, Groups: 4, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},                           // channel multiplier 2
	{N: 1, C: 24, H: 14, W: 14, OutC: 144, KH: 1, KW: 1},                                                                                   // mobilenet_v2 expand 1×1
	{N: 1, C: 144, H: 14, W: 14, OutC: 24, KH: 1, KW: 1},                                                                                   // mobilenet_v2 project 1×1
	{N: 1, C: 96, H: 15, W: 15, OutC: 96, KH: 3, KW: 3, Groups: 96, StrideH: 2, StrideW: 2, PadTop: 0, PadBottom: 1, PadLeft: 0, PadRight: 1},
	{N: 1, C: 3, H: 32, W: 32, OutC: 32, KH: 3, KW: 3, StrideH: 2, StrideW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1}, // mobilenet_v2 stem
	{N: 1, C: 7, H: 5, W: 5, OutC: 3, KH: 1, KW: 1, StrideH: 2, StrideW: 2},                                                      // strided 1×1
	{N: 1, C: 2, H: 3, W: 3, OutC: 2, KH: 5, KW: 5, PadTop: 2, PadBottom: 2, PadLeft: 2, PadRight: 2},                            // kernel larger than input
	{N: 1, C: 1, H: 1, W: 1, OutC: 1, KH: 1, KW: 1},
}

func TestConv2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for ci, p := range convCases {
		for _, withBias := range []bool{false, true} {
			q := p
			q.normalize()
			in := randSlice(rng, q.N*q.C*q.H*q.W)
			filter := randSlice(rng, q.OutC*q.C/q.Groups*q.KH*q.KW)
			var bias []float32
			if withBias {
				bias = randSlice(rng, q.OutC)
			}
			want := naiveConv2D(q, in, filter, bias)
			oAll, out := guarded(nil, len(want), float32(math.NaN()))
			if err := Conv2D(p, in, filter, bias, out); err != nil {
				t.Fatalf("case %d: %v", ci, err)
			}
			name := fmt.Sprintf("conv case %d %+v bias=%v", ci, p, withBias)
			checkGuards(t, name, oAll)
			compareF64(t, name, out, want, 1e-5*float64(q.C/q.Groups*q.KH*q.KW+4))

			// The same convolution with NHWC input and each filter layout.
			for _, fl := range []FilterLayout{HWIO, OHWI, IHWO} {
				r := q
				r.InputLayout = NHWC
				r.FilterLayout = fl
				inNHWC := make([]float32, len(in))
				transposeNCHWToNHWC(inNHWC, in, q.N, q.H*q.W, q.C)
				f := permuteFilter(filter, fl, q.OutC, q.C/q.Groups, q.KH, q.KW)
				outNHWC := make([]float32, len(want))
				if err := Conv2D(r, inNHWC, f, bias, outNHWC); err != nil {
					t.Fatalf("%s NHWC: %v", name, err)
				}
				back := make([]float32, len(want))
				transposeNHWCToNCHW(back, outNHWC, q.N, q.OutH()*q.OutW(), q.OutC)
				compareF64(t, fmt.Sprintf("%s NHWC filter %d", name, fl), back, want, 1e-5*float64(q.C/q.Groups*q.KH*q.KW+4))
			}
		}
	}
}

// permuteFilter stores an OIHW filter in layout l.
func permuteFilter(src []float32, l FilterLayout, o, i, kh, kw int) []float32 {
	dst := make([]float32, len(src))
	for a := 0; a < o; a++ {
		for b := 0; b < i; b++ {
			for y := 0; y < kh; y++ {
				for x := 0; x < kw; x++ {
					var d int
					switch l {
					case HWIO:
						d = ((y*kw+x)*i+b)*o + a
					case OHWI:
						d = ((a*kh+y)*kw+x)*i + b
					case IHWO:
						d = ((b*kh+y)*kw+x)*o + a
					default:
						d = ((a*i+b)*kh+y)*kw + x
					}
					dst[d] = src[((a*i+b)*kh+y)*kw+x]
				}
			}
		}
	}
	return dst
}

func compareF64(t *testing.T, name string, got []float32, want []float64, tol float64) {
	t.Helper()
	for i := range want {
		if d := math.Abs(float64(got[i]) - want[i]); !(d <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s: element %d = %g, want %g", name, i, got[i], want[i])
		}
	}
}

func TestConv2DErrors(t *testing.T) {
	tests := []struct {
		p    Conv2DParams
		in   int
		want string
	}{
		{Conv2DParams{N: 1, C: 3, H: 4, W: 4, OutC: 2, KH: 3, KW: 3, Groups: 2}, 48, "not divisible"},
		{Conv2DParams{N: 1, C: 3, H: 4, W: 4, OutC: 2, KH: 3, KW: 3}, 47, "input has 47"},
		{Conv2DParams{N: 1, C: 3, H: 4, W: 4, OutC: 2, KH: 0, KW: 3}, 48, "bad sizes"},
		{Conv2DParams{N: 1, C: 3, H: 4, W: 4, OutC: 2, KH: 3, KW: 3, PadTop: -1}, 48, "negative padding"},
	}
	for _, tc := range tests {
		err := Conv2D(tc.p, make([]float32, tc.in), make([]float32, 54), nil, make([]float32, 100))
		if err == nil || !contains(err.Error(), tc.want) {
			t.Errorf("Conv2D(%+v) error = %v, want %q", tc.p, err, tc.want)
		}
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}

// naiveConvTranspose2D scatters every input element through the filter (IOHW).
func naiveConvTranspose2D(p ConvTranspose2DParams, in, filter, bias []float32) []float64 {
	p.normalize()
	oh, ow := p.OutH(), p.OutW()
	cg, og := p.C/p.Groups, p.OutC/p.Groups
	out := make([]float64, p.N*p.OutC*oh*ow)
	for n := 0; n < p.N; n++ {
		for o := 0; o < p.OutC; o++ {
			for k := 0; k < oh*ow; k++ {
				if bias != nil {
					out[(n*p.OutC+o)*oh*ow+k] = float64(bias[o])
				}
			}
		}
		for c := 0; c < p.C; c++ {
			g := c / cg
			for iy := 0; iy < p.H; iy++ {
				for ix := 0; ix < p.W; ix++ {
					v := float64(in[((n*p.C+c)*p.H+iy)*p.W+ix])
					for ol := 0; ol < og; ol++ {
						o := g*og + ol
						for i := 0; i < p.KH; i++ {
							for j := 0; j < p.KW; j++ {
								y := iy*p.StrideH - p.PadTop + i*p.DilationH
								x := ix*p.StrideW - p.PadLeft + j*p.DilationW
								if y < 0 || y >= oh || x < 0 || x >= ow {
									continue
								}
								out[((n*p.OutC+o)*oh+y)*ow+x] += v * float64(filter[((c*og+ol)*p.KH+i)*p.KW+j])
							}
						}
					}
				}
			}
		}
	}
	return out
}

func TestConvTranspose2D(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	cases := []ConvTranspose2DParams{
		{N: 1, C: 2, H: 3, W: 3, OutC: 3, KH: 3, KW: 3},
		{N: 2, C: 4, H: 4, W: 5, OutC: 6, KH: 3, KW: 2, StrideH: 2, StrideW: 3, PadTop: 1, PadBottom: 0, PadLeft: 1, PadRight: 2, OutputPadH: 1, OutputPadW: 2},
		{N: 1, C: 4, H: 5, W: 5, OutC: 2, KH: 3, KW: 3, Groups: 2, DilationH: 2, DilationW: 2, PadTop: 1, PadBottom: 1, PadLeft: 1, PadRight: 1},
		{N: 1, C: 3, H: 1, W: 1, OutC: 2, KH: 4, KW: 4, StrideH: 2, StrideW: 2},
	}
	for ci, p := range cases {
		q := p
		q.normalize()
		in := randSlice(rng, q.N*q.C*q.H*q.W)
		filter := randSlice(rng, q.C*q.OutC/q.Groups*q.KH*q.KW)
		bias := randSlice(rng, q.OutC)
		want := naiveConvTranspose2D(q, in, filter, bias)
		oAll, out := guarded(nil, len(want), float32(math.NaN()))
		if err := ConvTranspose2D(p, in, filter, bias, out); err != nil {
			t.Fatalf("case %d: %v", ci, err)
		}
		name := fmt.Sprintf("convTranspose case %d", ci)
		checkGuards(t, name, oAll)
		compareF64(t, name, out, want, 1e-5*float64(q.C*q.KH*q.KW+4))

		// NHWC input with the HWOI and OHWI filter layouts.
		og := q.OutC / q.Groups
		for _, fl := range []FilterLayout{HWOI, OHWI} {
			f := make([]float32, len(filter))
			for c := 0; c < q.C; c++ {
				for o := 0; o < og; o++ {
					for i := 0; i < q.KH; i++ {
						for j := 0; j < q.KW; j++ {
							d := ((o*q.KH+i)*q.KW+j)*q.C + c // OHWI
							if fl == HWOI {
								d = ((i*q.KW+j)*og+o)*q.C + c
							}
							f[d] = filter[((c*og+o)*q.KH+i)*q.KW+j]
						}
					}
				}
			}
			r := p
			r.InputLayout, r.FilterLayout = NHWC, fl
			inT := make([]float32, len(in))
			transposeNCHWToNHWC(inT, in, q.N, q.H*q.W, q.C)
			outT := make([]float32, len(want))
			if err := ConvTranspose2D(r, inT, f, bias, outT); err != nil {
				t.Fatalf("%s layout %d: %v", name, fl, err)
			}
			back := make([]float32, len(want))
			transposeNHWCToNCHW(back, outT, q.N, q.OutH()*q.OutW(), q.OutC)
			compareF64(t, fmt.Sprintf("%s NHWC layout %d", name, fl), back, want, 1e-5*float64(q.C*q.KH*q.KW+4))
		}
	}
	if err := ConvTranspose2D(ConvTranspose2DParams{N: 1, C: 1, H: 1, W: 1, OutC: 1, KH: 1, KW: 1, PadTop: 1, PadBottom: 1}, []float32{1}, []float32{1}, nil, make([]float32, 4)); err == nil {
		t.Error("ConvTranspose2D with empty output: want an error")
	}
}
