package emitjs

import (
	"github.com/webnn-graph/webnn-graph/graph"
)

// valKind is the WebIDL type of a WebNN method parameter or option member,
// as the generated code must write it.
type valKind int

const (
	kUint     valKind = iota // [EnforceRange] unsigned long
	kInt                     // [EnforceRange] long (triangular's diagonal)
	kUints                   // sequence<unsigned long>
	kSizes                   // sequence<unsigned long> whose entries may be dynamic sizes
	kSplits                  // unsigned long or sequence<unsigned long>
	kFloat                   // double / float
	kFloats                  // sequence<float>
	kBool                    // boolean
	kEnum                    // a DOMString enum: one of member.enum
	kEnums                   // sequence of an enum (RNN activations)
	kDataType                // MLOperandDataType
	kNumber                  // MLNumber, cast by WebNN to the input operand's type
	kOperand                 // MLOperand named by the option (RNN biases and states)
)

// member is one positional parameter or option-dictionary member of a
// WebNN method that the graph IR carries in a node's options.
type member struct {
	name    string
	kind    valKind
	enum    []string
	aliases []string // other spellings of the IR option (rustnn / Rust webnn-graph writers)
	// dropIf is the value at which a non-spec IR option means the same as
	// leaving it out (gatherND's batchDimensions 0); such members are never
	// passed to WebNN, and any other value is refused.
	nonSpec bool
	dropIf  int64
	// def is the JavaScript value of a positional parameter the IR may
	// leave out (the runtime's default); "" means the option is required.
	def string
}

// resultRule says how a node's output data type follows from its inputs,
// for the opSupportLimits check the module runs before building.
type resultRule int

const (
	sameAsFirst   resultRule = iota
	boolResult               // comparisons, logical ops, isNaN: uint8
	castResult               // cast: its dataType argument
	indexResult              // argMin/argMax: outputDataType, default int32
	zeroPointType            // quantizeLinear: the zero point's type (uint8 when absent)
	scaleType                // dequantizeLinear: the scale's type
	trueValueType            // where: the trueValue's type
	int64Result              // shape: int64
)

// call maps one graph op to one MLGraphBuilder method call:
//
//	builder.method(operands..., args..., {options..., extras...})
//
// operands are the node's first positional inputs (their names are the
// opSupportLimits roles); further positional inputs become the option
// members named in extras (webnn-graph writes conv2d's bias and gemm's c
// positionally). args are positional parameters the IR keeps in options.
type call struct {
	method   string
	operands []string
	extras   []string
	args     []member
	options  []member
	outputs  []string // opSupportLimits roles of the results; len > 1 or "outputs": a sequence
	seq      bool     // the method returns sequence<MLOperand>
	result   resultRule
	special  string // non-spec graph op written with other calls: squeeze, unsqueeze, shape
}

var (
	mAxis      = member{name: "axis", kind: kUint}
	argAxis0   = member{name: "axis", kind: kUint, def: "0"}
	mAxes      = member{name: "axes", kind: kUints}
	mKeepDims  = member{name: "keepDimensions", kind: kBool, aliases: []string{"keep_dimensions", "keepDims"}}
	mLayout    = member{name: "layout", kind: kEnum, enum: []string{"nchw", "nhwc"}}
	mEpsilon   = member{name: "epsilon", kind: kFloat}
	mAlpha     = member{name: "alpha", kind: kFloat}
	mBeta      = member{name: "beta", kind: kFloat}
	mNewShape  = member{name: "newShape", kind: kSizes, aliases: []string{"new_shape", "shape"}}
	mRNNActs   = member{name: "activations", kind: kEnums, enum: []string{"relu", "sigmoid", "tanh"}}
	mDirection = member{name: "direction", kind: kEnum, enum: []string{"forward", "backward", "both"}}
	mHidden    = member{name: "hiddenSize", kind: kUint, aliases: []string{"hidden_size"}}
	mSteps     = member{name: "steps", kind: kUint}
	mReturnSeq = member{name: "returnSequence", kind: kBool, aliases: []string{"return_sequence"}}
	mResetAft  = member{name: "resetAfter", kind: kBool, aliases: []string{"reset_after"}}
	mGruLayout = member{name: "layout", kind: kEnum, enum: []string{"zrn", "rzn"}}
	mLstmLay   = member{name: "layout", kind: kEnum, enum: []string{"iofg", "ifgo"}}
	mPadding   = member{name: "padding", kind: kUints}
	mStrides   = member{name: "strides", kind: kUints}
	mDilations = member{name: "dilations", kind: kUints}
	mGroups    = member{name: "groups", kind: kUint}
	mInLayout  = member{name: "inputLayout", kind: kEnum, enum: []string{"nchw", "nhwc"}, aliases: []string{"input_layout"}}
)

func operandOpt(name string, aliases ...string) member {
	return member{name: name, kind: kOperand, aliases: aliases}
}

// calls is the table from graph op names (graph.Ops) to WebNN method calls,
// written from the W3C WebNN IDL (webmachinelearning/webnn index.bs,
// 2026-06): parameter order, option members and their types.
var calls = func() map[string]*call {
	m := map[string]*call{}
	add := func(c *call, names ...string) {
		for _, n := range names {
			cc := *c
			if cc.method == "" {
				cc.method = n
			}
			if cc.outputs == nil {
				cc.outputs = []string{"output"}
			}
			m[n] = &cc
		}
	}
	add(&call{operands: []string{"a", "b"}}, "add", "sub", "mul", "div", "max", "min", "pow", "matmul")
	add(&call{operands: []string{"a", "b"}, result: boolResult},
		"equal", "notEqual", "greater", "greaterOrEqual", "lesser", "lesserOrEqual",
		"logicalAnd", "logicalOr", "logicalXor")
	add(&call{operands: []string{"a"}, result: boolResult}, "logicalNot", "isNaN", "isInfinite")
	add(&call{operands: []string{"input"}},
		"abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "neg", "reciprocal",
		"roundEven", "sin", "sign", "sqrt", "tan", "relu", "sigmoid", "tanh", "gelu", "hardSwish",
		"softplus", "softsign")
	add(&call{operands: []string{"input", "slope"}}, "prelu")
	add(&call{operands: []string{"input"}, options: []member{mAlpha}}, "elu", "leakyRelu")
	add(&call{operands: []string{"input"}, options: []member{mAlpha, mBeta}}, "hardSigmoid", "linear")
	add(&call{operands: []string{"input"}, args: []member{argAxis0},
		options: []member{mKeepDims, {name: "outputDataType", kind: kDataType, aliases: []string{"output_data_type"}}},
		result:  indexResult}, "argMin", "argMax")
	add(&call{operands: []string{"input", "mean", "variance"}, extras: []string{"scale", "bias"},
		options: []member{mAxis, mEpsilon}}, "batchNormalization")
	add(&call{operands: []string{"input"}, args: []member{{name: "dataType", kind: kDataType, aliases: []string{"to", "type", "data_type"}}},
		result: castResult}, "cast")
	add(&call{operands: []string{"input"}, options: []member{
		{name: "minValue", kind: kNumber, aliases: []string{"min_value", "min"}},
		{name: "maxValue", kind: kNumber, aliases: []string{"max_value", "max"}}}}, "clamp")
	add(&call{operands: []string{"inputs"}, args: []member{argAxis0}}, "concat")
	add(&call{operands: []string{"input", "filter"}, extras: []string{"bias"}, options: []member{
		mPadding, mStrides, mDilations, mGroups, mInLayout,
		{name: "filterLayout", kind: kEnum, enum: []string{"oihw", "hwio", "ohwi", "ihwo"}, aliases: []string{"filter_layout"}}}}, "conv2d")
	add(&call{operands: []string{"input", "filter"}, extras: []string{"bias"}, options: []member{
		mPadding, mStrides, mDilations, mGroups, mInLayout,
		{name: "outputPadding", kind: kUints, aliases: []string{"output_padding"}},
		{name: "outputSizes", kind: kUints, aliases: []string{"output_sizes"}},
		{name: "filterLayout", kind: kEnum, enum: []string{"iohw", "hwoi", "ohwi"}, aliases: []string{"filter_layout"}}}}, "convTranspose2d")
	add(&call{operands: []string{"input"}, args: []member{argAxis0}, options: []member{
		{name: "exclusive", kind: kBool},
		{name: "reversed", kind: kBool, aliases: []string{"reverse"}}}}, "cumulativeSum")
	add(&call{operands: []string{"input", "scale", "zeroPoint"}, result: scaleType}, "dequantizeLinear")
	add(&call{operands: []string{"input", "scale", "zeroPoint"}, result: zeroPointType}, "quantizeLinear")
	add(&call{operands: []string{"input"}, args: []member{mNewShape}}, "expand")
	add(&call{operands: []string{"input", "indices"}, options: []member{mAxis}}, "gather", "gatherElements")
	add(&call{operands: []string{"input", "indices"}, options: []member{
		{name: "batchDimensions", aliases: []string{"batch_dimensions"}, nonSpec: true}}}, "gatherND")
	add(&call{operands: []string{"a", "b"}, extras: []string{"c"}, options: []member{
		mAlpha, mBeta,
		{name: "aTranspose", kind: kBool, aliases: []string{"a_transpose", "transA"}},
		{name: "bTranspose", kind: kBool, aliases: []string{"b_transpose", "transB"}}}}, "gemm")
	add(&call{operands: []string{"input", "weight", "recurrentWeight"},
		extras:  []string{"bias", "recurrentBias", "initialHiddenState"},
		args:    []member{mSteps, mHidden},
		options: []member{mResetAft, mReturnSeq, mDirection, mGruLayout, mRNNActs},
		outputs: []string{"output0", "output1"}, seq: true}, "gru")
	add(&call{operands: []string{"input", "weight", "recurrentWeight", "hiddenState"},
		extras:  []string{"bias", "recurrentBias"},
		args:    []member{mHidden},
		options: []member{mResetAft, mGruLayout, mRNNActs}}, "gruCell")
	add(&call{operands: []string{"input", "weight", "recurrentWeight"},
		extras:  []string{"bias", "recurrentBias", "peepholeWeight", "initialHiddenState", "initialCellState"},
		args:    []member{mSteps, mHidden},
		options: []member{mReturnSeq, mDirection, mLstmLay, mRNNActs},
		outputs: []string{"output0", "output1", "output2"}, seq: true}, "lstm")
	add(&call{operands: []string{"input", "weight", "recurrentWeight", "hiddenState", "cellState"},
		extras:  []string{"bias", "recurrentBias", "peepholeWeight"},
		args:    []member{mHidden},
		options: []member{mLstmLay, mRNNActs},
		outputs: []string{"output0", "output1"}, seq: true}, "lstmCell")
	add(&call{operands: []string{"input"}, extras: []string{"scale", "bias"}, options: []member{mEpsilon, mLayout}}, "instanceNormalization")
	add(&call{operands: []string{"input"}, extras: []string{"scale", "bias"}, options: []member{mAxes, mEpsilon}}, "layerNormalization")
	add(&call{operands: []string{"input"}, args: []member{
		{name: "beginningPadding", kind: kUints, aliases: []string{"beginning_padding", "pads_begin"}},
		{name: "endingPadding", kind: kUints, aliases: []string{"ending_padding", "pads_end"}}},
		options: []member{
			{name: "mode", kind: kEnum, enum: []string{"constant", "edge", "reflection"}},
			{name: "value", kind: kNumber}}}, "pad")
	pool := &call{operands: []string{"input"}, options: []member{
		{name: "windowDimensions", kind: kUints, aliases: []string{"window_dimensions", "kernelShape"}},
		mPadding, mStrides, mDilations,
		{name: "layout", kind: kEnum, enum: []string{"nchw", "nhwc"}, aliases: []string{"inputLayout"}},
		{name: "outputShapeRounding", kind: kEnum, enum: []string{"floor", "ceil"}, aliases: []string{"roundingType", "rounding_type"}},
		{name: "outputSizes", kind: kUints, aliases: []string{"output_sizes"}}}}
	add(pool, "averagePool2d", "l2Pool2d", "maxPool2d")
	// globalAveragePool / globalMaxPool (rustnn's names): a pool whose
	// window defaults to the whole spatial extent, as WebNN's does.
	add(&call{method: "averagePool2d", operands: []string{"input"}, options: pool.options}, "globalAveragePool")
	add(&call{method: "maxPool2d", operands: []string{"input"}, options: pool.options}, "globalMaxPool")
	add(&call{operands: []string{"input"}, options: []member{mAxes, mKeepDims}},
		"reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp", "reduceMax", "reduceMean",
		"reduceMin", "reduceProduct", "reduceSum", "reduceSumSquare")
	add(&call{operands: []string{"input"}, options: []member{
		{name: "mode", kind: kEnum, enum: []string{"nearest-neighbor", "linear"}},
		{name: "scales", kind: kFloats},
		{name: "sizes", kind: kSizes}, // dynamic where a Resize takes its sizes from a shape
		mAxes}}, "resample2d")
	add(&call{operands: []string{"input"}, args: []member{mNewShape}}, "reshape")
	add(&call{operands: []string{"input"}, options: []member{mAxes}}, "reverse")
	add(&call{operands: []string{"input", "indices", "updates"}, options: []member{mAxis}}, "scatterElements")
	add(&call{operands: []string{"input", "indices", "updates"}}, "scatterND")
	add(&call{operands: []string{"input"}, args: []member{
		{name: "starts", kind: kUints},
		{name: "sizes", kind: kSizes}},
		options: []member{mStrides}}, "slice")
	// softmax's axis is required by WebNN; older writers leave it out,
	// meaning the last axis (the module then reads the input's rank).
	add(&call{operands: []string{"input"}, args: []member{{name: "axis", kind: kUint, def: "last"}}}, "softmax")
	add(&call{operands: []string{"input"}, args: []member{{name: "splits", kind: kSplits, aliases: []string{"split"}}},
		options: []member{mAxis}, outputs: []string{"outputs"}, seq: true}, "split")
	add(&call{operands: []string{"input"}, args: []member{{name: "repetitions", kind: kUints}}}, "tile")
	add(&call{operands: []string{"input"}, options: []member{{name: "permutation", kind: kUints, aliases: []string{"perm"}}}}, "transpose")
	add(&call{operands: []string{"input"}, options: []member{
		{name: "upper", kind: kBool},
		{name: "diagonal", kind: kInt}}}, "triangular")
	add(&call{operands: []string{"condition", "trueValue", "falseValue"}, result: trueValueType}, "where")
	// rustnn's non-spec ops: reshapes and a constant computed from the
	// input's shape when the graph is built.
	add(&call{method: "reshape", operands: []string{"input"}, options: []member{mAxes}, special: "squeeze"}, "squeeze")
	add(&call{method: "reshape", operands: []string{"input"}, options: []member{mAxes}, special: "unsqueeze"}, "unsqueeze")
	add(&call{method: "constant", operands: []string{"input"}, result: int64Result, special: "shape"}, "shape")
	return m
}()

// Supported reports whether emit-js writes graph op name op.
func Supported(op string) bool { _, ok := calls[op]; return ok }

// findMember returns the member of c (arg or option) an IR option key
// names, or nil.
func (c *call) findMember(key string) (*member, bool) {
	for _, list := range [][]member{c.args, c.options} {
		for i := range list {
			mb := &list[i]
			if mb.name == key {
				return mb, true
			}
			for _, a := range mb.aliases {
				if a == key {
					return mb, true
				}
			}
		}
	}
	for _, e := range c.extras {
		if e == key {
			return &member{name: e, kind: kOperand}, true
		}
	}
	return nil, false
}

// opsCovered lists graph.Ops names without a WebNN call ("constant": the
// Rust converter's constant(data=…) nodes, which run refuses too).
func opsCovered() (missing []string) {
	for name := range graph.Ops {
		if _, ok := calls[name]; !ok && name != "constant" {
			missing = append(missing, name)
		}
	}
	return missing
}
