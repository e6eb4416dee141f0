package graph

// OpInfo describes a WebNN op name the loaders accept: how many positional
// operand inputs it takes. MaxInputs < 0 means unbounded (concat).
type OpInfo struct {
	MinInputs int
	MaxInputs int
	Spec      bool // false for rustnn's non-spec extras (squeeze, shape, …)
}

// Ops lists the 101 op names rustnn (Apr 2026) maps to an operation, with
// their positional input counts (formats-and-loader.md §7.1). It is the one
// op table of the format: graph.Validate (the validate command) and the
// WebNN runtime (the run command) accept exactly these names and counts,
// a test in runtime/webnn holds them together, and a target (package
// target) may narrow it further. Names are
// case-sensitive; anything else makes rustnn panic at load time, so
// Validate refuses it. The alias "round" is deliberately absent: emitters
// write roundEven.
var Ops = func() map[string]OpInfo {
	m := map[string]OpInfo{}
	add := func(min, max int, spec bool, names ...string) {
		for _, n := range names {
			m[n] = OpInfo{MinInputs: min, MaxInputs: max, Spec: spec}
		}
	}
	add(1, 1, true, "abs", "ceil", "cos", "erf", "exp", "floor", "identity", "log", "logicalNot",
		"neg", "reciprocal", "relu", "sigmoid", "sign", "sin", "sqrt", "tan", "tanh")
	add(2, 2, true, "add", "sub", "mul", "div", "pow", "max", "min", "matmul", "equal", "notEqual",
		"greater", "greaterOrEqual", "lesser", "lesserOrEqual", "logicalAnd", "logicalOr",
		"logicalXor", "prelu")
	add(3, 3, true, "where")
	add(1, 1, true, "argMax", "argMin")
	// Normalisations and gemm: webnn-graph's convert-onnx writes scale/bias
	// (and gemm's c) positionally; rustnn ignores the extras, so they are
	// allowed here and reported by nobody.
	add(3, 5, true, "batchNormalization")
	add(1, 1, true, "cast", "clamp", "elu", "expand", "gelu", "hardSigmoid", "hardSwish",
		"leakyRelu", "linear", "pad", "reshape",
		"resample2d", "reverse", "softmax", "slice", "split", "transpose", "tile", "triangular",
		"cumulativeSum", "softplus", "softsign", "isNaN", "isInfinite", "roundEven")
	add(1, 3, true, "instanceNormalization", "layerNormalization")
	add(1, 1, false, "squeeze", "unsqueeze", "shape")
	add(1, 1, true, "averagePool2d", "maxPool2d", "l2Pool2d")
	add(1, 1, false, "globalAveragePool", "globalMaxPool")
	add(1, 1, true, "reduceSum", "reduceMean", "reduceMax", "reduceMin", "reduceProduct",
		"reduceL1", "reduceL2", "reduceLogSum", "reduceLogSumExp", "reduceSumSquare")
	add(1, -1, true, "concat") // the spec's inputs list is non-empty
	add(0, 0, false, "constant")
	add(2, 3, true, "conv2d", "convTranspose2d")
	add(2, 2, true, "gather", "gatherElements", "gatherND")
	add(2, 3, true, "gemm")
	add(2, 3, true, "quantizeLinear", "dequantizeLinear")
	add(3, 3, true, "scatterElements", "scatterND")
	// Recurrent ops: biases and initial states are options in the spec.
	// Some writers pass them positionally, but rustnn ignores extra
	// positional operands (it would run without the biases), and so does
	// no runtime: refused.
	add(3, 3, true, "gru")
	add(4, 4, true, "gruCell")
	add(3, 3, true, "lstm")
	add(5, 5, true, "lstmCell")
	return m
}()
