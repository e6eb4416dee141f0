"""Writes the loader fixtures: small ONNX models, each reproducing one way a
loader (pywebnn / rustnn 0.5.12) can mis-read a converted graph, with
seeded random weights. cmd/webnn-graph's pywebnn tests convert them for
each target and run them in pywebnn at several sizes.

    python testdata/loaderbugs/gen.py      (needs the onnx and numpy packages)

whisper_tiny_encoder_like.onnx
    A Whisper-style audio encoder (HF WhisperEncoder's eager attention):
    two Conv1d + GELU, positional embedding, two pre-LN layers whose
    attention folds the heads into the batch (view to [B*H, S, D], 3-D
    MatMul, view back to [B, H, S, D]) and an FFN. The folded size is
    4 * batch_size, which rustnn cannot evaluate.
resample_after_conv.onnx
    Conv → Resize (nearest, ×2): rustnn 0.5.12 turns the resample2d into an
    identity when its input is a conv2d output.
split_after_conv.onnx
    Conv → Split on the channel axis: rustnn 0.5.12 fails with "split axis
    1 out of bounds for rank 0".
bidirectional_lstm.onnx
    A bidirectional LSTM with biases: rustnn 0.5.12 builds the ONNX bias
    as [1, 8·hidden] instead of [2, 8·hidden].
global_pool_dynamic.onnx
    GlobalAveragePool over dynamic spatial dims: averagePool2d without
    windowDimensions, which rustnn 0.5.12 lowers to an AveragePool
    without kernel_shape.
int4_default_zero_point.onnx
    com.microsoft MatMulNBits (4 bits, block 16) without zero points: the
    default zero point 8 is a uint4 splat, which rustnn 0.5.12 cannot build
    as a @scalar constant ("int4/uint4 constants not supported in scalar
    export").
dqlstm_dynamic_batch.onnx
    com.microsoft.DynamicQuantizeLSTM (quantize_dynamic's LSTM) over a
    dynamic batch: the lowering quantizes each step's hidden state per
    group of batch rows, as ONNX Runtime's threads do, with per-group
    scales gathered per row; rustnn 0.5.12 gives a clamp's output no
    shape, so a gather of clamped per-group values fails to load.
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
rng = np.random.default_rng(20261206)


def w(name, *shape, scale=None):
    fan_in = int(np.prod(shape[1:])) if len(shape) > 1 else shape[0]
    s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
    return numpy_helper.from_array((rng.standard_normal(shape) * s).astype(np.float32), name)


def i64(name, *vals):
    return numpy_helper.from_array(np.array(vals, dtype=np.int64), name)


def save(graph, name, opset=17, extra_opsets=()):
    for node in graph.node:
        if not node.name:  # exporters name nodes; messages name them too
            node.name = "/" + node.output[0]
    opsets = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra_opsets]
    model = helper.make_model(graph, opset_imports=opsets, producer_name="webnn-graph testdata/loaderbugs/gen.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, name))


def gelu(nodes, x, out, tag):
    # x · 0.5 · (1 + erf(x / √2)), as torch exports nn.GELU()
    nodes += [
        helper.make_node("Div", [x, "sqrt2"], [tag + "_d"]),
        helper.make_node("Erf", [tag + "_d"], [tag + "_e"]),
        helper.make_node("Add", [tag + "_e", "one"], [tag + "_a"]),
        helper.make_node("Mul", [x, tag + "_a"], [tag + "_m"]),
        helper.make_node("Mul", [tag + "_m", "half"], [out]),
    ]


def whisper_like():
    B, MELS, FRAMES, E, H, D, FF, LAYERS = "batch_size", 16, 200, 64, 4, 16, 256, 2
    S = FRAMES // 2
    nodes, inits = [], [
        numpy_helper.from_array(np.array(np.sqrt(2), np.float32), "sqrt2"),
        numpy_helper.from_array(np.array(1, np.float32), "one"),
        numpy_helper.from_array(np.array(0.5, np.float32), "half"),
        numpy_helper.from_array(np.array(D ** -0.5, np.float32), "scaling"),
        w("conv1.weight", E, MELS, 3), w("conv1.bias", E, scale=0.1),
        w("conv2.weight", E, E, 3), w("conv2.bias", E, scale=0.1),
        w("embed_positions", S, E, scale=0.1),
        i64("zero", 0), i64("heads_tail", -1, H, D), i64("folded_tail", -1, D),
        i64("unfold_tail", H, -1, D), i64("merge_tail", -1, E), i64("H", H),
    ]
    nodes += [
        helper.make_node("Conv", ["input_features", "conv1.weight", "conv1.bias"], ["c1"], pads=[1, 1], kernel_shape=[3]),
    ]
    gelu(nodes, "c1", "g1", "gelu1")
    nodes += [helper.make_node("Conv", ["g1", "conv2.weight", "conv2.bias"], ["c2"], pads=[1, 1], strides=[2], kernel_shape=[3])]
    gelu(nodes, "c2", "g2", "gelu2")
    nodes += [
        helper.make_node("Transpose", ["g2"], ["t"], perm=[0, 2, 1]),
        helper.make_node("Add", ["t", "embed_positions"], ["h0"]),
        # bsz = x.shape[0], as the exporter traces it
        helper.make_node("Shape", ["h0"], ["h0_shape"]),
        helper.make_node("Gather", ["h0_shape", "zero"], ["bsz"], axis=0),
        helper.make_node("Mul", ["bsz", "H"], ["bsz_heads"]),
        helper.make_node("Concat", ["bsz", "heads_tail"], ["shape_bshd"], axis=0),
        helper.make_node("Concat", ["bsz_heads", "folded_tail"], ["shape_folded"], axis=0),
        helper.make_node("Concat", ["bsz", "unfold_tail"], ["shape_unfold"], axis=0),
        helper.make_node("Concat", ["bsz", "merge_tail"], ["shape_merge"], axis=0),
    ]
    x = "h0"
    for l in range(LAYERS):
        p = f"layers.{l}."
        inits += [
            numpy_helper.from_array(np.ones(E, np.float32) + rng.standard_normal(E).astype(np.float32) * 0.1, p + "ln1.weight"),
            w(p + "ln1.bias", E, scale=0.1),
            w(p + "q.weight", E, E), w(p + "q.bias", E, scale=0.1),
            w(p + "k.weight", E, E),
            w(p + "v.weight", E, E), w(p + "v.bias", E, scale=0.1),
            w(p + "o.weight", E, E), w(p + "o.bias", E, scale=0.1),
            numpy_helper.from_array(np.ones(E, np.float32), p + "ln2.weight"),
            w(p + "ln2.bias", E, scale=0.1),
            w(p + "fc1.weight", E, FF), w(p + "fc1.bias", FF, scale=0.1),
            w(p + "fc2.weight", FF, E), w(p + "fc2.bias", E, scale=0.1),
        ]
        n = lambda s: p + s
        nodes += [
            helper.make_node("LayerNormalization", [x, n("ln1.weight"), n("ln1.bias")], [n("ln1")], axis=-1, epsilon=1e-5),
            helper.make_node("MatMul", [n("ln1"), n("q.weight")], [n("q0")]),
            helper.make_node("Add", [n("q0"), n("q.bias")], [n("q1")]),
            helper.make_node("Mul", [n("q1"), "scaling"], [n("q2")]),
            helper.make_node("MatMul", [n("ln1"), n("k.weight")], [n("k1")]),
            helper.make_node("MatMul", [n("ln1"), n("v.weight")], [n("v0")]),
            helper.make_node("Add", [n("v0"), n("v.bias")], [n("v1")]),
        ]
        for t in ("q2", "k1", "v1"):
            # _shape(): view(bsz, seq, heads, head_dim).transpose(1, 2),
            # then .view(bsz * heads, -1, head_dim)
            nodes += [
                helper.make_node("Reshape", [n(t), "shape_bshd"], [n(t + "_bshd")]),
                helper.make_node("Transpose", [n(t + "_bshd")], [n(t + "_bhsd")], perm=[0, 2, 1, 3]),
                helper.make_node("Reshape", [n(t + "_bhsd"), "shape_folded"], [n(t + "_f")]),
            ]
        nodes += [
            helper.make_node("Transpose", [n("k1_f")], [n("kT")], perm=[0, 2, 1]),
            helper.make_node("MatMul", [n("q2_f"), n("kT")], [n("scores")]),
            helper.make_node("Softmax", [n("scores")], [n("probs")], axis=-1),
            helper.make_node("MatMul", [n("probs"), n("v1_f")], [n("ctx_f")]),
            helper.make_node("Reshape", [n("ctx_f"), "shape_unfold"], [n("ctx_bhsd")]),
            helper.make_node("Transpose", [n("ctx_bhsd")], [n("ctx_bshd")], perm=[0, 2, 1, 3]),
            helper.make_node("Reshape", [n("ctx_bshd"), "shape_merge"], [n("ctx")]),
            helper.make_node("MatMul", [n("ctx"), n("o.weight")], [n("o0")]),
            helper.make_node("Add", [n("o0"), n("o.bias")], [n("o1")]),
            helper.make_node("Add", [x, n("o1")], [n("r1")]),
            helper.make_node("LayerNormalization", [n("r1"), n("ln2.weight"), n("ln2.bias")], [n("ln2")], axis=-1, epsilon=1e-5),
            helper.make_node("MatMul", [n("ln2"), n("fc1.weight")], [n("f0")]),
            helper.make_node("Add", [n("f0"), n("fc1.bias")], [n("f1")]),
        ]
        gelu(nodes, n("f1"), n("f2"), n("gelu"))
        nodes += [
            helper.make_node("MatMul", [n("f2"), n("fc2.weight")], [n("f3")]),
            helper.make_node("Add", [n("f3"), n("fc2.bias")], [n("f4")]),
            helper.make_node("Add", [n("r1"), n("f4")], [n("out")]),
        ]
        x = n("out")
    inits += [numpy_helper.from_array(np.ones(E, np.float32), "ln_post.weight"), w("ln_post.bias", E, scale=0.1)]
    nodes += [helper.make_node("LayerNormalization", [x, "ln_post.weight", "ln_post.bias"], ["last_hidden_state"], axis=-1, epsilon=1e-5)]
    g = helper.make_graph(
        nodes, "whisper_tiny_encoder_like",
        [helper.make_tensor_value_info("input_features", TensorProto.FLOAT, [B, MELS, FRAMES])],
        [helper.make_tensor_value_info("last_hidden_state", TensorProto.FLOAT, [B, S, E])],
        inits,
    )
    save(g, "whisper_tiny_encoder_like.onnx")


def conv_input(name="x", c=3, hw=8):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, ["batch_size", c, hw, hw])


def resample_after_conv():
    g = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Resize", ["c", "", "scales"], ["y"], mode="nearest", coordinate_transformation_mode="asymmetric", nearest_mode="floor"),
        ],
        "resample_after_conv", [conv_input()],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 4, 16, 16])],
        [w("w", 4, 3, 3, 3), w("b", 4, scale=0.1), numpy_helper.from_array(np.array([1, 1, 2, 2], np.float32), "scales")],
    )
    save(g, "resample_after_conv.onnx")


def split_after_conv():
    g = helper.make_graph(
        [
            helper.make_node("Conv", ["x", "w", "b"], ["c"], pads=[1, 1, 1, 1], kernel_shape=[3, 3]),
            helper.make_node("Split", ["c", "split"], ["a", "bb"], axis=1),
            helper.make_node("Sigmoid", ["bb"], ["gate"]),
            helper.make_node("Mul", ["a", "gate"], ["y"]),
        ],
        "split_after_conv", [conv_input()],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 2, 8, 8])],
        [w("w", 4, 3, 3, 3), w("b", 4, scale=0.1), i64("split", 2, 2)],
    )
    save(g, "split_after_conv.onnx")


def bidirectional_lstm():
    T, N, I, Hd = 5, 2, 4, 3
    g = helper.make_graph(
        [helper.make_node("LSTM", ["x", "W", "R", "B"], ["y", "y_h", "y_c"], hidden_size=Hd, direction="bidirectional")],
        "bidirectional_lstm",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [T, N, I])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [T, 2, N, Hd]),
            helper.make_tensor_value_info("y_h", TensorProto.FLOAT, [2, N, Hd]),
            helper.make_tensor_value_info("y_c", TensorProto.FLOAT, [2, N, Hd]),
        ],
        [w("W", 2, 4 * Hd, I), w("R", 2, 4 * Hd, Hd), w("B", 2, 8 * Hd, scale=0.5)],
    )
    save(g, "bidirectional_lstm.onnx")


def global_pool_dynamic():
    g = helper.make_graph(
        [helper.make_node("GlobalAveragePool", ["x"], ["y"])],
        "global_pool_dynamic",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", 4, "height", "width"])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 4, 1, 1])],
        [],
    )
    save(g, "global_pool_dynamic.onnx")


def int4_default_zero_point():
    K, N, block = 32, 8, 16
    q = rng.integers(0, 16, size=(N, K)).astype(np.uint8)
    packed = (q[:, 0::2] | (q[:, 1::2] << 4)).reshape(N, K // block, block // 2)
    scales = (rng.random(N * (K // block)) * 0.1 + 0.01).astype(np.float32)
    g = helper.make_graph(
        [helper.make_node("MatMulNBits", ["x", "B", "scales"], ["y"], domain="com.microsoft", K=K, N=N, bits=4, block_size=block)],
        "int4_default_zero_point",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", K])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", N])],
        [numpy_helper.from_array(packed, "B"), numpy_helper.from_array(scales, "scales")],
    )
    save(g, "int4_default_zero_point.onnx", extra_opsets=[("com.microsoft", 1)])


def dqlstm_dynamic_batch():
    r = np.random.default_rng(20261207)  # its own stream: the other fixtures stay as they are
    S, I, Hd = 5, 6, 4
    G = 4 * Hd
    amax = lambda a: np.abs(a).max()
    Wf, Rf = 0.5 * r.standard_normal((1, I, G)), 0.5 * r.standard_normal((1, Hd, G))
    Ws, Rs = np.float32(amax(Wf) / 127), np.float32(amax(Rf) / 127)
    Wq = np.clip(np.round(Wf / Ws), -127, 127).astype(np.int8)
    Rq = np.clip(np.round(Rf / Rs), -127, 127).astype(np.int8)
    arr = lambda name, a: numpy_helper.from_array(a, name)
    g = helper.make_graph(
        [helper.make_node("DynamicQuantizeLSTM", ["x", "W", "R", "B", "", "", "", "", "Ws", "Wz", "Rs", "Rz"], ["y", "y_h", "y_c"],
                          domain="com.microsoft", hidden_size=Hd)],
        "dqlstm_dynamic_batch",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [S, "batch_size", I])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [S, 1, "batch_size", Hd]),
            helper.make_tensor_value_info("y_h", TensorProto.FLOAT, [1, "batch_size", Hd]),
            helper.make_tensor_value_info("y_c", TensorProto.FLOAT, [1, "batch_size", Hd]),
        ],
        [arr("W", Wq), arr("R", Rq), arr("B", (0.3 * r.standard_normal((1, 2 * G))).astype(np.float32)),
         arr("Ws", np.array([Ws], np.float32)), arr("Wz", np.zeros(1, np.int8)),
         arr("Rs", np.array([Rs], np.float32)), arr("Rz", np.zeros(1, np.int8))],
    )
    save(g, "dqlstm_dynamic_batch.onnx", extra_opsets=[("com.microsoft", 1)])


def shape_loss():
    g = helper.make_graph(
        [
            helper.make_node("Pad", ["x", "pads_end"], ["p"], mode="constant"),
            helper.make_node("Pad", ["p", "pads_reflect"], ["r"], mode="reflect"),
            helper.make_node("Clip", ["r", "lo", "hi"], ["c"]),
            helper.make_node("Slice", ["c", "starts", "ends", "axes"], ["s"]),
            helper.make_node("LeakyRelu", ["s"], ["l"], alpha=0.1),
            helper.make_node("Gather", ["l", "idx"], ["y"], axis=1),
        ],
        "shape_loss", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 5])],
        [i64("pads_end", 0, 0, 0, 8), i64("pads_reflect", 0, 3, 0, 3),
         numpy_helper.from_array(np.array(-0.5, np.float32), "lo"), numpy_helper.from_array(np.array(0.75, np.float32), "hi"),
         i64("starts", 1), i64("ends", 27), i64("axes", 1), i64("idx", 0, 1, 2, 24, 25)],
    )
    save(g, "shape_loss.onnx")


def pad_after_pad():
    g = helper.make_graph(
        [
            helper.make_node("Pad", ["x", "pads_end"], ["p"], mode="constant"),
            helper.make_node("Pad", ["p", "pads_reflect"], ["y"], mode="reflect"),
        ],
        "pad_after_pad", [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch_size", 16])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch_size", 30])],
        [i64("pads_end", 0, 0, 0, 8), i64("pads_reflect", 0, 3, 0, 3)],
    )
    save(g, "pad_after_pad.onnx")


if __name__ == "__main__":
    whisper_like()
    resample_after_conv()
    split_after_conv()
    bidirectional_lstm()
    global_pool_dynamic()
    int4_default_zero_point()
    dqlstm_dynamic_batch()
    shape_loss()
    pad_after_pad()
