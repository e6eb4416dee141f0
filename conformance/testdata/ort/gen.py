#!/usr/bin/env python3
"""Fixtures of ops checked against ONNX Runtime.

Each case is a small ONNX model (<case>.onnx) and the outputs ONNX Runtime
(CPU EP, graph optimizations off) computes for one or more input sets
(<case>.npz: keys "in<k>.<input>" and "out<k>.<output>" for set k).
cases.json lists, per case, the ops it exercises and the tolerance the
Go test (conformance/ort_fixtures_test.go) applies, relative to
max(1, |ORT|): runtime/onnx against ORT, and the converted WebNN graph on
runtime/webnn against both.

Regenerate (deterministic; needs onnx, onnxruntime, numpy):
    /work/venv/bin/python conformance/testdata/ort/gen.py
Run one case only: gen.py NAME...
"""
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort
from onnx import TensorProto as TP
from onnx import helper as h
from onnx import numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
MS = "com.microsoft"
CASES = {}


def vi(name, dtype, shape):
    return h.make_tensor_value_info(name, dtype, shape)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def case(name, nodes, inputs, outputs, feeds, inits=(), opset=17, ms=False, tol=1e-5, ops=None, ir=None, check=True):
    """Register a case. feeds: list of dicts (one per input set)."""
    imports = [h.make_opsetid("", opset)]
    if ms:
        imports.append(h.make_opsetid(MS, 1))
    g = h.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    m = h.make_model(g, opset_imports=imports, producer_name="webnn-graph ort fixtures")
    m.ir_version = ir or (10 if opset >= 21 else 8)
    if ops is None:
        ops = sorted({(n.domain + "." if n.domain else "") + n.op_type for n in nodes})
    CASES[name] = dict(model=m, feeds=feeds, tol=tol, ops=ops, check=check and not ms)


def rng(seed):
    return np.random.default_rng(seed)


def f32(r, *shape):
    return r.standard_normal(shape).astype(np.float32)


# ---------------------------------------------------------------------------
# opsets 23–26 and small gaps

def gen_small():
    r = rng(1)
    for alpha in (1.0, 0.5):
        case(f"swish_a{alpha}", [h.make_node("Swish", ["x"], ["y"], alpha=alpha)],
             [vi("x", TP.FLOAT, ["n", 5])], [vi("y", TP.FLOAT, ["n", 5])],
             [{"x": f32(r, 3, 5)}, {"x": f32(r, 1, 5)}], opset=24)
    for ex in (0, 1):
        for rev in (0, 1):
            case(f"cumprod_ex{ex}_rev{rev}", [h.make_node("CumProd", ["x", "axis"], ["y"], exclusive=ex, reverse=rev)],
                 [vi("x", TP.FLOAT, [2, "n", 3])], [vi("y", TP.FLOAT, [2, "n", 3])],
                 [{"x": (1 + 0.3 * f32(r, 2, 4, 3))}], inits=[init("axis", np.array(1, np.int64))], opset=26)
    case("rmsnorm_axis_m1", [h.make_node("RMSNormalization", ["x", "s"], ["y"], epsilon=1e-5)],
         [vi("x", TP.FLOAT, ["b", "s", 8])], [vi("y", TP.FLOAT, ["b", "s", 8])],
         [{"x": f32(r, 2, 3, 8)}], inits=[init("s", f32(r, 8))], opset=23)
    case("rmsnorm_axis_1", [h.make_node("RMSNormalization", ["x", "s"], ["y"], axis=1, epsilon=1e-3)],
         [vi("x", TP.FLOAT, [2, 3, 4])], [vi("y", TP.FLOAT, [2, 3, 4])],
         [{"x": f32(r, 2, 3, 4)}], inits=[init("s", f32(r, 3, 4))], opset=23)
    for ba, ta in ((0, 1), (1, 0)):
        shape = [4, 3, 2] if ba == 1 else [3, 4, 2]
        lens = np.array([4, 1, 3], np.int64) if ba == 0 else np.array([1, 4, 3], np.int64)
        case(f"reversesequence_b{ba}_t{ta}", [h.make_node("ReverseSequence", ["x", "lens"], ["y"], batch_axis=ba, time_axis=ta)],
             [vi("x", TP.FLOAT, shape), vi("lens", TP.INT64, [3])], [vi("y", TP.FLOAT, shape)],
             [{"x": f32(r, *shape), "lens": lens}], opset=10)
    # TensorScatter: linear/circular, with and without write indices
    for mode in ("linear", "circular"):
        for with_idx in (False, True):
            ins = ["past", "upd"] + (["idx"] if with_idx else [])
            inputs = [vi("past", TP.FLOAT, ["b", 2, 6, 4]), vi("upd", TP.FLOAT, ["b", 2, "s", 4])]
            feed = {"past": f32(r, 2, 2, 6, 4), "upd": f32(r, 2, 2, 2, 4)}
            if with_idx:
                inputs.append(vi("idx", TP.INT64, ["b"]))
                feed["idx"] = np.array([1, 5 if mode == "circular" else 4], np.int64)
            case(f"tensorscatter_{mode}_idx{int(with_idx)}", [h.make_node("TensorScatter", ins, ["y"], mode=mode)],
                 inputs, [vi("y", TP.FLOAT, ["b", 2, 6, 4])], [feed], opset=24)
    # Tile whose repeats come from Shape (Whisper decoders: the batch size)
    nodes = [h.make_node("Shape", ["x"], ["sx"]),
             h.make_node("Gather", ["sx", "zero"], ["b"], axis=0),
             h.make_node("Concat", ["b", "one", "one"], ["reps"], axis=0),
             h.make_node("Tile", ["t", "reps"], ["y"])]
    case("tile_repeats_from_shape", nodes, [vi("x", TP.FLOAT, ["batch", "seq", 4]), vi("t", TP.FLOAT, [1, "seq", 4])],
         [vi("y", TP.FLOAT, ["batch", "seq", 4])],
         [{"x": f32(r, 3, 2, 4), "t": f32(r, 1, 2, 4)}, {"x": f32(r, 1, 5, 4), "t": f32(r, 1, 5, 4)}],
         inits=[init("zero", np.array([0], np.int64)), init("one", np.array([1], np.int64))])
    nodes = [h.make_node("Shape", ["x"], ["sx"]),
             h.make_node("Gather", ["sx", "zero"], ["b"], axis=0),
             h.make_node("Concat", ["two", "b", "one"], ["reps"], axis=0),
             h.make_node("Tile", ["t", "reps"], ["y"])]
    case("tile_repeats_mixed", nodes, [vi("x", TP.FLOAT, ["batch", 3]), vi("t", TP.FLOAT, [2, 3, 4])],
         [vi("y", TP.FLOAT, [4, None, 4])],
         [{"x": f32(r, 2, 3), "t": f32(r, 2, 3, 4)}],
         inits=[init("zero", np.array([0], np.int64)), init("one", np.array([1], np.int64)), init("two", np.array([2], np.int64))])
    # Range whose bounds come from shapes through Cast (float positions)
    nodes = [h.make_node("Shape", ["x"], ["sx"]),
             h.make_node("Gather", ["sx", "one_s"], ["len"], axis=0),
             h.make_node("Cast", ["len"], ["lenf"], to=TP.FLOAT),
             h.make_node("Range", ["zf", "lenf", "onef"], ["pos"]),
             h.make_node("Unsqueeze", ["pos", "ax0"], ["pos2"]),
             h.make_node("Add", ["x", "pos2"], ["y"])]
    case("range_float_from_shape", nodes, [vi("x", TP.FLOAT, ["b", "l"])], [vi("y", TP.FLOAT, ["b", "l"])],
         [{"x": f32(r, 2, 5)}, {"x": f32(r, 1, 9)}],
         inits=[init("one_s", np.array(1, np.int64)), init("zf", np.array(0, np.float32)), init("onef", np.array(1, np.float32)),
                init("ax0", np.array([0], np.int64))], opset=13, check=False)
    nodes = [h.make_node("Shape", ["x"], ["sx"]),
             h.make_node("Gather", ["sx", "one_s"], ["len"], axis=0),
             h.make_node("Cast", ["len"], ["lenf"], to=TP.FLOAT),
             h.make_node("Range", ["startf", "lenf", "twof"], ["pos"]),
             h.make_node("Cast", ["pos"], ["y"], to=TP.INT64)]
    case("range_float_step2", nodes, [vi("x", TP.FLOAT, ["b", "l"])], [vi("y", TP.INT64, [None])],
         [{"x": f32(r, 2, 5)}, {"x": f32(r, 1, 8)}],
         inits=[init("one_s", np.array(1, np.int64)), init("startf", np.array(1, np.float32)), init("twof", np.array(2, np.float32))], opset=13, check=False)
    # 1-D and 3-D pooling
    for op in ("GlobalMaxPool", "GlobalAveragePool", "GlobalLpPool"):
        case(f"{op.lower()}_1d", [h.make_node(op, ["x"], ["y"])], [vi("x", TP.FLOAT, ["n", 3, "l"])], [vi("y", TP.FLOAT, ["n", 3, 1])],
             [{"x": f32(r, 2, 3, 7)}, {"x": f32(r, 1, 3, 4)}])
        case(f"{op.lower()}_3d", [h.make_node(op, ["x"], ["y"])], [vi("x", TP.FLOAT, [2, 3, 2, 3, 4])], [vi("y", TP.FLOAT, [2, 3, 1, 1, 1])],
             [{"x": f32(r, 2, 3, 2, 3, 4)}])
    case("maxpool_1d_k3s2", [h.make_node("MaxPool", ["x"], ["y"], kernel_shape=[3], strides=[2], pads=[1, 1])],
         [vi("x", TP.FLOAT, [1, 2, 9])], [vi("y", TP.FLOAT, [1, 2, 5])], [{"x": f32(r, 1, 2, 9)}])
    case("averagepool_1d_k2", [h.make_node("AveragePool", ["x"], ["y"], kernel_shape=[2], strides=[2])],
         [vi("x", TP.FLOAT, [1, 2, 8])], [vi("y", TP.FLOAT, [1, 2, 4])], [{"x": f32(r, 1, 2, 8)}])


# ---------------------------------------------------------------------------
# com.microsoft ops of ORT's transformer optimizer

def gen_contrib_small():
    r = rng(2)
    case("ms_gelu", [h.make_node("Gelu", ["x"], ["y"], domain=MS)], [vi("x", TP.FLOAT, ["n", 6])], [vi("y", TP.FLOAT, ["n", 6])],
         [{"x": 2 * f32(r, 3, 6)}], ms=True)
    for a in (1.702, 1.0):
        case(f"ms_quickgelu_{a}", [h.make_node("QuickGelu", ["x"], ["y"], domain=MS, alpha=a)],
             [vi("x", TP.FLOAT, ["n", 6])], [vi("y", TP.FLOAT, ["n", 6])], [{"x": 2 * f32(r, 3, 6)}], ms=True)
    # BiasAdd has only a CUDA kernel in ORT: checked in the Go differential sweep.
    # EmbedLayerNormalization (optimum --optimize O2+ on BERT)
    V, P, H = 13, 16, 8
    emb = [init("we", f32(r, V, H)), init("pe", f32(r, P, H)), init("se", f32(r, 2, H)), init("g", f32(r, H)), init("bt", f32(r, H))]
    ids = lambda b, s: r.integers(0, V, (b, s)).astype(np.int32)
    case("ms_embedlayernorm_seg_mask", [h.make_node("EmbedLayerNormalization", ["ids", "seg", "we", "pe", "se", "g", "bt", "mask"], ["out", "mi", "es"], domain=MS, epsilon=1e-5)],
         [vi("ids", TP.INT32, ["b", "s"]), vi("seg", TP.INT32, ["b", "s"]), vi("mask", TP.INT32, ["b", "s"])],
         [vi("out", TP.FLOAT, ["b", "s", H]), vi("mi", TP.INT32, ["b"]), vi("es", TP.FLOAT, ["b", "s", H])],
         [{"ids": ids(2, 5), "seg": r.integers(0, 2, (2, 5)).astype(np.int32), "mask": np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], np.int32)},
          {"ids": ids(1, 9), "seg": np.zeros((1, 9), np.int32), "mask": np.ones((1, 9), np.int32)}], inits=emb, ms=True)
    case("ms_embedlayernorm_noseg_posids", [h.make_node("EmbedLayerNormalization", ["ids", "", "we", "pe", "", "g", "bt", "", "pos"], ["out", "mi"], domain=MS, epsilon=1e-12)],
         [vi("ids", TP.INT32, ["b", 4]), vi("pos", TP.INT32, [1, 4])], [vi("out", TP.FLOAT, ["b", 4, H]), vi("mi", TP.INT32, ["b"])],
         [{"ids": ids(3, 4), "pos": np.array([[3, 2, 7, 0]], np.int32)}], inits=emb, ms=True)
    case("simplified_layernorm", [h.make_node("SimplifiedLayerNormalization", ["x", "g"], ["y"], epsilon=1e-6, axis=-1)],
         [vi("x", TP.FLOAT, ["b", "s", 8])], [vi("y", TP.FLOAT, ["b", "s", 8])],
         [{"x": f32(r, 2, 3, 8)}], inits=[init("g", f32(r, 8))], check=False)
    for ta, tb, alpha in ((0, 0, 1.0), (1, 0, 0.5), (0, 1, 0.125), (1, 1, 2.0)):
        sa = [2, 3, 5, 4] if ta else [2, 3, 4, 5]
        sb = [2, 3, 6, 5] if tb else [2, 3, 5, 6]
        case(f"ms_fusedmatmul_ta{ta}_tb{tb}", [h.make_node("FusedMatMul", ["a", "b"], ["y"], domain=MS, transA=ta, transB=tb, alpha=alpha)],
             [vi("a", TP.FLOAT, sa), vi("b", TP.FLOAT, sb)], [vi("y", TP.FLOAT, [2, 3, 4, 6])],
             [{"a": f32(r, *sa), "b": f32(r, *sb)}], ms=True)
    case("ms_fusedmatmul_2d_weight", [h.make_node("FusedMatMul", ["a", "w"], ["y"], domain=MS, transB=1, alpha=0.5)],
         [vi("a", TP.FLOAT, ["b", "s", 5])], [vi("y", TP.FLOAT, ["b", "s", 6])],
         [{"a": f32(r, 2, 3, 5)}], inits=[init("w", f32(r, 6, 5))], ms=True)
    case("ms_fusedmatmul_transbatch", [h.make_node("FusedMatMul", ["a", "b"], ["y"], domain=MS, transBatchA=1, transBatchB=1, transB=1)],
         [vi("a", TP.FLOAT, [4, 3, 2, 5]), vi("b", TP.FLOAT, [6, 3, 2, 5])], [vi("y", TP.FLOAT, None)],
         [{"a": f32(r, 4, 3, 2, 5), "b": f32(r, 6, 3, 2, 5)}], ms=True)


# ---------------------------------------------------------------------------
# recurrences: states fed as inputs, peepholes, sequence_lens, clip,
# activations, GRU's recurrent candidate bias with linear_before_reset=1

def rnn_weights(r, op, D, H, I):
    G = {"LSTM": 4, "GRU": 3, "RNN": 1}[op]
    return (0.4 * f32(r, D, G * H, I), 0.4 * f32(r, D, G * H, H), 0.3 * f32(r, D, 2 * G * H))


def gen_rnn():
    r = rng(3)
    S, B, I, H = 4, 3, 5, 6
    variants = [
        # name, op, direction, extra attrs, use states, peepholes, seq lens, layout
        ("lstm_states", "LSTM", "forward", {}, True, False, False, 0),
        ("lstm_peepholes_states", "LSTM", "forward", {}, True, True, False, 0),
        ("lstm_bidir_states_seqlens", "LSTM", "bidirectional", {}, True, True, True, 0),
        ("lstm_reverse_seqlens", "LSTM", "reverse", {}, False, False, True, 0),
        ("lstm_clip_acts", "LSTM", "forward", {"clip": 0.5, "activations": ["HardSigmoid", "Tanh", "Softsign"], "activation_alpha": [0.3], "activation_beta": [0.4]}, True, False, False, 0),
        ("gru_lbr1_bias_states", "GRU", "forward", {"linear_before_reset": 1}, True, False, False, 0),
        ("gru_lbr0_states", "GRU", "forward", {}, True, False, False, 0),
        ("gru_bidir_lbr1_seqlens", "GRU", "bidirectional", {"linear_before_reset": 1}, True, False, True, 0),
        ("rnn_tanh_states", "RNN", "forward", {}, True, False, False, 0),
        ("rnn_bidir_relu_seqlens", "RNN", "bidirectional", {"activations": ["Relu", "LeakyRelu"], "activation_alpha": [0.1]}, True, False, True, 0),
    ]
    for name, op, direction, attrs, states, peep, seqlens, layout in variants:
        D = 2 if direction == "bidirectional" else 1
        W, R, Bb = rnn_weights(r, op, D, H, I)
        xshape = [S, "batch", I] if layout == 0 else ["batch", S, I]
        sshape = [D, "batch", H] if layout == 0 else ["batch", D, H]
        ins = ["x", "W", "R", "B", "seq" if seqlens else "", "h0" if states else ""]
        inputs = [vi("x", TP.FLOAT, xshape)]
        feed = {"x": f32(r, *([S, B, I] if layout == 0 else [B, S, I]))}
        inits = [init("W", W), init("R", R), init("B", Bb)]
        if seqlens:
            inputs.append(vi("seq", TP.INT32, ["batch"]))
            feed["seq"] = np.array([4, 2, 1], np.int32)
        if states:
            inputs.append(vi("h0", TP.FLOAT, sshape))
            feed["h0"] = 0.5 * f32(r, *([D, B, H] if layout == 0 else [B, D, H]))
        outs = ["y", "yh"]
        if op == "LSTM":
            ins.append("c0" if states else "")
            if states:
                inputs.append(vi("c0", TP.FLOAT, sshape))
                feed["c0"] = 0.5 * f32(r, *([D, B, H] if layout == 0 else [B, D, H]))
            if peep:
                ins.append("P")
                inits.append(init("P", 0.5 * f32(r, D, 3 * H)))
            outs.append("yc")
        while ins and ins[-1] == "":
            ins.pop()
        node = h.make_node(op, ins, outs, hidden_size=H, direction=direction, **attrs)
        case(name, [node], inputs, [vi(o, TP.FLOAT, None) for o in outs], [feed], inits=inits, opset=14, tol=1e-5, check=False)


# ---------------------------------------------------------------------------
# control flow resolved at conversion time

def gen_control():
    r = rng(4)
    # If on a shape-derived condition (silero-vad op15: squeeze when the
    # last dim is 1), then branches that read the outer scope.
    then_g = h.make_graph([h.make_node("Squeeze", ["x", "ax"], ["t_out"])], "then", [], [vi("t_out", TP.FLOAT, None)],
                          initializer=[init("ax", np.array([-1], np.int64))])
    else_g = h.make_graph([h.make_node("Identity", ["x"], ["e_out"])], "else", [], [vi("e_out", TP.FLOAT, None)])
    nodes = [h.make_node("Shape", ["x"], ["s"]),
             h.make_node("Gather", ["s", "m1"], ["last"], axis=0),
             h.make_node("Equal", ["last", "one"], ["cond"]),
             h.make_node("If", ["cond"], ["y0"], then_branch=then_g, else_branch=else_g),
             h.make_node("Relu", ["y0"], ["y"])]
    ifinits = [init("m1", np.array(-1, np.int64)), init("one", np.array(1, np.int64))]
    case("if_shape_cond_static", nodes, [vi("x", TP.FLOAT, ["b", 4, 1])], [vi("y", TP.FLOAT, None)],
         [{"x": f32(r, 2, 4, 1)}, {"x": f32(r, 3, 4, 1)}], inits=ifinits, opset=13, check=False)
    # the same with the last dim dynamic: the branches give different
    # ranks, so the conversion must refuse (and name --freeze l=N)
    case("if_shape_cond_dynamic", nodes, [vi("x", TP.FLOAT, ["b", 4, "l"])], [vi("y", TP.FLOAT, None)],
         [{"x": f32(r, 2, 4, 1)}, {"x": f32(r, 2, 4, 3)}], inits=ifinits, opset=13, check=False)
    # Nested If whose inner condition only becomes known once the outer is folded
    inner_then = h.make_graph([h.make_node("Mul", ["x", "two"], ["it"])], "it", [], [vi("it", TP.FLOAT, None)])
    inner_else = h.make_graph([h.make_node("Neg", ["x"], ["ie"])], "ie", [], [vi("ie", TP.FLOAT, None)])
    outer_then = h.make_graph([h.make_node("Shape", ["x"], ["s2"]), h.make_node("Size", ["s2"], ["rk"]),
                               h.make_node("Equal", ["rk", "three"], ["c2"]),
                               h.make_node("If", ["c2"], ["ot"], then_branch=inner_then, else_branch=inner_else)], "ot", [], [vi("ot", TP.FLOAT, None)])
    outer_else = h.make_graph([h.make_node("Identity", ["x"], ["oe"])], "oe", [], [vi("oe", TP.FLOAT, None)])
    nodes = [h.make_node("Shape", ["x"], ["s"]), h.make_node("Gather", ["s", "zero"], ["d0"], axis=0),
             h.make_node("Greater", ["d0", "zero"], ["cond"]),
             h.make_node("If", ["cond"], ["y"], then_branch=outer_then, else_branch=outer_else)]
    case("if_nested", nodes, [vi("x", TP.FLOAT, [2, "n", 3])], [vi("y", TP.FLOAT, None)], [{"x": f32(r, 2, 4, 3)}],
         inits=[init("zero", np.array(0, np.int64)), init("three", np.array(3, np.int64)), init("two", np.array(2, np.float32))], opset=13, check=False)
    # Loop with a constant trip count: a carried value and a scan output
    body = h.make_graph([h.make_node("Cast", ["i"], ["fi"], to=TP.FLOAT),
                         h.make_node("Mul", ["acc_in", "w"], ["m"]),
                         h.make_node("Add", ["m", "fi"], ["acc_out"]),
                         h.make_node("ReduceSum", ["acc_out"], ["sc"], keepdims=0),
                         h.make_node("Identity", ["c_in"], ["c_out"])], "body",
                        [vi("i", TP.INT64, []), vi("c_in", TP.BOOL, []), vi("acc_in", TP.FLOAT, None)],
                        [vi("c_out", TP.BOOL, []), vi("acc_out", TP.FLOAT, None), vi("sc", TP.FLOAT, None)])
    nodes = [h.make_node("Loop", ["trips", "", "x"], ["acc", "scan"], body=body)]
    case("loop_static_trips", nodes, [vi("x", TP.FLOAT, [2, 3])], [vi("acc", TP.FLOAT, None), vi("scan", TP.FLOAT, None)],
         [{"x": f32(r, 2, 3)}], inits=[init("trips", np.array(4, np.int64)), init("w", 0.5 * f32(r, 3))], opset=13, check=False)
    # Scan (opset 9+): running sum over axis 1, one reversed scan input
    body = h.make_graph([h.make_node("Add", ["st_in", "xs"], ["st_out"]),
                         h.make_node("Mul", ["st_out", "ys"], ["o"])], "sbody",
                        [vi("st_in", TP.FLOAT, [2]), vi("xs", TP.FLOAT, [2]), vi("ys", TP.FLOAT, [2])],
                        [vi("st_out", TP.FLOAT, [2]), vi("o", TP.FLOAT, [2])])
    nodes = [h.make_node("Scan", ["s0", "x", "y"], ["final", "outs"], body=body, num_scan_inputs=2,
                         scan_input_axes=[1, 0], scan_input_directions=[0, 1], scan_output_axes=[1])]
    case("scan_axes_directions", nodes, [vi("s0", TP.FLOAT, [2]), vi("x", TP.FLOAT, [2, 5]), vi("y", TP.FLOAT, [5, 2])],
         [vi("final", TP.FLOAT, None), vi("outs", TP.FLOAT, None)],
         [{"s0": f32(r, 2), "x": f32(r, 2, 5), "y": f32(r, 5, 2)}], opset=11, check=False)


# ---------------------------------------------------------------------------
# block-quantized embeddings (onnxruntime-genai int4: tied lm_head/embedding)

def gen_gbq():
    r = rng(5)
    rows, K, bs = 10, 64, 32
    nb = K // bs
    idx = np.array([[3, 0, 9], [-1, 12, 4]], np.int64)  # -1 wraps, 12 is out of range: zeros
    feeds = [{"ids": idx}, {"ids": np.array([[1, 2]], np.int64)}]
    sc = (0.05 * (1 + r.random((rows, nb)))).astype(np.float32)
    packed = r.integers(0, 256, (rows, K // 2), dtype=np.uint8)

    def gbq(name, data_inputs, inits, attrs, ins=("table", "ids", "sc"), scales=sc, dtype=TP.FLOAT):
        nodes = data_inputs + [h.make_node("GatherBlockQuantized", list(ins), ["y"], domain=MS, **attrs)]
        case(name, nodes, [vi("ids", TP.INT64, ["b", "s"])], [vi("y", dtype, ["b", "s", K])], feeds,
             inits=inits + [init("sc", scales)], ms=True)

    gbq("gbq_u8_4bit", [], [init("table", packed)], dict(bits=4, block_size=bs))
    zp = r.integers(0, 256, (rows, (nb + 1) // 2), dtype=np.uint8)
    gbq("gbq_u8_4bit_zp", [], [init("table", packed), init("zp", zp)], dict(bits=4, block_size=bs), ins=("table", "ids", "sc", "zp"))
    gbq("gbq_u8_8bit", [], [init("table", r.integers(0, 256, (rows, K), dtype=np.uint8))], dict(bits=8, block_size=bs))
    gbq("gbq_u8_4bit_f16", [], [init("table", packed)], dict(bits=4, block_size=bs), scales=sc.astype(np.float16), dtype=TP.FLOAT16)
    # int4 / uint4 data: one value per element (default zero point 0)
    i4 = h.make_tensor("table", TP.INT4, [rows, K], r.integers(-8, 8, rows * K).tolist())
    gbq("gbq_int4", [], [i4], dict(bits=4, block_size=bs))
    u4 = h.make_tensor("table", TP.UINT4, [rows, K], r.integers(0, 16, rows * K).tolist())
    gbq("gbq_uint4", [], [u4], dict(bits=4, block_size=bs))
    # tied embeddings: the table is lm_head's MatMulNBits weight
    # [N, blocks, blob] reshaped to [N, K/2]
    q4 = packed.reshape(rows, nb, bs // 2)
    gbq("gbq_tied_reshape", [h.make_node("Reshape", ["w_q4", "shape"], ["table"])],
        [init("w_q4", q4), init("shape", np.array([rows, K // 2], np.int64))], dict(bits=4, block_size=bs, gather_axis=0, quantize_axis=1))


# ---------------------------------------------------------------------------
# GroupQueryAttention with per-row seqlens_k (onnxruntime-genai batches:
# padded prompts, rows of different lengths decoding together)

def gen_gqa():
    r = rng(6)
    N, KV, H = 4, 2, 16  # ORT's rotary needs head_size % 16 == 0
    maxpos = 16
    cosc = np.cos(r.random((maxpos, H // 2))).astype(np.float32)
    sinc = np.sin(r.random((maxpos, H // 2))).astype(np.float32)

    def gqa(name, B, S, P, seqlens, rotary=False, packed=False, softcap=0.0, interleaved=False):
        attrs = dict(num_heads=N, kv_num_heads=KV)
        if rotary:
            attrs.update(do_rotary=1, rotary_interleaved=int(interleaved))
        if softcap:
            attrs["softcap"] = softcap
        ins = ["q", "" if packed else "k", "" if packed else "v", "pk" if P else "", "pv" if P else "", "sk", "tot"]
        inputs = [vi("q", TP.FLOAT, ["batch", "seq", (N + 2 * KV) * H if packed else N * H])]
        feed = {"q": f32(r, B, S, (N + 2 * KV) * H if packed else N * H)}
        if not packed:
            inputs += [vi("k", TP.FLOAT, ["batch", "seq", KV * H]), vi("v", TP.FLOAT, ["batch", "seq", KV * H])]
            feed.update(k=f32(r, B, S, KV * H), v=f32(r, B, S, KV * H))
        if P:
            inputs += [vi("pk", TP.FLOAT, ["batch", KV, "past", H]), vi("pv", TP.FLOAT, ["batch", KV, "past", H])]
            feed.update(pk=f32(r, B, KV, P, H), pv=f32(r, B, KV, P, H))
        inputs += [vi("sk", TP.INT32, ["batch"]), vi("tot", TP.INT32, [])]
        feed.update(sk=np.array(seqlens, np.int32) - 1, tot=np.array(P + S, np.int32))
        inits = []
        if rotary:
            ins += ["cos", "sin"]
            inits = [init("cos", cosc), init("sin", sinc)]
        node = h.make_node("GroupQueryAttention", ins, ["out", "present_key", "present_value"], domain=MS, **attrs)
        outs = [vi("out", TP.FLOAT, ["batch", "seq", N * H]), vi("present_key", TP.FLOAT, ["batch", KV, "total", H]),
                vi("present_value", TP.FLOAT, ["batch", KV, "total", H])]
        case(name, [node], inputs, outs, [feed], inits=inits, ms=True)

    gqa("gqa_prompt_uniform", 2, 4, 0, [4, 4])
    gqa("gqa_prompt_right_padded", 2, 4, 0, [2, 4])
    gqa("gqa_prompt_padded_rotary", 3, 5, 0, [5, 3, 1], rotary=True)
    gqa("gqa_decode_uniform", 2, 1, 3, [4, 4])
    gqa("gqa_decode_per_row", 2, 1, 3, [4, 2])
    gqa("gqa_decode_per_row_rotary", 3, 1, 4, [5, 3, 2], rotary=True)
    gqa("gqa_decode_per_row_interleaved_softcap", 2, 1, 4, [3, 5], rotary=True, interleaved=True, softcap=2.0)
    gqa("gqa_decode_per_row_packed", 2, 1, 3, [2, 4], packed=True, rotary=True)
    gqa("gqa_chunk_b1", 1, 2, 3, [5], rotary=True)  # ORT: batch 1 only for S > 1 with a past


# ---------------------------------------------------------------------------
# ORT quantizer output: dynamic (DynamicQuantizeMatMul, MatMulIntegerToFloat)
# and QOperator static (QGemm, QLinear*)

def gen_quant():
    r = rng(7)
    u8 = lambda *s: r.integers(0, 256, s, dtype=np.uint8)
    i8 = lambda *s: r.integers(-128, 128, s, dtype=np.int8)
    K, N = 40, 6
    for name, bq, bs, bz, bias in [
        ("dqmatmul_i8_scalar", i8(K, N), np.array(0.02, np.float32), None, None),
        ("dqmatmul_u8_zp_bias", u8(K, N), np.array([0.01], np.float32), np.array([128], np.uint8), 0.5 * f32(r, N)),
        ("dqmatmul_i8_percol", i8(K, N), (0.01 + 0.02 * r.random(N)).astype(np.float32), None, 0.5 * f32(r, N)),
    ]:
        ins = ["a", "b", "bs", "bz" if bz is not None else "", "bias" if bias is not None else ""]
        while ins[-1] == "":
            ins.pop()
        inits = [init("b", bq), init("bs", bs)] + ([init("bz", bz)] if bz is not None else []) + ([init("bias", bias)] if bias is not None else [])
        case(name, [h.make_node("DynamicQuantizeMatMul", ins, ["y"], domain=MS)], [vi("a", TP.FLOAT, ["b", "s", K])],
             [vi("y", TP.FLOAT, ["b", "s", N])], [{"a": f32(r, 2, 3, K)}, {"a": np.zeros((1, 2, K), np.float32)}, {"a": -np.abs(f32(r, 1, 4, K))}], inits=inits, ms=True)
    case("dynamicquantizelinear_zeros", [h.make_node("DynamicQuantizeLinear", ["x"], ["y", "s", "z"])], [vi("x", TP.FLOAT, [2, 3])],
         [vi("y", TP.UINT8, [2, 3]), vi("s", TP.FLOAT, []), vi("z", TP.UINT8, [])], [{"x": np.zeros((2, 3), np.float32)}, {"x": f32(r, 2, 3)}])
    case("matmulintegertofloat_u8_i8", [h.make_node("MatMulIntegerToFloat", ["a", "b", "as", "bs", "az", "bz", "bias"], ["y"], domain=MS)],
         [vi("a", TP.UINT8, ["b", "s", K])], [vi("y", TP.FLOAT, ["b", "s", N])], [{"a": u8(2, 3, K)}],
         inits=[init("b", i8(K, N)), init("as", np.array(0.03, np.float32)), init("bs", (0.01 + 0.01 * r.random(N)).astype(np.float32)),
                init("az", np.array(120, np.uint8)), init("bz", np.zeros(N, np.int8)), init("bias", f32(r, N))], ms=True)
    case("matmulintegertofloat_swapped_scales", [h.make_node("MatMulIntegerToFloat", ["a", "b", "bs", "as"], ["y"], domain=MS)],
         [vi("a", TP.UINT8, [3, K])], [vi("y", TP.FLOAT, [3, N])], [{"a": u8(3, K)}],
         inits=[init("b", u8(K, N)), init("as", np.array(0.03, np.float32)), init("bs", (0.01 + 0.01 * r.random(N)).astype(np.float32))], ms=True)
    # QGemm: float output, requantized output, int32 bias, transB
    M = 5
    for name, quant_out, transB, with_c in [("qgemm_float_c", False, 0, True), ("qgemm_u8_out_transb", True, 1, True), ("qgemm_u8_out", True, 0, False)]:
        bshape = (N, K) if transB else (K, N)
        ins = ["a", "as", "az", "b", "bs", "bz", "c" if with_c else ""]
        inits = [init("as", np.array(0.02, np.float32)), init("az", np.array(130, np.uint8)), init("b", i8(*bshape)),
                 init("bs", np.array(0.015, np.float32)), init("bz", np.array(0, np.int8))]
        if with_c:
            inits.append(init("c", r.integers(-2000, 2000, N).astype(np.int32)))
        if quant_out:
            ins += ["ys", "yz"]
            inits += [init("ys", np.array(0.25, np.float32)), init("yz", np.array(100, np.uint8))]
        while ins[-1] == "":
            ins.pop()
        case(name, [h.make_node("QGemm", ins, ["y"], domain=MS, transB=transB, alpha=0.75)], [vi("a", TP.UINT8, [M, K])],
             [vi("y", TP.UINT8 if quant_out else TP.FLOAT, [M, N])], [{"a": u8(M, K)}], inits=inits, ms=True)
    # a dot product longer than float32's exact integer range: chunked
    case("matmulinteger_k1024", [h.make_node("MatMulInteger", ["a", "b", "az", "bz"], ["y"])],
         [vi("a", TP.UINT8, ["b", 1024])], [vi("y", TP.INT32, ["b", 5])], [{"a": np.full((2, 1024), 255, np.uint8)}, {"a": u8(3, 1024)}],
         inits=[init("b", np.concatenate([np.full((1024, 1), -127, np.int8), i8(1024, 4)], axis=1)), init("az", np.array(0, np.uint8)), init("bz", np.array(0, np.int8))])
    case("convinteger_576_terms", [h.make_node("ConvInteger", ["x", "w", "xz"], ["y"], pads=[1, 1, 1, 1])],
         [vi("x", TP.UINT8, [1, 64, 5, 5])], [vi("y", TP.INT32, [1, 2, 5, 5])], [{"x": np.full((1, 64, 5, 5), 255, np.uint8)}, {"x": u8(1, 64, 5, 5)}],
         inits=[init("w", np.concatenate([np.full((1, 64, 3, 3), 127, np.uint8), u8(1, 64, 3, 3)])), init("xz", np.array(0, np.uint8))])
    case("qlinearconv_576_terms", [h.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz"], ["y"], pads=[1, 1, 1, 1])],
         [vi("x", TP.UINT8, [1, 64, 4, 4])], [vi("y", TP.UINT8, [1, 2, 4, 4])], [{"x": u8(1, 64, 4, 4)}],
         inits=[init("xs", np.array(0.02, np.float32)), init("xz", np.array(128, np.uint8)), init("w", i8(2, 64, 3, 3)),
                init("ws", np.array(0.01, np.float32)), init("wz", np.array(0, np.int8)), init("ys", np.array(2.0, np.float32)), init("yz", np.array(128, np.uint8))])
    # 1-D integer convolutions (quantize_dynamic's Whisper encoder)
    case("convinteger_1d", [h.make_node("ConvInteger", ["x", "w", "xz", "wz"], ["y"], pads=[1, 1], strides=[2])],
         [vi("x", TP.UINT8, ["b", 4, "l"])], [vi("y", TP.INT32, ["b", 3, None])], [{"x": u8(2, 4, 9)}, {"x": u8(1, 4, 16)}],
         inits=[init("w", u8(3, 4, 3)), init("xz", np.array(128, np.uint8)), init("wz", np.array(120, np.uint8))], check=False)
    case("qlinearconv_1d", [h.make_node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], pads=[1, 1])],
         [vi("x", TP.UINT8, [1, 4, 10])], [vi("y", TP.UINT8, [1, 3, 10])], [{"x": u8(1, 4, 10)}],
         inits=[init("xs", np.array(0.02, np.float32)), init("xz", np.array(128, np.uint8)), init("w", i8(3, 4, 3)),
                init("ws", np.array([0.01, 0.02, 0.015], np.float32)), init("wz", np.zeros(3, np.int8)),
                init("ys", np.array(0.05, np.float32)), init("yz", np.array(120, np.uint8)), init("b", r.integers(-500, 500, 3).astype(np.int32))])
    # QLinear binary / unary / concat / global average pool, uint8 and int8
    for dt, gen_t, lo in ((TP.UINT8, u8, 0), (TP.INT8, i8, -128)):
        tag = "u8" if dt == TP.UINT8 else "i8"
        npdt = np.uint8 if dt == TP.UINT8 else np.int8
        zp = lambda v: np.array(v + lo, npdt)
        for op in ("QLinearAdd", "QLinearMul"):
            case(f"{op.lower()}_{tag}", [h.make_node(op, ["a", "as", "az", "b", "bs", "bz", "cs", "cz"], ["c"], domain=MS)],
                 [vi("a", dt, [2, 3, 4]), vi("b", dt, [3, 1])], [vi("c", dt, [2, 3, 4])], [{"a": gen_t(2, 3, 4), "b": gen_t(3, 1)}],
                 inits=[init("as", np.array(0.05, np.float32)), init("az", zp(120)), init("bs", np.array(0.03, np.float32)), init("bz", zp(128)),
                        init("cs", np.array(0.07 if op == "QLinearAdd" else 1.1, np.float32)), init("cz", zp(125))], ms=True)
        allv = (np.arange(256) + lo).astype(npdt).reshape(1, 256)
        case(f"qlinearsigmoid_{tag}", [h.make_node("QLinearSigmoid", ["x", "xs", "xz", "ys", "yz"], ["y"], domain=MS)],
             [vi("x", dt, [1, 256])], [vi("y", dt, [1, 256])], [{"x": allv}],
             inits=[init("xs", np.array(0.045, np.float32)), init("xz", zp(128)), init("ys", np.array(1 / 256, np.float32)), init("yz", zp(0))], ms=True)
        case(f"qlinearleakyrelu_{tag}", [h.make_node("QLinearLeakyRelu", ["x", "xs", "xz", "ys", "yz"], ["y"], domain=MS, alpha=0.1)],
             [vi("x", dt, [1, 256])], [vi("y", dt, [1, 256])], [{"x": allv}],
             inits=[init("xs", np.array(0.045, np.float32)), init("xz", zp(100)), init("ys", np.array(0.03, np.float32)), init("yz", zp(30))], ms=True)
        case(f"qlinearconcat_{tag}", [h.make_node("QLinearConcat", ["ys", "yz", "a", "as", "az", "b", "bs", "bz"], ["y"], domain=MS, axis=1)],
             [vi("a", dt, [2, 3, 4]), vi("b", dt, [2, 5, 4])], [vi("y", dt, [2, 8, 4])], [{"a": gen_t(2, 3, 4), "b": gen_t(2, 5, 4)}],
             inits=[init("ys", np.array(0.05, np.float32)), init("yz", zp(128)), init("as", np.array(0.05, np.float32)), init("az", zp(128)),
                    init("bs", np.array(0.031, np.float32)), init("bz", zp(110))], ms=True)
        case(f"qlinearglobalavgpool_{tag}", [h.make_node("QLinearGlobalAveragePool", ["x", "xs", "xz", "ys", "yz"], ["y"], domain=MS)],
             [vi("x", dt, [2, 3, 5, 7])], [vi("y", dt, [2, 3, 1, 1])], [{"x": gen_t(2, 3, 5, 7)}],
             inits=[init("xs", np.array(0.05, np.float32)), init("xz", zp(128)), init("ys", np.array(0.02, np.float32)), init("yz", zp(120))], ms=True)
        # QLinearAveragePool: windows summed in float32 in ONNX Runtime's
        # order, divided by the count, requantized
        qp = lambda: [init("xs", np.array(0.0173, np.float32)), init("xz", zp(131)), init("ys", np.array(0.0071, np.float32)), init("yz", zp(117))]
        pool_cases = [
            ("pads", [2, 3, 7, 8], [2, 3, 4, 4], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[1, 1, 1, 1])),
            ("incpad_ceil", [2, 3, 7, 8], [2, 3, 4, 4], dict(kernel_shape=[2, 3], strides=[2, 2], pads=[0, 1, 1, 0], ceil_mode=1, count_include_pad=1)),
            ("global", [1, 3, 4, 4], [1, 3, 1, 1], dict(kernel_shape=[4, 4])),
        ]
        if dt == TP.UINT8:
            pool_cases += [
                ("1d", [1, 4, 10], [1, 4, 10], dict(kernel_shape=[3], pads=[1, 1])),
                ("nhwc_same", [1, 6, 5, 3], [1, 6, 5, 3], dict(kernel_shape=[2, 2], auto_pad="SAME_UPPER", channels_last=1)),
                ("3d", [1, 2, 4, 5, 6], [1, 2, 2, 2, 2], dict(kernel_shape=[2, 2, 3], strides=[2, 2, 2])),
                ("ceil_exclpad", [1, 2, 9, 9], [1, 2, 4, 4], dict(kernel_shape=[3, 3], strides=[2, 2], pads=[0, 0, 1, 1], ceil_mode=1)),
            ]
        if dt == TP.UINT8:
            pool_cases += [
                # every window's sum is order-sensitive: 3x3 windows whose
                # float32 sum in ONNX Runtime's row-major order quantizes
                # differently from the reversed, pairwise or float64 sum
                ("order", [1, 1, 3, 3 * 48], [1, 1, 1, 48], dict(kernel_shape=[3, 3], strides=[3, 3])),
                # ties: window means on a 1/16 grid with an odd zero point
                # (the zero point is added before rounding half to even)
                ("ties", [1, 2, 6, 6], [1, 2, 5, 5], dict(kernel_shape=[2, 2])),
            ]
        # QLinearSoftmax (x_zero_point is not read by ONNX Runtime)
        sm_cases = [("op13", [2, 3, 10], dict(opset=13)), ("op13_axis1", [2, 5, 4], dict(opset=13, axis=1)),
                    ("op12", [2, 3, 4], dict(opset=12, axis=1))]
        if dt == TP.UINT8:
            sm_cases += [("order", [64, 16], dict(opset=13))]
        for sname, xshape, attrs in sm_cases:
            feed = gen_t(*xshape)
            if sname == "order":
                feed = order_sensitive_softmax_rows(64, 16, np.float32(0.11), np.float32(1 / 256))
            case(f"qlinearsoftmax_{sname}_{tag}", [h.make_node("QLinearSoftmax", ["x", "xs", "xz", "ys", "yz"], ["y"], domain=MS, **attrs)],
                 [vi("x", dt, xshape)], [vi("y", dt, xshape)], [{"x": feed}],
                 inits=[init("xs", np.array(0.11, np.float32)), init("xz", zp(128)), init("ys", np.array(1 / 256, np.float32)), init("yz", zp(0))], ms=True)
        for pname, xshape, yshape, attrs in pool_cases:
            feed = gen_t(*xshape)
            inits = qp()
            if pname == "order":
                feed = order_sensitive_windows(48)
                inits = [init("xs", np.array(0.0173, np.float32)), init("xz", zp(131)), init("ys", np.array(0.0173 * 2 / 9, np.float32)), init("yz", zp(117))]
            if pname == "ties":
                inits = [init("xs", np.array(0.25, np.float32)), init("xz", zp(128)), init("ys", np.array(1.0, np.float32)), init("yz", zp(117))]
            case(f"qlinearavgpool_{pname}_{tag}", [h.make_node("QLinearAveragePool", ["x", "xs", "xz", "ys", "yz"], ["y"], domain=MS, **attrs)],
                 [vi("x", dt, xshape)], [vi("y", dt, yshape)], [{"x": feed}], inits=inits, ms=True)


def order_sensitive_softmax_rows(count, d, xs, ys):
    """count uint8 rows of d elements whose QLinearSoftmax result depends
    on the order of the row's float32 sum (ONNX Runtime's element order
    against reversed and pairwise orders)."""
    r = rng(29)
    shift = max(0.0, np.log(np.float64(np.float32(np.finfo(np.float32).max) / np.float32(d))) - 5) / np.float64(xs)
    tab = np.exp((np.arange(256, dtype=np.float64) - 255 + shift) * np.float64(xs)).astype(np.float32)
    yscale = np.float32(np.floor(np.float32(1) / ys))
    picked = []
    while len(picked) < count:
        w = r.integers(0, 256, (1 << 14, d)).astype(np.uint8)
        e = tab[w.astype(np.int64) - w.max(axis=1, keepdims=True) + 255]
        def seq(cols):
            acc = np.zeros(len(e), np.float32)
            for k in cols:
                acc = (acc + e[:, k]).astype(np.float32)
            return acc
        v = [e[:, k] for k in range(d)]
        while len(v) > 1:
            nxt = [(v[i] + v[i + 1]).astype(np.float32) for i in range(0, len(v) - 1, 2)]
            if len(v) % 2:
                nxt.append(v[-1])
            v = nxt
        quant = lambda sm: np.minimum(np.rint(((e * yscale).astype(np.float32) / sm[:, None]).astype(np.float32)), 255)
        ref = quant(seq(range(d)))
        hit = np.zeros(len(e), bool)
        for alt in (seq(range(d - 1, -1, -1)), v[0]):
            hit |= (quant(alt) != ref).any(axis=1)
        picked.extend(w[hit][: count - len(picked)])
    return np.array(picked, np.uint8)


def order_sensitive_windows(count):
    """A [1, 1, 3, 3·count] uint8 input of 3x3 windows (x_scale 0.0173,
    zero points 131 / 117, y_scale 0.0173·2/9: odd integer sums fall on
    ties, which the float32 rounding decides) whose QLinearAveragePool
    result depends on the summation order: the float32 sum in ONNX
    Runtime's row-major order quantizes differently from the reversed,
    pairwise or float64 sum."""
    r = rng(23)
    xs, xz, ys, yz = np.float32(0.0173), 131, np.float32(0.0173 * 2 / 9), np.float32(117)
    def quant(vals):
        return np.clip(np.rint(np.float32(vals / np.float32(9)) / ys + yz), 0, 255)
    picked = []
    while len(picked) < count:
        w = r.integers(0, 256, (1 << 14, 9)).astype(np.uint8)
        dq = (xs * (w.astype(np.float32) - np.float32(xz))).astype(np.float32)
        def seq(cols):
            acc = np.zeros(len(dq), np.float32)
            for k in cols:
                acc = (acc + dq[:, k]).astype(np.float32)
            return acc
        v = [dq[:, k] for k in range(9)]
        while len(v) > 1:
            nxt = [(v[i] + v[i + 1]).astype(np.float32) for i in range(0, len(v) - 1, 2)]
            if len(v) % 2:
                nxt.append(v[-1])
            v = nxt
        ref = quant(seq(range(9)))
        alts = [quant(seq(range(8, -1, -1))), quant(v[0]), quant(dq.astype(np.float64).sum(axis=1).astype(np.float32))]
        hit = np.zeros(len(dq), bool)
        for a in alts:
            hit |= a != ref
        picked.extend(w[hit][: count - len(picked)])
    out = np.zeros((3, 3 * count), np.uint8)
    for k, w in enumerate(picked):
        out[:, 3 * k:3 * k + 3] = w.reshape(3, 3)
    return out.reshape(1, 1, 3, 3 * count)


def gen_dqlstm():
    """DynamicQuantizeLSTM as quantize_dynamic writes it: W [D, I, 4H] and
    R [D, H, 4H] int8 (or uint8) with per-direction or per-column scales."""
    r = rng(8)
    S, I, H = 5, 6, 4
    for name, direction, per_col, states, peep, u8, B in [
        ("dqlstm_fwd", "forward", False, False, False, False, 1),
        ("dqlstm_fwd_states_batches", "forward", False, True, False, False, (2, 3, 5)),
        ("dqlstm_bidir_percol", "bidirectional", True, True, True, False, 1),
        ("dqlstm_reverse_u8", "reverse", False, True, False, True, 1),
    ]:
        D = 2 if direction == "bidirectional" else 1
        G = 4 * H
        def quant(wf):
            if u8:
                lo, hi = wf.min(axis=1, keepdims=True), wf.max(axis=1, keepdims=True)
                sc = ((hi - lo) / 255).astype(np.float32)
                zp = np.clip(np.round(-lo / sc), 0, 255).astype(np.uint8)
                q = np.clip(np.round(wf / sc) + zp, 0, 255).astype(np.uint8)
                return q, sc.reshape(D, -1)[:, :1].reshape(D), zp.reshape(D, -1)[:, :1].reshape(D)
            amax = np.abs(wf).max(axis=1, keepdims=True) if per_col else np.abs(wf).max(axis=(1, 2), keepdims=True)
            sc = (amax / 127).astype(np.float32)
            q = np.clip(np.round(wf / sc), -127, 127).astype(np.int8)
            shape = (D, G) if per_col else (D,)
            return q, sc.reshape(shape), np.zeros(shape, np.int8)
        Wf = 0.5 * f32(r, D, I, G)
        Rf = 0.5 * f32(r, D, H, G)
        if u8:
            # per-direction uint8 (one range over the whole matrix)
            def quant(wf):
                lo, hi = min(0, wf.min()), max(0, wf.max())
                sc = np.float32((hi - lo) / 255)
                zp = np.uint8(np.clip(np.round(-lo / sc), 0, 255))
                q = np.clip(np.round(wf / sc) + zp, 0, 255).astype(np.uint8)
                return q, np.full((D,), sc, np.float32), np.full((D,), zp, np.uint8)
        Wq, Ws, Wz = quant(Wf)
        Rq, Rs, Rz = quant(Rf)
        ins = ["x", "W", "R", "B", "", "h0" if states else "", "c0" if states else "", "P" if peep else "", "Ws", "Wz", "Rs", "Rz"]
        inputs = [vi("x", TP.FLOAT, [S, "batch", I])]
        batches = B if isinstance(B, tuple) else (B,)
        feeds = [{"x": f32(r, S, b, I)} for b in batches]
        inits = [init("W", Wq), init("R", Rq), init("B", 0.3 * f32(r, D, 2 * G)), init("Ws", Ws), init("Wz", Wz), init("Rs", Rs), init("Rz", Rz)]
        if states:
            inputs += [vi("h0", TP.FLOAT, [D, "batch", H]), vi("c0", TP.FLOAT, [D, "batch", H])]
            for feed, b in zip(feeds, batches):
                feed.update(h0=0.5 * f32(r, D, b, H), c0=0.5 * f32(r, D, b, H))
        if peep:
            inits.append(init("P", 0.3 * f32(r, D, 3 * H)))
        node = h.make_node("DynamicQuantizeLSTM", ins, ["y", "yh", "yc"], domain=MS, hidden_size=H, direction=direction)
        # ORT quantizes each step's hidden state per group of batch rows,
        # one group per thread (2 threads for hidden ≤ 128 on a machine
        # with ≥ 3 hardware threads, as here)
        case(name, [node], inputs, [vi(o, TP.FLOAT, None) for o in ("y", "yh", "yc")], feeds, inits=inits, ms=True, tol=1e-4)


# ---------------------------------------------------------------------------
# com.microsoft.Attention (optimum --optimize O2/O3: BERT encoders, GPT-2
# with past/present)

def gen_attention():
    r = rng(9)
    Din, N = 16, 2
    H3 = 3 * Din
    w, bias = init("w", 0.3 * f32(r, Din, H3)), init("bias", 0.1 * f32(r, H3))

    def att(name, inputs, feeds, ins, attrs, inits=(), outs=("y",)):
        node = h.make_node("Attention", ins, list(outs), domain=MS, num_heads=N, **attrs)
        ov = [vi("y", TP.FLOAT, ["b", "s", Din])]
        if "present" in outs:
            ov.append(vi("present", TP.FLOAT, [2, "b", N, "t", Din // N]))
        case(name, [node], inputs, ov, feeds, inits=[w, bias] + list(inits), ms=True)

    x = lambda b, s: f32(r, b, s, Din)
    att("ms_attention_raw_mask", [vi("x", TP.FLOAT, ["b", "s", Din]), vi("m", TP.INT32, ["b", "s"])],
        [{"x": x(2, 5), "m": np.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], np.int32)}], ["x", "w", "bias", "m"], {})
    att("ms_attention_mask_1d_end", [vi("x", TP.FLOAT, ["b", "s", Din]), vi("m", TP.INT32, ["b"])],
        [{"x": x(2, 4), "m": np.array([2, 4], np.int32)}], ["x", "w", "bias", "m"], {})
    att("ms_attention_mask_1d_start_end", [vi("x", TP.FLOAT, [2, 5, Din]), vi("m", TP.INT32, [4])],
        [{"x": x(2, 5), "m": np.array([5, 4, 2, 0], np.int32)}], ["x", "w", "bias", "m"], {})
    att("ms_attention_mask_3d", [vi("x", TP.FLOAT, ["b", "s", Din]), vi("m", TP.INT32, ["b", "s", "s"])],
        [{"x": x(1, 4), "m": (r.random((1, 4, 4)) > 0.3).astype(np.int32)}], ["x", "w", "bias", "m"], {"scale": 0.3})
    att("ms_attention_gpt2_past", [vi("x", TP.FLOAT, ["b", "s", Din]), vi("m", TP.INT32, ["b", "t"]), vi("past", TP.FLOAT, [2, "b", N, "p", Din // N])],
        [{"x": x(2, 1), "m": np.array([[0, 1, 1, 1], [1, 1, 1, 1]], np.int32), "past": f32(r, 2, 2, N, 3, Din // N)},
         {"x": x(1, 3), "m": np.ones((1, 5), np.int32), "past": f32(r, 2, 1, N, 2, Din // N)}],
        ["x", "w", "bias", "m", "past"], {"unidirectional": 1}, outs=("y", "present"))
    att("ms_attention_causal_nomask_bias", [vi("x", TP.FLOAT, ["b", "s", Din])], [{"x": x(2, 4)}],
        ["x", "w", "bias", "", "", "ab"], {"unidirectional": 1, "mask_filter_value": -1e4}, inits=[init("ab", 0.5 * f32(r, 1, N, 4, 4))])


def gen_onnx_attention():
    """ai.onnx Attention (opsets 23, 24): what torch's dynamo exporter writes
    for scaled_dot_product_attention at opset ≥ 23."""
    r = rng(10)
    Hd = 8

    def att(name, opset, inputs, feeds, ins, attrs, outs=("y",)):
        node = h.make_node("Attention", ins, list(outs), **attrs)
        case(name, [node], inputs, [vi(o, TP.FLOAT, None) for o in outs], feeds, opset=opset, check=False)

    q4 = lambda b, n, s: f32(r, b, n, s, Hd)
    att("attention23_4d_causal", 23, [vi(n_, TP.FLOAT, ["b", 2, "s", Hd]) for n_ in "qkv"],
        [{"q": q4(2, 2, 5), "k": q4(2, 2, 5), "v": q4(2, 2, 5)}], ["q", "k", "v"], {"is_causal": 1})
    att("attention23_gqa_bool_mask", 23, [vi("q", TP.FLOAT, ["b", 4, "s", Hd]), vi("k", TP.FLOAT, ["b", 2, "s", Hd]), vi("v", TP.FLOAT, ["b", 2, "s", Hd]), vi("m", TP.BOOL, ["b", 1, "s", "s"])],
        [{"q": q4(2, 4, 3), "k": q4(2, 2, 3), "v": q4(2, 2, 3), "m": r.random((2, 1, 3, 3)) > 0.3}], ["q", "k", "v", "m"], {})
    att("attention23_float_mask_scale_softcap", 23, [vi(n_, TP.FLOAT, [1, 2, 4, Hd]) for n_ in "qkv"] + [vi("m", TP.FLOAT, [4, 4])],
        [{"q": q4(1, 2, 4), "k": q4(1, 2, 4), "v": q4(1, 2, 4), "m": f32(r, 4, 4)}], ["q", "k", "v", "m"], {"scale": 0.2, "softcap": 3.0})
    att("attention23_3d_past_causal", 23,
        [vi("q", TP.FLOAT, ["b", "s", 4 * Hd]), vi("k", TP.FLOAT, ["b", "s", 2 * Hd]), vi("v", TP.FLOAT, ["b", "s", 2 * Hd]),
         vi("pk", TP.FLOAT, ["b", 2, "p", Hd]), vi("pv", TP.FLOAT, ["b", 2, "p", Hd])],
        [{"q": f32(r, 2, 1, 4 * Hd), "k": f32(r, 2, 1, 2 * Hd), "v": f32(r, 2, 1, 2 * Hd), "pk": q4(2, 2, 3), "pv": q4(2, 2, 3)},
         {"q": f32(r, 1, 3, 4 * Hd), "k": f32(r, 1, 3, 2 * Hd), "v": f32(r, 1, 3, 2 * Hd), "pk": q4(1, 2, 2), "pv": q4(1, 2, 2)}],
        ["q", "k", "v", "", "pk", "pv"], {"is_causal": 1, "q_num_heads": 4, "kv_num_heads": 2}, outs=("y", "pres_k", "pres_v"))
    fm = np.ones((1, 1, 3, 3), bool)
    fm[0, 0, 1, :] = False
    att("attention23_fully_masked_row", 23, [vi(n_, TP.FLOAT, [1, 1, 3, Hd]) for n_ in "qkv"] + [vi("m", TP.BOOL, [1, 1, 3, 3])],
        [{"q": q4(1, 1, 3), "k": q4(1, 1, 3), "v": q4(1, 1, 3), "m": fm}], ["q", "k", "v", "m"], {})
    att("attention24_nonpad_causal", 24, [vi(n_, TP.FLOAT, [2, 2, 6, Hd]) for n_ in "kv"] + [vi("q", TP.FLOAT, [2, 2, 2, Hd]), vi("nonpad", TP.INT64, [2])],
        [{"q": q4(2, 2, 2), "k": q4(2, 2, 6), "v": q4(2, 2, 6), "nonpad": np.array([4, 6], np.int64)}], ["q", "k", "v", "", "", "", "nonpad"], {"is_causal": 1})


# ---------------------------------------------------------------------------
# STFT and DFT (audio feature extractors: onnx-asr's whisper/nemo/gigaam/
# kaldi/wespeaker preprocessors): non-power-of-2 lengths, windows,
# onesided true/false, frame_step != frame_length, real and complex,
# inverse, dft_length padding and truncating, DFT-20's axis input.

def hann(n):
    return (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)).astype(np.float32)


def gen_signal():
    r = rng(17)
    sig = lambda *shape: r.uniform(-1, 1, shape).astype(np.float32)
    # whisper: rank-2 signal, periodic Hann 400, hop 160, onesided.
    # ORT's float32 FFT of length 400 is off the exact (float64) DFT by up
    # to 5.8e-4 on bins of magnitude ~15 (runtime/onnx computes the exact
    # one; the lowered matmul sums 400 float32 products): tolerance 1e-3.
    case("stft_hann400_hop160", [h.make_node("STFT", ["x", "step", "w"], ["y"])],
         [vi("x", TP.FLOAT, ["b", "n"])], [vi("y", TP.FLOAT, ["b", "f", 201, 2])],
         [{"x": sig(2, 1600)}, {"x": sig(1, 1234)}],
         inits=[init("step", np.array(160, np.int64)), init("w", hann(400))], tol=1e-3)
    # rectangular frames of 10 via frame_length, step 3, both sides.
    case("stft_rect10_step3_twosided", [h.make_node("STFT", ["x", "step", "", "len"], ["y"], onesided=0)],
         [vi("x", TP.FLOAT, ["b", "n", 1])], [vi("y", TP.FLOAT, ["b", "f", 10, 2])],
         [{"x": sig(2, 31, 1)}, {"x": sig(1, 10, 1)}],
         inits=[init("step", np.array(3, np.int64)), init("len", np.array(10, np.int64))], tol=1e-5)
    # complex signal, Hamming-like window of 12, step 5.
    win = (0.54 - 0.46 * np.cos(2 * np.pi * np.arange(12) / 11)).astype(np.float32)
    case("stft_complex_win12_step5", [h.make_node("STFT", ["x", "step", "w"], ["y"], onesided=0)],
         [vi("x", TP.FLOAT, [2, 40, 2])], [vi("y", TP.FLOAT, [2, 6, 12, 2])],
         [{"x": sig(2, 40, 2)}], inits=[init("step", np.array(5, np.int64)), init("w", win)], tol=1e-5)
    # power of 2, step equal to the frame, odd onesided count.
    case("stft_hann16_step16", [h.make_node("STFT", ["x", "step", "w"], ["y"])],
         [vi("x", TP.FLOAT, [1, 64, 1])], [vi("y", TP.FLOAT, [1, 4, 9, 2])],
         [{"x": sig(1, 64, 1)}], inits=[init("step", np.array(16, np.int64)), init("w", hann(16))], tol=1e-5)
    # a window that is a graph input multiplies the kernels in the graph.
    case("stft_window_input_step4", [h.make_node("STFT", ["x", "step", "w"], ["y"])],
         [vi("x", TP.FLOAT, [2, 50]), vi("w", TP.FLOAT, [8])], [vi("y", TP.FLOAT, [2, 11, 5, 2])],
         [{"x": sig(2, 50), "w": hann(8) + sig(8) * 0.1}], inits=[init("step", np.array(4, np.int64))], tol=1e-5)
    case("dft_real7_onesided", [h.make_node("DFT", ["x"], ["y"], axis=1, onesided=1)],
         [vi("x", TP.FLOAT, ["b", 7, 1])], [vi("y", TP.FLOAT, ["b", 4, 2])],
         [{"x": sig(3, 7, 1)}], tol=1e-5)
    case("dft_complex9_inverse", [h.make_node("DFT", ["x"], ["y"], axis=1, inverse=1)],
         [vi("x", TP.FLOAT, [2, 9, 2])], [vi("y", TP.FLOAT, [2, 9, 2])],
         [{"x": sig(2, 9, 2)}], tol=1e-5)
    case("dft_real6_pad10", [h.make_node("DFT", ["x", "len"], ["y"], axis=1)],
         [vi("x", TP.FLOAT, [2, 6, 1])], [vi("y", TP.FLOAT, [2, 10, 2])],
         [{"x": sig(2, 6, 1)}], inits=[init("len", np.array(10, np.int64))], tol=1e-5)
    case("dft_real12_trunc8_onesided", [h.make_node("DFT", ["x", "len"], ["y"], axis=1, onesided=1)],
         [vi("x", TP.FLOAT, [2, 12, 1])], [vi("y", TP.FLOAT, [2, 5, 2])],
         [{"x": sig(2, 12, 1)}], inits=[init("len", np.array(8, np.int64))], tol=1e-5)
    # wespeaker: frames of 400 samples, n_fft 512 on axis -2, onesided.
    case("dft_frames400_nfft512", [h.make_node("DFT", ["x", "len"], ["y"], axis=-2, onesided=1)],
         [vi("x", TP.FLOAT, ["b", "f", 400, 1])], [vi("y", TP.FLOAT, ["b", "f", 257, 2])],
         [{"x": sig(2, 3, 400, 1)}], inits=[init("len", np.array(512, np.int64))], tol=1e-4)
    # opset 20: the axis is an input; a middle axis of a complex signal.
    case("dft20_axis1_complex", [h.make_node("DFT", ["x", "", "axis"], ["y"])],
         [vi("x", TP.FLOAT, [2, 5, 3, 2])], [vi("y", TP.FLOAT, [2, 5, 3, 2])],
         [{"x": sig(2, 5, 3, 2)}], inits=[init("axis", np.array(1, np.int64))], opset=20, tol=1e-5)


GENERATORS = [gen_small, gen_contrib_small, gen_rnn, gen_control, gen_gbq, gen_gqa, gen_quant, gen_dqlstm, gen_attention, gen_onnx_attention, gen_signal]


def main(only):
    for g in GENERATORS:
        g()
    manifest_path = os.path.join(HERE, "cases.json")
    cases = {}
    if only and os.path.exists(manifest_path):
        cases = json.load(open(manifest_path))["cases"]
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.log_severity_level = 3
    for name, c in sorted(CASES.items()):
        if only and name not in only:
            continue
        m = c["model"]
        if c["check"]:
            onnx.checker.check_model(m)
        data = m.SerializeToString()
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
        arrays = {}
        for k, feed in enumerate(c["feeds"]):
            outs = sess.run(None, feed)
            for n, v in feed.items():
                arrays[f"in{k}.{n}"] = v
            for o, v in zip(sess.get_outputs(), outs):
                arrays[f"out{k}.{o.name}"] = v
        with open(os.path.join(HERE, name + ".onnx"), "wb") as f:
            f.write(data)
        np.savez(os.path.join(HERE, name + ".npz"), **arrays)
        cases[name] = {"ops": c["ops"], "tol": c["tol"], "sets": len(c["feeds"])}
    if not only:
        for f in os.listdir(HERE):
            stem, ext = os.path.splitext(f)
            if ext in (".onnx", ".npz") and stem not in cases:
                os.remove(os.path.join(HERE, f))
    with open(manifest_path, "w") as f:
        json.dump({"onnxruntime": ort.__version__, "onnx": onnx.__version__, "cases": cases}, f, indent=1, sort_keys=True)
        f.write("\n")
    print(f"{len(cases)} cases (onnxruntime {ort.__version__})")


if __name__ == "__main__":
    main(set(sys.argv[1:]))
