// ---- The fixed part of every emitted module (webnn-graph emitjs/prelude.js). ----

/** Errors of this module: WebNN missing, bad sizes or inputs, data types the context lacks. */
export class WebNNGraphError extends Error {
  constructor(message) {
    super(message);
    this.name = "WebNNGraphError";
  }
}

/** The message shown where the browser has no WebNN. */
export const NO_WEBNN =
  "WebNN is not available in this browser: navigator.ml is undefined. " +
  "WebNN needs a secure context (https: or http://localhost) in a browser that implements it " +
  "(Chrome or Edge with chrome://flags/#web-machine-learning-neural-network enabled).";

/** True where this page or worker has WebNN (navigator.ml). */
export function webnnAvailable() {
  return typeof navigator !== "undefined" && navigator !== null && !!navigator.ml;
}

// Typed arrays of each data type as this module hands them to WebNN
// (float16 as its bits; int4/uint4 packed two per byte, low nibble first).
const ARRAY = {
  float32: Float32Array, float16: Uint16Array, int32: Int32Array, uint32: Uint32Array,
  int64: BigInt64Array, uint64: BigUint64Array, int8: Int8Array, uint8: Uint8Array,
  int4: Uint8Array, uint4: Uint8Array,
};

function numel(shape) {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

function shapeOf(operand) {
  const s = typeof operand.shape === "function" ? operand.shape() : operand.shape;
  if (!s) throw new WebNNGraphError("this browser's MLOperand has no shape; it implements an older WebNN draft");
  return Array.from(s);
}

function dataTypeOf(operand) {
  return typeof operand.dataType === "function" ? operand.dataType() : operand.dataType;
}

/**
 * Fetch the graph's files and return a Model.
 * options: baseURL (where the files are; default: beside this module), context (an MLContext),
 * contextOptions (for navigator.ml.createContext), fetch (default globalThis.fetch),
 * onProgress({url, loaded, total}) while the weights stream in.
 */
export async function load(options = {}) {
  const fetchFn = options.fetch ?? globalThis.fetch;
  const base = options.baseURL ?? import.meta.url;
  const needWeights = CONSTS.some((c) => c[3].w !== undefined);
  let weights = null;
  let manifest = null;
  if (needWeights) {
    const manifestURL = new URL(FILES.manifest, base).href;
    const weightsURL = new URL(FILES.weights, base).href;
    [manifest, weights] = await Promise.all([
      fetchJSON(fetchFn, manifestURL),
      fetchBytes(fetchFn, weightsURL, options.onProgress),
    ]);
    checkManifest(manifest, manifestURL);
  }
  return new Model(weights, manifest, options);
}

async function fetchJSON(fetchFn, url) {
  const res = await fetchFn(url);
  if (!res.ok) throw new WebNNGraphError(`${url}: HTTP ${res.status} ${res.statusText ?? ""}`.trim());
  try {
    return await res.json();
  } catch (e) {
    throw new WebNNGraphError(`${url}: not JSON (${e.message})`);
  }
}

// fetchBytes streams a response into one ArrayBuffer (sized from
// Content-Length when the server sends it), so the weights are held once.
async function fetchBytes(fetchFn, url, onProgress) {
  const res = await fetchFn(url);
  if (!res.ok) throw new WebNNGraphError(`${url}: HTTP ${res.status} ${res.statusText ?? ""}`.trim());
  const total = Number(res.headers?.get?.("content-length")) || 0;
  if (!res.body || typeof res.body.getReader !== "function") {
    const buf = await res.arrayBuffer();
    onProgress?.({ url, loaded: buf.byteLength, total: buf.byteLength });
    return buf;
  }
  let buf = new ArrayBuffer(total > 0 ? total : 1 << 20);
  let bytes = new Uint8Array(buf);
  let len = 0;
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (len + value.byteLength > buf.byteLength) {
      const grown = new ArrayBuffer(Math.max(2 * buf.byteLength, len + value.byteLength));
      new Uint8Array(grown).set(bytes.subarray(0, len));
      buf = grown;
      bytes = new Uint8Array(buf);
    }
    bytes.set(value, len);
    len += value.byteLength;
    onProgress?.({ url, loaded: len, total });
  }
  if (len === buf.byteLength) return buf;
  return typeof buf.transfer === "function" ? buf.transfer(len) : buf.slice(0, len);
}

function checkManifest(m, url) {
  if (!m || typeof m !== "object" || !m.tensors || typeof m.tensors !== "object") {
    throw new WebNNGraphError(`${url}: not a weights manifest (no "tensors")`);
  }
  if (m.format !== undefined && m.format !== "wg-weights-manifest" && m.format !== "webnn-weights-manifest") {
    throw new WebNNGraphError(`${url}: format ${JSON.stringify(m.format)}, want "wg-weights-manifest"`);
  }
  if (m.version !== undefined && m.version !== 1) throw new WebNNGraphError(`${url}: version ${m.version}, want 1`);
  if (m.endianness !== undefined && m.endianness !== "little") {
    throw new WebNNGraphError(`${url}: endianness ${m.endianness}, want little`);
  }
}

// manifestEntry finds a weights key: exactly, else the one key equal
// after "::" → "__" and "." → "_" (rustnn's resolver).
function manifestEntry(m, ref) {
  if (Object.hasOwn(m.tensors, ref)) return m.tensors[ref];
  const norm = (s) => s.replaceAll("::", "__").replaceAll(".", "_");
  const want = norm(ref);
  let hit = null;
  for (const k of Object.keys(m.tensors)) {
    if (norm(k) !== want) continue;
    if (hit !== null) throw new WebNNGraphError(`weights key "${ref}" is ambiguous in the manifest ("${hit}", "${k}")`);
    hit = k;
  }
  if (hit === null) throw new WebNNGraphError(`weights key "${ref}" is not in the manifest`);
  return m.tensors[hit];
}

// evalSize evaluates a size expression (+ - * / % with "/" floor
// division, min(a, b), max(a, b), parentheses) at the dims in env.
function evalSize(src, env) {
  let i = 0;
  const fail = (msg) => new WebNNGraphError(`size "${src}": ${msg}`);
  const skip = () => {
    while (src[i] === " " || src[i] === "\t") i++;
  };
  const word = () => {
    let j = i;
    while (j < src.length && /[A-Za-z0-9_.:]/.test(src[j])) j++;
    const w = src.slice(i, j);
    i = j;
    return w;
  };
  const expect = (c) => {
    skip();
    if (src[i] !== c) throw fail(`expected "${c}" at offset ${i}`);
    i++;
  };
  const factor = () => {
    skip();
    if (src[i] === "(") {
      i++;
      const v = sum();
      expect(")");
      return v;
    }
    if (src[i] === "-") {
      i++;
      return -factor();
    }
    const w = word();
    if (w === "") throw fail(`unexpected ${i < src.length ? `"${src[i]}"` : "end"} at offset ${i}`);
    if (/^[0-9]+$/.test(w)) return Number(w);
    skip();
    if ((w === "max" || w === "min") && src[i] === "(") {
      i++;
      const a = sum();
      expect(",");
      const b = sum();
      expect(")");
      return w === "max" ? Math.max(a, b) : Math.min(a, b);
    }
    if (!Object.hasOwn(env, w)) throw fail(`unknown dimension "${w}"`);
    return env[w];
  };
  const product = () => {
    let v = factor();
    for (;;) {
      skip();
      const op = src[i];
      if (op !== "*" && op !== "/" && op !== "%") return v;
      i++;
      const r = factor();
      if (op === "*") {
        v *= r;
        continue;
      }
      if (r === 0) throw fail("division by zero");
      const q = Math.floor(v / r);
      v = op === "/" ? q : v - q * r;
    }
  };
  const sum = () => {
    let v = product();
    for (;;) {
      skip();
      const op = src[i];
      if (op !== "+" && op !== "-") return v;
      i++;
      const r = product();
      v = op === "+" ? v + r : v - r;
    }
  };
  const v = sum();
  skip();
  if (i !== src.length) throw fail(`unexpected "${src[i]}" at offset ${i}`);
  return v;
}

// checkSizes returns the value of every dynamic dim, in DIMS order.
function checkSizes(sizes) {
  if (sizes === undefined || sizes === null) sizes = {};
  if (typeof sizes !== "object") throw new WebNNGraphError("build(sizes): sizes must be an object {dim: size}");
  const known = new Set(DIMS.map((d) => d[0]));
  for (const k of Object.keys(sizes)) {
    if (!known.has(k)) {
      const list = DIMS.length ? DIMS.map((d) => d[0]).join(", ") : "none: the graph is static";
      throw new WebNNGraphError(`build: "${k}" is not a dynamic dimension of this graph (its dimensions: ${list})`);
    }
  }
  return DIMS.map(([name, max]) => {
    const v = sizes[name];
    if (v === undefined) {
      throw new WebNNGraphError(`build: no size for "${name}" (give every dynamic dimension: ${DIMS.map((d) => d[0]).join(", ")})`);
    }
    if (!Number.isInteger(v) || v < 1 || v > max) {
      const why = v === 0 ? " (WebNN has no zero-sized dimensions)" : "";
      throw new WebNNGraphError(`build: ${name} = ${v}: must be an integer from 1 to ${max}${why}`);
    }
    return v;
  });
}

// planTypes reads the context's opSupportLimits against every (op, role,
// data type) the graph uses. When int64 alone is missing, the graph runs
// with int64 carried as int32: inputs and constants are narrowed with
// range checks and int64 outputs widened back. Anything else missing is
// an error naming the op, the operand and the type.
function planTypes(limits) {
  const supports = (op, role, dt) => {
    const l = role ? limits?.[op]?.[role] : limits?.[op];
    return !l || !Array.isArray(l.dataTypes) || l.dataTypes.includes(dt);
  };
  const lacking = USES.filter(([op, role, dt]) => !supports(op, role, dt));
  if (lacking.length === 0) return { int64: false };
  const describe = ([op, role, dt, at]) => {
    const l = role ? limits?.[op]?.[role] : limits?.[op];
    const where = role ? `${op} (operand ${role})` : `a graph ${op}`;
    return `this WebNN context does not support ${dt} for ${where}, needed by "${at}"; it supports ${l.dataTypes.join(", ") || "no type"} there`;
  };
  const other = lacking.find((u) => u[2] !== "int64");
  if (other) throw new WebNNGraphError(describe(other));
  const still = USES.find(([op, role, dt]) => dt === "int64" && !supports(op, role, "int32"));
  if (still) {
    throw new WebNNGraphError(`${describe(lacking[0])}; carrying int64 as int32 does not help: ${describe([still[0], still[1], "int32", still[3]])}`);
  }
  return { int64: true, reason: describe(lacking[0]) };
}

const I32_MIN = -2147483648n;
const I32_MAX = 2147483647n;

// narrowInt64 copies int64 values into an Int32Array, refusing any that
// does not fit.
function narrowInt64(src, what) {
  const out = new Int32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const v = src[i];
    if (v < I32_MIN || v > I32_MAX) {
      throw new WebNNGraphError(`${what} holds ${v} at element ${i}, outside int32; this context has no int64, so the graph carries int64 as int32 and cannot represent it`);
    }
    out[i] = Number(v);
  }
  return out;
}

function packInt4(bytes, n) {
  const out = new Uint8Array(Math.ceil(n / 2));
  for (let i = 0; i < n; i++) out[i >> 1] |= (bytes[i] & 15) << ((i & 1) * 4);
  return out;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → float16 bits, round to nearest even. */
export function toHalf(x) {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  let mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    let h = mant >>> shift;
    const rem = mant & ((1 << shift) - 1);
    const half = 1 << (shift - 1);
    if (rem > half || (rem === half && (h & 1))) h++;
    return sign | h;
  }
  let h = (e << 10) | (mant >>> 13);
  const rem = mant & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** float16 bits → number. */
export function fromHalf(h) {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >>> 10) & 31;
  const m = h & 1023;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

function decodeBase64(s) {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

/** A loaded graph: weights fetched; build(sizes) makes an MLGraph for one size set. */
class Model {
  constructor(weights, manifest, options) {
    this.info = info;
    this.weights = weights;
    this.manifest = manifest;
    this._context = options.context ?? null;
    this._contextOptions = options.contextOptions ?? {};
    this._runs = new Map();
    this._inline = new Map();
  }

  /** The MLContext (created on first use). */
  async context() {
    if (!this._context) {
      if (!webnnAvailable()) throw new WebNNGraphError(NO_WEBNN);
      this._context = await navigator.ml.createContext(this._contextOptions);
    }
    return this._context;
  }

  /** Build (once per size set) and return a Run. sizes: {dim: value} for every dynamic dim. */
  build(sizes = {}) {
    const values = checkSizes(sizes);
    const key = values.join(",");
    let run = this._runs.get(key);
    if (!run) {
      run = this._build(values);
      this._runs.set(key, run);
      run.catch(() => this._runs.delete(key));
    }
    return run;
  }

  /**
   * Run once. inputs: {name: typed array} (sizes then required for dynamic graphs) or
   * {name: {data, shape}}, from whose shapes the sizes are read.
   */
  async compute(inputs, sizes) {
    if (sizes === undefined) {
      sizes = {};
      for (const i of info.inputs) {
        const v = inputValue(inputs, i);
        if (!v || !Array.isArray(v.shape)) continue;
        i.shape.forEach((d, j) => {
          if (typeof d === "string") sizes[d] = v.shape[j];
        });
      }
    }
    return (await this.build(sizes)).compute(inputs);
  }

  async _build(values) {
    const env = {};
    DIMS.forEach(([name], i) => {
      env[name] = values[i];
    });
    const at = DIMS.map(([name], i) => `${name}=${values[i]}`).join(", ");
    const d = SIZES.map(([expr, max]) => {
      const v = evalSize(expr, env);
      if (!(v >= 1)) throw new WebNNGraphError(`build(${at}): size "${expr}" is ${v}; WebNN needs every dimension to be at least 1`);
      if (max > 0 && v > max) throw new WebNNGraphError(`build(${at}): size "${expr}" is ${v}, above its bound ${max}`);
      return v;
    });
    const context = await this.context();
    const limits = typeof context.opSupportLimits === "function" ? context.opSupportLimits() : {};
    const plan = planTypes(limits);
    const b = new MLGraphBuilder(context);
    const outs = buildGraph(b, d, this._helpers(b, plan));
    const carried = (dt) => (plan.int64 && dt === "int64" ? "int32" : dt);
    const outputs = info.outputs.map((o) => ({
      name: o.name,
      dataType: o.dataType,
      carried: dataTypeOf(outs[o.name]) ?? carried(o.dataType),
      shape: shapeOf(outs[o.name]),
    }));
    const inputs = info.inputs.map((i) => ({
      name: i.name,
      onnxName: i.onnxName,
      dataType: i.dataType,
      carried: carried(i.dataType),
      shape: i.shape.map((s) => (typeof s === "string" ? env[s] : s)),
    }));
    const graph = await b.build(outs);
    const inTensors = {};
    const outTensors = {};
    await Promise.all([
      ...inputs.map(async (i) => {
        inTensors[i.name] = await context.createTensor({ dataType: i.carried, shape: i.shape, writable: true });
      }),
      ...outputs.map(async (o) => {
        outTensors[o.name] = await context.createTensor({ dataType: o.carried, shape: o.shape, readable: true });
      }),
    ]);
    return new Run(context, graph, { ...env }, inputs, outputs, inTensors, outTensors, plan);
  }

  // _helpers are what the generated buildGraph calls besides the builder.
  _helpers(b, plan) {
    const T = (dt) => (plan.int64 && dt === "int64" ? "int32" : dt);
    const N = (v) => (plan.int64 ? Number(v < I32_MIN ? I32_MIN : v > I32_MAX ? I32_MAX : v) : v);
    const constant = (dt, shape, data) => b.constant({ dataType: T(dt), shape }, data);
    return {
      T,
      N,
      k: (i) => {
        const [name, dt, shape] = CONSTS[i];
        let data = this._constData(i);
        if (plan.int64 && dt === "int64") data = narrowInt64(data, `constant "${name}"`);
        return constant(dt, shape, data);
      },
      seq: (r, n, id) => {
        if (!r || r.length !== n) throw new WebNNGraphError(`node "${id}": WebNN returned ${r?.length} outputs, the graph names ${n}`);
        return r;
      },
      last: (o) => shapeOf(o).length - 1,
      zeros: (scale, dt) => {
        const shape = shapeOf(scale);
        const n = numel(shape);
        return b.constant({ dataType: dt, shape }, new ARRAY[dt](dt === "int4" || dt === "uint4" ? Math.ceil(n / 2) : n));
      },
      squeeze: (o, axes) => {
        const s = shapeOf(o);
        return s.filter((d, i) => (axes === null ? d !== 1 : !axes.includes(i)));
      },
      unsqueeze: (o, axes) => {
        const s = shapeOf(o);
        for (const a of [...axes].sort((p, q) => p - q)) s.splice(a, 0, 1);
        return s;
      },
      shape: (o) => {
        const s = shapeOf(o);
        const data = plan.int64 ? Int32Array.from(s) : BigInt64Array.from(s, BigInt);
        return constant("int64", [s.length], data);
      },
    };
  }

  // _constData returns constant i as a typed array: a view into the
  // weights buffer (no copy) where aligned, else decoded once.
  _constData(i) {
    const [name, dt, shape, src] = CONSTS[i];
    const n = numel(shape);
    const A = ARRAY[dt];
    const packed4 = dt === "int4" || dt === "uint4";
    if (src.w !== undefined) {
      const e = manifestEntry(this.manifest, src.w);
      const off = e.byteOffset;
      const len = e.byteLength;
      const want = n * A.BYTES_PER_ELEMENT;
      if (!Number.isSafeInteger(off) || !Number.isSafeInteger(len) || off < 0 || off + len > this.weights.byteLength) {
        throw new WebNNGraphError(`weights "${src.w}" (constant "${name}"): bytes ${off}..${off + len} lie outside the ${this.weights.byteLength}-byte weights file`);
      }
      if (packed4 && len === Math.ceil(n / 2)) return new Uint8Array(this.weights, off, len);
      if (len !== want) throw new WebNNGraphError(`weights "${src.w}" (constant "${name}"): ${len} bytes, ${dt}[${shape}] needs ${want}`);
      const data = off % A.BYTES_PER_ELEMENT === 0 ? new A(this.weights, off, n) : new A(this.weights.slice(off, off + len));
      return packed4 ? packInt4(data, n) : data;
    }
    let data = this._inline.get(i);
    if (data === undefined) {
      if (src.b !== undefined) {
        const bytes = decodeBase64(src.b);
        data = new A(bytes.buffer, 0, n);
      } else {
        const one = decodeBase64(src.s);
        const bytes = new Uint8Array(n * one.length);
        if (one.some((x) => x !== 0)) {
          for (let j = 0; j < bytes.length; j += one.length) bytes.set(one, j);
        }
        data = new A(bytes.buffer, 0, n);
      }
      if (packed4) data = packInt4(data, n);
      this._inline.set(i, data);
    }
    return data;
  }
}

function inputValue(inputs, i) {
  if (Object.hasOwn(inputs, i.name)) return inputs[i.name];
  if (i.onnxName && Object.hasOwn(inputs, i.onnxName)) return inputs[i.onnxName];
  return undefined;
}

/** One MLGraph built for one size set, with its input and output tensors. */
class Run {
  constructor(context, graph, sizes, inputs, outputs, inTensors, outTensors, plan) {
    this.context = context;
    this.graph = graph;
    this.sizes = sizes;
    /** [{name, dataType, shape}] at these sizes. */
    this.inputs = inputs;
    /** [{name, dataType, shape}] at these sizes. */
    this.outputs = outputs;
    /** True when this context lacks int64 and the graph carries it as int32. */
    this.int64AsInt32 = plan.int64;
    this._in = inTensors;
    this._out = outTensors;
    this._queue = Promise.resolve();
  }

  /** Run the graph: inputs {name: typed array}; returns {output name: typed array}. */
  compute(inputs) {
    const run = this._queue.then(() => this._compute(inputs));
    this._queue = run.catch(() => {});
    return run;
  }

  async _compute(inputs) {
    if (inputs === null || typeof inputs !== "object") throw new WebNNGraphError("compute(inputs): inputs must be an object {name: typed array}");
    const known = new Set(this.inputs.flatMap((i) => [i.name, i.onnxName]));
    for (const k of Object.keys(inputs)) {
      if (!known.has(k)) throw new WebNNGraphError(`compute: "${k}" is not an input of this graph (inputs: ${this.inputs.map((i) => i.name).join(", ")})`);
    }
    for (const i of this.inputs) {
      const v = inputValue(inputs, i);
      if (v === undefined) throw new WebNNGraphError(`compute: input "${i.name}" is missing`);
      this.context.writeTensor(this._in[i.name], inputArray(i, v));
    }
    this.context.dispatch(this.graph, this._in, this._out);
    const bufs = await Promise.all(this.outputs.map((o) => this.context.readTensor(this._out[o.name])));
    const res = {};
    this.outputs.forEach((o, j) => {
      res[o.name] = outputArray(o, bufs[j]);
    });
    return res;
  }

  /** Release the graph and its tensors. */
  destroy() {
    for (const t of [...Object.values(this._in), ...Object.values(this._out)]) t.destroy?.();
    this.graph.destroy?.();
  }
}

// inputArray checks one input value (a typed array, an array of numbers,
// or {data, shape}) against the input's type and shape at this run's
// sizes, converting where that is exact (numbers → float16 bits, int64 →
// int32 when carried so).
function inputArray(i, v) {
  const what = `input "${i.name}" (${i.dataType}[${i.shape}])`;
  if (v && typeof v === "object" && !ArrayBuffer.isView(v) && !Array.isArray(v) && "data" in v) {
    if (v.shape !== undefined && (v.shape.length !== i.shape.length || v.shape.some((d, j) => d !== i.shape[j]))) {
      throw new WebNNGraphError(`${what}: shape [${v.shape}] given`);
    }
    v = v.data;
  }
  const n = numel(i.shape);
  if (!ArrayBuffer.isView(v) && !Array.isArray(v)) throw new WebNNGraphError(`${what}: want a typed array, got ${typeof v}`);
  if (v.length !== n) throw new WebNNGraphError(`${what}: ${v.length} elements given, the shape holds ${n}`);
  const A = ARRAY[i.dataType];
  switch (i.dataType) {
    case "float16":
      if (v instanceof Uint16Array || (globalThis.Float16Array && v instanceof globalThis.Float16Array)) return v;
      return Uint16Array.from(v, toHalf);
    case "int64":
    case "uint64": {
      let big = v;
      if (!(v instanceof A)) {
        big = A.from(v, (x) => {
          if (typeof x !== "bigint" && !Number.isInteger(x)) throw new WebNNGraphError(`${what}: ${x} is not an integer`);
          return BigInt(x);
        });
      }
      return i.carried === "int32" ? narrowInt64(big, what) : big;
    }
    case "int32":
      // An int64 input declared int32 by the webnn target: ids given as BigInt64Array.
      if (v instanceof BigInt64Array) return narrowInt64(v, what);
  }
  if (v instanceof A) return v;
  if (ArrayBuffer.isView(v) && !(v instanceof BigInt64Array) && !(v instanceof BigUint64Array)) return A.from(v);
  if (Array.isArray(v)) return A.from(v);
  throw new WebNNGraphError(`${what}: want ${A.name}, got ${v.constructor.name}`);
}

function outputArray(o, buf) {
  if (o.carried === "float16") return globalThis.Float16Array ? new globalThis.Float16Array(buf) : new Uint16Array(buf);
  const a = new ARRAY[o.carried](buf);
  if (o.dataType === "int64" && o.carried === "int32") return BigInt64Array.from(a, (x) => BigInt(x));
  return a;
}

// ---- Generated from the graph: one MLGraphBuilder call per node. ----
