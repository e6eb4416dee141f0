// Runs an emitted module in Node against the recording WebNN of
// webnn_mock.mjs and writes what it recorded: the graph rebuilt from the
// builder calls, which emitjs's Go test compares with the source graph at
// the same sizes.
//
//   node recorder.mjs MODULE.js DIR SIZES_JSON LIMITS FEED OUT.json
//
// MODULE.js is an emitted module, DIR holds its weights and manifest
// (served through a mocked, streaming fetch), SIZES_JSON the dims to build
// at, LIMITS "all" or "no-TYPE[,no-TYPE…]" (types opSupportLimits leaves out),
// FEED how compute() gets its inputs: "zeros" (typed arrays of each input's
// type), "bigint" (int32 and int64 inputs as BigInt64Array zeros) or
// "bigint-overflow" (those filled with 2^40).

import { readFileSync, writeFileSync, openSync, readSync, closeSync, statSync } from "node:fs";
import { pathToFileURL, fileURLToPath } from "node:url";
import { MLGraphBuilder, MLContext, errors, limitsFor } from "./webnn_mock.mjs";

// A fetch that serves DIR's files as a stream of 1 MiB chunks (with a
// Content-Length header for the weights, none for the manifest: both paths
// of the module's reader run).
function mockFetch(dir, log) {
  return async (url) => {
    const path = fileURLToPath(url);
    if (!path.startsWith(dir)) return { ok: false, status: 403, statusText: "outside the test directory" };
    let size;
    try {
      size = statSync(path).size;
    } catch {
      return { ok: false, status: 404, statusText: "Not Found" };
    }
    log.push(path.slice(dir.length + 1));
    const isJSON = path.endsWith(".json");
    const fd = openSync(path, "r");
    let pos = 0;
    const body = new ReadableStream({
      pull(controller) {
        const chunk = new Uint8Array(Math.min(1 << 20, size - pos));
        if (chunk.length === 0) {
          closeSync(fd);
          controller.close();
          return;
        }
        readSync(fd, chunk, 0, chunk.length, pos);
        pos += chunk.length;
        controller.enqueue(chunk);
      },
    });
    const headers = new Map(isJSON ? [] : [["content-length", String(size)]]);
    return {
      ok: true,
      status: 200,
      headers: { get: (k) => headers.get(k.toLowerCase()) ?? null },
      body,
      json: async () => JSON.parse(readFileSync(path, "utf8")),
      arrayBuffer: async () => readFileSync(path).buffer,
    };
  };
}

// inputData makes zeros of an input's declared type (compute only moves
// bytes here; our runtime's parity covers the numbers).
function inputData(i, feed) {
  const n = i.shape.reduce((a, b) => a * b, 1);
  if (feed !== "zeros" && (i.dataType === "int32" || i.dataType === "int64")) {
    return new BigInt64Array(n).fill(feed === "bigint-overflow" ? 1n << 40n : 0n);
  }
  switch (i.dataType) {
    case "int64": return new BigInt64Array(n);
    case "uint64": return new BigUint64Array(n);
    case "float16": return new Float32Array(n); // the module converts numbers to float16 bits
  }
  return new { float32: Float32Array, int32: Int32Array, uint32: Uint32Array, int8: Int8Array, uint8: Uint8Array }[i.dataType](n);
}

async function main() {
  const [modulePath, dir, sizesJSON, limitsSpec, feed, outPath] = process.argv.slice(2);
  const sizes = JSON.parse(sizesJSON);
  const fetched = [];
  const contexts = [];
  globalThis.MLGraphBuilder = MLGraphBuilder;
  Object.defineProperty(globalThis, "navigator", {
    value: {
      ml: {
        async createContext(options) {
          const c = new MLContext(limitsFor(limitsSpec));
          contexts.push(c);
          return c;
        },
      },
    },
    configurable: true,
  });
  const result = { errors, fetched };
  try {
    const mod = await import(pathToFileURL(modulePath).href);
    const model = await mod.load({ fetch: mockFetch(dir, fetched) });
    const t0 = performance.now();
    const run = await model.build(sizes);
    result.buildMs = performance.now() - t0;
    if ((await model.build({ ...sizes })) !== run) errors.push("build: the same sizes built a second graph (no cache)");
    const ctx = contexts[0];
    const builder = ctx._builders[0];
    result.graph = builder.record;
    result.int64AsInt32 = run.int64AsInt32;
    result.runInputs = run.inputs.map(({ name, dataType, shape }) => ({ name, dataType, shape }));
    result.runOutputs = run.outputs.map(({ name, dataType, shape }) => ({ name, dataType, shape }));
    const inputs = Object.fromEntries(run.inputs.map((i) => [i.name, inputData(i, feed)]));
    const outs = await run.compute(inputs);
    result.computed = Object.fromEntries(Object.entries(outs).map(([k, v]) => [k, { type: v.constructor.name, length: v.length }]));
    result.dispatches = ctx._dispatches.length;
  } catch (e) {
    result.exception = `${e.name}: ${e.message}`;
  }
  writeFileSync(outPath, JSON.stringify(result));
}

await main();
