package hostile

import (
	"path/filepath"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// Rows for compute amplification: a few bytes of model asking for a loop
// of 2^40 steps over inputs of ordinary size. The memory budget does not
// see it (nothing large is allocated); each such kernel bounds its steps
// or computes in time proportional to its output (the DFT rows of
// signal.go).

const classWork = "10.3 compute amplification: a small model asking for 2^40 steps"

// poolModel writes dir/model.onnx: y = op(x) over x float32[1, 1, xs...]
// with kernel_shape ks, and dir/in.npz holding x.
func poolModel(op string, xs, ks []int64) func(string) error {
	return func(dir string) error {
		dims := []any{1, 1}
		shape := []int{1, 1}
		for _, d := range xs {
			dims = append(dims, d)
			shape = append(shape, int(d))
		}
		n := Node(op, []string{"x"}, []string{"y"}, AttrInts("kernel_shape", ks...))
		n.Name = "pool0"
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{n},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, dims...)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		}
		if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
			return err
		}
		return InputsNPZ(dir, "in.npz", map[string][]int{"x": shape})
	}
}

// roiAlignModel writes dir/model.onnx: y = RoiAlign(x float32[1,1,8,8],
// rois float32[1,4], batch index 0) with sampling_ratio ratio, and
// dir/in.npz holding x (ones) and the roi given.
func roiAlignModel(ratio int64, roi [4]float32) func(string) error {
	return func(dir string) error {
		n := Node("RoiAlign", []string{"x", "rois", "bi"}, []string{"y"}, AttrInt("sampling_ratio", ratio))
		n.Name = "roi0"
		g := &onnxpb.GraphProto{
			Node:        []*onnxpb.NodeProto{n},
			Input:       []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1, 1, 8, 8), VI("rois", tensor.Float32, 1, 4)},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
			Initializer: []*onnxpb.TensorProto{Int64s("bi", []int64{1}, []int64{0})},
		}
		if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
			return err
		}
		x := tensor.New(tensor.Float32, []int{1, 1, 8, 8})
		for i, d := 0, x.Data.([]float32); i < len(d); i++ {
			d[i] = 1
		}
		r := tensor.New(tensor.Float32, []int{1, 4})
		copy(r.Data.([]float32), roi[:])
		return tensor.WriteNPZ(filepath.Join(dir, "in.npz"), []string{"x", "rois"}, map[string]*tensor.Tensor{"x": x, "rois": r})
	}
}

// nmsModel writes dir/model.onnx: NonMaxSuppression over n boxes of one
// class with no cap on the boxes kept, and dir/in.npz holding n disjoint
// unit boxes (every one is kept, so each is compared with all before it).
func nmsModel(n int) func(string) error {
	return func(dir string) error {
		nd := Node("NonMaxSuppression", []string{"boxes", "scores", "max", "iou"}, []string{"sel"})
		nd.Name = "nms0"
		g := &onnxpb.GraphProto{
			Node:        []*onnxpb.NodeProto{nd},
			Input:       []*onnxpb.ValueInfoProto{VI("boxes", tensor.Float32, 1, n, 4), VI("scores", tensor.Float32, 1, 1, n)},
			Output:      []*onnxpb.ValueInfoProto{AnyVI("sel", tensor.Int64)},
			Initializer: []*onnxpb.TensorProto{Int64s("max", []int64{1}, []int64{1 << 62}), Floats("iou", []int64{1}, []float32{0.5})},
		}
		if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
			return err
		}
		b := tensor.New(tensor.Float32, []int{1, n, 4})
		sc := tensor.New(tensor.Float32, []int{1, 1, n})
		bd, sd := b.Data.([]float32), sc.Data.([]float32)
		for i := 0; i < n; i++ {
			y := float32(2 * i)
			copy(bd[4*i:], []float32{y, 0, y + 1, 1})
			sd[i] = float32(n-i) / float32(n)
		}
		return tensor.WriteNPZ(filepath.Join(dir, "in.npz"), []string{"boxes", "scores"}, map[string]*tensor.Tensor{"boxes": b, "scores": sc})
	}
}

// tfIdfModel writes dir/model.onnx: y = TfIdfVectorizer(x int64[1, 8])
// over a pool of 1 and 1 (a unigram and a bigram) with the attributes
// given over the defaults, and dir/in.npz holding ones.
func tfIdfModel(attrs ...*onnxpb.AttributeProto) func(string) error {
	return func(dir string) error {
		set := map[string]*onnxpb.AttributeProto{
			"mode": attrString("mode", "TF"), "min_gram_length": AttrInt("min_gram_length", 1),
			"max_gram_length": AttrInt("max_gram_length", 2), "max_skip_count": AttrInt("max_skip_count", 0),
			"ngram_counts": AttrInts("ngram_counts", 0, 1), "ngram_indexes": AttrInts("ngram_indexes", 0, 1),
			"pool_int64s": AttrInts("pool_int64s", 1, 1, 1),
		}
		for _, a := range attrs {
			set[a.Name] = a
		}
		n := Node("TfIdfVectorizer", []string{"x"}, []string{"y"})
		for _, k := range []string{"mode", "min_gram_length", "max_gram_length", "max_skip_count", "ngram_counts", "ngram_indexes", "pool_int64s"} {
			n.Attribute = append(n.Attribute, set[k])
		}
		n.Name = "tfidf0"
		g := &onnxpb.GraphProto{
			Node:   []*onnxpb.NodeProto{n},
			Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Int64, 1, 8)},
			Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
		}
		if err := WriteModel(filepath.Join(dir, "model.onnx"), g); err != nil {
			return err
		}
		x := tensor.New(tensor.Int64, []int{1, 8})
		for i, d := 0, x.Data.([]int64); i < len(d); i++ {
			d[i] = 1
		}
		return tensor.WriteNPZ(filepath.Join(dir, "in.npz"), []string{"x"}, map[string]*tensor.Tensor{"x": x})
	}
}

func init() {
	runONNX := []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}
	register(
		// max_gram_length and max_skip_count 2^40 looped 2^40 empty rounds;
		// grams longer than the pool's and skips past the row find nothing.
		Case{Name: "onnxrt-tfidf-max-gram-2p40-run", Class: classWork,
			Setup: tfIdfModel(AttrInt("max_gram_length", 1<<40)), Args: runONNX, Exit: 0},
		Case{Name: "onnxrt-tfidf-max-skip-2p40-run", Class: classWork,
			Setup: tfIdfModel(AttrInt("max_skip_count", 1<<40)), Args: runONNX, Exit: 0},
		// Negative counts and indexes were indexes out of range (internal errors).
		Case{Name: "onnxrt-tfidf-negative-index-run", Class: classWork,
			Setup: tfIdfModel(AttrInts("ngram_indexes", 0, -5)), Args: runONNX, Exit: 1, Msg: "ngram_indexes holds -5"},
		Case{Name: "onnxrt-tfidf-negative-count-run", Class: classWork,
			Setup: tfIdfModel(AttrInts("ngram_counts", 0, -3)), Args: runONNX, Exit: 1, Msg: "ngram_counts"},
		Case{Name: "onnxrt-tfidf-min-gram-negative-run", Class: classWork,
			Setup: tfIdfModel(AttrInt("min_gram_length", -1<<40)), Args: runONNX, Exit: 1, Msg: "min_gram_length"},
		// LRN over 2^17 channels with a window as wide: verify's own 512 KB
		// input made 2^34 steps (37 s); the lowered averagePool2d is bounded
		// by the pooling check.
		Case{Name: "onnxrt-lrn-window-over-all-channels-verify", Class: classWork,
			Setup: func(dir string) error {
				n := Node("LRN", []string{"x"}, []string{"y"}, AttrInt("size", 1<<17+1))
				n.Name = "lrn0"
				return WriteModel(filepath.Join(dir, "model.onnx"), &onnxpb.GraphProto{
					Node:   []*onnxpb.NodeProto{n},
					Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1, 1<<17, 1, 1)},
					Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
				})
			},
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "steps"},
		// 65536 disjoint boxes, all kept: 2^31 overlap comparisons ran
		// past 30 s; refused at the interpreter's 2^26.
		Case{Name: "onnxrt-nms-65536-disjoint-boxes-run", Class: classWork,
			Setup: nmsModel(1 << 16), Args: runONNX, Exit: 1, Msg: "overlap comparisons"},
		// sampling_ratio 2^20: 2^40 bilinear samples for one 1×1 bin.
		Case{Name: "onnxrt-roialign-sampling-ratio-2p20-run", Class: classWork,
			Setup: roiAlignModel(1<<20, [4]float32{0, 0, 7, 7}), Args: runONNX, Exit: 1, Msg: "samples"},
		// The adaptive grid follows the roi's size, which is data.
		Case{Name: "onnxrt-roialign-roi-1e30-run", Class: classWork,
			Setup: roiAlignModel(0, [4]float32{0, 0, 1e30, 1e30}), Args: runONNX, Exit: 1, Msg: "sampling grid"},
		// 2^21 window × 2^21+1 outputs: ran for hours in the interpreter.
		Case{Name: "onnxrt-maxpool-huge-window-verify", Class: classWork,
			Setup: func(dir string) error {
				n := Node("MaxPool", []string{"x"}, []string{"y"}, AttrInts("kernel_shape", 1<<21))
				n.Name = "pool0"
				return WriteModel(filepath.Join(dir, "model.onnx"), &onnxpb.GraphProto{
					Node:   []*onnxpb.NodeProto{n},
					Input:  []*onnxpb.ValueInfoProto{VI("x", tensor.Float32, 1, 1, 1<<22)},
					Output: []*onnxpb.ValueInfoProto{AnyVI("y", tensor.Float32)},
				})
			},
			Args: []string{"verify", "{dir}/model.onnx"}, Exit: 1, Msg: "steps"},
		Case{Name: "onnxrt-averagepool-huge-window-run", Class: classWork,
			Setup: poolModel("AveragePool", []int64{1 << 17}, []int64{1 << 16}),
			Args:  []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "steps"},
		Case{Name: "onnxrt-lppool-huge-window-2d-run", Class: classWork,
			Setup: poolModel("LpPool", []int64{512, 512}, []int64{256, 256}),
			Args:  []string{"run", "{dir}/model.onnx", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "steps"},
		// The same in runtime/webnn: a 256×256 window over 257×257 outputs.
		Case{Name: "webnn-maxpool-huge-window-run", Class: classWork,
			Setup: func(dir string) error {
				if err := WebNNText(dir, `webnn_graph "g" v2 {
  inputs {
    x: f32[1, 1, 512, 512];
  }
  nodes {
    y = maxPool2d(x, windowDimensions=[256, 256]);
  }
  outputs {
    y;
  }
}
`); err != nil {
					return err
				}
				return InputsNPZ(dir, "in.npz", map[string][]int{"x": {1, 1, 512, 512}})
			},
			Args: []string{"run", "{dir}/model.webnn", "--inputs", "{dir}/in.npz"}, Exit: 1, Msg: "steps"},
	)
}
