package shapeinfer

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/webnn-graph/webnn-graph/onnxpb"
	"github.com/webnn-graph/webnn-graph/tensor"
)

// opCase is one shape-rule table entry: graph values, nodes, and the
// expected Info (as Info.String) of some values, or the full error.
type opCase struct {
	name   string
	opset  int64
	values []string
	nodes  []string
	want   map[string]string
	consts map[string][]float64 // expected folded constant values
	err    string
}

var opCases = []opCase{
	// Elementwise broadcasting.
	{name: "add broadcast", values: []string{"x: f32[batch_size, 1, 4]", "y: f32[3, 1]"}, nodes: []string{"z = Add(x, y)"},
		want: map[string]string{"z": "float32[batch_size, 3, 4]"}},
	{name: "add symbolic equal", values: []string{"x: f32[b, s]", "y: f32[b, s]"}, nodes: []string{"z = Mul(x, y)"},
		want: map[string]string{"z": "float32[b, s]"}},
	{name: "add mismatch", values: []string{"x: f32[2, 3]", "y: f32[4]"}, nodes: []string{"z = Add(x, y)"},
		err: `shapeinfer: node "n0" (Add): cannot broadcast [2, 3] with [4] (dim 1)`},
	{name: "compare bool", values: []string{"x: f32[b, 4]", "y: f32[]"}, nodes: []string{"z = Less(x, y)"},
		want: map[string]string{"z": "bool[b, 4]"}},
	{name: "where", values: []string{"c: bool[1, s]", "x: f32[b, 1]", "y: f32[]"}, nodes: []string{"z = Where(c, x, y)"},
		want: map[string]string{"z": "float32[b, s]"}},
	{name: "two symbols constraint", values: []string{"x: f32[total_sequence_length]", "y: f32[s]"}, nodes: []string{"z = Add(x, y)"},
		want: map[string]string{"z": "float32[total_sequence_length]"}},
	{name: "unary keeps", values: []string{"x: f32[b, 3]"}, nodes: []string{"y = Softmax(x) axis=-1", "z = Erf(y)", "w = Cast(z) to=10"},
		want: map[string]string{"y": "float32[b, 3]", "z": "float32[b, 3]", "w": "float16[b, 3]"}},
	{name: "unnamed dim", values: []string{"x: f32[?, 3]"}, nodes: []string{"y = Relu(x)"},
		want: map[string]string{"y": "float32[x_dim0, 3]"}},

	// Shape values.
	{name: "shape gather", values: []string{"x: f32[batch_size, sequence_length, 64]", "i: i64=1"}, nodes: []string{"s = Shape(x)", "d = Gather(s, i) axis=0"},
		want: map[string]string{"s": "int64[3] = [batch_size, sequence_length, 64]", "d": "int64[] = [sequence_length]"}},
	{name: "shape start end", values: []string{"x: f32[a, b, c]"}, nodes: []string{"s = Shape(x) start=1 end=-1"},
		want: map[string]string{"s": "int64[1] = [b]"}},
	{name: "size", values: []string{"x: f32[a, 3]"}, nodes: []string{"s = Size(x)"},
		want: map[string]string{"s": "int64[] = [3 * a]"}},
	{name: "shape arithmetic", values: []string{"x: f32[past_sequence_length, sequence_length]", "one: i64{1}", "zero: i64{0}", "two: i64{2}"},
		nodes: []string{"s = Shape(x)", "p = Slice(s, zero, one)", "q = Slice(s, one, two)", "t = Add(p, q)", "u = Mul(t, two)", "v = Div(u, two)", "w = Sub(v, one)", "c = Concat(p, w) axis=0"},
		want: map[string]string{"t": "int64[1] = [past_sequence_length + sequence_length]", "w": "int64[1] = [past_sequence_length + sequence_length - 1]",
			"c": "int64[2] = [past_sequence_length, past_sequence_length + sequence_length - 1]"}},
	{name: "unsqueeze concat reshape", values: []string{"x: f32[batch_size, sequence_length, 576]", "i0: i64=0", "i1: i64=1", "h: i64{9}", "d: i64{64}", "ax: i64{0}"},
		nodes: []string{"s = Shape(x)", "b = Gather(s, i0)", "l = Gather(s, i1)", "bu = Unsqueeze(b, ax)", "lu = Unsqueeze(l, ax)", "t = Concat(bu, lu, h, d) axis=0", "y = Reshape(x, t)"},
		want:  map[string]string{"t": "int64[4] = [batch_size, sequence_length, 9, 64]", "y": "float32[batch_size, sequence_length, 9, 64]"}},
	{name: "reshape -1 symbolic", values: []string{"x: f32[b, s, 576]", "t: i64{0, 0, 9, -1}"}, nodes: []string{"y = Reshape(x, t)"},
		want: map[string]string{"y": "float32[b, s, 9, 64]"}},
	{name: "reshape -1 merge", values: []string{"x: f32[b, s, 9, 64]", "t: i64{0, -1, 576}"}, nodes: []string{"y = Reshape(x, t)"},
		want: map[string]string{"y": "float32[b, s, 576]"}},
	{name: "reshape bad count", values: []string{"x: f32[2, 6]", "t: i64{5, -1}"}, nodes: []string{"y = Reshape(x, t)"},
		err: `shapeinfer: node "n0" (Reshape): cannot reshape [2, 6] (12 elements) to [5, -1]`},
	{name: "reshape static mismatch", values: []string{"x: f32[2, 6]", "t: i64{5, 2}"}, nodes: []string{"y = Reshape(x, t)"},
		err: `shapeinfer: node "n0" (Reshape): cannot reshape [2, 6] (12 elements) to [5, 2] (10 elements)`},
	{name: "reshape allowzero", values: []string{"x: f32[0, 3]", "t: i64{3, 0}"}, nodes: []string{"y = Reshape(x, t) allowzero=1"},
		want: map[string]string{"y": "float32[3, 0]"}},
	{name: "unsqueeze attr opset 11", opset: 11, values: []string{"x: f32[s]"}, nodes: []string{"y = Unsqueeze(x) axes=[0,-1]"},
		want: map[string]string{"y": "float32[1, s, 1]"}},
	{name: "squeeze input", values: []string{"x: f32[1, s, 1]", "ax: i64{0, 2}"}, nodes: []string{"y = Squeeze(x, ax)"},
		want: map[string]string{"y": "float32[s]"}},
	{name: "squeeze not one", values: []string{"x: f32[2, s]", "ax: i64{0}"}, nodes: []string{"y = Squeeze(x, ax)"},
		err: `shapeinfer: node "n0" (Squeeze): cannot squeeze axis 0 of [2, s]: size 2 is not 1`},
	{name: "transpose", values: []string{"x: f32[b, s, 9, 64]"}, nodes: []string{"y = Transpose(x) perm=[0,2,1,3]", "z = Transpose(x)"},
		want: map[string]string{"y": "float32[b, 9, s, 64]", "z": "float32[64, 9, s, b]"}},
	{name: "concat kv", values: []string{"past: f32[batch_size, 2, past_sequence_length, 16]", "k: f32[batch_size, 2, sequence_length, 16]"}, nodes: []string{"y = Concat(past, k) axis=-2"},
		want: map[string]string{"y": "float32[batch_size, 2, past_sequence_length + sequence_length, 16]"}},
	{name: "concat mismatch", values: []string{"a: f32[2, 3]", "b: f32[4, 5]"}, nodes: []string{"y = Concat(a, b) axis=0"},
		err: `shapeinfer: node "n0" (Concat): input 1 dim 1: 3 and 5 differ`},
	{name: "split equal", values: []string{"x: f32[b, 12]"}, nodes: []string{"y, z, w = Split(x) axis=1"},
		want: map[string]string{"y": "float32[b, 4]", "w": "float32[b, 4]"}},
	{name: "split sizes", values: []string{"x: f32[b, 192]", "sp: i64{64, 128}"}, nodes: []string{"y, z = Split(x, sp) axis=1"},
		want: map[string]string{"y": "float32[b, 64]", "z": "float32[b, 128]"}},
	{name: "split symbolic", values: []string{"x: f32[b, s]"}, nodes: []string{"y, z = Split(x) axis=1"},
		want: map[string]string{"y": "float32[b, (s + 1) / 2]", "z": "float32[b, s - (s + 1) / 2]"}},
	{name: "split bad sizes", values: []string{"x: f32[b, 10]", "sp: i64{3, 4}"}, nodes: []string{"y, z = Split(x, sp) axis=1"},
		err: `shapeinfer: node "n0" (Split): split sizes sum and axis 1 size 7 and 10 differ`},
	{name: "slice static", values: []string{"x: f32[10, 20]", "st: i64{2, -5}", "en: i64{100, -1}", "ax: i64{0, 1}", "sp: i64{3, 1}"}, nodes: []string{"y = Slice(x, st, en, ax, sp)"},
		want: map[string]string{"y": "float32[3, 4]"}},
	{name: "slice symbolic end", values: []string{"x: f32[1, 1, 256, 256]", "x2: f32[b, past_sequence_length]", "z: i64{0}", "ax: i64{2}", "one: i64{1}", "two: i64{2}"},
		nodes: []string{"s = Shape(x2)", "e = Slice(s, one, two)", "y = Slice(x, z, e, ax)"},
		want:  map[string]string{"y": "float32[1, 1, min(256, past_sequence_length), 256]"}},
	{name: "slice to end of symbolic", values: []string{"x: f32[b, s, 64]", "st: i64{32}", "en: i64{9223372036854775807}", "ax: i64{-1}"}, nodes: []string{"y = Slice(x, st, en, ax)"},
		want: map[string]string{"y": "float32[b, s, 32]"}},
	{name: "slice last token", values: []string{"x: f32[b, s, 64]", "st: i64{-1}", "en: i64{9223372036854775807}", "ax: i64{1}"}, nodes: []string{"y = Slice(x, st, en, ax)"},
		want: map[string]string{"y": "float32[b, 1, 64]"}},
	{name: "slice negative step", values: []string{"x: f32[5]", "st: i64{-1}", "en: i64{-9223372036854775807}", "ax: i64{0}", "sp: i64{-1}"}, nodes: []string{"y = Slice(x, st, en, ax, sp)"},
		want: map[string]string{"y": "float32[5]"}},
	{name: "slice opset 9 attrs", opset: 9, values: []string{"x: f32[8, s]"}, nodes: []string{"y = Slice(x) starts=[1] ends=[3] axes=[0]"},
		want: map[string]string{"y": "float32[2, s]"}},
	{name: "gather embedding", values: []string{"w: f32{100, 8}", "ids: i64[batch_size, sequence_length]"}, nodes: []string{"y = Gather(w, ids)"},
		want: map[string]string{"y": "float32[batch_size, sequence_length, 8]"}},
	{name: "gather scalar axis1", values: []string{"x: f32[b, s, 64]", "i: i64=-1"}, nodes: []string{"y = Gather(x, i) axis=1"},
		want: map[string]string{"y": "float32[b, 64]"}},
	{name: "gather out of range", values: []string{"s: i64{1, 2}", "i: i64=2"}, nodes: []string{"y = Gather(s, i)"},
		err: `shapeinfer: node "n0" (Gather): index 2 is out of range for axis 0 of size 2`},
	{name: "expand", values: []string{"x: f32[b, 1, s, 16]", "sh: i64{1, 3, 1, 1}"}, nodes: []string{"y = Expand(x, sh)"},
		want: map[string]string{"y": "float32[b, 3, s, 16]"}},
	{name: "expand values", values: []string{"x: i64{7}", "sh: i64{3}"}, nodes: []string{"y = Expand(x, sh)"},
		want: map[string]string{"y": "int64[3] = [7, 7, 7]"}},
	{name: "tile", values: []string{"x: f32[b, 2]", "r: i64{1, 3}"}, nodes: []string{"y = Tile(x, r)"},
		want: map[string]string{"y": "float32[b, 6]"}},
	{name: "range symbolic", values: []string{"x: f32[b, past_sequence_length, sequence_length]", "z: i64=0", "one: i64=1", "i1: i64=1", "i2: i64=2"},
		nodes: []string{"s = Shape(x)", "p = Gather(s, i1)", "q = Gather(s, i2)", "t = Add(p, q)", "r = Range(p, t, one)"},
		want:  map[string]string{"r": "int64[sequence_length]"}},
	{name: "range static values", values: []string{"a: i64=2", "b: i64=9", "d: i64=3"}, nodes: []string{"r = Range(a, b, d)"},
		want: map[string]string{"r": "int64[3] = [2, 5, 8]"}},
	{name: "range float const", values: []string{"a: f32=0", "b: f32=2", "d: f32=0.5"}, nodes: []string{"r = Range(a, b, d)"},
		want: map[string]string{"r": "float32[4]"}, consts: map[string][]float64{"r": {0, 0.5, 1, 1.5}}},
	{name: "constant of shape", values: []string{"x: f32[b, s]"}, nodes: []string{"sh = Shape(x)", "y = ConstantOfShape(sh)"},
		want: map[string]string{"y": "float32[b, s]"}},
	{name: "equal where on shapes", values: []string{"sh: i64{-1, 2, -1}", "m: i64{-1}", "o: i64{1, 1, 1}"},
		nodes: []string{"e = Equal(sh, m)", "w = Where(e, o, sh)", "n = Not(e)"},
		want:  map[string]string{"e": "bool[3] = [1, 0, 1]", "w": "int64[3] = [1, 2, 1]", "n": "bool[3] = [0, 1, 0]"}},
	{name: "equal symbolic decided", values: []string{"x: f32[sequence_length]", "z: i64{0}"}, nodes: []string{"s = Shape(x)", "e = Equal(s, z)"},
		want: map[string]string{"e": "bool[1] = [0]"}},
	{name: "reduce prod of shape", values: []string{"x: f32[b, s, 4]"}, nodes: []string{"sh = Shape(x)", "n = ReduceProd(sh) keepdims=0"},
		want: map[string]string{"n": "int64[] = [4 * b * s]"}},
	{name: "max of shapes", values: []string{"x: f32[s]", "one: i64{1}"}, nodes: []string{"sh = Shape(x)", "m = Max(sh, one)"},
		want: map[string]string{"m": "int64[1] = [s]"}},
	{name: "cast shape to float folds", values: []string{"x: f32[b, 4, 64]", "i: i64=2"}, nodes: []string{"sh = Shape(x)", "d = Gather(sh, i)", "f = Cast(d) to=1", "r = Sqrt(f)"},
		want: map[string]string{"f": "float32[]", "r": "float32[]"}, consts: map[string][]float64{"r": {8}}},

	// Linear algebra.
	{name: "matmul batched", values: []string{"x: f32[b, s, 64]", "w: f32{64, 32}"}, nodes: []string{"y = MatMul(x, w)"},
		want: map[string]string{"y": "float32[b, s, 32]"}},
	{name: "matmul broadcast batch", values: []string{"q: f32[b, 9, s, 64]", "k: f32[1, 9, 64, t]"}, nodes: []string{"y = MatMul(q, k)"},
		want: map[string]string{"y": "float32[b, 9, s, t]"}},
	{name: "matmul vector", values: []string{"x: f32[64]", "w: f32{64, 32}", "v: f32{32}"}, nodes: []string{"y = MatMul(x, w)", "z = MatMul(w, v)"},
		want: map[string]string{"y": "float32[32]", "z": "float32[64]"}},
	{name: "matmul vector dot vector", values: []string{"x: f32[64]", "v: f32{64}"}, nodes: []string{"y = MatMul(x, v)"},
		want: map[string]string{"y": "float32[]"}},
	{name: "matmul inner mismatch", values: []string{"x: f32[b, 576]", "w: f32{64, 8}"}, nodes: []string{"y = MatMul(x, w)"},
		err: `shapeinfer: node "n0" (MatMul): inner dims 576 and 64 differ`},
	{name: "gemm trans", values: []string{"a: f32[b, 64]", "w: f32{10, 64}", "c: f32{10}"}, nodes: []string{"y = Gemm(a, w, c) transB=1"},
		want: map[string]string{"y": "float32[b, 10]"}},
	{name: "einsum", values: []string{"a: f32[b, h, s, d]", "k: f32[b, h, t, d]"}, nodes: []string{"y = Einsum(a, k) equation=bhsd,bhtd->bhst", "z = Einsum(a) equation=...ij->...ji"},
		want: map[string]string{"y": "float32[b, h, s, t]", "z": "float32[b, h, d, s]"}},
	{name: "matmulnbits", values: []string{"a: f32[b, s, 64]", "w: u8{1}", "sc: f32{1}"}, nodes: []string{"y = com.microsoft.MatMulNBits(a, w, sc) K=64 N=128 bits=4 block_size=32"},
		want: map[string]string{"y": "float32[b, s, 128]"}},

	// Convolution and pooling.
	{name: "conv pads strides", values: []string{"x: f32[n, 3, 224, 224]", "w: f32{32, 3, 3, 3}"}, nodes: []string{"y = Conv(x, w) pads=[1,1,1,1] strides=[2,2]"},
		want: map[string]string{"y": "float32[n, 32, 112, 112]"}},
	{name: "conv depthwise same", values: []string{"x: f32[n, 8, h, w]", "k: f32{8, 1, 3, 3}"}, nodes: []string{"y = Conv(x, k) group=8 auto_pad=SAME_UPPER strides=[2,2]"},
		want: map[string]string{"y": "float32[n, 8, (h + 1) / 2, (w + 1) / 2]"}},
	{name: "conv dilation valid", values: []string{"x: f32[1, 1, 10]", "k: f32{1, 1, 3}"}, nodes: []string{"y = Conv(x, k) dilations=[2] auto_pad=VALID"},
		want: map[string]string{"y": "float32[1, 1, 6]"}},
	{name: "conv channel mismatch", values: []string{"x: f32[1, 4, 8, 8]", "k: f32{2, 3, 1, 1}"}, nodes: []string{"y = Conv(x, k)"},
		err: `shapeinfer: node "n0" (Conv): input channels and weight channels × group 4 and 3 differ`},
	{name: "maxpool ceil", values: []string{"x: f32[1, 1, 6, 6]"}, nodes: []string{"y, i = MaxPool(x) kernel_shape=[3,3] strides=[2,2] ceil_mode=1"},
		want: map[string]string{"y": "float32[1, 1, 3, 3]", "i": "int64[1, 1, 3, 3]"}},
	{name: "maxpool floor", values: []string{"x: f32[1, 1, 6, 6]"}, nodes: []string{"y = MaxPool(x) kernel_shape=[3,3] strides=[2,2]"},
		want: map[string]string{"y": "float32[1, 1, 2, 2]"}},
	{name: "avgpool ceil last window dropped", values: []string{"x: f32[1, 1, 5]"}, nodes: []string{"y = AveragePool(x) kernel_shape=[2] strides=[2] pads=[1,1] ceil_mode=1"},
		want: map[string]string{"y": "float32[1, 1, 3]"}},
	{name: "global pool", values: []string{"x: f32[n, 1280, 7, 7]"}, nodes: []string{"y = GlobalAveragePool(x)", "z = Flatten(y)"},
		want: map[string]string{"y": "float32[n, 1280, 1, 1]", "z": "float32[n, 1280]"}},
	{name: "conv transpose", values: []string{"x: f32[n, 4, h, 5]", "k: f32{4, 2, 3, 3}"}, nodes: []string{"y = ConvTranspose(x, k) strides=[2,2] pads=[1,1,1,1] output_padding=[1,1]"},
		want: map[string]string{"y": "float32[n, 2, 2 * h, 10]"}},
	{name: "resize scales", values: []string{"x: f32[n, 3, h, 8]", "sc: f32{4}=1,1,2,0.5"}, nodes: []string{"y = Resize(x, , sc)"},
		want: map[string]string{"y": "float32[n, 3, 2 * h, 4]"}},
	{name: "pad", values: []string{"x: f32[n, 3, h, w]", "p: i64{0, 0, 1, 2, 0, 0, 1, 2}"}, nodes: []string{"y = Pad(x, p)"},
		want: map[string]string{"y": "float32[n, 3, h + 2, w + 4]"}},

	// Reductions and normalization.
	{name: "reduce mean attr", values: []string{"x: f32[b, s, 64]"}, nodes: []string{"y = ReduceMean(x) axes=[-1]"},
		want: map[string]string{"y": "float32[b, s, 1]"}},
	{name: "reduce sum input keepdims0", values: []string{"x: f32[b, s, 64]", "ax: i64{1}"}, nodes: []string{"y = ReduceSum(x, ax) keepdims=0"},
		want: map[string]string{"y": "float32[b, 64]"}},
	{name: "reduce mean input opset 18", opset: 18, values: []string{"x: f32[b, s, 64]", "ax: i64{-1}"}, nodes: []string{"y = ReduceMean(x, ax)"},
		want: map[string]string{"y": "float32[b, s, 1]"}},
	{name: "argmax", values: []string{"x: f32[b, s, 100]"}, nodes: []string{"y = ArgMax(x) axis=-1 keepdims=0"},
		want: map[string]string{"y": "int64[b, s]"}},
	{name: "topk", values: []string{"x: f32[b, 100]", "k: i64{5}"}, nodes: []string{"v, i = TopK(x, k)"},
		want: map[string]string{"v": "float32[b, 5]", "i": "int64[b, 5]"}},
	{name: "layernorm", values: []string{"x: f32[b, s, 64]", "g: f32{64}", "bb: f32{64}"}, nodes: []string{"y, m, v = LayerNormalization(x, g, bb) axis=-1"},
		want: map[string]string{"y": "float32[b, s, 64]", "m": "float32[b, s, 1]"}},
	{name: "trilu cumsum", values: []string{"x: f32[s, s]", "ax: i64=0"}, nodes: []string{"y = Trilu(x)", "z = CumSum(y, ax)"},
		want: map[string]string{"z": "float32[s, s]"}},
	{name: "qdq", values: []string{"x: f32[b, 64]", "sc: f32=0.1", "zp: u8=3"}, nodes: []string{"q = QuantizeLinear(x, sc, zp)", "d = DequantizeLinear(q, sc, zp)"},
		want: map[string]string{"q": "uint8[b, 64]", "d": "float32[b, 64]"}},

	// Folding of static subgraphs.
	{name: "fold float", values: []string{"a: f32{2}=1,4", "b: f32=2"}, nodes: []string{"c = Mul(a, b)", "d = Sqrt(c)", "e = Neg(d)"},
		want: map[string]string{"e": "float32[2]"}, consts: map[string][]float64{"c": {2, 8}, "e": {-math.Sqrt(2), -math.Sqrt(8)}}},

	// More shape values and rules.
	{name: "div value symbolic sound", values: []string{"x: f32[s, past_sequence_length]", "ten: i64{10}", "two: i64{2}"},
		nodes: []string{"sh = Shape(x)", "a = Div(sh, two)", "p = Sub(sh, ten)", "q = Div(p, two)", "r = Mod(sh, two)"},
		want:  map[string]string{"a": "int64[2] = [s / 2, past_sequence_length / 2]", "q": "int64[2]", "r": "int64[2] = [s % 2, past_sequence_length % 2]"}},
	{name: "transpose folds constant", values: []string{"w: f32{2, 3}=1,2,3,4,5,6"}, nodes: []string{"y = Transpose(w)"},
		want: map[string]string{"y": "float32[3, 2]"}, consts: map[string][]float64{"y": {1, 4, 2, 5, 3, 6}}},
	{name: "gather folds constant rows", values: []string{"w: f32{3, 2}=1,2,3,4,5,6", "i: i64{2, 0}"}, nodes: []string{"y = Gather(w, i)"},
		want: map[string]string{"y": "float32[2, 2]"}, consts: map[string][]float64{"y": {5, 6, 1, 2}}},
	{name: "slice step symbolic", values: []string{"x: f32[s]", "st: i64{1}", "en: i64{9223372036854775807}", "ax: i64{0}", "sp: i64{2}"}, nodes: []string{"y = Slice(x, st, en, ax, sp)"},
		want: map[string]string{"y": "float32[s / 2]"}},
	{name: "range negative delta", values: []string{"x: f32[s]", "z: i64=0", "m: i64=-1", "i0: i64=0"}, nodes: []string{"sh = Shape(x)", "n = Gather(sh, i0)", "r = Range(n, z, m)"},
		want: map[string]string{"r": "int64[s]"}},
	{name: "split opset 18 uneven", opset: 18, values: []string{"x: f32[7, b]"}, nodes: []string{"y, z, w = Split(x) axis=0 num_outputs=3"},
		want: map[string]string{"y": "float32[3, b]", "w": "float32[1, b]"}},
	{name: "squeeze no axes", values: []string{"x: f32[1, 4, 1]"}, nodes: []string{"y = Squeeze(x)"},
		want: map[string]string{"y": "float32[4]"}},
	{name: "squeeze no axes symbolic", values: []string{"x: f32[1, s]"}, nodes: []string{"y = Squeeze(x)"},
		err: `shapeinfer: node "n0" (Squeeze): squeeze without axes on [1, s]: dim 1 (s) may or may not be 1, and the output's rank depends on which; --freeze s=N makes it static`},
	// speechmos AECMOS: the GRU's fixed-size initial state pins the batch
	// to 1, which the axis-less Squeeze after it needs (deferred a round).
	{name: "gru state pins batch for squeeze", values: []string{"x: f32[1, b, 8]", "w: f32{1, 48, 8}", "r: f32{1, 48, 16}", "h: f32[1, 1, 16]"},
		nodes: []string{"y, yh = GRU(x, w, r, , , h) hidden_size=16", "z = Squeeze(y)"},
		want:  map[string]string{"y": "float32[1, 1, 1, 16]", "z": "float32[16]"}},
	{name: "lstm states and lens agree with batch", values: []string{"x: f32[s, b, 8]", "w: f32{1, 64, 8}", "r: f32{1, 64, 16}", "l: i32[b]", "h: f32[1, 3, 16]", "c: f32[1, 3, 16]"},
		nodes: []string{"y, yh, yc = LSTM(x, w, r, , l, h, c) hidden_size=16"},
		want:  map[string]string{"y": "float32[s, 1, 3, 16]", "yc": "float32[1, 3, 16]"}},
	{name: "lstm state of another batch", values: []string{"x: f32[s, 2, 8]", "w: f32{1, 64, 8}", "r: f32{1, 64, 16}", "h: f32[1, 3, 16]"},
		nodes: []string{"y, yh = LSTM(x, w, r, , , h) hidden_size=16"},
		err:   `shapeinfer: node "n0" (LSTM): initial state batch and X batch 3 and 2 differ`},
	{name: "unsqueeze negative input", values: []string{"x: f32[b, s]", "ax: i64{-1}"}, nodes: []string{"y = Unsqueeze(x, ax)"},
		want: map[string]string{"y": "float32[b, s, 1]"}},
	{name: "flatten axis 0", values: []string{"x: f32[b, 3, 4]"}, nodes: []string{"y = Flatten(x) axis=0"},
		want: map[string]string{"y": "float32[1, 12 * b]"}},
	{name: "pad opset 18 axes", opset: 18, values: []string{"x: f32[b, s, 4]", "p: i64{1, 2}", "cv: f32=0", "ax: i64{-2}"}, nodes: []string{"y = Pad(x, p, cv, ax)"},
		want: map[string]string{"y": "float32[b, s + 3, 4]"}},
	{name: "gather nd elements", values: []string{"x: f32[b, 5, 6]", "i: i64[b, 3, 1]", "j: i64[b, 2, 6]"}, nodes: []string{"y = GatherND(x, i) batch_dims=1", "z = GatherElements(x, j) axis=1"},
		want: map[string]string{"y": "float32[b, 3, 6]", "z": "float32[b, 2, 6]"}},
	{name: "depth to space", values: []string{"x: f32[n, 16, h, w]"}, nodes: []string{"y = DepthToSpace(x) blocksize=2", "z = SpaceToDepth(y) blocksize=2"},
		want: map[string]string{"y": "float32[n, 4, 2 * h, 2 * w]", "z": "float32[n, 16, h, w]"}},
	{name: "one hot", values: []string{"i: i64[b, s]", "d: i64=10", "v: f32{2}=0,1"}, nodes: []string{"y = OneHot(i, d, v) axis=-1"},
		want: map[string]string{"y": "float32[b, s, 10]"}},
	{name: "resize sizes", values: []string{"x: f32[n, 3, h, w]", "sz: i64{1, 3, 64, 64}"}, nodes: []string{"y = Resize(x, , , sz)"},
		want: map[string]string{"y": "float32[1, 3, 64, 64]"}},
	{name: "conv transpose same", values: []string{"x: f32[n, 4, h, w]", "k: f32{4, 2, 3, 3}"}, nodes: []string{"y = ConvTranspose(x, k) strides=[2,2] auto_pad=SAME_UPPER"},
		want: map[string]string{"y": "float32[n, 2, 2 * h, 2 * w]"}},
	{name: "lstm", values: []string{"x: f32[s, b, 8]", "w: f32{2, 64, 8}", "r: f32{2, 64, 16}"}, nodes: []string{"y, yh, yc = LSTM(x, w, r) hidden_size=16 direction=bidirectional"},
		want: map[string]string{"y": "float32[s, 2, b, 16]", "yh": "float32[2, b, 16]", "yc": "float32[2, b, 16]"}},
	{name: "gru layout 1", values: []string{"x: f32[b, s, 8]", "w: f32{1, 48, 8}", "r: f32{1, 48, 16}"}, nodes: []string{"y, yh = GRU(x, w, r) hidden_size=16 layout=1"},
		want: map[string]string{"y": "float32[b, s, 1, 16]", "yh": "float32[b, 1, 16]"}},
	{name: "skip layernorm ms", values: []string{"x: f32[b, s, 64]", "sk: f32[b, s, 64]", "g: f32{64}"}, nodes: []string{"y, m, v, sum = com.microsoft.SkipLayerNormalization(x, sk, g)"},
		want: map[string]string{"y": "float32[b, s, 64]", "m": "float32[b, s, 1]", "sum": "float32[b, s, 64]"}},
	{name: "rotary ms", values: []string{"x: f32[b, s, 64]", "pos: i64[b, s]", "c: f32{16, 16}"}, nodes: []string{"y = com.microsoft.RotaryEmbedding(x, pos, c, c)"},
		want: map[string]string{"y": "float32[b, s, 64]"}},
	{name: "unknown domain", values: []string{"x: f32[b]"}, nodes: []string{"y = org.example.Foo(x)"},
		want: map[string]string{"y": "dtype(0)[?]"}},

	{name: "prelu channel slope opset 6", opset: 6, values: []string{"x: f32[n, 3, 4]", "sl: f32{3}"}, nodes: []string{"y = PRelu(x, sl)"},
		want: map[string]string{"y": "float32[n, 3, 4]"}},
	{name: "prelu opset 9 broadcasts", opset: 9, values: []string{"x: f32[n, 3, 4]", "sl: f32{3}"}, nodes: []string{"y = PRelu(x, sl)"},
		err: `shapeinfer: node "n0" (PRelu): cannot broadcast [n, 3, 4] with [3] (dim 2)`},
	{name: "einsum rank too small", values: []string{"a: f32[4]"}, nodes: []string{"y = Einsum(a) equation=ij...->i"},
		err: `shapeinfer: node "n0" (Einsum): operand 0 has rank 1, fewer than the letters of "ij..."`},

	// Graph structure.
	{name: "unsorted nodes", values: []string{"x: f32[b, 4]"}, nodes: []string{"z = Relu(y)", "y = Neg(x)"},
		want: map[string]string{"z": "float32[b, 4]"}},
	{name: "cycle", values: []string{"x: f32[b, 4]"}, nodes: []string{"y = Add(x, z)", "z = Relu(y)"},
		err: `shapeinfer: node "n0" (Add): graph has a cycle through this node`},
	{name: "undefined input", values: []string{"x: f32[b, 4]"}, nodes: []string{"y = Add(x, nope)"},
		err: `shapeinfer: node "n0" (Add): input "nope" is not a graph input, initializer or node output`},
	{name: "unknown op recorded", values: []string{"x: f32[b, 4]"}, nodes: []string{"y = FancyOp(x)", "z = Relu(y)"},
		want: map[string]string{"y": "dtype(0)[?]", "z": "dtype(0)[?]"}},
}

func TestRules(t *testing.T) {
	for _, tc := range opCases {
		t.Run(tc.name, func(t *testing.T) {
			opset := tc.opset
			if opset == 0 {
				opset = 17
			}
			m := buildModel(t, opset, tc.values, tc.nodes)
			res, err := Infer(m, Options{})
			if tc.err != "" {
				if err == nil || err.Error() != tc.err {
					t.Fatalf("err = %v\nwant %s", err, tc.err)
				}
				if strings.Contains(tc.err, "differ") || strings.Contains(tc.err, "cannot") {
					if !errors.Is(err, ErrInconsistent) {
						t.Errorf("error does not match ErrInconsistent")
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			for name, want := range tc.consts {
				c := res.Values[name].Const
				if c == nil {
					t.Errorf("%s: not folded", name)
					continue
				}
				got, _ := float64s(c)
				if len(got) != len(want) {
					t.Errorf("%s = %v, want %v", name, got, want)
					continue
				}
				for i := range got {
					if math.Abs(got[i]-want[i]) > 1e-6 {
						t.Errorf("%s = %v, want %v", name, got, want)
						break
					}
				}
			}
			for name, want := range tc.want {
				got := res.Values[name]
				if got.String() != want {
					t.Errorf("%s = %s, want %s", name, got, want)
				}
			}
		})
	}
}

func TestInferResultFields(t *testing.T) {
	m := buildModel(t, 17, []string{"x: f32[batch_size, sequence_length, 8]", "y: f32[batch_size, total_sequence_length, 8]", "z: f32[?, 4]"},
		[]string{"a = Add(x, y)", "b = FancyOp(z)"})
	res, err := Infer(m, Options{Bounds: Bounds{"sequence_length": {1, 64}}, Freeze: map[string]int64{"batch_size": 2}})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Values["a"].String(); got != "float32[2, sequence_length, 8]" {
		t.Errorf("a = %s", got)
	}
	if want := []string{"z_dim0"}; !slices.Equal(res.Defaulted, want) {
		t.Errorf("Defaulted = %v, want %v", res.Defaulted, want)
	}
	if got := res.Bounds["sequence_length"]; got != (Bound{1, 64}) {
		t.Errorf("bound of sequence_length = %v", got)
	}
	if _, ok := res.Bounds["total_sequence_length"]; ok {
		t.Errorf("total_sequence_length has a bound; it is unified with sequence_length")
	}
	if got := res.Bounds["z_dim0"]; got != (Bound{1, 8}) {
		t.Errorf("bound of z_dim0 = %v (axis 0: the batch default)", got)
	}
	if !slices.Equal(res.Unknown, []string{"n1"}) {
		t.Errorf("Unknown = %v", res.Unknown)
	}
	if len(res.Constraints) != 0 {
		t.Errorf("Constraints = %v", res.Constraints)
	}
	if len(res.Relations) != 1 || res.Relations[0].String() != `total_sequence_length = sequence_length (fixed by node "n0" (Add))` {
		t.Errorf("Relations = %v", res.Relations)
	}
	if len(res.Order) != 2 {
		t.Errorf("Order has %d nodes", len(res.Order))
	}
}

func TestDefaultBound(t *testing.T) {
	tests := []struct {
		name string
		max  int64
		min  int64
	}{
		{"batch_size", 8, 1},
		{"sequence_length", 4096, 1},
		{"past_sequence_length", 4096, 0},
		{"total_sequence_length", 4096, 1},
		{"s", 4096, 1},
		{"T", 4096, 1},
		{"N", 8, 1},
		{"b", 8, 1},
		{"height", 65535, 1},
		{"input_dim0", 65535, 1},
	}
	// Where an input declares it: the batch bound at axis 0 for a name
	// that says nothing; a one-letter n/b past axis 0 counts samples.
	for _, tt := range []struct {
		name  string
		axis0 bool
		max   int64
	}{
		{"N", true, 8}, {"N", false, 65535}, {"b", false, 65535}, {"batch_size", false, 8},
		{"height", true, 8}, {"height", false, 65535}, {"seq", true, 4096},
	} {
		if got := defaultMax(tt.name, tt.axis0); got != tt.max {
			t.Errorf("defaultMax(%q, axis0=%v) = %d, want %d", tt.name, tt.axis0, got, tt.max)
		}
	}
	for _, tt := range tests {
		if got := DefaultBound(tt.name); got != tt.max {
			t.Errorf("DefaultBound(%q) = %d, want %d", tt.name, got, tt.max)
		}
		if got := DefaultMin(tt.name); got != tt.min {
			t.Errorf("DefaultMin(%q) = %d, want %d", tt.name, got, tt.min)
		}
	}
}

func TestInferBadOptions(t *testing.T) {
	m := buildModel(t, 17, []string{"x: f32[s]"}, []string{"y = Relu(x)"})
	if _, err := Infer(m, Options{Bounds: Bounds{"s": {5, 2}}}); err == nil || err.Error() != `shapeinfer: bound of dim "s": [5, 2] is not a range of sizes` {
		t.Errorf("err = %v", err)
	}
	if _, err := Infer(m, Options{Freeze: map[string]int64{"s": -1}}); err == nil || err.Error() != `shapeinfer: dim "s" frozen to negative size -1` {
		t.Errorf("err = %v", err)
	}
}

func TestUnknownDims(t *testing.T) {
	m := buildModel(t, 17, []string{"x: f32[b, s, 8]", "st: i64[1]", "en: i64{9}", "ax: i64{1}"},
		[]string{"y = Slice(x, st, en, ax)", "z = Relu(x)", "n = NonZero(x)"})
	res, err := Infer(m, Options{})
	if err != nil {
		t.Fatal(err)
	}
	y := res.Values["y"]
	if y.Rank() != 3 || !res.HasUnknownDims(y.Shape...) {
		t.Errorf("y = %s: want rank 3 with unknown dims", y)
	}
	if res.HasUnknownDims(res.Values["z"].Shape...) {
		t.Errorf("z = %s has unknown dims", res.Values["z"])
	}
	if got := res.Values["n"].String(); got != "int64[3, shapeinfer_unknown_4_n2_count]" {
		t.Errorf("n = %s", got)
	}
	if len(res.UnknownDims) != 4 || !res.IsUnknownDim(res.UnknownDims[0]) || res.IsUnknownDim("b") {
		t.Errorf("UnknownDims = %v", res.UnknownDims)
	}
	if b := res.Bounds[res.UnknownDims[3]]; b.Max != math.MaxInt32 {
		t.Errorf("unknown dim bound = %v", b)
	}
}

func TestInitializerListedAsInput(t *testing.T) {
	for _, ir := range []int64{3, 8} {
		m := buildModel(t, 17, []string{"x: f32[b, 6]", "sh: i64{0, 2, 3}"}, []string{"y = Reshape(x, sh)"})
		g := m.Graph()
		g.Input = append(g.Input, &onnxpb.ValueInfoProto{Name: "sh", Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: &onnxpb.TypeProto_Tensor{ElemType: int32(tensor.Int64)}}}})
		m.Proto.IrVersion = ir
		res, err := Infer(m, Options{})
		if err != nil {
			t.Fatal(err)
		}
		want := map[int64]string{3: "float32[b, 2, 3]", 8: "float32[?]"}[ir]
		if got := res.Values["y"].String(); got != want {
			t.Errorf("IR %d: y = %s, want %s", ir, got, want)
		}
	}
}
