// A recording stand-in for the browser's WebNN (MLContext, MLGraphBuilder,
// MLOperand, MLTensor), shared by recorder.mjs (Node) and the page test
// (Chromium, which has no WebNN). Every builder call is checked against
// the WebNN IDL (webnn_idl.mjs: method names, operand counts, option names
// and types, descriptor shapes) and the spec's shape rules (so that
// operand.shape is what a browser would report), then recorded in
// builder.record: the graph rebuilt from the calls. Violations are thrown
// as TypeError, as a browser would, and listed in `errors`.

import { METHODS, DATA_TYPES, EXTENSION_TYPES, outputRoles } from "./webnn_idl.mjs";

const ALL_TYPES = [...DATA_TYPES, ...EXTENSION_TYPES];
const BYTES = { float32: 4, float16: 2, int32: 4, uint32: 4, int64: 8, uint64: 8, int8: 1, uint8: 1 };
const VIEW = {
  float32: [Float32Array], float16: [Uint16Array, globalThis.Float16Array].filter(Boolean), int32: [Int32Array],
  uint32: [Uint32Array], int64: [BigInt64Array], uint64: [BigUint64Array], int8: [Int8Array], uint8: [Uint8Array],
  int4: [Uint8Array], uint4: [Uint8Array],
};

export const errors = [];
function violation(msg) {
  errors.push(msg);
  return new TypeError(msg);
}

const isValidDim = (d) => Number.isInteger(d) && d > 0 && d <= 2147483647;
const numel = (s) => s.reduce((a, b) => a * b, 1);
function byteLength(dt, shape) {
  const n = numel(shape);
  if (dt === "int4" || dt === "uint4") return Math.ceil(n / 2);
  return n * BYTES[dt];
}

// fnv1a is the hash the Go test computes over the same bytes.
function fnv1a(bytes) {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) {
    h ^= bytes[i];
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

class MLOperand {
  constructor(builder, ref, dataType, shape) {
    this._builder = builder;
    this._ref = ref;
    this._dataType = dataType;
    this._shape = Object.freeze([...shape]);
  }
  get dataType() { return this._dataType; }
  get shape() { return this._shape; }
}

class MLTensor {
  constructor(desc) {
    this.dataType = desc.dataType;
    this.shape = Object.freeze([...desc.shape]);
    this.readable = !!desc.readable;
    this.writable = !!desc.writable;
    this.constant = false;
    this._data = new Uint8Array(byteLength(desc.dataType, desc.shape));
    this._writes = 0;
  }
  destroy() { this._destroyed = true; }
}

class MLGraph {
  constructor(context, inputs, outputs) {
    this._context = context;
    this._inputs = inputs; // name → {dataType, shape}
    this._outputs = outputs;
  }
  destroy() {}
}

function checkDescriptor(d, what) {
  if (!d || typeof d !== "object") throw violation(`${what}: descriptor is not an object`);
  for (const k of Object.keys(d)) {
    if (!["dataType", "shape", "readable", "writable"].includes(k)) throw violation(`${what}: unknown descriptor member ${k}`);
  }
  if (!ALL_TYPES.includes(d.dataType)) throw violation(`${what}: dataType ${JSON.stringify(d.dataType)} is not an MLOperandDataType`);
  if (!Array.isArray(d.shape)) throw violation(`${what}: shape is not a sequence`);
  for (const x of d.shape) if (!isValidDim(x)) throw violation(`${what}: shape [${d.shape}] has ${x}, not a valid dimension (integer ≥ 1)`);
  if (!isValidDim(numel(d.shape)) && d.shape.length > 0) throw violation(`${what}: shape [${d.shape}] has too many elements`);
}

// checkValue checks one argument against its IDL type.
function checkValue(v, type, what, builder) {
  const fail = (m) => violation(`${what}: ${m} (IDL type ${type}, got ${typeof v === "bigint" ? v + "n" : JSON.stringify(v)})`);
  if (type === "operand") {
    if (!(v instanceof MLOperand)) throw fail("not an MLOperand");
    if (v._builder !== builder) throw fail("an MLOperand of another builder");
    return;
  }
  if (type === "operands") {
    if (!Array.isArray(v) || v.length === 0) throw fail("not a non-empty sequence<MLOperand>");
    v.forEach((x, i) => checkValue(x, "operand", `${what}[${i}]`, builder));
    return;
  }
  if (type === "uint") {
    if (!Number.isInteger(v) || v < 0 || v > 4294967295) throw fail("not an unsigned long");
    return;
  }
  if (type === "long") {
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) throw fail("not a long");
    return;
  }
  if (type === "double") {
    if (typeof v !== "number" || !Number.isFinite(v)) throw fail("not a (restricted) double");
    return;
  }
  if (type === "uints" || type === "floats") {
    if (!Array.isArray(v)) throw fail("not a sequence");
    v.forEach((x, i) => checkValue(x, type === "uints" ? "uint" : "double", `${what}[${i}]`, builder));
    return;
  }
  if (type === "uintOrUints") {
    if (Array.isArray(v)) checkValue(v, "uints", what, builder);
    else checkValue(v, "uint", what, builder);
    return;
  }
  if (type === "boolean") {
    if (typeof v !== "boolean") throw fail("not a boolean");
    return;
  }
  if (type === "dataType") {
    if (!ALL_TYPES.includes(v)) throw fail("not an MLOperandDataType");
    return;
  }
  if (type === "number") {
    if (typeof v !== "bigint" && typeof v !== "number") throw fail("not an MLNumber");
    return;
  }
  if (type.startsWith("enum:")) {
    if (!type.slice(5).split("|").includes(v)) throw fail("not a value of the enum");
    return;
  }
  if (type.startsWith("enums:")) {
    if (!Array.isArray(v)) throw fail("not a sequence");
    v.forEach((x, i) => checkValue(x, "enum:" + type.slice(6), `${what}[${i}]`, builder));
    return;
  }
  throw fail("unknown IDL type in the test table");
}

// plain turns a recorded argument into JSON: operands become refs, bigints
// {"bigint": "…"}.
function plain(v) {
  if (v instanceof MLOperand) return v._ref;
  if (Array.isArray(v)) return v.map(plain);
  if (typeof v === "bigint") return { bigint: v.toString() };
  return v;
}

// ---- shape inference (the spec's "create an MLOperand" steps, reduced to shapes and types) ----

function broadcast(a, b, what) {
  const r = Math.max(a.length, b.length);
  const out = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1;
    const y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw violation(`${what}: shapes [${a}] and [${b}] do not broadcast`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

function unidirectional(from, to, what) {
  if (from.length > to.length) throw violation(`${what}: [${from}] does not broadcast to [${to}]`);
  for (let i = 0; i < from.length; i++) {
    const x = from[from.length - 1 - i];
    const y = to[to.length - 1 - i];
    if (x !== y && x !== 1) throw violation(`${what}: [${from}] does not broadcast to [${to}]`);
  }
}

function sameType(what, ...ops) {
  for (const o of ops) {
    if (o && o.dataType !== ops[0].dataType) throw violation(`${what}: data types ${ops.map((x) => x?.dataType).join(", ")} differ`);
  }
}

function axisOk(axis, rank, what) {
  if (axis >= rank) throw violation(`${what}: axis ${axis} out of range for rank ${rank}`);
}

function poolOut(inSize, k, pb, pe, s, d, ceil) {
  const v = (inSize + pb + pe - d * (k - 1) - 1) / s + 1;
  return ceil ? Math.ceil(v) : Math.floor(v);
}

// infer returns [[dataType, shape], …] for the results of a call.
function infer(m, a, o, what) {
  const x = a.input ?? a.a;
  const one = (dt, s) => [[dt, s]];
  switch (m) {
    case "add": case "sub": case "mul": case "div": case "max": case "min": case "pow":
      sameType(what, a.a, a.b);
      return one(a.a.dataType, broadcast(a.a.shape, a.b.shape, what));
    case "equal": case "notEqual": case "greater": case "greaterOrEqual": case "lesser": case "lesserOrEqual":
      sameType(what, a.a, a.b);
      return one("uint8", broadcast(a.a.shape, a.b.shape, what));
    case "logicalAnd": case "logicalOr": case "logicalXor":
      if (a.a.dataType !== "uint8" || a.b.dataType !== "uint8") throw violation(`${what}: logical ops take uint8`);
      return one("uint8", broadcast(a.a.shape, a.b.shape, what));
    case "logicalNot":
      if (a.a.dataType !== "uint8") throw violation(`${what}: logicalNot takes uint8`);
      return one("uint8", a.a.shape);
    case "isNaN": case "isInfinite":
      return one("uint8", a.a.shape);
    case "matmul": {
      sameType(what, a.a, a.b);
      const p = a.a.shape, q = a.b.shape;
      if (p.length < 2 || q.length < 2) throw violation(`${what}: matmul needs rank ≥ 2, got [${p}] and [${q}]`);
      if (p[p.length - 1] !== q[q.length - 2]) throw violation(`${what}: inner dimensions of [${p}] and [${q}] differ`);
      const batch = broadcast(p.slice(0, -2), q.slice(0, -2), what);
      return one(a.a.dataType, [...batch, p[p.length - 2], q[q.length - 1]]);
    }
    case "prelu":
      sameType(what, a.input, a.slope);
      unidirectional(a.slope.shape, a.input.shape, what);
      return one(x.dataType, x.shape);
    case "argMin": case "argMax": {
      axisOk(a.axis, x.shape.length, what);
      const s = o.keepDimensions ? x.shape.map((d, i) => (i === a.axis ? 1 : d)) : x.shape.filter((_, i) => i !== a.axis);
      return one(o.outputDataType ?? "int32", s);
    }
    case "batchNormalization": {
      const axis = o.axis ?? 1;
      axisOk(axis, x.shape.length, what);
      for (const k of ["mean", "variance"]) {
        if (a[k].shape.length !== 1 || a[k].shape[0] !== x.shape[axis]) throw violation(`${what}: ${k} must be [${x.shape[axis]}]`);
      }
      return one(x.dataType, x.shape);
    }
    case "cast":
      return one(a.dataType, x.shape);
    case "concat": {
      const ins = a.inputs;
      sameType(what, ...ins);
      const r = ins[0].shape.length;
      axisOk(a.axis, r, what);
      const out = [...ins[0].shape];
      for (const t of ins.slice(1)) {
        if (t.shape.length !== r || t.shape.some((d, i) => i !== a.axis && d !== ins[0].shape[i])) {
          throw violation(`${what}: [${t.shape}] does not concat with [${ins[0].shape}] on axis ${a.axis}`);
        }
        out[a.axis] += t.shape[a.axis];
      }
      return one(ins[0].dataType, out);
    }
    case "conv2d": case "convTranspose2d": {
      const f = a.filter;
      sameType(what, x, f, o.bias);
      if (x.shape.length !== 4 || f.shape.length !== 4) throw violation(`${what}: input and filter must be 4-D`);
      const nhwc = o.inputLayout === "nhwc";
      const [n, c, h, w] = nhwc ? [x.shape[0], x.shape[3], x.shape[1], x.shape[2]] : x.shape;
      const fl = o.filterLayout ?? (m === "conv2d" ? "oihw" : "iohw");
      const F = Object.fromEntries([...fl].map((ch, i) => [ch, f.shape[i]]));
      const g = o.groups ?? 1;
      const [pt, pb, pl, pr] = o.padding ?? [0, 0, 0, 0];
      const [sh, sw] = o.strides ?? [1, 1];
      const [dh, dw] = o.dilations ?? [1, 1];
      let oc, oh, ow;
      if (m === "conv2d") {
        if (c !== F.i * g) throw violation(`${what}: input channels ${c} ≠ filter ${F.i} × groups ${g}`);
        oc = F.o;
        oh = poolOut(h, F.h, pt, pb, sh, dh, false);
        ow = poolOut(w, F.w, pl, pr, sw, dw, false);
      } else {
        if (c !== F.i) throw violation(`${what}: input channels ${c} ≠ filter input channels ${F.i}`);
        oc = F.o * g;
        const [oph, opw] = o.outputPadding ?? [0, 0];
        [oh, ow] = o.outputSizes ?? [
          (h - 1) * sh + (F.h - 1) * dh + 1 - pt - pb + oph,
          (w - 1) * sw + (F.w - 1) * dw + 1 - pl - pr + opw,
        ];
      }
      if (o.bias && (o.bias.shape.length !== 1 || o.bias.shape[0] !== oc)) throw violation(`${what}: bias must be [${oc}]`);
      if (!isValidDim(oh) || !isValidDim(ow)) throw violation(`${what}: output size ${oh}×${ow}`);
      return one(x.dataType, nhwc ? [n, oh, ow, oc] : [n, oc, oh, ow]);
    }
    case "cumulativeSum":
      axisOk(a.axis, x.shape.length, what);
      return one(x.dataType, x.shape);
    case "dequantizeLinear": case "quantizeLinear": {
      const s = a.scale.shape;
      if (s.length !== x.shape.length || s.some((d, i) => x.shape[i] % d !== 0)) {
        throw violation(`${what}: scale [${s}] is not blockwise-broadcastable to [${x.shape}]`);
      }
      if (a.zeroPoint.shape.length !== s.length || a.zeroPoint.shape.some((d, i) => d !== s[i])) {
        throw violation(`${what}: zeroPoint [${a.zeroPoint.shape}] must have the scale's shape [${s}]`);
      }
      if (m === "dequantizeLinear" && a.zeroPoint.dataType !== x.dataType) throw violation(`${what}: zeroPoint type ≠ input type`);
      return one(m === "dequantizeLinear" ? a.scale.dataType : a.zeroPoint.dataType, x.shape);
    }
    case "expand":
      unidirectional(x.shape, a.newShape, what);
      return one(x.dataType, a.newShape);
    case "gather": {
      const axis = o.axis ?? 0;
      axisOk(axis, x.shape.length, what);
      return one(x.dataType, [...x.shape.slice(0, axis), ...a.indices.shape, ...x.shape.slice(axis + 1)]);
    }
    case "gatherElements":
      axisOk(o.axis ?? 0, x.shape.length, what);
      return one(x.dataType, a.indices.shape);
    case "gatherND": {
      const q = a.indices.shape;
      return one(x.dataType, [...q.slice(0, -1), ...x.shape.slice(q[q.length - 1])]);
    }
    case "gemm": {
      sameType(what, a.a, a.b, o.c);
      if (a.a.shape.length !== 2 || a.b.shape.length !== 2) throw violation(`${what}: gemm takes 2-D operands`);
      const [m1, k1] = o.aTranspose ? [...a.a.shape].reverse() : a.a.shape;
      const [k2, n1] = o.bTranspose ? [...a.b.shape].reverse() : a.b.shape;
      if (k1 !== k2) throw violation(`${what}: inner dimensions ${k1} and ${k2} differ`);
      if (o.c) unidirectional(o.c.shape, [m1, n1], what);
      return one(a.a.dataType, [m1, n1]);
    }
    case "gru": case "lstm": {
      const dirs = o.direction === "both" ? 2 : 1;
      const [steps, batch] = x.shape;
      if (steps !== a.steps) throw violation(`${what}: steps ${a.steps} ≠ input's ${steps}`);
      const h = [dirs, batch, a.hiddenSize];
      const outs = m === "gru" ? [h] : [h, h];
      if (o.returnSequence) outs.push([steps, dirs, batch, a.hiddenSize]);
      return outs.map((s) => [x.dataType, s]);
    }
    case "gruCell":
      return one(x.dataType, [x.shape[0], a.hiddenSize]);
    case "lstmCell":
      return [[x.dataType, [x.shape[0], a.hiddenSize]], [x.dataType, [x.shape[0], a.hiddenSize]]];
    case "pad":
      if (a.beginningPadding.length !== x.shape.length || a.endingPadding.length !== x.shape.length) {
        throw violation(`${what}: padding lengths must equal the rank ${x.shape.length}`);
      }
      return one(x.dataType, x.shape.map((d, i) => d + a.beginningPadding[i] + a.endingPadding[i]));
    case "averagePool2d": case "l2Pool2d": case "maxPool2d": {
      if (x.shape.length !== 4) throw violation(`${what}: pools take 4-D input`);
      const nhwc = o.layout === "nhwc";
      const [h, w] = nhwc ? [x.shape[1], x.shape[2]] : [x.shape[2], x.shape[3]];
      const [kh, kw] = o.windowDimensions ?? [h, w];
      const [pt, pb, pl, pr] = o.padding ?? [0, 0, 0, 0];
      const [sh, sw] = o.strides ?? [1, 1];
      const [dh, dw] = o.dilations ?? [1, 1];
      const ceil = o.outputShapeRounding === "ceil";
      const [oh, ow] = o.outputSizes ?? [poolOut(h, kh, pt, pb, sh, dh, ceil), poolOut(w, kw, pl, pr, sw, dw, ceil)];
      if (!isValidDim(oh) || !isValidDim(ow)) throw violation(`${what}: output size ${oh}×${ow}`);
      return one(x.dataType, nhwc ? [x.shape[0], oh, ow, x.shape[3]] : [x.shape[0], x.shape[1], oh, ow]);
    }
    case "resample2d": {
      if (x.shape.length !== 4) throw violation(`${what}: resample2d takes 4-D input`);
      const axes = o.axes ?? [2, 3];
      const s = [...x.shape];
      axes.forEach((ax, i) => {
        s[ax] = o.sizes ? o.sizes[i] : Math.floor(x.shape[ax] * (o.scales ?? [1, 1])[i]);
      });
      return one(x.dataType, s);
    }
    case "reshape":
      if (numel(a.newShape) !== numel(x.shape)) throw violation(`${what}: newShape [${a.newShape}] holds ${numel(a.newShape)} elements, the input [${x.shape}] ${numel(x.shape)}`);
      return one(x.dataType, a.newShape);
    case "scatterElements": case "scatterND":
      return one(x.dataType, x.shape);
    case "slice": {
      const r = x.shape.length;
      if (a.starts.length !== r || a.sizes.length !== r) throw violation(`${what}: starts/sizes must have rank ${r} entries`);
      const st = o.strides ?? Array(r).fill(1);
      return one(x.dataType, x.shape.map((d, i) => {
        if (a.starts[i] + a.sizes[i] > d) throw violation(`${what}: slice ${a.starts[i]}+${a.sizes[i]} past dimension ${i} (${d}) of [${x.shape}]`);
        if (a.sizes[i] < 1) throw violation(`${what}: size ${a.sizes[i]} on dimension ${i}`);
        return Math.ceil(a.sizes[i] / st[i]);
      }));
    }
    case "softmax":
      axisOk(a.axis, x.shape.length, what);
      return one(x.dataType, x.shape);
    case "split": {
      const axis = o.axis ?? 0;
      axisOk(axis, x.shape.length, what);
      const dim = x.shape[axis];
      const parts = Array.isArray(a.splits) ? a.splits : Array(a.splits).fill(dim / a.splits);
      if (parts.some((p) => !isValidDim(p)) || parts.reduce((p, q) => p + q, 0) !== dim) {
        throw violation(`${what}: splits ${JSON.stringify(a.splits)} do not divide dimension ${dim}`);
      }
      return parts.map((p) => [x.dataType, x.shape.map((d, i) => (i === axis ? p : d))]);
    }
    case "tile":
      if (a.repetitions.length !== x.shape.length) throw violation(`${what}: repetitions must have rank entries`);
      return one(x.dataType, x.shape.map((d, i) => d * a.repetitions[i]));
    case "transpose": {
      const p = o.permutation ?? x.shape.map((_, i) => x.shape.length - 1 - i);
      if (p.length !== x.shape.length || new Set(p).size !== p.length || p.some((i) => i >= p.length)) {
        throw violation(`${what}: permutation [${p}] for rank ${x.shape.length}`);
      }
      return one(x.dataType, p.map((i) => x.shape[i]));
    }
    case "triangular":
      if (x.shape.length < 2) throw violation(`${what}: triangular needs rank ≥ 2`);
      return one(x.dataType, x.shape);
    case "where":
      if (a.condition.dataType !== "uint8") throw violation(`${what}: condition must be uint8`);
      sameType(what, a.trueValue, a.falseValue);
      return one(a.trueValue.dataType, broadcast(broadcast(a.condition.shape, a.trueValue.shape, what), a.falseValue.shape, what));
  }
  // Reductions and element-wise unary ops.
  if (m.startsWith("reduce")) {
    const axes = o.axes ?? x.shape.map((_, i) => i);
    for (const ax of axes) axisOk(ax, x.shape.length, what);
    const s = o.keepDimensions ? x.shape.map((d, i) => (axes.includes(i) ? 1 : d)) : x.shape.filter((_, i) => !axes.includes(i));
    return one(x.dataType, s);
  }
  return one(x.dataType, x.shape);
}

export class MLGraphBuilder {
  constructor(context) {
    if (!(context instanceof MLContext)) throw violation("MLGraphBuilder: constructor needs an MLContext");
    this._context = context;
    this._names = new Set();
    this._built = false;
    this.record = { inputs: [], consts: [], nodes: [], outputs: {} };
    context._builders.push(this);
  }

  input(name, descriptor, ...rest) {
    if (rest.length) throw violation(`input: ${rest.length} extra arguments`);
    if (typeof name !== "string" || name === "") throw violation("input: name must be a non-empty string");
    if (this._names.has(name)) throw violation(`input: duplicate name "${name}"`);
    this._names.add(name);
    checkDescriptor(descriptor, `input("${name}")`);
    this.record.inputs.push({ name, dataType: descriptor.dataType, shape: [...descriptor.shape] });
    return new MLOperand(this, "in:" + name, descriptor.dataType, descriptor.shape);
  }

  constant(descriptor, buffer, ...rest) {
    if (rest.length) throw violation(`constant: ${rest.length} extra arguments`);
    if (typeof descriptor === "string") throw violation("constant(dataType, value): the scalar overload is newer than most browsers; the module must not use it");
    checkDescriptor(descriptor, "constant");
    if (!ArrayBuffer.isView(buffer) && !(buffer instanceof ArrayBuffer)) throw violation("constant: buffer must be an ArrayBufferView");
    const want = byteLength(descriptor.dataType, descriptor.shape);
    if (buffer.byteLength !== want) {
      throw violation(`constant ${descriptor.dataType}[${descriptor.shape}]: buffer has ${buffer.byteLength} bytes, want ${want}`);
    }
    if (ArrayBuffer.isView(buffer) && !VIEW[descriptor.dataType].some((A) => buffer instanceof A)) {
      throw violation(`constant ${descriptor.dataType}[${descriptor.shape}]: a ${buffer.constructor.name} (Chromium wants the matching typed array)`);
    }
    const bytes = ArrayBuffer.isView(buffer) ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : new Uint8Array(buffer);
    const ref = "const:" + this.record.consts.length;
    this.record.consts.push({ ref, dataType: descriptor.dataType, shape: [...descriptor.shape], byteLength: bytes.length, hash: fnv1a(bytes) });
    return new MLOperand(this, ref, descriptor.dataType, descriptor.shape);
  }

  async build(outputs, ...rest) {
    if (rest.length) throw violation(`build: ${rest.length} extra arguments`);
    if (this._built) throw violation("build: this builder has already built a graph");
    if (!outputs || typeof outputs !== "object" || Object.keys(outputs).length === 0) throw violation("build: outputs must be a non-empty record");
    const outs = {};
    for (const [name, op] of Object.entries(outputs)) {
      checkValue(op, "operand", `build: output "${name}"`, this);
      if (!op._ref.startsWith("op:")) throw violation(`build: output "${name}" is an input or constant`);
      this.record.outputs[name] = op._ref;
      outs[name] = { dataType: op.dataType, shape: [...op.shape] };
    }
    this._built = true;
    const ins = Object.fromEntries(this.record.inputs.map((i) => [i.name, i]));
    return new MLGraph(this._context, ins, outs);
  }
}

// One method per WebNN op, generated from the IDL table.
for (const [method, sig] of Object.entries(METHODS)) {
  MLGraphBuilder.prototype[method] = function (...args) {
    const what = `${method}()`;
    if (this._built) throw violation(`${what}: builder already built`);
    const np = sig.params.length;
    if (args.length < np) throw violation(`${what}: ${args.length} arguments, the IDL requires ${np} before the options`);
    if (args.length > np + 1) throw violation(`${what}: ${args.length} arguments, the IDL takes at most ${np + 1}`);
    const named = {};
    sig.params.forEach(([name, type], i) => {
      checkValue(args[i], type, `${what} ${name}`, this);
      named[name] = args[i];
    });
    let opts = args[np] ?? {};
    if (typeof opts !== "object" || Array.isArray(opts)) throw violation(`${what}: options must be a dictionary`);
    const label = opts.label ?? "";
    if (typeof label !== "string") throw violation(`${what}: label must be a string`);
    const where = label ? `${method}("${label}")` : what;
    for (const [k, v] of Object.entries(opts)) {
      if (k === "label" || v === undefined) continue;
      const type = sig.options[k];
      if (!type) throw violation(`${where}: option "${k}" is not a member of its options dictionary`);
      checkValue(v, type, `${where} option ${k}`, this);
    }
    const results = infer(method, named, opts, where);
    const node = { op: method, label, operands: {}, attrs: {}, outputs: [], outShapes: [], outTypes: [] };
    for (const [name, type] of sig.params) {
      if (type === "operand" || type === "operands") node.operands[name] = plain(named[name]);
      else node.attrs[name] = plain(named[name]);
    }
    for (const [k, v] of Object.entries(opts)) {
      if (k === "label" || v === undefined) continue;
      if (sig.options[k] === "operand") node.operands[k] = plain(v);
      else node.attrs[k] = plain(v);
    }
    const ops = results.map(([dt, shape], i) => {
      const ref = `op:${this.record.nodes.length}:${i}`;
      node.outputs.push(ref);
      node.outShapes.push(shape);
      node.outTypes.push(dt);
      return new MLOperand(this, ref, dt, shape);
    });
    for (const [dt, shape] of results) {
      if (!ALL_TYPES.includes(dt)) throw violation(`${where}: result type ${dt}`);
      for (const d of shape) if (!isValidDim(d)) throw violation(`${where}: result shape [${shape}] has ${d}`);
    }
    this.record.nodes.push(node);
    this._context._uses.push([method, sig, named, opts, results]);
    return sig.returns === "operands" ? ops : ops[0];
  };
}

export class MLContext {
  constructor(limits) {
    this._limits = limits;
    this._builders = [];
    this._uses = [];
    this._dispatches = [];
    this.accelerated = false;
    this.lost = new Promise(() => {});
  }
  opSupportLimits() {
    return this._limits;
  }
  async createTensor(desc) {
    checkDescriptor(desc, "createTensor");
    return new MLTensor(desc);
  }
  writeTensor(tensor, data) {
    if (!(tensor instanceof MLTensor)) throw violation("writeTensor: not an MLTensor");
    if (!tensor.writable) throw violation("writeTensor: tensor is not writable");
    if (!ArrayBuffer.isView(data) && !(data instanceof ArrayBuffer)) throw violation("writeTensor: data must be an ArrayBufferView");
    if (data.byteLength !== tensor._data.byteLength) throw violation(`writeTensor: ${data.byteLength} bytes for a ${tensor._data.byteLength}-byte tensor`);
    if (ArrayBuffer.isView(data) && !VIEW[tensor.dataType].some((A) => data instanceof A)) {
      throw violation(`writeTensor: a ${data.constructor.name} for a ${tensor.dataType} tensor`);
    }
    tensor._writes++;
  }
  dispatch(graph, inputs, outputs) {
    if (!(graph instanceof MLGraph) || graph._context !== this) throw violation("dispatch: not a graph of this context");
    const check = (given, want, kind) => {
      const gk = Object.keys(given).sort().join(",");
      const wk = Object.keys(want).sort().join(",");
      if (gk !== wk) throw violation(`dispatch: ${kind} tensors {${gk}}, the graph has {${wk}}`);
      for (const [name, t] of Object.entries(given)) {
        const d = want[name];
        if (!(t instanceof MLTensor) || t.dataType !== d.dataType || t.shape.join() !== d.shape.join()) {
          throw violation(`dispatch: ${kind} "${name}" is ${t?.dataType}[${t?.shape}], the graph's is ${d.dataType}[${d.shape}]`);
        }
        if (kind === "input" && t._writes === 0) throw violation(`dispatch: input "${name}" was never written`);
        if (kind === "output" && !t.readable) throw violation(`dispatch: output "${name}" is not readable`);
      }
    };
    check(inputs, graph._inputs, "input");
    check(outputs, graph._outputs, "output");
    this._dispatches.push(Object.keys(outputs));
  }
  async readTensor(tensor) {
    if (!(tensor instanceof MLTensor)) throw violation("readTensor: not an MLTensor");
    if (!tensor.readable) throw violation("readTensor: tensor is not readable");
    return tensor._data.slice().buffer;
  }
}

// limitsFor builds an opSupportLimits answer: every role of every method
// takes every type, minus the types LIMITS removes.
export function limitsFor(spec) {
  const drop = spec === "all" ? [] : spec.split(",").map((s) => s.replace(/^no-/, ""));
  const types = ALL_TYPES.filter((t) => !drop.includes(t));
  const lim = () => ({ dataTypes: [...types], rankRange: { min: 0, max: 8 } });
  const out = { preferredInputLayout: "nchw", maxTensorByteLength: 2 ** 40, input: lim(), constant: lim(), output: lim() };
  for (const [m, sig] of Object.entries(METHODS)) {
    const l = {};
    for (const [name, type] of sig.params) if (type === "operand" || type === "operands") l[name] = lim();
    for (const [name, type] of Object.entries(sig.options)) if (type === "operand") l[name] = lim();
    for (const r of outputRoles(m)) l[r] = lim();
    out[m] = l;
  }
  return out;
}

/** createContext for navigator.ml: a context whose opSupportLimits leave out the LIMITS types. */
export async function createContext(options, limits = "all") {
  globalThis.MLGraphBuilder = MLGraphBuilder;
  return new MLContext(limitsFor(limits));
}
