const FILES = {weights: "model.weights", manifest: "manifest.json"};
const DIMS = [["n", 4]];
const SIZES = [["n", 4]];
const USES = [
  ["input", "", "float32", "x"],
  ["input", "", "int64", "ids"],
  ["constant", "", "float32", "half"],
  ["constant", "", "uint8", "zp"],
  ["constant", "", "int32", "idx2"],
  ["constant", "", "float16", "hscale"],
  ["constant", "", "int64", "idx64"],
  ["add", "a", "float32", "a1"],
  ["add", "b", "float32", "a1"],
  ["add", "output", "float32", "a1"],
  ["sub", "a", "float32", "s1"],
  ["sub", "b", "float32", "s1"],
  ["sub", "output", "float32", "s1"],
  ["mul", "a", "float32", "m1"],
  ["mul", "b", "float32", "m1"],
  ["mul", "output", "float32", "m1"],
  ["div", "a", "float32", "d1"],
  ["div", "b", "float32", "d1"],
  ["div", "output", "float32", "d1"],
  ["max", "a", "float32", "mx"],
  ["max", "b", "float32", "mx"],
  ["max", "output", "float32", "mx"],
  ["min", "a", "float32", "mn"],
  ["min", "b", "float32", "mn"],
  ["min", "output", "float32", "mn"],
  ["pow", "a", "float32", "pw"],
  ["pow", "b", "float32", "pw"],
  ["pow", "output", "float32", "pw"],
  ["matmul", "a", "float32", "mm"],
  ["matmul", "b", "float32", "mm"],
  ["matmul", "output", "float32", "mm"],
  ["equal", "a", "float32", "eq"],
  ["equal", "b", "float32", "eq"],
  ["equal", "output", "uint8", "eq"],
  ["notEqual", "a", "float32", "ne"],
  ["notEqual", "b", "float32", "ne"],
  ["notEqual", "output", "uint8", "ne"],
  ["greater", "a", "float32", "gt"],
  ["greater", "b", "float32", "gt"],
  ["greater", "output", "uint8", "gt"],
  ["greaterOrEqual", "a", "float32", "ge"],
  ["greaterOrEqual", "b", "float32", "ge"],
  ["greaterOrEqual", "output", "uint8", "ge"],
  ["lesser", "a", "float32", "lt"],
  ["lesser", "b", "float32", "lt"],
  ["lesser", "output", "uint8", "lt"],
  ["lesserOrEqual", "a", "float32", "le"],
  ["lesserOrEqual", "b", "float32", "le"],
  ["lesserOrEqual", "output", "uint8", "le"],
  ["logicalAnd", "a", "uint8", "la"],
  ["logicalAnd", "b", "uint8", "la"],
  ["logicalAnd", "output", "uint8", "la"],
  ["logicalOr", "a", "uint8", "lo"],
  ["logicalOr", "b", "uint8", "lo"],
  ["logicalOr", "output", "uint8", "lo"],
  ["logicalXor", "a", "uint8", "lx"],
  ["logicalXor", "b", "uint8", "lx"],
  ["logicalXor", "output", "uint8", "lx"],
  ["logicalNot", "a", "uint8", "ln"],
  ["logicalNot", "output", "uint8", "ln"],
  ["isNaN", "a", "float32", "nan"],
  ["isNaN", "output", "uint8", "nan"],
  ["isInfinite", "a", "float32", "inf"],
  ["isInfinite", "output", "uint8", "inf"],
  ["abs", "input", "float32", "u1"],
  ["abs", "output", "float32", "u1"],
  ["ceil", "input", "float32", "u2"],
  ["ceil", "output", "float32", "u2"],
  ["cos", "input", "float32", "u3"],
  ["cos", "output", "float32", "u3"],
  ["erf", "input", "float32", "u4"],
  ["erf", "output", "float32", "u4"],
  ["exp", "input", "float32", "u5"],
  ["exp", "output", "float32", "u5"],
  ["floor", "input", "float32", "u6"],
  ["floor", "output", "float32", "u6"],
  ["identity", "input", "float32", "u7"],
  ["identity", "output", "float32", "u7"],
  ["log", "input", "float32", "u8"],
  ["log", "output", "float32", "u8"],
  ["neg", "input", "float32", "u9"],
  ["neg", "output", "float32", "u9"],
  ["reciprocal", "input", "float32", "u10"],
  ["reciprocal", "output", "float32", "u10"],
  ["roundEven", "input", "float32", "u11"],
  ["roundEven", "output", "float32", "u11"],
  ["sin", "input", "float32", "u12"],
  ["sin", "output", "float32", "u12"],
  ["sign", "input", "float32", "u13"],
  ["sign", "output", "float32", "u13"],
  ["sqrt", "input", "float32", "u14"],
  ["sqrt", "output", "float32", "u14"],
  ["tan", "input", "float32", "u15"],
  ["tan", "output", "float32", "u15"],
  ["relu", "input", "float32", "u16"],
  ["relu", "output", "float32", "u16"],
  ["sigmoid", "input", "float32", "u17"],
  ["sigmoid", "output", "float32", "u17"],
  ["tanh", "input", "float32", "u18"],
  ["tanh", "output", "float32", "u18"],
  ["gelu", "input", "float32", "u19"],
  ["gelu", "output", "float32", "u19"],
  ["hardSwish", "input", "float32", "u20"],
  ["hardSwish", "output", "float32", "u20"],
  ["softplus", "input", "float32", "u21"],
  ["softplus", "output", "float32", "u21"],
  ["softsign", "input", "float32", "u22"],
  ["softsign", "output", "float32", "u22"],
  ["prelu", "input", "float32", "pr"],
  ["prelu", "slope", "float32", "pr"],
  ["prelu", "output", "float32", "pr"],
  ["elu", "input", "float32", "el"],
  ["elu", "output", "float32", "el"],
  ["leakyRelu", "input", "float32", "lk"],
  ["leakyRelu", "output", "float32", "lk"],
  ["hardSigmoid", "input", "float32", "hsg"],
  ["hardSigmoid", "output", "float32", "hsg"],
  ["linear", "input", "float32", "li"],
  ["linear", "output", "float32", "li"],
  ["argMin", "input", "float32", "amn"],
  ["argMin", "output", "int32", "amn"],
  ["argMax", "input", "float32", "amx"],
  ["argMax", "output", "int64", "amx"],
  ["batchNormalization", "input", "float32", "bn"],
  ["batchNormalization", "mean", "float32", "bn"],
  ["batchNormalization", "variance", "float32", "bn"],
  ["batchNormalization", "scale", "float32", "bn"],
  ["batchNormalization", "bias", "float32", "bn"],
  ["batchNormalization", "output", "float32", "bn"],
  ["cast", "input", "int64", "ca"],
  ["cast", "output", "int32", "ca"],
  ["clamp", "input", "float32", "cl"],
  ["clamp", "output", "float32", "cl"],
  ["clamp", "input", "int64", "cli"],
  ["clamp", "output", "int64", "cli"],
  ["concat", "inputs", "float32", "cc"],
  ["concat", "output", "float32", "cc"],
  ["conv2d", "input", "float32", "cv"],
  ["conv2d", "filter", "float32", "cv"],
  ["conv2d", "bias", "float32", "cv"],
  ["conv2d", "output", "float32", "cv"],
  ["convTranspose2d", "input", "float32", "ct"],
  ["convTranspose2d", "filter", "float32", "ct"],
  ["convTranspose2d", "output", "float32", "ct"],
  ["cumulativeSum", "input", "float32", "cs"],
  ["cumulativeSum", "output", "float32", "cs"],
  ["quantizeLinear", "input", "float32", "q"],
  ["quantizeLinear", "scale", "float32", "q"],
  ["quantizeLinear", "zeroPoint", "uint8", "q"],
  ["quantizeLinear", "output", "uint8", "q"],
  ["dequantizeLinear", "input", "uint8", "dq"],
  ["dequantizeLinear", "scale", "float32", "dq"],
  ["dequantizeLinear", "zeroPoint", "uint8", "dq"],
  ["dequantizeLinear", "output", "float32", "dq"],
  ["expand", "input", "float32", "ex"],
  ["expand", "output", "float32", "ex"],
  ["gather", "input", "float32", "ga"],
  ["gather", "indices", "int32", "ga"],
  ["gather", "output", "float32", "ga"],
  ["gather", "indices", "int64", "ga2"],
  ["gatherElements", "input", "float32", "gel"],
  ["gatherElements", "indices", "int32", "gel"],
  ["gatherElements", "output", "float32", "gel"],
  ["gatherND", "input", "float32", "gnd"],
  ["gatherND", "indices", "int32", "gnd"],
  ["gatherND", "output", "float32", "gnd"],
  ["gemm", "a", "float32", "gm"],
  ["gemm", "b", "float32", "gm"],
  ["gemm", "c", "float32", "gm"],
  ["gemm", "output", "float32", "gm"],
  ["reshape", "input", "float32", "rin"],
  ["reshape", "output", "float32", "rin"],
  ["gru", "input", "float32", "gru0"],
  ["gru", "weight", "float32", "gru0"],
  ["gru", "recurrentWeight", "float32", "gru0"],
  ["gru", "bias", "float32", "gru0"],
  ["gru", "output0", "float32", "gru0"],
  ["gru", "output1", "float32", "gru0"],
  ["gruCell", "input", "float32", "gc"],
  ["gruCell", "weight", "float32", "gc"],
  ["gruCell", "recurrentWeight", "float32", "gc"],
  ["gruCell", "hiddenState", "float32", "gc"],
  ["gruCell", "output", "float32", "gc"],
  ["lstm", "input", "float32", "ls0"],
  ["lstm", "weight", "float32", "ls0"],
  ["lstm", "recurrentWeight", "float32", "ls0"],
  ["lstm", "output0", "float32", "ls0"],
  ["lstm", "output1", "float32", "ls0"],
  ["lstm", "output2", "float32", "ls0"],
  ["lstmCell", "input", "float32", "lc0"],
  ["lstmCell", "weight", "float32", "lc0"],
  ["lstmCell", "recurrentWeight", "float32", "lc0"],
  ["lstmCell", "hiddenState", "float32", "lc0"],
  ["lstmCell", "cellState", "float32", "lc0"],
  ["lstmCell", "output0", "float32", "lc0"],
  ["lstmCell", "output1", "float32", "lc0"],
  ["instanceNormalization", "input", "float32", "inn"],
  ["instanceNormalization", "scale", "float32", "inn"],
  ["instanceNormalization", "bias", "float32", "inn"],
  ["instanceNormalization", "output", "float32", "inn"],
  ["layerNormalization", "input", "float32", "lnm"],
  ["layerNormalization", "output", "float32", "lnm"],
  ["pad", "input", "float32", "pd"],
  ["pad", "output", "float32", "pd"],
  ["averagePool2d", "input", "float32", "ap"],
  ["averagePool2d", "output", "float32", "ap"],
  ["l2Pool2d", "input", "float32", "l2p"],
  ["l2Pool2d", "output", "float32", "l2p"],
  ["maxPool2d", "input", "float32", "mp"],
  ["maxPool2d", "output", "float32", "mp"],
  ["reduceL1", "input", "float32", "r1"],
  ["reduceL1", "output", "float32", "r1"],
  ["reduceL2", "input", "float32", "r2"],
  ["reduceL2", "output", "float32", "r2"],
  ["reduceLogSum", "input", "float32", "r3"],
  ["reduceLogSum", "output", "float32", "r3"],
  ["reduceLogSumExp", "input", "float32", "r4"],
  ["reduceLogSumExp", "output", "float32", "r4"],
  ["reduceMax", "input", "float32", "r5"],
  ["reduceMax", "output", "float32", "r5"],
  ["reduceMean", "input", "float32", "r6"],
  ["reduceMean", "output", "float32", "r6"],
  ["reduceMin", "input", "float32", "r7"],
  ["reduceMin", "output", "float32", "r7"],
  ["reduceProduct", "input", "float32", "r8"],
  ["reduceProduct", "output", "float32", "r8"],
  ["reduceSum", "input", "float32", "r9"],
  ["reduceSum", "output", "float32", "r9"],
  ["reduceSumSquare", "input", "float32", "r10"],
  ["reduceSumSquare", "output", "float32", "r10"],
  ["resample2d", "input", "float32", "rs"],
  ["resample2d", "output", "float32", "rs"],
  ["reverse", "input", "float32", "rv"],
  ["reverse", "output", "float32", "rv"],
  ["scatterElements", "input", "float32", "se"],
  ["scatterElements", "indices", "int32", "se"],
  ["scatterElements", "updates", "float32", "se"],
  ["scatterElements", "output", "float32", "se"],
  ["scatterND", "input", "float32", "snd"],
  ["scatterND", "indices", "int32", "snd"],
  ["scatterND", "updates", "float32", "snd"],
  ["scatterND", "output", "float32", "snd"],
  ["slice", "input", "float32", "sl"],
  ["slice", "output", "float32", "sl"],
  ["softmax", "input", "float32", "sm"],
  ["softmax", "output", "float32", "sm"],
  ["split", "input", "float32", "sp0"],
  ["split", "outputs", "float32", "sp0"],
  ["tile", "input", "float32", "ti"],
  ["tile", "output", "float32", "ti"],
  ["transpose", "input", "float32", "tr"],
  ["transpose", "output", "float32", "tr"],
  ["triangular", "input", "float32", "tg"],
  ["triangular", "output", "float32", "tg"],
  ["where", "condition", "uint8", "wh"],
  ["where", "trueValue", "float32", "wh"],
  ["where", "falseValue", "float32", "wh"],
  ["where", "output", "float32", "wh"],
  ["reshape", "input", "int32", "sqz"],
  ["reshape", "output", "int32", "sqz"],
  ["constant", "input", "float32", "shp"],
  ["cast", "input", "float32", "hm"],
  ["cast", "output", "float16", "hm"],
  ["mul", "a", "float16", "hmul"],
  ["mul", "b", "float16", "hmul"],
  ["mul", "output", "float16", "hmul"],
  ["output", "", "float32", "ga3"],
  ["output", "", "uint8", "ln"],
  ["output", "", "int64", "amx"],
  ["output", "", "int32", "sqz"],
  ["identity", "input", "int64", "shp"],
  ["output", "", "float16", "hmul"],
];
const CONSTS = [
  ["half", "float32", [], {s: "AAAAPw=="}],
  ["w23", "float32", [3, 3], {s: "AACAPg=="}],
  ["filt", "float32", [2, 3, 3, 3], {s: "zczMPQ=="}],
  ["bias2", "float32", [2], {s: "AACAPw=="}],
  ["tfilt", "float32", [3, 2, 2, 2], {s: "zczMPQ=="}],
  ["ch3", "float32", [3], {s: "AACAPw=="}],
  ["var3", "float32", [3], {s: "AAAAQA=="}],
  ["slope", "float32", [4], {s: "zczMPQ=="}],
  ["sc", "float32", [1, 3], {s: "AAAAPw=="}],
  ["zp", "uint8", [1, 3], {s: "gA=="}],
  ["idx2", "int32", [2], {b: "AQAAAAAAAAA="}],
  ["idxe", "int32", [2, 3], {b: "AQAAAAAAAAABAAAAAAAAAAEAAAAAAAAA"}],
  ["idxnd", "int32", [1, 1], {b: "AQAAAA=="}],
  ["upd", "float32", [1, 3], {s: "AADgQA=="}],
  ["gw", "float32", [1, 12, 3], {s: "zczMPQ=="}],
  ["gr", "float32", [1, 12, 4], {s: "zczMPQ=="}],
  ["gb", "float32", [1, 12], {s: "CtcjPA=="}],
  ["lw", "float32", [1, 16, 3], {s: "zczMPQ=="}],
  ["lr", "float32", [1, 16, 4], {s: "zczMPQ=="}],
  ["cw", "float32", [12, 3], {s: "zczMPQ=="}],
  ["cr", "float32", [12, 4], {s: "zczMPQ=="}],
  ["h0", "float32", [2, 4], {s: "AAAAAA=="}],
  ["lcw", "float32", [16, 3], {s: "zczMPQ=="}],
  ["lcr", "float32", [16, 4], {s: "zczMPQ=="}],
  ["hscale", "float16", [3], {s: "AD4="}],
  ["idx64", "int64", [2], {b: "AgAAAAAAAAABAAAAAAAAAA=="}],
];

// ---- Generated from the graph: one MLGraphBuilder call per node. ----

function buildGraph(b, d, x) {
  const {T, N, k, seq, last} = x;
  const v = [];
  v[0] = b.input("x", {dataType: "float32", shape: [d[0], 3, 4, 4]});
  v[1] = b.input("m", {dataType: "float32", shape: [2, 3]});
  v[2] = b.input("ids", {dataType: T("int64"), shape: [2]});
  v[3] = k(0);
  v[4] = k(1);
  v[5] = k(2);
  v[6] = k(3);
  v[7] = k(4);
  v[8] = k(5);
  v[9] = k(6);
  v[10] = k(7);
  v[11] = k(8);
  v[12] = k(9);
  v[13] = k(10);
  v[14] = k(11);
  v[15] = k(12);
  v[16] = k(13);
  v[17] = k(14);
  v[18] = k(15);
  v[19] = k(16);
  v[20] = k(17);
  v[21] = k(18);
  v[22] = k(19);
  v[23] = k(20);
  v[24] = k(21);
  v[25] = k(22);
  v[26] = k(23);
  v[27] = k(24);
  v[28] = k(25);
  v[29] = b.add(v[1], v[3], {label: "a1"});
  v[30] = b.sub(v[29], v[1], {label: "s1"});
  v[31] = b.mul(v[30], v[1], {label: "m1"});
  v[32] = b.div(v[31], v[29], {label: "d1"});
  v[33] = b.max(v[32], v[1], {label: "mx"});
  v[34] = b.min(v[33], v[1], {label: "mn"});
  v[35] = b.pow(v[34], v[3], {label: "pw"});
  v[36] = b.matmul(v[1], v[4], {label: "mm"});
  v[37] = b.equal(v[1], v[3], {label: "eq"});
  v[38] = b.notEqual(v[1], v[3], {label: "ne"});
  v[39] = b.greater(v[1], v[3], {label: "gt"});
  v[40] = b.greaterOrEqual(v[1], v[3], {label: "ge"});
  v[41] = b.lesser(v[1], v[3], {label: "lt"});
  v[42] = b.lesserOrEqual(v[1], v[3], {label: "le"});
  v[43] = b.logicalAnd(v[37], v[38], {label: "la"});
  v[44] = b.logicalOr(v[39], v[40], {label: "lo"});
  v[45] = b.logicalXor(v[41], v[42], {label: "lx"});
  v[46] = b.logicalNot(v[43], {label: "ln"});
  v[47] = b.isNaN(v[1], {label: "nan"});
  v[48] = b.isInfinite(v[1], {label: "inf"});
  v[49] = b.abs(v[1], {label: "u1"});
  v[50] = b.ceil(v[49], {label: "u2"});
  v[51] = b.cos(v[50], {label: "u3"});
  v[52] = b.erf(v[51], {label: "u4"});
  v[53] = b.exp(v[52], {label: "u5"});
  v[54] = b.floor(v[53], {label: "u6"});
  v[55] = b.identity(v[54], {label: "u7"});
  v[56] = b.log(v[55], {label: "u8"});
  v[57] = b.neg(v[56], {label: "u9"});
  v[58] = b.reciprocal(v[57], {label: "u10"});
  v[59] = b.roundEven(v[58], {label: "u11"});
  v[60] = b.sin(v[59], {label: "u12"});
  v[61] = b.sign(v[60], {label: "u13"});
  v[62] = b.sqrt(v[49], {label: "u14"});
  v[63] = b.tan(v[62], {label: "u15"});
  v[64] = b.relu(v[63], {label: "u16"});
  v[65] = b.sigmoid(v[64], {label: "u17"});
  v[66] = b.tanh(v[65], {label: "u18"});
  v[67] = b.gelu(v[66], {label: "u19"});
  v[68] = b.hardSwish(v[67], {label: "u20"});
  v[69] = b.softplus(v[68], {label: "u21"});
  v[70] = b.softsign(v[69], {label: "u22"});
  v[71] = b.prelu(v[0], v[10], {label: "pr"});
  v[72] = b.elu(v[1], {alpha: 1.0, label: "el"});
  v[73] = b.leakyRelu(v[1], {alpha: 0.2, label: "lk"});
  v[74] = b.hardSigmoid(v[1], {alpha: 0.2, beta: 0.5, label: "hsg"});
  v[75] = b.linear(v[1], {alpha: 2.0, beta: 1.0, label: "li"});
  v[76] = b.argMin(v[1], 1, {keepDimensions: true, label: "amn"});
  v[77] = b.argMax(v[1], 0, {outputDataType: T("int64"), label: "amx"});
  v[78] = b.batchNormalization(v[0], v[8], v[9], {epsilon: 1e-05, scale: v[8], bias: v[8], label: "bn"});
  v[79] = b.cast(v[2], "int32", {label: "ca"});
  v[80] = b.clamp(v[1], {minValue: 0, maxValue: 1, label: "cl"});
  v[81] = b.clamp(v[2], {minValue: 0, maxValue: N(9223372036854775807n), label: "cli"});
  v[82] = b.concat([v[1], v[1]], 0, {label: "cc"});
  v[83] = b.conv2d(v[0], v[5], {padding: [1, 1, 1, 1], strides: [1, 1], dilations: [1, 1], groups: 1, bias: v[6], label: "cv"});
  v[84] = b.convTranspose2d(v[0], v[7], {strides: [2, 2], label: "ct"});
  v[85] = b.cumulativeSum(v[1], 1, {exclusive: false, reversed: true, label: "cs"});
  v[86] = b.quantizeLinear(v[1], v[11], v[12], {label: "q"});
  v[87] = b.dequantizeLinear(v[86], v[11], v[12], {label: "dq"});
  v[88] = b.quantizeLinear(v[1], v[11], x.zeros(v[11], "uint8"), {label: "q2"});
  v[89] = b.dequantizeLinear(v[88], v[11], x.zeros(v[11], "uint8"), {label: "dq2"});
  v[90] = b.expand(v[3], [2, 3], {label: "ex"});
  v[91] = b.gather(v[1], v[13], {axis: 0, label: "ga"});
  v[92] = b.gather(v[4], v[2], {axis: 0, label: "ga2"});
  v[93] = b.gather(v[4], v[28], {axis: 1, label: "ga3"});
  v[94] = b.gatherElements(v[1], v[14], {axis: 0, label: "gel"});
  v[95] = b.gatherND(v[1], v[15], {label: "gnd"});
  v[96] = b.gemm(v[1], v[4], {alpha: 1.0, beta: 0.5, bTranspose: true, c: v[3], label: "gm"});
  v[97] = b.reshape(v[82], [2, 2, 3], {label: "rin"});
  [v[98], v[99]] = seq(b.gru(v[97], v[17], v[18], 2, 4, {resetAfter: true, returnSequence: true, layout: "zrn", bias: v[19], label: "gru0"}), 2, "gru0");
  v[100] = b.gruCell(v[1], v[22], v[23], v[24], 4, {label: "gc"});
  [v[101], v[102], v[103]] = seq(b.lstm(v[97], v[20], v[21], 2, 4, {returnSequence: true, direction: "forward", layout: "iofg", label: "ls0"}), 3, "ls0");
  [v[104], v[105]] = seq(b.lstmCell(v[1], v[25], v[26], v[24], v[24], 4, {label: "lc0"}), 2, "lc0");
  v[106] = b.instanceNormalization(v[0], {epsilon: 1e-05, scale: v[8], bias: v[8], label: "inn"});
  v[107] = b.layerNormalization(v[1], {axes: [1], epsilon: 1e-05, label: "lnm"});
  v[108] = b.pad(v[1], [1, 0], [0, 2], {mode: "constant", value: 0.5, label: "pd"});
  v[109] = b.averagePool2d(v[0], {windowDimensions: [2, 2], strides: [2, 2], label: "ap"});
  v[110] = b.l2Pool2d(v[0], {windowDimensions: [2, 2], label: "l2p"});
  v[111] = b.maxPool2d(v[0], {windowDimensions: [3, 3], padding: [1, 1, 1, 1], strides: [2, 2], outputShapeRounding: "ceil", label: "mp"});
  v[112] = b.averagePool2d(v[0], {label: "gap"});
  v[113] = b.maxPool2d(v[0], {label: "gmp"});
  v[114] = b.reduceL1(v[1], {axes: [1], keepDimensions: true, label: "r1"});
  v[115] = b.reduceL2(v[1], {axes: [1], label: "r2"});
  v[116] = b.reduceLogSum(v[49], {axes: [0], label: "r3"});
  v[117] = b.reduceLogSumExp(v[1], {label: "r4"});
  v[118] = b.reduceMax(v[1], {axes: [0, 1], keepDimensions: false, label: "r5"});
  v[119] = b.reduceMean(v[1], {axes: [1], label: "r6"});
  v[120] = b.reduceMin(v[1], {axes: [1], label: "r7"});
  v[121] = b.reduceProduct(v[1], {axes: [1], label: "r8"});
  v[122] = b.reduceSum(v[1], {axes: [1], keepDimensions: true, label: "r9"});
  v[123] = b.reduceSumSquare(v[1], {axes: [0], label: "r10"});
  v[124] = b.resample2d(v[0], {mode: "linear", scales: [2.0, 2.0], label: "rs"});
  v[125] = b.resample2d(v[0], {sizes: [3, 5], axes: [2, 3], label: "rs2"});
  v[126] = b.reshape(v[0], [d[0], 48], {label: "rh"});
  v[127] = b.reverse(v[1], {axes: [0], label: "rv"});
  v[128] = b.scatterElements(v[1], v[14], v[1], {axis: 0, label: "se"});
  v[129] = b.scatterND(v[1], v[15], v[16], {label: "snd"});
  v[130] = b.slice(v[1], [0, 1], [2, 2], {strides: [1, 1], label: "sl"});
  v[131] = b.softmax(v[1], 1, {label: "sm"});
  v[132] = b.softmax(v[1], last(v[1]), {label: "sm2"});
  [v[133], v[134]] = seq(b.split(v[1], [1, 2], {axis: 1, label: "sp0"}), 2, "sp0");
  [v[135], v[136], v[137]] = seq(b.split(v[1], 3, {axis: 1, label: "sq0"}), 3, "sq0");
  v[138] = b.tile(v[1], [2, 1], {label: "ti"});
  v[139] = b.transpose(v[1], {permutation: [1, 0], label: "tr"});
  v[140] = b.transpose(v[1], {label: "tr2"});
  v[141] = b.triangular(v[1], {upper: false, diagonal: -1, label: "tg"});
  v[142] = b.where(v[37], v[1], v[29], {label: "wh"});
  v[143] = b.reshape(v[76], x.squeeze(v[76], [1]), {label: "sqz"});
  v[144] = b.reshape(v[1], x.unsqueeze(v[1], [0]), {label: "usq"});
  v[145] = x.shape(v[1]);
  v[146] = b.cast(v[1], "float16", {label: "hm"});
  v[147] = b.mul(v[146], v[27], {label: "hmul"});
  return {
    "ga3": v[93],
    "pw": v[35],
    "mm": v[36],
    "ln": v[46],
    "u22": v[70],
    "pr": v[71],
    "amx": v[77],
    "bn": v[78],
    "cli": v[81],
    "cv": v[83],
    "ct": v[84],
    "dq": v[87],
    "dq2": v[89],
    "gm": v[96],
    "gru1": v[99],
    "ls2": v[103],
    "lc1": v[105],
    "mp": v[111],
    "rs": v[124],
    "rh": v[126],
    "sp1": v[134],
    "sq2": v[137],
    "wh": v[142],
    "sqz": v[143],
    "usq": v[144],
    "shp": b.identity(v[145], {label: "output:shp"}),
    "hmul": v[147],
    "x": b.identity(v[0], {label: "output:x"}),
  };
}
