// The table of shape rules: the only list of ops shapeinfer knows, keyed
// by domain and op type. Family files hold the functions.

package shapeinfer

import "math"

var onnxRules = map[string]rule{
	// elementwise.go
	"Add":                   binary(exprAdd, func(a, b float64) float64 { return a + b }, false),
	"Sub":                   binary(exprSub, func(a, b float64) float64 { return a - b }, false),
	"Mul":                   binary(exprMul, func(a, b float64) float64 { return a * b }, false),
	"Div":                   binary(exprDiv, fdiv, false),
	"Pow":                   binary(exprPow, math.Pow, false),
	"Mod":                   binary(exprMod, math.Mod, false),
	"BitShift":              binary(nil, nil, false),
	"Equal":                 binary(cmpOp(nil, false), func(a, b float64) float64 { return b2f(a == b) }, true),
	"Less":                  binary(cmpOp(func(s int) bool { return s < 0 }, true), func(a, b float64) float64 { return b2f(a < b) }, true),
	"LessOrEqual":           binary(cmpOp(func(s int) bool { return s <= 0 }, true), func(a, b float64) float64 { return b2f(a <= b) }, true),
	"Greater":               binary(cmpOp(func(s int) bool { return s > 0 }, true), func(a, b float64) float64 { return b2f(a > b) }, true),
	"GreaterOrEqual":        binary(cmpOp(func(s int) bool { return s >= 0 }, true), func(a, b float64) float64 { return b2f(a >= b) }, true),
	"And":                   binary(logicOp(func(x, y bool) bool { return x && y }), nil, true),
	"Or":                    binary(logicOp(func(x, y bool) bool { return x || y }), nil, true),
	"Xor":                   binary(logicOp(func(x, y bool) bool { return x != y }), nil, true),
	"Max":                   variadic(exprMax, math.Max, false),
	"Min":                   variadic(exprMin, math.Min, false),
	"Sum":                   variadic(exprAdd, func(a, b float64) float64 { return a + b }, false),
	"Mean":                  variadic(exprAdd, func(a, b float64) float64 { return a + b }, true),
	"Where":                 where,
	"Not":                   not,
	"Neg":                   neg,
	"Abs":                   absRule,
	"Cast":                  cast,
	"CastLike":              cast,
	"Identity":              identity,
	"Dropout":               identity,
	"Sqrt":                  unaryFloat(math.Sqrt),
	"Exp":                   unaryFloat(math.Exp),
	"Log":                   unaryFloat(math.Log),
	"Reciprocal":            unaryFloat(func(x float64) float64 { return 1 / x }),
	"Floor":                 unaryFloat(math.Floor),
	"Ceil":                  unaryFloat(math.Ceil),
	"Round":                 unaryFloat(math.RoundToEven),
	"Sin":                   unaryFloat(math.Sin),
	"Cos":                   unaryFloat(math.Cos),
	"Tanh":                  unaryFloat(math.Tanh),
	"Sigmoid":               unaryFloat(sigmoid),
	"Erf":                   unaryFloat(math.Erf),
	"Relu":                  unaryFloat(func(x float64) float64 { return math.Max(x, 0) }),
	"Sign":                  unaryFloat(func(x float64) float64 { return float64(sign(x)) }),
	"IsNaN":                 unaryBool,
	"IsInf":                 unaryBool,
	"Clip":                  clip,
	"PRelu":                 prelu,
	"DequantizeLinear":      dequantizeLinear,
	"QuantizeLinear":        quantizeLinear,
	"DynamicQuantizeLinear": dynamicQuantizeLinear,

	// shape_ops.go
	"Shape":           shapeOp,
	"Size":            sizeOp,
	"Reshape":         reshape,
	"Flatten":         flatten,
	"Squeeze":         squeeze,
	"Unsqueeze":       unsqueeze,
	"Transpose":       transpose,
	"Concat":          concat,
	"Split":           split,
	"Slice":           slice,
	"Gather":          gather,
	"GatherElements":  gatherElements,
	"GatherND":        gatherND,
	"Expand":          expand,
	"Tile":            tile,
	"Range":           rangeOp,
	"ConstantOfShape": constantOfShape,
	"Constant":        constant,
	"Pad":             pad,
	"DepthToSpace":    depthToSpace,
	"SpaceToDepth":    depthToSpace,
	"OneHot":          oneHot,
	"EyeLike":         eyeLike,

	// linalg.go
	"MatMul":        matmul,
	"MatMulInteger": matmul,
	"QLinearMatMul": matmul,
	"Gemm":          gemm,
	"Einsum":        einsum,

	// opsets 23–26
	"RMSNormalization": layerNorm,
	"TensorScatter":    unary,
	"Attention":        onnxAttention,

	// conv.go
	"Conv":              conv,
	"ConvInteger":       conv,
	"QLinearConv":       conv,
	"ConvTranspose":     convTranspose,
	"MaxPool":           pool,
	"AveragePool":       pool,
	"LpPool":            pool,
	"GlobalAveragePool": globalPool,
	"GlobalMaxPool":     globalPool,
	"GlobalLpPool":      globalPool,
	"Resize":            resize,
	"Upsample":          resize,

	// reduce.go
	"ReduceSum":                    reduce,
	"ReduceMean":                   reduce,
	"ReduceMax":                    reduce,
	"ReduceMin":                    reduce,
	"ReduceProd":                   reduce,
	"ReduceL1":                     reduce,
	"ReduceL2":                     reduce,
	"ReduceLogSum":                 reduce,
	"ReduceLogSumExp":              reduce,
	"ReduceSumSquare":              reduce,
	"ArgMax":                       argReduce,
	"ArgMin":                       argReduce,
	"TopK":                         topK,
	"LayerNormalization":           layerNorm,
	"SimplifiedLayerNormalization": layerNorm,
	"BatchNormalization":           batchNorm,
	"GroupNormalization":           unary,

	// misc.go
	"RNN":               recurrent,
	"GRU":               recurrent,
	"LSTM":              recurrent,
	"RoiAlign":          roiAlign,
	"GridSample":        gridSample,
	"MaxUnpool":         maxUnpool,
	"Det":               det,
	"HannWindow":        window,
	"HammingWindow":     window,
	"BlackmanWindow":    window,
	"STFT":              stft,
	"DFT":               dft,
	"Bernoulli":         randomLike,
	"RandomUniformLike": randomLike,
	"RandomNormalLike":  randomLike,
	"NonZero":           nonZero,
	"Compress":          compress,
}

// unaryOps keep shape and type and are not folded.
var unaryOps = []string{
	"Tan", "Asin", "Acos", "Atan", "Sinh", "Cosh", "Asinh", "Acosh", "Atanh",
	"Softplus", "Softsign", "Elu", "Selu", "Celu", "LeakyRelu", "ThresholdedRelu",
	"HardSigmoid", "HardSwish", "Mish", "Gelu", "Shrink", "BitwiseNot",
	"Softmax", "LogSoftmax", "Hardmax", "LpNormalization", "MeanVarianceNormalization",
	"Trilu", "CumSum", "ScatterND", "ScatterElements", "Scatter", "ReverseSequence",
	"LRN", "InstanceNormalization", "Binarizer", "Swish", "CumProd",
}

func init() {
	for _, op := range unaryOps {
		if _, ok := onnxRules[op]; !ok {
			onnxRules[op] = unary
		}
	}
}

// msRules covers the com.microsoft ops transformer exports use whose
// shapes follow from their inputs alone.
var msRules = map[string]rule{
	"FastGelu":                         biasAdd,
	"BiasGelu":                         biasAdd,
	"BiasAdd":                          biasAdd,
	"FusedMatMul":                      fusedMatMul,
	"GatherBlockQuantized":             gatherBlockQuantized,
	"DynamicQuantizeMatMul":            quantMatMul,
	"MatMulIntegerToFloat":             quantMatMul,
	"QGemm":                            qgemm,
	"QLinearAdd":                       qlinearBinary,
	"QLinearMul":                       qlinearBinary,
	"QLinearSigmoid":                   unary,
	"QLinearSoftmax":                   unary,
	"QLinearLeakyRelu":                 unary,
	"QLinearConcat":                    qlinearConcat,
	"QLinearGlobalAveragePool":         qlinearGlobalPool,
	"QLinearAveragePool":               qlinearAvgPool,
	"DynamicQuantizeLSTM":              recurrent,
	"EmbedLayerNormalization":          embedLayerNorm,
	"Attention":                        msAttention,
	"Gelu":                             unary,
	"QuickGelu":                        unary,
	"RotaryEmbedding":                  unary,
	"SkipLayerNormalization":           skipLayerNorm,
	"SkipSimplifiedLayerNormalization": skipLayerNorm,
	"SimplifiedLayerNormalization":     layerNorm,
	"LayerNormalization":               layerNorm,
	"MatMulNBits":                      matMulNBits,
	"GroupQueryAttention":              groupQueryAttention,
	"QuantizeLinear":                   quantizeLinear,
	"DequantizeLinear":                 dequantizeLinear,
}

func lookupRule(domain, op string) rule {
	switch domain {
	case "":
		return onnxRules[op]
	case "com.microsoft":
		if r := msRules[op]; r != nil {
			return r
		}
		return nil
	}
	return nil
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func sign(x float64) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}
