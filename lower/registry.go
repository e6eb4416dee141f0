// The lowering registry: the only list of supported ONNX ops. Each entry
// maps (domain, op type, opset range) to a check (may refuse, run over the
// whole graph before anything is emitted) and an emitter. docs/ops.md is
// generated from Registry().

package lower

//go:generate go run ./internal/opsdoc -o ../docs/ops.md

import (
	"fmt"
	"sort"
	"sync"

	"github.com/webnn-graph/webnn-graph/shapeinfer"
)

// lowering is one registry entry.
type lowering struct {
	domain string // "" = ai.onnx
	op     string
	since  int64 // first opset this entry serves
	until  int64 // last opset (0 = open)
	webnn  []string
	notes  string
	check  func(c *ctx, n *srcNode) error
	emit   func(c *ctx, n *srcNode) error
}

func (l *lowering) opsetRange() string {
	if l.until == 0 {
		return fmt.Sprintf("%d+", l.since)
	}
	return fmt.Sprintf("%d-%d", l.since, l.until)
}

// OpEntry describes one registry entry for documentation.
type OpEntry struct {
	Domain string   // "" for ai.onnx
	OpType string   // ONNX op type
	Since  int64    // first supported opset
	Until  int64    // last supported opset, 0 = open
	WebNN  []string // WebNN ops the lowering may emit
	Notes  string   // constraints and refused cases
}

// Registry returns every supported (domain, op, opset range), sorted by
// domain and op type.
func Registry() []OpEntry {
	tab := table()
	out := make([]OpEntry, len(tab))
	for i, l := range tab {
		out[i] = OpEntry{Domain: l.domain, OpType: l.op, Since: l.since, Until: l.until, WebNN: append([]string(nil), l.webnn...), Notes: l.notes}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].Domain != out[j].Domain {
			return out[i].Domain < out[j].Domain
		}
		if out[i].OpType != out[j].OpType {
			return out[i].OpType < out[j].OpType
		}
		return out[i].Since < out[j].Since
	})
	return out
}

var (
	tableOnce sync.Once
	tableList []*lowering
	tableByOp map[string][]*lowering
)

func table() []*lowering {
	tableOnce.Do(func() {
		tableList = lowerings()
		tableByOp = map[string][]*lowering{}
		for _, l := range tableList {
			k := l.domain + "\x00" + l.op
			tableByOp[k] = append(tableByOp[k], l)
		}
	})
	return tableList
}

// onnxOpVersion is the version of the ai.onnx operator op that a model
// importing opset selects: the newest version introduced at or before
// opset (onnxOpVersions, the ONNX changelog). ok is false when the opset
// is newer than the table (a later version may have changed the operator)
// or older than the operator; inTable is false for operators the table
// does not list (ORT's contrib ops registered in the ai.onnx domain), whose
// entries are matched on the opset itself.
func onnxOpVersion(op string, opset int64) (v int64, inTable, ok bool) {
	vs, inTable := onnxOpVersions[op]
	if !inTable {
		return opset, false, true
	}
	if opset > onnxOpsetMax {
		return 0, true, false
	}
	for _, x := range vs {
		if x <= opset {
			v = x
		}
	}
	return v, true, v > 0
}

// lookup finds the entry serving op at opset. For ai.onnx operators an
// entry's since/until are operator versions: it covers the versions of
// the ONNX changelog from since through until (0: through onnxOpsetMax,
// every later version reviewed when the table was last regenerated).
func lookup(domain, op string, opset int64) *lowering {
	table()
	v := opset
	if domain == "" {
		var ok bool
		if v, _, ok = onnxOpVersion(op, opset); !ok {
			return nil
		}
	}
	for _, l := range tableByOp[domain+"\x00"+op] {
		if v >= l.since && (l.until == 0 || v <= l.until) {
			return l
		}
	}
	return nil
}

// Versions lists the ai.onnx operator versions an entry covers (nil for
// other domains).
func (e OpEntry) Versions() []int64 {
	if e.Domain != "" {
		return nil
	}
	var out []int64
	for _, v := range onnxOpVersions[e.OpType] {
		if v >= e.Since && (e.Until == 0 || v <= e.Until) {
			out = append(out, v)
		}
	}
	return out
}

// OnnxOpsetMax is the newest ai.onnx opset the operator table knows;
// models importing a newer one are refused.
const OnnxOpsetMax = onnxOpsetMax

// lookupAny finds any entry for op, whatever the opset.
func lookupAny(domain, op string) *lowering {
	table()
	if ls := tableByOp[domain+"\x00"+op]; len(ls) > 0 {
		return ls[0]
	}
	return nil
}

const msDomain = "com.microsoft"

// lowerings is the table. 1:1 element-wise ops are data (unary, binary);
// everything else names its family function.
func lowerings() []*lowering {
	t := []*lowering{
		// elementwise.go — binary, numpy broadcasting.
		binary("Add", 6, "add"), binary("Sub", 6, "sub"), {op: "Mul", since: 6, webnn: []string{"mul", "gelu"}, notes: "x·0.5·(1+erf(x/√2)) recognised as gelu", emit: lowerMul}, {op: "Div", since: 6, webnn: []string{"div", "reduceMean", "sub", "mul", "add", "sqrt", "cast"}, notes: "(x−mean)/sqrt(var+ε) recognised as a layer norm and re-emitted in the canonical decomposition (float16 normalised in float32)", emit: lowerDiv},
		{op: "Pow", since: 7, webnn: []string{"pow", "cast"}, notes: "exponent cast to the base type", emit: lowerPow},
		{op: "PRelu", since: 6, webnn: []string{"prelu"}, emit: lowerPRelu},
		binaryBool("Equal", 7, "equal"), binaryBool("Less", 7, "lesser"), binaryBool("LessOrEqual", 12, "lesserOrEqual"),
		binaryBool("Greater", 7, "greater"), binaryBool("GreaterOrEqual", 12, "greaterOrEqual"),
		binaryBool("And", 7, "logicalAnd"), binaryBool("Or", 7, "logicalOr"), binaryBool("Xor", 7, "logicalXor"),
		variadic("Max", 6, "max"), variadic("Min", 6, "min"), variadic("Sum", 6, "add"),
		{op: "Mean", since: 6, webnn: []string{"add", "div"}, emit: lowerMean},
		{op: "Mod", since: 10, webnn: []string{"div", "mul", "sub", "floor", "ceil", "where", "lesser", "equal", "notEqual", "logicalXor", "logicalAnd", "add"}, notes: "fmod=0 and fmod=1, integer and float (WebNN integer div truncates toward zero)", emit: lowerMod},
		{op: "Where", since: 9, webnn: []string{"where"}, emit: lowerWhere},
		{op: "BiasAdd", domain: msDomain, since: 1, webnn: []string{"add"}, notes: "X + bias + skip", emit: lowerBiasAdd},
		// elementwise.go — unary.
		unary("Abs", 6, "abs"), unary("Neg", 6, "neg"), unary("Sqrt", 6, "sqrt"), unary("Exp", 6, "exp"),
		unary("Log", 6, "log"), unary("Erf", 9, "erf"), unary("Floor", 6, "floor"), unary("Ceil", 6, "ceil"),
		unary("Reciprocal", 6, "reciprocal"), unary("Sin", 7, "sin"), unary("Cos", 7, "cos"), unary("Tan", 7, "tan"),
		unary("Sign", 9, "sign"), unary("Not", 1, "logicalNot"), unary("Round", 11, "roundEven"),
		unary("IsNaN", 9, "isNaN"),
		{op: "Sinh", since: 9, webnn: []string{"exp", "neg", "sub", "mul"}, notes: "(eˣ − e⁻ˣ)/2", emit: lowerHyperbolic},
		{op: "Cosh", since: 9, webnn: []string{"exp", "neg", "add", "mul"}, notes: "(eˣ + e⁻ˣ)/2", emit: lowerHyperbolic},
		{op: "Asinh", since: 9, webnn: []string{"abs", "mul", "add", "sqrt", "log", "sign"}, notes: "sign(x)·log(|x| + √(x²+1))", emit: lowerHyperbolic},
		{op: "Acosh", since: 9, webnn: []string{"mul", "sub", "sqrt", "add", "log"}, notes: "log(x + √(x²−1))", emit: lowerHyperbolic},
		{op: "Atanh", since: 9, webnn: []string{"add", "sub", "div", "log", "mul"}, notes: "½·log((1+x)/(1−x))", emit: lowerHyperbolic},
		{op: "IsInf", since: 10, webnn: []string{"isInfinite", "greater", "lesser", "logicalAnd"}, emit: lowerIsInf},
		{op: "Identity", since: 1, webnn: nil, notes: "aliases its input (no op)", emit: lowerIdentity},
		{op: "Dropout", since: 1, webnn: []string{"expand"}, notes: "inference: aliases its input, mask all ones; training_mode must be constant false", check: checkDropout, emit: lowerDropout},
		{op: "Cast", since: 6, webnn: []string{"cast", "notEqual"}, notes: "to bool: notEqual(x, 0)", check: checkCast, emit: lowerCast},
		{op: "CastLike", since: 15, webnn: []string{"cast", "notEqual"}, emit: lowerCast},
		{op: "Constant", since: 1, webnn: nil, notes: "folded into a const", emit: lowerConstantNode},
		// activation.go
		unary("Relu", 6, "relu"), unary("Sigmoid", 6, "sigmoid"), unary("Tanh", 6, "tanh"),
		unary("Softplus", 1, "softplus"), unary("Softsign", 1, "softsign"), unary("HardSwish", 14, "hardSwish"),
		{op: "LeakyRelu", since: 6, webnn: []string{"leakyRelu"}, emit: lowerLeakyRelu},
		{op: "Elu", since: 6, webnn: []string{"elu"}, emit: lowerElu},
		{op: "HardSigmoid", since: 6, webnn: []string{"hardSigmoid"}, emit: lowerHardSigmoid},
		{op: "Selu", since: 6, webnn: []string{"elu", "mul"}, emit: lowerSelu},
		{op: "Clip", since: 6, webnn: []string{"clamp", "max", "min"}, notes: "constant bounds → clamp (Relu6 = clamp 0..6); operand bounds → max/min", emit: lowerClip},
		{op: "Gelu", since: 20, webnn: []string{"gelu", "mul", "add", "tanh", "pow"}, notes: "approximate=tanh decomposed", emit: lowerGelu},
		{op: "Softmax", since: 1, webnn: []string{"softmax", "reshape"}, notes: "opset < 13 coerces to 2-D", emit: lowerSoftmax},
		{op: "LogSoftmax", since: 1, webnn: []string{"reduceLogSumExp", "sub"}, emit: lowerLogSoftmax},
		{op: "Mish", since: 18, webnn: []string{"softplus", "tanh", "mul"}, emit: lowerMish},
		{op: "ThresholdedRelu", since: 10, webnn: []string{"greater", "where"}, emit: lowerThresholdedRelu},
		{op: "Celu", since: 12, webnn: []string{"elu", "div", "mul"}, emit: lowerCelu},
		{op: "Shrink", since: 9, webnn: []string{"greater", "lesser", "where", "add", "sub"}, emit: lowerShrink},
		{op: "Hardmax", since: 13, webnn: []string{"argMax", "equal", "cast"}, notes: "static axis", emit: lowerHardmax},
		{op: "FastGelu", domain: msDomain, since: 1, webnn: []string{"add", "mul", "pow", "tanh"}, emit: lowerFastGelu},
		{op: "BiasGelu", domain: msDomain, since: 1, webnn: []string{"add", "gelu"}, emit: lowerBiasGelu},
		{op: "Gelu", domain: msDomain, since: 1, webnn: []string{"gelu"}, notes: "exact (erf) GELU", emit: lowerMSGelu},
		{op: "QuickGelu", domain: msDomain, since: 1, webnn: []string{"mul", "sigmoid"}, notes: "x·sigmoid(αx)", emit: lowerSwish},
		{op: "Swish", since: 24, webnn: []string{"mul", "sigmoid"}, notes: "x·sigmoid(αx)", emit: lowerSwish},
		// matmul.go
		{op: "MatMul", since: 1, webnn: []string{"matmul", "reshape"}, notes: "1-D operands reshaped around matmul", emit: lowerMatMul},
		{op: "FusedMatMul", domain: msDomain, since: 1, webnn: []string{"transpose", "matmul", "mul"}, notes: "transA/transB/transBatchA/transBatchB as transposes, alpha as mul; 1-D operands refused", emit: lowerFusedMatMul},
		{op: "Gemm", since: 6, webnn: []string{"gemm", "add", "mul"}, notes: "C added after gemm (no operand options)", emit: lowerGemm},
		// conv.go
		// signal.go
		{op: "STFT", since: 17, webnn: []string{"conv2d", "reshape", "transpose"}, notes: "a strided conv2d with the windowed DFT basis as kernels; frame_step, window and frame_length constant; float32", check: checkSTFT, emit: lowerSTFT},
		{op: "DFT", since: 17, webnn: []string{"matmul", "reshape", "transpose"}, notes: "a matmul with the DFT basis (real or complex input, onesided, inverse, dft_length); static axis length, constant dft_length and axis; float32", check: checkDFT, emit: lowerDFT},
		{op: "Conv", since: 1, webnn: []string{"conv2d", "reshape"}, notes: "2-D (and 1-D via reshape); auto_pad SAME_* needs static spatial dims", check: checkConv, emit: lowerConv},
		{op: "ConvTranspose", since: 1, webnn: []string{"convTranspose2d"}, notes: "2-D only", check: checkConvTranspose, emit: lowerConvTranspose},
		// pool.go
		{op: "MaxPool", since: 1, webnn: []string{"maxPool2d"}, notes: "2-D (1-D via reshape); ceil_mode over dynamic dims where no last window can start in the end padding; Indices output and storage_order=1 refused", check: checkPool, emit: lowerPool},
		{op: "AveragePool", since: 1, webnn: []string{"averagePool2d"}, notes: "2-D (1-D via reshape); count_include_pad=1 with padding refused", check: checkPool, emit: lowerPool},
		{op: "LpPool", since: 2, webnn: []string{"l2Pool2d"}, notes: "p=2 only", check: checkPool, emit: lowerPool},
		{op: "GlobalAveragePool", since: 1, webnn: []string{"averagePool2d"}, notes: "any spatial rank (1-D and 3-D reshaped to 2-D)", check: checkGlobalPool, emit: lowerGlobalPool},
		{op: "GlobalLpPool", since: 2, webnn: []string{"l2Pool2d"}, notes: "any spatial rank (reshaped to 2-D), p=2", check: checkGlobalPool, emit: lowerGlobalPool},
		{op: "GlobalMaxPool", since: 1, webnn: []string{"maxPool2d"}, notes: "any spatial rank (1-D and 3-D reshaped to 2-D)", check: checkGlobalPool, emit: lowerGlobalPool},
		// norm.go
		{op: "BatchNormalization", since: 6, webnn: []string{"reshape", "sub", "add", "sqrt", "div", "mul", "cast"}, notes: "inference mode; decomposed (rustnn ≤ 0.5.12 mis-infers chained batchNormalization); float16 normalised in float32", check: checkBatchNorm, emit: lowerBatchNorm},
		{op: "LayerNormalization", since: 17, webnn: []string{"reduceMean", "sub", "mul", "add", "sqrt", "div", "reciprocal", "cast"}, notes: "decomposed into reduceMean/sub/mul/reduceMean/add/sqrt/div (rustnn ≤ 0.5.12 mis-infers chained layerNormalization); float16 normalised in float32; Mean/InvStdDev outputs supported", check: checkLayerNorm, emit: lowerLayerNorm},
		{op: "MeanVarianceNormalization", since: 9, webnn: []string{"reduceMean", "sub", "mul", "sqrt", "add", "div"}, notes: "(x − mean)/(√var + 1e-9) over axes (default 0, 2, 3)", emit: lowerMVN},
		{op: "InstanceNormalization", since: 6, webnn: []string{"reduceMean", "sub", "mul", "add", "sqrt", "div", "reshape", "cast"}, notes: "any spatial rank; decomposed like LayerNormalization over the spatial axes", emit: lowerInstanceNorm},
		{op: "SimplifiedLayerNormalization", since: 1, webnn: []string{"pow", "reduceMean", "add", "sqrt", "div", "mul"}, emit: lowerRMSNorm},
		{op: "RMSNormalization", since: 23, webnn: []string{"pow", "reduceMean", "add", "sqrt", "div", "mul"}, notes: "normalised in the input type (stash_type not applied to float16)", emit: lowerRMSNorm},
		{op: "SkipLayerNormalization", domain: msDomain, since: 1, webnn: []string{"reduceMean", "sub", "mul", "add", "sqrt", "div", "cast"}, notes: "layer norm decomposed", emit: lowerSkipLayerNorm},
		{op: "SkipSimplifiedLayerNormalization", domain: msDomain, since: 1, webnn: []string{"add", "pow", "reduceMean", "sqrt", "div", "mul"}, emit: lowerSkipRMSNorm},
		{op: "EmbedLayerNormalization", domain: msDomain, since: 1, webnn: []string{"gather", "slice", "add", "reduceMean", "sub", "mul", "sqrt", "div", "cast", "equal", "reduceSum", "expand"}, notes: "word + position (+ segment) embeddings, layer norm decomposed; mask_index counts mask values equal to 1 (as ORT); embedding_sum output", emit: lowerEmbedLayerNorm},
		{op: "LRN", since: 1, webnn: []string{"mul", "reshape", "pad", "averagePool2d", "add", "pow", "div"}, notes: "4-D", emit: lowerLRN},
		{op: "GroupNormalization", since: 18, webnn: []string{"reshape", "reduceMean", "sub", "mul", "add", "sqrt", "div", "cast"}, notes: "layer norm decomposed; scale/bias per group (opset 18) or per channel (21)", emit: lowerGroupNorm},
		// attention.go
		{op: "RotaryEmbedding", domain: msDomain, since: 1, webnn: []string{"gather", "reshape", "slice", "mul", "sub", "add", "concat"}, notes: "3-D or 4-D input; 2-D position_ids (offset form refused); interleaved or halves; partial rotary dim", emit: lowerRotaryEmbedding},
		{op: "RotaryEmbedding", since: 23, webnn: []string{"gather", "reshape", "slice", "mul", "sub", "add", "concat"}, notes: "as com.microsoft.RotaryEmbedding; without position_ids the caches are [batch, sequence, rotary/2]", emit: lowerRotaryEmbedding},
		{op: "Attention", domain: msDomain, since: 1, webnn: []string{"matmul", "add", "slice", "reshape", "transpose", "concat", "mul", "lesserOrEqual", "greaterOrEqual", "lesser", "greater", "logicalOr", "where", "cast", "reverse", "softmax"}, notes: "fused QKV projection (qkv_hidden_sizes), past/present, attention_bias; masks as ORT's PrepareMask: raw 2-D/3-D (mask_filter_value where ≤ 0), 1-D end positions [B] or ends+starts [2B], unidirectional (lowest float after past + s); 4-D masks, do_rotary and shared past/present buffers refused", emit: lowerMSAttention},
		{op: "Attention", since: 23, webnn: []string{"reshape", "transpose", "concat", "expand", "matmul", "mul", "tanh", "add", "logicalNot", "logicalOr", "cast", "slice", "sub", "greater", "greaterOrEqual", "where", "softmax", "reduceMax", "lesserOrEqual"}, notes: "3-D or 4-D Q/K/V, grouped heads, past/present, scale, softcap, float or boolean attn_mask, is_causal with bottom-right alignment (past or nonpad_kv_seqlen offsets), nonpad_kv_seqlen padding; fully masked rows give zeros; qk_matmul_output, a mask shorter than the keys and opset 25's sliding windows refused", emit: lowerONNXAttention},
		{op: "MultiHeadAttention", domain: msDomain, since: 1, webnn: []string{"reshape", "transpose", "concat", "matmul", "mul", "add", "softmax"}, notes: "separate Q/K/V (K/V 3-D or BNSH), optional attention_bias and past K/V; packed QKV, bias, key_padding_mask, unidirectional and the qk output refused", emit: lowerMultiHeadAttention},
		{op: "GroupQueryAttention", domain: msDomain, since: 1, webnn: []string{"slice", "reshape", "transpose", "gather", "gatherElements", "mul", "sub", "add", "min", "max", "concat", "expand", "matmul", "tanh", "lesser", "greaterOrEqual", "logicalAnd", "where", "softmax", "cast", "equal"}, notes: "non-shared KV cache (present as long as past + sequence; total_sequence_length assumed to be that, not read); per-row seqlens_k as ONNX Runtime reads them: a first prompt (empty past) attends keys < min(s+1, seqlens_k+1), a decode row's new tokens land at seqlens_k+1−sequence with the past before them and zeros after, each row attending its own valid keys; separate or packed QKV; rotary (halves or interleaved, partial) at each row's positions; scale, softcap; local_window_size ≠ −1, smooth_softmax, qk_output, position_ids, attention_bias, head_sink and a present declared as long as the past (shared buffer) refused", emit: lowerGroupQueryAttention},
		// einsum.go
		{op: "Einsum", since: 12, webnn: []string{"transpose", "reshape", "matmul", "reduceSum"}, notes: "1 or 2 operands; diagonals (repeated indices) and ellipses refused", emit: lowerEinsum},
		// shape_ops.go
		{op: "Reshape", since: 5, webnn: []string{"reshape"}, notes: "target shape from shape inference, fully resolved; dynamic dims as {name, maxSize}", emit: lowerReshapeLike},
		{op: "Flatten", since: 1, webnn: []string{"reshape"}, emit: lowerReshapeLike},
		{op: "Squeeze", since: 1, webnn: []string{"reshape"}, emit: lowerReshapeLike},
		{op: "Unsqueeze", since: 1, webnn: []string{"reshape"}, emit: lowerReshapeLike},
		{op: "Transpose", since: 1, webnn: []string{"transpose"}, emit: lowerTranspose},
		{op: "Concat", since: 4, webnn: []string{"concat"}, emit: lowerConcat},
		{op: "Split", since: 2, webnn: []string{"split"}, notes: "split sizes must be static", emit: lowerSplit},
		{op: "Slice", since: 1, webnn: []string{"slice", "reverse", "gather"}, notes: "constant starts/ends/axes/steps; dynamic sizes as {name, maxSize}; a dynamic start becomes reverse+slice (end-aligned) or gather", emit: lowerSlice},
		{op: "Expand", since: 8, webnn: []string{"expand"}, emit: lowerExpand},
		{op: "Tile", since: 6, webnn: []string{"tile", "reshape", "expand"}, notes: "constant repeats → tile; repeats that are input dims (Shape-derived) → reshape/expand/reshape with dynamic sizes", emit: lowerTile},
		{op: "Shape", since: 1, webnn: nil, notes: "folded; dynamic dims rebuilt from slice lengths when used as data", emit: lowerFromValue},
		{op: "Size", since: 1, webnn: nil, notes: "folded", emit: lowerFromValue},
		{op: "ConstantOfShape", since: 9, webnn: []string{"expand"}, emit: lowerConstantOfShape},
		{op: "Range", since: 11, webnn: []string{"slice", "add", "mul", "cast", "reduceSum", "concat"}, notes: "iota constant of the maximum length sliced to the dynamic count; a count that is a sum of input dims the target cannot read as one is held as one piece per dim (joined by concat)", emit: lowerRange},
		{op: "Trilu", since: 14, webnn: []string{"triangular"}, notes: "constant k", emit: lowerTrilu},
		{op: "Pad", since: 2, webnn: []string{"pad", "slice"}, notes: "constant pads; modes constant/edge/reflect; negative pads (constant mode) crop with slice; end pads that follow input dims (constant/edge) pad to their largest value and slice back", emit: lowerPad},
		{op: "DepthToSpace", since: 1, webnn: []string{"reshape", "transpose"}, emit: lowerDepthToSpace},
		{op: "SpaceToDepth", since: 1, webnn: []string{"reshape", "transpose"}, notes: "mode DCR (opset 28's CRD refused)", emit: lowerSpaceToDepth},
		// resize.go
		{op: "Resize", since: 10, webnn: []string{"resample2d"}, notes: "4-D, spatial axes only; nearest with half_pixel+round_prefer_floor (or integer upscale with asymmetric/floor); linear with half_pixel; constant scales/sizes, or sizes from input dims (dynamic resample2d sizes, targets that evaluate any size expression); cubic, antialias and other coordinate modes refused", emit: lowerResize},
		{op: "Upsample", since: 7, webnn: []string{"resample2d"}, notes: "as Resize", emit: lowerResize},
		{op: "EyeLike", since: 9, webnn: nil, notes: "static shape: folded into a const", emit: lowerEyeLike},
		{op: "OneHot", since: 11, webnn: []string{"equal", "where", "cast", "add", "lesser", "reshape", "slice"}, notes: "constant depth", emit: lowerOneHot},
		// rnn.go
		{op: "LSTM", since: 7, webnn: []string{"lstm", "slice", "add", "reshape", "concat", "expand", "transpose", "matmul", "sigmoid", "tanh", "relu", "mul", "sub", "where", "lesser", "cast", "clamp"}, notes: "fused lstm (layout 0/1, sigmoid/tanh/relu, biases folded into W) when initial states and peepholes are absent or zero and every sequence is full; otherwise (states fed as inputs, peepholes, per-batch sequence_lens, clip, other or per-direction activations) unrolled step by step into matmul and gate arithmetic (static steps, ≤ 2048 × directions); the fused op takes a dynamic sequence length as its steps size for targets that read any size expression (webnn: emit-js builds the graph for concrete dims), refused for rustnn-0.5; input_forget refused", emit: lowerRecurrent},
		{op: "GRU", since: 7, webnn: []string{"gru", "slice", "add", "reshape", "concat", "expand", "transpose", "matmul", "sigmoid", "tanh", "relu", "mul", "sub", "where", "lesser", "cast", "clamp"}, notes: "as LSTM; fused with linear_before_reset=1 (resetAfter) only when the candidate gate's recurrent bias is zero, unrolled otherwise", emit: lowerRecurrent},
		{op: "RNN", since: 7, webnn: []string{"slice", "add", "reshape", "concat", "expand", "transpose", "matmul", "tanh", "sigmoid", "relu", "where", "lesser", "cast", "clamp"}, notes: "always unrolled (WebNN has no rnn op); static steps", emit: lowerRecurrent},
		// controlflow.go: resolved before lowering, refused when that fails
		{op: "If", since: 1, webnn: nil, notes: "folded when the condition is known at conversion (shape-derived, or from a --freeze-input value): the taken branch is inlined; a condition on tensor data whose branches give every output the same shape: both branches computed and selected with where; otherwise refused", check: checkControlFlow, emit: emitControlFlow},
		{op: "Loop", since: 1, webnn: nil, notes: "unrolled when the trip count is a constant ≤ 256 (≤ 16384 body nodes in all) and the condition stays true; otherwise refused", check: checkControlFlow, emit: emitControlFlow},
		{op: "Scan", since: 9, webnn: nil, notes: "unrolled over a static sequence length ≤ 256 (≤ 16384 nodes); opset 8 (batched) refused", check: checkControlFlow, emit: emitControlFlow},
		// gather.go
		{op: "Gather", since: 1, webnn: []string{"gather", "transpose", "reshape"}, notes: "a Gather of a flattened tensor by provably linearised indices (i·T + j) reads the unflattened tensor where the target cannot read the flattened size", emit: lowerGather},
		{op: "GatherElements", since: 11, webnn: []string{"gatherElements"}, emit: lowerGatherElements},
		{op: "GatherND", since: 11, webnn: []string{"gatherND"}, notes: "batch_dims=0", emit: lowerGatherND},
		{op: "ReverseSequence", since: 10, webnn: []string{"cast", "slice", "reshape", "sub", "lesser", "where", "expand", "gatherElements"}, notes: "gatherElements along the time axis with indices where(t < len, len−1−t, t)", emit: lowerReverseSequence},
		{op: "TensorScatter", since: 24, webnn: []string{"concat", "slice", "cast", "reshape", "sub", "mul", "div", "add", "where", "lesser", "greaterOrEqual", "logicalAnd", "min", "max", "expand", "gatherElements", "reduceSum"}, notes: "linear or circular; without write_indices (static update length) concat, else gatherElements of the update at offsets t − w_b and where", emit: lowerTensorScatter},
		{op: "ScatterND", since: 11, webnn: []string{"scatterND"}, notes: "reduction=none", emit: lowerScatterND},
		{op: "Scatter", since: 9, until: 10, webnn: []string{"scatterElements"}, notes: "deprecated alias of ScatterElements", emit: lowerScatterElements},
		{op: "ScatterElements", since: 11, webnn: []string{"scatterElements"}, notes: "reduction=none", emit: lowerScatterElements},
		// reduce.go
		reduce("ReduceSum", "reduceSum"), reduce("ReduceMean", "reduceMean"), reduce("ReduceMax", "reduceMax"),
		reduce("ReduceMin", "reduceMin"), reduce("ReduceProd", "reduceProduct"), reduce("ReduceL1", "reduceL1"),
		reduce("ReduceL2", "reduceL2"), reduce("ReduceLogSum", "reduceLogSum"), reduce("ReduceLogSumExp", "reduceLogSumExp"),
		reduce("ReduceSumSquare", "reduceSumSquare"),
		{op: "ArgMax", since: 1, webnn: []string{"argMax", "reverse", "sub"}, notes: "int64 indices; select_last_index=1 via reverse (static axis)", emit: lowerArg},
		{op: "ArgMin", since: 1, webnn: []string{"argMin", "reverse", "sub"}, notes: "int64 indices; select_last_index=1 via reverse (static axis)", emit: lowerArg},
		{op: "LpNormalization", since: 1, webnn: []string{"reduceL1", "reduceL2", "div"}, notes: "p = 1 or 2", emit: lowerLpNormalization},
		{op: "CumSum", since: 11, webnn: []string{"cumulativeSum"}, notes: "constant axis", emit: lowerCumSum},
		{op: "CumProd", since: 26, webnn: []string{"reverse", "pad", "slice", "mul"}, notes: "constant axis; log-step scan (⌈log₂ L⌉ shifted products for the axis bound L ≤ 65536): float products grouped differently from a sequential loop", emit: lowerCumProd},
		// loss.go
		{op: "NegativeLogLikelihoodLoss", since: 12, webnn: []string{"gatherElements", "gather", "neg", "mul", "notEqual", "where", "cast", "reshape", "reduceSum", "reduceMean", "div"}, notes: "reductions none/sum/mean, class weights, ignore_index", emit: lowerNLLLoss},
		{op: "SoftmaxCrossEntropyLoss", since: 12, webnn: []string{"reduceMax", "sub", "reduceLogSumExp", "gatherElements", "gather", "neg", "mul", "reduceSum", "reduceMean", "div"}, notes: "as NegativeLogLikelihoodLoss on log-softmax over axis 1; log_prob output", emit: lowerSoftmaxCrossEntropyLoss},
		// quant.go
		{op: "QuantizeLinear", since: 10, webnn: []string{"quantizeLinear"}, notes: "per-tensor, per-axis; scale/zero point reshaped to the input rank; opset 23's precision other than the scale's type refused", emit: lowerQuantize},
		{op: "MatMulInteger", since: 10, webnn: []string{"dequantizeLinear", "matmul", "cast"}, notes: "8-bit; float32 matmuls over chunks of ≤ 258 terms (exact), summed in int32; a dynamic K above 258 refused", emit: lowerMatMulInteger},
		{op: "ConvInteger", since: 10, webnn: []string{"dequantizeLinear", "conv2d", "cast"}, notes: "1-D (as 2-D) or 2-D, 8-bit; float32 convolutions exact up to Cin/g·kernel = 258 terms; longer ones (group 1) run over chunks of input channels summed in int32", emit: lowerConvInteger},
		{op: "QLinearMatMul", since: 10, webnn: []string{"dequantizeLinear", "matmul", "mul", "div", "quantizeLinear"}, notes: "integer accumulation exact in float32 (K ≤ 258), requantized with round-half-even", emit: lowerQLinearMatMul},
		{op: "QLinearConv", since: 10, webnn: []string{"dequantizeLinear", "conv2d", "add", "mul", "div", "quantizeLinear"}, notes: "1-D (as 2-D) or 2-D; accumulation exact (float32 up to 258 terms, longer ones in int32 over chunks of input channels for group 1)", emit: lowerQLinearConv},
		{op: "DynamicQuantizeLinear", since: 11, webnn: []string{"reduceMin", "reduceMax", "min", "max", "equal", "where", "sub", "div", "clamp", "roundEven", "cast", "reshape", "quantizeLinear"}, notes: "an all-zero input gets scale 1, as ONNX Runtime", emit: lowerDynamicQuantizeLinear},
		{op: "MatMulNBits", domain: msDomain, since: 1, webnn: []string{"dequantizeLinear", "reshape", "slice", "transpose", "matmul", "add"}, notes: "bits 4 or 8; B an initializer, unpacked to uint4/uint8 one element per byte; uint8 (packed) or default zero points; g_idx and float zero points refused", emit: lowerMatMulNBits},
		{op: "GatherBlockQuantized", domain: msDomain, since: 1, webnn: []string{"dequantizeLinear", "reshape", "gather", "where", "lesser", "greaterOrEqual", "logicalAnd", "add"}, notes: "2-D table quantized along its last axis, gathered on axis 0: uint8 packing 2, 4 or 8 bits, int4, uint4; the table an initializer or a reshape of one (tied embeddings read lm_head's MatMulNBits weight); unpacked at conversion, dequantized then gathered; negative indices wrap, out-of-range ones give zero rows (as ONNX Runtime)", emit: lowerGatherBlockQuantized},
		// quant_contrib.go: ORT's quantizer output, with ORT's arithmetic
		{op: "DynamicQuantizeMatMul", domain: msDomain, since: 1, webnn: []string{"reduceMin", "reduceMax", "min", "max", "equal", "where", "sub", "div", "clamp", "roundEven", "cast", "reshape", "quantizeLinear", "dequantizeLinear", "matmul", "mul", "add"}, notes: "A quantized per tensor to uint8 as ORT does (range with 0, scale 1 for an empty range), integer products as a float32 matmul (exact while partial sums < 2^24), times a_scale·b_scale (per tensor or per column), plus bias", emit: lowerDynamicQuantizeMatMul},
		{op: "MatMulIntegerToFloat", domain: msDomain, since: 1, webnn: []string{"dequantizeLinear", "matmul", "mul", "add"}, notes: "(A−za)(B−zb) as a float32 matmul, times a_scale·b_scale (scales swapped back as ORT does), plus bias", emit: lowerMatMulIntegerToFloat},
		{op: "DynamicQuantizeLSTM", domain: msDomain, since: 1, webnn: []string{"reduceMin", "reduceMax", "min", "max", "equal", "where", "sub", "div", "clamp", "roundEven", "cast", "quantizeLinear", "dequantizeLinear", "matmul", "mul", "add", "slice", "reshape", "sigmoid", "tanh", "concat", "expand", "pad", "transpose"}, notes: "unrolled LSTM (static steps) with ONNX Runtime's quantized products: X quantized once per tensor, each step's hidden state per group of batch rows (ORT splits the batch over min(hardware threads − 1, 2/5/7/11 for hidden ≤ 128/256/512/1024) threads, each quantizing its ceil(batch/threads) rows: emulated for a machine with ≥ 12 hardware threads, dynamic batch included; batch 1 is the same on every machine), scales per direction or per column, Wb + Rb added after both products; sequence_lens shorter than the sequence and input_forget refused", emit: lowerRecurrentUnrolled},
		{op: "QGemm", domain: msDomain, since: 1, webnn: []string{"dequantizeLinear", "transpose", "matmul", "cast", "add", "mul", "roundEven", "clamp"}, notes: "constant scales; int32 C added to the accumulator; float output, or requantized (round half to even) with K ≤ 258 so the accumulation stays exact; per-column B zero points with transB refused", emit: lowerQGemm},
		{op: "QLinearAdd", domain: msDomain, since: 1, webnn: []string{"dequantizeLinear", "add", "quantizeLinear"}, notes: "constant scalar scales/zero points; dequantize, add in float32, quantize (round half to even)", emit: lowerQLinearBinary},
		{op: "QLinearMul", domain: msDomain, since: 1, webnn: []string{"dequantizeLinear", "mul", "quantizeLinear"}, notes: "as QLinearAdd", emit: lowerQLinearBinary},
		{op: "QLinearSigmoid", domain: msDomain, since: 1, webnn: []string{"cast", "add", "gather"}, notes: "constant scales: a 256-entry lookup table computed at conversion (as ORT's kernel)", emit: lowerQLinearUnary},
		{op: "QLinearLeakyRelu", domain: msDomain, since: 1, webnn: []string{"cast", "add", "gather"}, notes: "as QLinearSigmoid", emit: lowerQLinearUnary},
		{op: "QLinearConcat", domain: msDomain, since: 1, webnn: []string{"cast", "add", "gather", "concat"}, notes: "inputs whose scale/zero point differ from Y's requantized through a lookup table", emit: lowerQLinearConcat},
		{op: "QLinearGlobalAveragePool", domain: msDomain, since: 1, webnn: []string{"cast", "reduceSum", "sub", "mul", "roundEven", "add", "clamp"}, notes: "static spatial dims; exact integer sum, times x_scale/(y_scale·count), rounded half to even; NCHW or channels_last", emit: lowerQLinearGlobalAveragePool},
		{op: "QLinearAveragePool", domain: msDomain, since: 1, webnn: []string{"cast", "sub", "mul", "pad", "slice", "add", "div", "roundEven", "clamp"}, notes: "ONNX Runtime's arithmetic exactly: dequantized, each window summed in float32 in ONNX Runtime's order (one strided slice per kernel position, up to 1024), divided by the count, requantized; static spatial dims, 1–3 of them, dilations 1; a kernel over the whole input as QLinearGlobalAveragePool; NCHW or channels_last", emit: lowerQLinearAveragePool},
		{op: "DequantizeLinear", since: 10, webnn: []string{"dequantizeLinear"}, notes: "per-tensor, per-axis; scale/zero point reshaped to the input rank", emit: lowerDequantize},
	}
	return t
}

// unary is a 1:1 element-wise op.
func unary(op string, since int64, webnn string) *lowering {
	return &lowering{op: op, since: since, webnn: []string{webnn}, emit: func(c *ctx, n *srcNode) error {
		x, err := c.in(n, 0)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.op(n, webnn, []string{x}, nil))
		return nil
	}}
}

// binary is a 1:1 element-wise op with numpy broadcasting.
func binary(op string, since int64, webnn string) *lowering {
	return &lowering{op: op, since: since, webnn: []string{webnn}, emit: func(c *ctx, n *srcNode) error {
		xs, err := c.binaryInputs(n)
		if err != nil {
			return err
		}
		c.bind(n, 0, c.op(n, webnn, xs, nil))
		return nil
	}}
}

// binaryBool is a comparison or logical op; ONNX bool is WebNN uint8.
func binaryBool(op string, since int64, webnn string) *lowering {
	l := binary(op, since, webnn)
	l.notes = "bool result as uint8"
	return l
}

// variadic folds n inputs with a binary op.
func variadic(op string, since int64, webnn string) *lowering {
	return &lowering{op: op, since: since, webnn: []string{webnn}, emit: func(c *ctx, n *srcNode) error {
		acc, err := c.in(n, 0)
		if err != nil {
			return err
		}
		for i := 1; i < len(n.Input); i++ {
			x, err := c.in(n, i)
			if err != nil {
				return err
			}
			acc = c.op(n, webnn, []string{acc, x}, nil)
		}
		if len(n.Input) == 1 {
			acc = c.op(n, "identity", []string{acc}, nil)
		}
		c.bind(n, 0, acc)
		return nil
	}}
}

// binaryInputs returns the two operands of an element-wise node. Before
// opset 7, broadcast=1 with an axis aligns B's dims at that axis of A
// (legacy broadcasting); B is reshaped so numpy broadcasting does the same.
func (c *ctx) binaryInputs(n *srcNode) ([]string, error) {
	xs, err := c.ins(n, 0, 1)
	if err != nil {
		return nil, err
	}
	if n.opset >= 7 || attrInt(n, "broadcast", 0) == 0 || !hasAttr(n, "axis") {
		return xs, nil
	}
	sa, err := c.inShape(n, 0)
	if err != nil {
		return nil, err
	}
	sb, err := c.inShape(n, 1)
	if err != nil {
		return nil, err
	}
	axis, err := normAxis(attrInt(n, "axis", 0), len(sa))
	if err != nil {
		return nil, err
	}
	if int(axis)+len(sb) > len(sa) {
		return nil, fmt.Errorf("legacy broadcast of rank %d at axis %d into rank %d", len(sb), axis, len(sa))
	}
	target := make([]shapeinfer.Expr, len(sa))
	for i := range target {
		target[i] = shapeinfer.Const(1)
	}
	copy(target[axis:], sb)
	if xs[1], err = c.reshapeTo(n, xs[1], target); err != nil {
		return nil, err
	}
	return xs, nil
}
