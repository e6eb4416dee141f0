#!/usr/bin/env python3
"""Writes testdata/dims/stft_conv.onnx: an audio front end in the way
onnx-asr's *_conv preprocessors are made (onnxscript, STFT as a strided
Conv), whose waveform length N has a minimum only the graph states.

Run from the repository root with the project venv (onnx, numpy, onnxruntime):

    /work/venv/bin/python testdata/dims/gen_audio.py

waveforms f32[batch_size, N] -> reflect Pad 40/40 (needs N >= 41) ->
Unsqueeze -> Conv, 16 filters of 128 taps, stride 32 (needs N + 80 >= 128,
so N >= 48) -> ReduceSumSquare over pairs -> features [batch_size, 8, frames].
The script checks with ONNX Runtime that N = 48 runs and N = 47 does not.
"""
import os

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    rng = np.random.default_rng(13)
    w = rng.standard_normal((16, 1, 128)).astype(np.float32)
    inits = [
        numpy_helper.from_array(np.array([0, 40, 0, 40], np.int64), "pads"),
        numpy_helper.from_array(np.array([1], np.int64), "axis1"),
        numpy_helper.from_array(w, "stft_weights"),
        numpy_helper.from_array(np.array([0, 2, 8, -1], np.int64), "shape"),
    ]
    nodes = [
        helper.make_node("Pad", ["waveforms", "pads"], ["padded"], name="pad", mode="reflect"),
        helper.make_node("Unsqueeze", ["padded", "axis1"], ["u"], name="unsqueeze"),
        helper.make_node("Conv", ["u", "stft_weights"], ["image"], name="stft", strides=[32]),
        helper.make_node("Reshape", ["image", "shape"], ["pairs"], name="reshape"),
        helper.make_node("ReduceSumSquare", ["pairs"], ["features"], name="power", axes=[1], keepdims=0),
    ]
    g = helper.make_graph(nodes, "stft_conv",
                          [helper.make_tensor_value_info("waveforms", TensorProto.FLOAT, ["batch_size", "N"])],
                          [helper.make_tensor_value_info("features", TensorProto.FLOAT, ["batch_size", 8, "frames"])],
                          inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)], producer_name="webnn-graph gen_audio.py")
    m.ir_version = 8
    onnx.checker.check_model(m)
    sess = ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
    out = sess.run(None, {"waveforms": rng.uniform(-1, 1, (2, 48)).astype(np.float32)})[0]
    assert out.shape == (2, 8, 1), out.shape
    try:
        sess.run(None, {"waveforms": rng.uniform(-1, 1, (2, 47)).astype(np.float32)})
    except Exception:
        pass
    else:
        raise SystemExit("N = 47 ran; the fixture's minimum is not 48")
    onnx.save(m, os.path.join(HERE, "stft_conv.onnx"))


if __name__ == "__main__":
    main()
