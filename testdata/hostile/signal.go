package hostile

import (
	"fmt"
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows for STFT and DFT: frame and transform lengths, windows and flags
// that a tiny model sets to anything. The converter builds a basis of
// frame_length × bins values and the ONNX interpreter computes one
// transform per frame, so a single scalar asks for quadratic memory or
// time; the shape rules must refuse what the spec forbids before either.

const classSignal = "10.3/10.4 STFT and DFT lengths, windows and flags"

// signalModel writes dir/model.onnx: y = op(x, inputs...) with x float32
// of shape xs, the node's inputs after x named by ins ("" for absent),
// the initializers given, and dir/in.npz holding ones for x.
func signalModel(op string, xs []int, ins []string, inits []*onnxpb.TensorProto, attrs ...*onnxpb.AttributeProto) func(string) error {
	return func(dir string) error {
		dims := make([]any, len(xs))
		for i, d := range xs {
			dims[i] = d
		}
		n := Node(op, append([]string{"x"}, ins...), []string{"y"}, attrs...)
		n.Name = "sig0"
		g := &onnxpb.GraphProto{
			Node:        []*onnxpb.NodeProto{n},
			Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, dims...)},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: inits,
		}
		if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
			return err
		}
		return InputsNPZ(dir, "in.npz", map[string][]int{"x": xs})
	}
}

func scalarI64(name string, v int64) *onnxpb.TensorProto { return Int64s(name, nil, []int64{v}) }

func init() {
	convert := []string{"convert", "{dir}/model.onnx", "-o", "{out}"}
	runONNX := []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}
	ones := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = 1
		}
		return v
	}
	register(
		// A 2-D window has no frame length: the shape rule refuses it
		// (it printed an internal dim symbol from deep in the lowering).
		Case{Name: "stft-window-rank-2-convert", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "w"},
				[]*onnxpb.TensorProto{scalarI64("step", 4), Floats("w", []int64{4, 4}, ones(16))}),
			Args: convert, Exit: 1, Msg: "window [4, 4] is not 1-D"},
		Case{Name: "stft-window-rank-2-run-onnx", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "w"},
				[]*onnxpb.TensorProto{scalarI64("step", 4), Floats("w", []int64{4, 4}, ones(16))}),
			Args: runONNX, Exit: 1, Msg: "not 1-D"},
		// onesided/inverse are 0 or 1; 7 was two-sided for one reader
		// and would be one-sided for another.
		Case{Name: "stft-onesided-7-convert", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{scalarI64("step", 4), scalarI64("len", 16)}, AttrInt("onesided", 7)),
			Args: convert, Exit: 1, Msg: "onesided is 7"},
		Case{Name: "stft-onesided-7-run-onnx", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{scalarI64("step", 4), scalarI64("len", 16)}, AttrInt("onesided", 7)),
			Args: runONNX, Exit: 1, Msg: "onesided is 7"},
		Case{Name: "dft-inverse-minus-1-verify", Class: classSignal,
			Setup: signalModel("DFT", []int{1, 16, 2}, nil, nil, AttrInt("inverse", -1)),
			Args:  []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "inverse is -1"},
		Case{Name: "stft-frame-step-two-values", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{Int64s("step", []int64{2}, []int64{4, 4}), scalarI64("len", 16)}),
			Args: convert, Exit: 1, Msg: "frame_step [2] is not a scalar"},
		Case{Name: "dft-last-dim-3", Class: classSignal,
			Setup: signalModel("DFT", []int{1, 16, 3}, nil, nil),
			Args:  []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "does not end in 1 (real) or 2 (complex)"},
		Case{Name: "stft-frame-length-2p40-convert", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{scalarI64("step", 1), scalarI64("len", 1<<40)}),
			Args: convert, Exit: 1, Msg: "frame length 1099511627776"},
		Case{Name: "stft-frame-length-2p40-run-onnx", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 64}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{scalarI64("step", 1), scalarI64("len", 1<<40)}),
			Args: runONNX, Exit: 1, Msg: "frame_length 1099511627776"},
		// The converter's basis is frame_length × bins floats: bounded.
		Case{Name: "stft-basis-too-large-convert", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 1 << 16}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{scalarI64("step", 1), scalarI64("len", 1<<15)}),
			Args: convert, Exit: 1, Msg: "kernel values"},
		Case{Name: "dft-basis-too-large-convert", Class: classSignal,
			Setup: signalModel("DFT", []int{1, 16, 1}, []string{"len"}, []*onnxpb.TensorProto{scalarI64("len", 1<<20)}),
			Args:  convert, Exit: 1, Msg: "basis"},
		// Ten STFTs of distinct frame lengths (no shared basis) built 167 MB
		// of kernels from a 700-byte model past --max-memory 64MiB (a
		// thousand would fill a disk): their total is held to the budget.
		Case{Name: "stft-many-bases-over-budget-convert", Class: classSignal,
			Setup: func(dir string) error {
				g := &onnxpb.GraphProto{
					Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1, "N")},
					Initializer: []*onnxpb.TensorProto{scalarI64("step", 512)},
				}
				for i := 0; i < 10; i++ {
					l, y := fmt.Sprintf("len%d", i), fmt.Sprintf("y%d", i)
					g.Initializer = append(g.Initializer, scalarI64(l, int64(2048-i)))
					n := Node("STFT", []string{"x", "step", "", l}, []string{y})
					n.Name = fmt.Sprintf("stft%d", i)
					g.Node = append(g.Node, n)
					g.Output = append(g.Output, AnyVI(y, tensor.Float32))
				}
				return WriteModel(filepath.Join(dir, "model.onnx"), g)
			},
			Args: append(append([]string{}, convert...), "--target", "webnn", "--max-memory", "64MiB"), Exit: 1, Msg: "constants built at conversion"},
		// The interpreter's transforms cost n log n: a 2^20-point DFT of
		// 16 values (a direct sum ran for hours) and 2049 frames of 2048
		// (95 s) finish at once.
		Case{Name: "onnxrt-dft-length-2p20-run", Class: classSignal,
			Setup: signalModel("DFT", []int{1, 16, 1}, []string{"len"}, []*onnxpb.TensorProto{scalarI64("len", 1<<20)}),
			Args:  runONNX, Exit: 0},
		Case{Name: "onnxrt-stft-many-long-frames-run", Class: classSignal,
			Setup: signalModel("STFT", []int{1, 4096}, []string{"step", "", "len"},
				[]*onnxpb.TensorProto{scalarI64("step", 1), scalarI64("len", 2048)}),
			Args: runONNX, Exit: 0},
		Case{Name: "onnxrt-dft-length-2p31-run", Class: classSignal,
			Setup: signalModel("DFT", []int{1, 16, 1}, []string{"len"}, []*onnxpb.TensorProto{scalarI64("len", 1<<31)}),
			Args:  runONNX, Exit: 1, Msg: "dft_length 2147483648"},
		Case{Name: "onnxrt-dft-length-negative-run", Class: classSignal,
			Setup: signalModel("DFT", []int{1, 16, 1}, []string{"len"}, []*onnxpb.TensorProto{scalarI64("len", -3)}),
			Args:  runONNX, Exit: 1, Msg: "dft_length -3"},
	)
}
