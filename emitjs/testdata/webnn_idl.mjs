// The WebNN IDL facts the recording builder checks calls against, written
// from the W3C WebNN spec (webmachinelearning/webnn index.bs, 2026-06,
// "add minimum data types and rank range for operations (#910)").
//
// Each method: params (positional, after which one optional options
// dictionary follows), options (dictionary members; every dictionary
// derives from MLOperatorOptions {label}), returns ("operand" or
// "operands"). Types:
//   operand, operands (sequence<MLOperand>), uint ([EnforceRange] unsigned long),
//   long, double, uints (sequence<unsigned long>), floats (sequence<float>),
//   boolean, dataType (MLOperandDataType), number (MLNumber = bigint or
//   unrestricted double), uintOrUints, enum:a|b|c, enums:a|b|c (sequence of enum).

export const DATA_TYPES = ["float32", "float16", "int32", "uint32", "int64", "uint64", "int8", "uint8"];
// int4/uint4: not in the spec enum; Chromium and ORT use them as an extension.
export const EXTENSION_TYPES = ["int4", "uint4"];

const layout = "enum:nchw|nhwc";
const rnnActs = "enums:relu|sigmoid|tanh";
const direction = "enum:forward|backward|both";
const reduceOpts = { axes: "uints", keepDimensions: "boolean" };
const pool = {
  windowDimensions: "uints", padding: "uints", strides: "uints", dilations: "uints",
  layout, outputShapeRounding: "enum:floor|ceil", outputSizes: "uints",
};

const M = {};
function def(names, params, options = {}, returns = "operand") {
  for (const n of names.split(" ")) M[n] = { params, options, returns };
}

def("add sub mul div max min pow matmul", [["a", "operand"], ["b", "operand"]]);
def("equal notEqual greater greaterOrEqual lesser lesserOrEqual logicalAnd logicalOr logicalXor",
  [["a", "operand"], ["b", "operand"]]);
def("logicalNot isNaN isInfinite", [["a", "operand"]]);
def("abs ceil cos erf exp floor identity log neg reciprocal roundEven sin sign sqrt tan " +
  "relu sigmoid tanh gelu hardSwish softplus softsign", [["input", "operand"]]);
def("prelu", [["input", "operand"], ["slope", "operand"]]);
def("elu leakyRelu", [["input", "operand"]], { alpha: "double" });
def("hardSigmoid linear", [["input", "operand"]], { alpha: "double", beta: "double" });
def("argMin argMax", [["input", "operand"], ["axis", "uint"]], { keepDimensions: "boolean", outputDataType: "dataType" });
def("batchNormalization", [["input", "operand"], ["mean", "operand"], ["variance", "operand"]],
  { scale: "operand", bias: "operand", axis: "uint", epsilon: "double" });
def("cast", [["input", "operand"], ["dataType", "dataType"]]);
def("clamp", [["input", "operand"]], { minValue: "number", maxValue: "number" });
def("concat", [["inputs", "operands"], ["axis", "uint"]]);
def("conv2d", [["input", "operand"], ["filter", "operand"]], {
  padding: "uints", strides: "uints", dilations: "uints", groups: "uint", inputLayout: layout,
  filterLayout: "enum:oihw|hwio|ohwi|ihwo", bias: "operand",
});
def("convTranspose2d", [["input", "operand"], ["filter", "operand"]], {
  padding: "uints", strides: "uints", dilations: "uints", outputPadding: "uints", outputSizes: "uints",
  groups: "uint", inputLayout: layout, filterLayout: "enum:iohw|hwoi|ohwi", bias: "operand",
});
def("cumulativeSum", [["input", "operand"], ["axis", "uint"]], { exclusive: "boolean", reversed: "boolean" });
def("dequantizeLinear quantizeLinear", [["input", "operand"], ["scale", "operand"], ["zeroPoint", "operand"]]);
def("expand", [["input", "operand"], ["newShape", "uints"]]);
def("gather gatherElements", [["input", "operand"], ["indices", "operand"]], { axis: "uint" });
def("gatherND", [["input", "operand"], ["indices", "operand"]]);
def("gemm", [["a", "operand"], ["b", "operand"]],
  { c: "operand", alpha: "double", beta: "double", aTranspose: "boolean", bTranspose: "boolean" });
def("gru", [["input", "operand"], ["weight", "operand"], ["recurrentWeight", "operand"], ["steps", "uint"], ["hiddenSize", "uint"]], {
  bias: "operand", recurrentBias: "operand", initialHiddenState: "operand", resetAfter: "boolean",
  returnSequence: "boolean", direction, layout: "enum:zrn|rzn", activations: rnnActs,
}, "operands");
def("gruCell", [["input", "operand"], ["weight", "operand"], ["recurrentWeight", "operand"], ["hiddenState", "operand"], ["hiddenSize", "uint"]], {
  bias: "operand", recurrentBias: "operand", resetAfter: "boolean", layout: "enum:zrn|rzn", activations: rnnActs,
});
def("lstm", [["input", "operand"], ["weight", "operand"], ["recurrentWeight", "operand"], ["steps", "uint"], ["hiddenSize", "uint"]], {
  bias: "operand", recurrentBias: "operand", peepholeWeight: "operand", initialHiddenState: "operand",
  initialCellState: "operand", returnSequence: "boolean", direction, layout: "enum:iofg|ifgo", activations: rnnActs,
}, "operands");
def("lstmCell", [["input", "operand"], ["weight", "operand"], ["recurrentWeight", "operand"], ["hiddenState", "operand"], ["cellState", "operand"], ["hiddenSize", "uint"]], {
  bias: "operand", recurrentBias: "operand", peepholeWeight: "operand", layout: "enum:iofg|ifgo", activations: rnnActs,
}, "operands");
def("instanceNormalization", [["input", "operand"]], { scale: "operand", bias: "operand", epsilon: "double", layout });
def("layerNormalization", [["input", "operand"]], { scale: "operand", bias: "operand", axes: "uints", epsilon: "double" });
def("pad", [["input", "operand"], ["beginningPadding", "uints"], ["endingPadding", "uints"]],
  { mode: "enum:constant|edge|reflection", value: "number" });
def("averagePool2d l2Pool2d maxPool2d", [["input", "operand"]], pool);
def("reduceL1 reduceL2 reduceLogSum reduceLogSumExp reduceMax reduceMean reduceMin reduceProduct reduceSum reduceSumSquare",
  [["input", "operand"]], reduceOpts);
def("resample2d", [["input", "operand"]], { mode: "enum:nearest-neighbor|linear", scales: "floats", sizes: "uints", axes: "uints" });
def("reshape", [["input", "operand"], ["newShape", "uints"]]);
def("reverse", [["input", "operand"]], { axes: "uints" });
def("scatterElements", [["input", "operand"], ["indices", "operand"], ["updates", "operand"]], { axis: "uint" });
def("scatterND", [["input", "operand"], ["indices", "operand"], ["updates", "operand"]]);
def("slice", [["input", "operand"], ["starts", "uints"], ["sizes", "uints"]], { strides: "uints" });
def("softmax", [["input", "operand"], ["axis", "uint"]]);
def("split", [["input", "operand"], ["splits", "uintOrUints"]], { axis: "uint" }, "operands");
def("tile", [["input", "operand"], ["repetitions", "uints"]]);
def("transpose", [["input", "operand"]], { permutation: "uints" });
def("triangular", [["input", "operand"]], { upper: "boolean", diagonal: "long" });
def("where", [["condition", "operand"], ["trueValue", "operand"], ["falseValue", "operand"]]);

export const METHODS = M;

// opSupportLimits roles of each method's results (MLBinarySupportLimits
// and friends name them output, outputs, output0…).
export function outputRoles(method) {
  switch (method) {
    case "split": return ["outputs"];
    case "gru": case "lstmCell": return ["output0", "output1"];
    case "lstm": return ["output0", "output1", "output2"];
  }
  return ["output"];
}
