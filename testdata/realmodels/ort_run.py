#!/usr/bin/env python3
"""Runs an ONNX model on ONNX Runtime (CPU EP, graph optimizations off, 1 thread) for each
inputs file and saves the outputs: ort_run.py MODEL IN.npz OUT.npz [IN.npz OUT.npz ...].
Output keys are the model's output names. Used by conformance/realmodels_test.go."""
import sys

import numpy as np
import onnxruntime as ort


def main():
    model, pairs = sys.argv[1], sys.argv[2:]
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    sess = ort.InferenceSession(model, so, providers=["CPUExecutionProvider"])
    names = [o.name for o in sess.get_outputs()]
    wanted = {i.name for i in sess.get_inputs()}
    for inp, out in zip(pairs[0::2], pairs[1::2]):
        given = dict(np.load(inp))
        feeds = {k: v for k, v in given.items() if k in wanted}
        res = sess.run(names, feeds)
        np.savez(out, **dict(zip(names, res)))


if __name__ == "__main__":
    main()
