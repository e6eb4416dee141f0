const FILES = {weights: "model.weights", manifest: "manifest.json"};
const DIMS = [["batch_size", 4], ["sequence_length", 16], ["past_sequence_length", 16]];
const SIZES = [["batch_size", 4], ["sequence_length", 16], ["past_sequence_length", 16], ["past_sequence_length + sequence_length", 32], ["4 * batch_size", 16], ["past_sequence_length + sequence_length - 1", 31], ["batch_size * sequence_length", 64], ["min(sequence_length, 4)", 4], ["sequence_length / 2 + 1", 9], ["sequence_length % 2 + 1", 2]];
const USES = [
  ["input", "", "float32", "x"],
  ["constant", "", "float32", "w"],
  ["concat", "inputs", "float32", "cat"],
  ["concat", "output", "float32", "cat"],
  ["matmul", "a", "float32", "h"],
  ["matmul", "b", "float32", "h"],
  ["matmul", "output", "float32", "h"],
  ["reshape", "input", "float32", "heads"],
  ["reshape", "output", "float32", "heads"],
  ["slice", "input", "float32", "tail"],
  ["slice", "output", "float32", "tail"],
  ["transpose", "input", "float32", "steps"],
  ["transpose", "output", "float32", "steps"],
  ["lstm", "input", "float32", "lh"],
  ["lstm", "weight", "float32", "lh"],
  ["lstm", "recurrentWeight", "float32", "lh"],
  ["lstm", "output0", "float32", "lh"],
  ["lstm", "output1", "float32", "lh"],
  ["output", "", "float32", "tail"],
];
const CONSTS = [
  ["w", "float32", [8, 8], {s: "AAAAPg=="}],
  ["lw", "float32", [1, 16, 8], {s: "AACAPQ=="}],
  ["lr", "float32", [1, 16, 4], {s: "AACAPQ=="}],
];

// ---- Generated from the graph: one MLGraphBuilder call per node. ----

function buildGraph(b, d, x) {
  const {T, N, k, seq, last} = x;
  const v = [];
  v[0] = b.input("x", {dataType: "float32", shape: [d[0], d[1], 8]});
  v[1] = b.input("past", {dataType: "float32", shape: [d[0], d[2], 8]});
  v[2] = k(0);
  v[3] = k(1);
  v[4] = k(2);
  v[5] = b.concat([v[1], v[0]], 1, {label: "cat"});
  v[6] = b.matmul(v[5], v[2], {label: "h"});
  v[7] = b.reshape(v[6], [d[0], d[3], 2, 4], {label: "heads"});
  v[8] = b.reshape(v[7], [d[4], d[3], 2], {label: "folded"});
  v[9] = b.slice(v[8], [0, 1, 0], [d[4], d[5], 2], {label: "tail"});
  v[10] = b.reshape(v[0], [d[6], 8], {label: "flat"});
  v[11] = b.slice(v[0], [0, 0, 0], [d[0], d[7], 8], {label: "first"});
  v[12] = b.slice(v[0], [0, 0, 0], [d[0], d[8], 8], {label: "floordiv"});
  v[13] = b.slice(v[0], [0, 0, 0], [d[0], d[9], 8], {label: "modulo"});
  v[14] = b.reshape(v[6], [d[0], d[3], 2, 4], {label: "halves"});
  v[15] = b.transpose(v[0], {permutation: [1, 0, 2], label: "steps"});
  [v[16], v[17]] = seq(b.lstm(v[15], v[3], v[4], d[1], 4, {label: "lh"}), 2, "lh");
  return {
    "tail": v[9],
    "flat": v[10],
    "first": v[11],
    "halves": v[14],
    "floordiv": v[12],
    "modulo": v[13],
    "lh": v[16],
  };
}
