package xcheck

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"testing"

	"github.com/webnn-graph/webnn-graph/internal/testenv"
	"github.com/webnn-graph/webnn-graph/onnxpb"
	onnxrt "github.com/webnn-graph/webnn-graph/runtime/onnx"
	"github.com/webnn-graph/webnn-graph/shapeinfer"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// cases: model and npz case names (first prefill, then a step with a
// non-empty past where the model has one).
var cases = []struct {
	model string
	files []string
}{
	{"smollm-tiny", []string{"step00", "step03"}},
	{"gpt2-tiny", []string{"step00", "step02"}},
	{"bert-tiny", []string{"b1_len7", "b3_len12_padded"}},
	{"bert-tiny-qdq", []string{"b3_len12_padded"}},
}

func TestIntermediates(t *testing.T) {
	for _, c := range cases {
		t.Run(c.model, func(t *testing.T) {
			dir := testenv.Shared(t, filepath.Join("zoo", c.model))
			m, err := onnxpb.Load(filepath.Join(dir, "model.onnx"))
			if err != nil {
				t.Fatal(err)
			}
			defer m.Close()
			res, err := shapeinfer.Infer(m, shapeinfer.Options{})
			if err != nil {
				t.Fatal(err)
			}
			prog, err := onnxrt.Compile(m)
			if err != nil {
				t.Skipf("runtime/onnx cannot compile %s: %v", c.model, err)
			}
			for _, name := range c.files {
				ts, _, err := tensor.ReadNPZ(filepath.Join(dir, "cases", name+".npz"))
				if err != nil {
					t.Fatal(err)
				}
				inputs := map[string]*tensor.Tensor{}
				for _, vi := range m.Graph().GetInput() {
					if x, ok := ts["in."+vi.GetName()]; ok {
						inputs[vi.GetName()] = x
					}
				}
				env, err := shapeinfer.CaseDims(m, res, func(n string) ([]int, bool) {
					x, ok := inputs[n]
					if !ok {
						return nil, false
					}
					return x.Shape, true
				})
				if err != nil {
					t.Fatal(err)
				}
				_, inter, err := prog.RunWithIntermediates(inputs, []string{"*"})
				if err != nil {
					t.Skipf("runtime/onnx cannot run %s/%s: %v", c.model, name, err)
				}
				shapes, values, consts := 0, 0, 0
				for vname, real := range inter {
					info := res.Values[vname]
					if info == nil || real == nil {
						continue
					}
					got, err := shapeinfer.EvalShape(info.Shape, env)
					if err != nil {
						t.Errorf("%s: %s %s: %v", name, vname, info, err)
						continue
					}
					if !slices.Equal(got, real.Shape) {
						t.Errorf("%s: %s: inferred %s = %v, real %v", name, vname, shapeinfer.ShapeString(info.Shape), got, real.Shape)
						continue
					}
					shapes++
					if info.DType != real.DType {
						t.Errorf("%s: %s: inferred dtype %v, real %v", name, vname, info.DType, real.DType)
					}
					if info.Value != nil {
						if err := checkValue(info.Value, env, real); err != nil {
							t.Errorf("%s: %s: value %s: %v", name, vname, shapeinfer.ShapeString(info.Value), err)
						}
						values++
					}
					if info.Const != nil {
						if err := checkConst(info.Const, real); err != nil {
							t.Errorf("%s: %s: constant: %v", name, vname, err)
						}
						consts++
					}
				}
				fmt.Printf("shapeinfer xcheck %s/%s: %d shapes, %d values, %d constants agree with runtime/onnx\n", c.model, name, shapes, values, consts)
				if shapes == 0 {
					t.Errorf("%s: no intermediate compared", name)
				}
			}
		})
	}
}

func checkValue(v []shapeinfer.Expr, env map[string]int64, real *tensor.Tensor) error {
	if len(v) != real.Len() {
		return fmt.Errorf("%d known elements, real tensor has %d", len(v), real.Len())
	}
	f := floats(real)
	for i, e := range v {
		x, err := e.Eval(env)
		if err != nil {
			return err
		}
		if float64(x) != f[i] {
			return fmt.Errorf("element %d: %d, real %v", i, x, f[i])
		}
	}
	return nil
}

func checkConst(c, real *tensor.Tensor) error {
	if !slices.Equal(c.Shape, real.Shape) {
		return fmt.Errorf("shape %v, real %v", c.Shape, real.Shape)
	}
	a, b := floats(c), floats(real)
	for i := range a {
		if a[i] != b[i] && !(math.IsNaN(a[i]) && math.IsNaN(b[i])) && math.Abs(a[i]-b[i]) > 1e-6*math.Max(1, math.Abs(b[i])) {
			return fmt.Errorf("element %d: %v, real %v", i, a[i], b[i])
		}
	}
	return nil
}

func floats(t *tensor.Tensor) []float64 {
	out := make([]float64, t.Len())
	switch d := t.Data.(type) {
	case []float32:
		for i, x := range d {
			out[i] = float64(x)
		}
	case []float64:
		copy(out, d)
	case []int64:
		for i, x := range d {
			out[i] = float64(x)
		}
	case []int32:
		for i, x := range d {
			out[i] = float64(x)
		}
	case []int8:
		for i, x := range d {
			out[i] = float64(x)
		}
	case []uint8:
		for i, x := range d {
			out[i] = float64(x)
		}
	case []bool:
		for i, x := range d {
			if x {
				out[i] = 1
			}
		}
	case []uint16:
		for i, x := range d {
			out[i] = float64(x)
		}
	}
	return out
}
