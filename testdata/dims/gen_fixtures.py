#!/usr/bin/env python3
"""Writes the dims fixtures of testdata/dims/ (issue 13 items 1-4).

Run from the repository root with the project venv (onnx, numpy, onnxruntime):

    /work/venv/bin/python testdata/dims/gen_fixtures.py

Each model is tiny (random seeded weights) and mimics one exporter's way of
naming dims; every fixture is checked with ONNX Runtime at batch 1-3 with
left padding before it is written.

  optimum_decoder.onnx   optimum names: attention_mask and present.N.* have
                         the dim "past_sequence_length + sequence_length";
                         learned position table of 64 rows (GPT-2 style).
  genai_decoder.onnx     onnxruntime-genai names: attention_mask
                         [batch_size, total_sequence_length], past KV
                         [batch_size, 2, past_sequence_length, kv_cache_dim]
                         where kv_cache_dim is the head size (8), rotary
                         cos/sin caches of 48 rows gathered by position_ids.
  vit_patch.onnx         optimum ViT names: pixel_values [batch_size,
                         num_channels, height, width]; Conv 4x4/4 patches,
                         class token, 17-row position embedding (16x16 images).
  paddle_cls.onnx        PaddlePaddle style: x ["?", 3, "?", "?"] (three
                         different anonymous dims), conv + pool + fc.
  meta_dims.onnx         anonymous dims overridden by metadata_props
                         ("webnn-graph:dims" and ORT's freeDimensionOverrides).

smollm-tiny-optimum (the zoo's smollm-tiny with total_sequence_length
rewritten to optimum's expression form) is not committed: rewrite_smollm()
makes it from ../shared/zoo, and the Go tests do the same edit in memory.
"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
OPSET = [helper.make_opsetid("", 17)]
FMIN = float(np.finfo(np.float32).min)


def init(name, arr):
    return numpy_helper.from_array(np.asarray(arr), name)


def vi(name, elem, dims):
    return helper.make_tensor_value_info(name, elem, dims)


class G:
    """A small graph builder: g.op("MatMul", [a, b]) returns the output name."""

    def __init__(self, seed):
        self.nodes, self.inits, self.n = [], [], 0
        self.rng = np.random.default_rng(seed)

    def const(self, name, arr):
        self.inits.append(init(name, arr))
        return name

    def w(self, name, shape, scale=0.3):
        return self.const(name, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    def op(self, op, ins, n_out=1, name=None, domain=None, **attrs):
        self.n += 1
        name = name or f"/{op}_{self.n}"
        outs = [f"{name}_out{i}" for i in range(n_out)]
        self.nodes.append(helper.make_node(op, ins, outs, name=name, domain=domain, **attrs))
        return outs[0] if n_out == 1 else outs

    def i64(self, name, vals):
        return self.const(name, np.array(vals, dtype=np.int64))

    def dim(self, x, i):
        """Shape(x)[i] as a 1-D int64 tensor, as torch's tracer writes it."""
        s = self.op("Shape", [x])
        return self.op("Unsqueeze", [self.op("Gather", [s, self.i64(f"idx{self.n}", i)], axis=0), self.i64(f"ax{self.n}", [0])])


def decoder(kind, seed=7, layers=2, heads=2, head=8, vocab=32, pos_rows=64):
    """A pre-norm-free Llama/GPT-like decoder with KV cache and a padded causal mask."""
    g = G(seed)
    hidden = heads * head
    if kind == "optimum":
        total = "past_sequence_length + sequence_length"
        kv_last = head
        present_len = total
    else:
        total = "total_sequence_length"
        kv_last = "kv_cache_dim"
        present_len = "total_sequence_length"
    inputs = [
        vi("input_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
        vi("attention_mask", TensorProto.INT64, ["batch_size", total]),
        vi("position_ids", TensorProto.INT64, ["batch_size", "sequence_length"]),
    ]
    outputs = [vi("logits", TensorProto.FLOAT, ["batch_size", "sequence_length", vocab])]
    for l in range(layers):
        for kv in ("key", "value"):
            inputs.append(vi(f"past_key_values.{l}.{kv}", TensorProto.FLOAT, ["batch_size", heads, "past_sequence_length", kv_last]))
            outputs.append(vi(f"present.{l}.{kv}", TensorProto.FLOAT, ["batch_size", heads, present_len, head]))

    x = g.op("Gather", [g.w("embed", [vocab, hidden], 1.0), "input_ids"], axis=0, name="/model/embed_tokens/Gather")
    if kind == "optimum":
        # GPT-2 style learned positions: 64 rows cap past + sequence at 64.
        pe = g.op("Gather", [g.w("wpe", [pos_rows, hidden], 0.5), "position_ids"], axis=0, name="/model/wpe/Gather")
        x = g.op("Add", [x, pe])
    else:
        # Rotary caches of 48 rows, gathered by position_ids: [B, S, head/2].
        t = np.arange(48)[:, None] * (1.0 / (10000 ** (np.arange(0, head, 2) / head)))[None, :]
        cos = g.op("Gather", [g.const("cos_cache", np.cos(t).astype(np.float32)), "position_ids"], axis=0, name="/model/rotary/cos")
        sin = g.op("Gather", [g.const("sin_cache", np.sin(t).astype(np.float32)), "position_ids"], axis=0, name="/model/rotary/sin")
        cos = g.op("Unsqueeze", [g.op("Concat", [cos, cos], axis=-1), g.i64("ax_rot", [1])])  # [B,1,S,head]
        sin = g.op("Unsqueeze", [g.op("Concat", [sin, sin], axis=-1), g.i64("ax_rot2", [1])])

    # Mask: causal (key position <= past + query index) and padding, as
    # transformers' _prepare_4d_causal_attention_mask traces it.
    S = g.dim("input_ids", 1)
    T = g.dim("attention_mask", 1)
    P = g.op("Sub", [T, S])
    q_pos = g.op("Add", [g.op("Range", [g.i64("zero", 0), g.op("Squeeze", [S, g.i64("ax_sq", [0])]), g.i64("one", 1)]), P])
    k_pos = g.op("Range", [g.i64("zero2", 0), g.op("Squeeze", [T, g.i64("ax_sq2", [0])]), g.i64("one2", 1)])
    causal = g.op("LessOrEqual", [g.op("Unsqueeze", [k_pos, g.i64("ax_k", [0])]), g.op("Unsqueeze", [q_pos, g.i64("ax_q", [1])])])  # [S, T]
    pad = g.op("Cast", [g.op("Unsqueeze", ["attention_mask", g.i64("ax_pad", [1, 2])])], to=TensorProto.BOOL)  # [B,1,1,T]
    allowed = g.op("And", [causal, pad])  # [B,1,S,T]
    bias = g.op("Where", [allowed, g.const("zero_f", np.array(0, np.float32)), g.const("fmin", np.array(FMIN, np.float32))], name="/model/mask/Where")

    B = g.dim("input_ids", 0)
    for l in range(layers):
        def heads_of(t, nm):
            if l == 0:  # target from shapes, as torch traces x.view(b, s, h, d)
                shape = g.op("Concat", [B, S, g.i64(f"hh{l}{nm}", [heads]), g.i64(f"hd{l}{nm}", [head])], axis=0)
            else:  # a constant target with 0 = copy
                shape = g.i64(f"shape{l}{nm}", [0, 0, heads, head])
            return g.op("Transpose", [g.op("Reshape", [t, shape])], perm=[0, 2, 1, 3])

        q = heads_of(g.op("MatMul", [x, g.w(f"wq{l}", [hidden, hidden])]), "q")
        k = heads_of(g.op("MatMul", [x, g.w(f"wk{l}", [hidden, hidden])]), "k")
        v = heads_of(g.op("MatMul", [x, g.w(f"wv{l}", [hidden, hidden])]), "v")
        if kind != "optimum":
            def rot(t):
                a = g.op("Slice", [t, g.i64(f"s0{g.n}", [0]), g.i64(f"e0{g.n}", [head // 2]), g.i64(f"a0{g.n}", [3])])
                b = g.op("Slice", [t, g.i64(f"s1{g.n}", [head // 2]), g.i64(f"e1{g.n}", [head]), g.i64(f"a1{g.n}", [3])])
                half = g.op("Concat", [g.op("Neg", [b]), a], axis=3)
                return g.op("Add", [g.op("Mul", [t, cos]), g.op("Mul", [half, sin])])
            q, k = rot(q), rot(k)
        pk = g.op("Concat", [f"past_key_values.{l}.key", k], axis=2, name=f"/model/layers.{l}/attn/Concat_k")
        pv = g.op("Concat", [f"past_key_values.{l}.value", v], axis=2, name=f"/model/layers.{l}/attn/Concat_v")
        g.nodes.append(helper.make_node("Identity", [pk], [f"present.{l}.key"], name=f"/present.{l}.key"))
        g.nodes.append(helper.make_node("Identity", [pv], [f"present.{l}.value"], name=f"/present.{l}.value"))
        scores = g.op("Div", [g.op("MatMul", [q, g.op("Transpose", [pk], perm=[0, 1, 3, 2])]), g.const(f"scale{l}", np.array(np.sqrt(head), np.float32))])
        probs = g.op("Softmax", [g.op("Add", [scores, bias], name=f"/model/layers.{l}/attn/Add_mask")], axis=-1)
        ctxv = g.op("Transpose", [g.op("MatMul", [probs, pv])], perm=[0, 2, 1, 3])
        ctxv = g.op("Reshape", [ctxv, g.i64(f"merge{l}", [0, 0, hidden])])
        x = g.op("Add", [x, g.op("MatMul", [ctxv, g.w(f"wo{l}", [hidden, hidden])])])
        x = g.op("Add", [x, g.op("MatMul", [g.op("Relu", [g.op("MatMul", [x, g.w(f"w1{l}", [hidden, 2 * hidden])])]), g.w(f"w2{l}", [2 * hidden, hidden])])])
    g.nodes.append(helper.make_node("MatMul", [x, g.w("lm_head", [hidden, vocab])], ["logits"], name="/lm_head/MatMul"))
    graph = helper.make_graph(g.nodes, f"{kind}_decoder", inputs, outputs, g.inits)
    return helper.make_model(graph, opset_imports=OPSET, producer_name="webnn-graph testdata/dims")


def vit(seed=3):
    g = G(seed)
    inputs = [vi("pixel_values", TensorProto.FLOAT, ["batch_size", "num_channels", "height", "width"])]
    outputs = [vi("logits", TensorProto.FLOAT, ["batch_size", 5])]
    x = g.op("Conv", ["pixel_values", g.w("patch_w", [8, 3, 4, 4]), g.w("patch_b", [8])], strides=[4, 4], kernel_shape=[4, 4], name="/vit/embeddings/patch_embeddings/projection/Conv")
    x = g.op("Transpose", [g.op("Reshape", [x, g.op("Concat", [g.dim("pixel_values", 0), g.i64("c8", [8]), g.i64("m1", [-1])], axis=0)])], perm=[0, 2, 1])  # [B, N, 8]
    cls = g.op("Expand", [g.w("cls", [1, 1, 8]), g.op("Concat", [g.dim("pixel_values", 0), g.i64("ones2", [1, 1])], axis=0)])
    x = g.op("Concat", [cls, x], axis=1)
    x = g.op("Add", [x, g.w("pos", [1, 17, 8])], name="/vit/embeddings/Add")
    x = g.op("ReduceMean", [x], axes=[1], keepdims=0)
    g.nodes.append(helper.make_node("Gemm", [x, g.w("fc_w", [8, 5]), g.w("fc_b", [5])], ["logits"], name="/classifier/Gemm"))
    graph = helper.make_graph(g.nodes, "vit_patch", inputs, outputs, g.inits)
    return helper.make_model(graph, opset_imports=OPSET, producer_name="webnn-graph testdata/dims")


def paddle(seed=5, meta=None):
    g = G(seed)
    x_dims = ["?", 3, "?", "?"] if meta is None else ["unk__1", 3, "DynamicDimension.0", ""]
    inputs = [vi("x", TensorProto.FLOAT, x_dims)]
    outputs = [vi("save_infer_model/scale_0.tmp_0", TensorProto.FLOAT, ["?", 2])]
    y = g.op("Relu", [g.op("Conv", ["x", g.w("conv_w", [4, 3, 3, 3]), g.w("conv_b", [4])], pads=[1, 1, 1, 1], strides=[2, 2], kernel_shape=[3, 3])])
    y = g.op("Flatten", [g.op("GlobalAveragePool", [y])], axis=1)
    g.nodes.append(helper.make_node("Gemm", [y, g.w("fc_w", [4, 2]), g.w("fc_b", [2])], ["save_infer_model/scale_0.tmp_0"], name="fc"))
    graph = helper.make_graph(g.nodes, "paddle_cls" if meta is None else "meta_dims", inputs, outputs, g.inits)
    m = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 11)], producer_name="webnn-graph testdata/dims")
    for k, v in (meta or {}).items():
        m.metadata_props.append(onnx.StringStringEntryProto(key=k, value=v))
    return m


def rewrite_smollm(src, dst):
    """The zoo's smollm-tiny with optimum's expression dim: every
    total_sequence_length (mask input, present outputs) becomes
    "past_sequence_length + sequence_length"."""
    m = onnx.load(src)
    for v in list(m.graph.input) + list(m.graph.output) + list(m.graph.value_info):
        for d in v.type.tensor_type.shape.dim:
            if d.dim_param == "total_sequence_length":
                d.dim_param = "past_sequence_length + sequence_length"
    onnx.save(m, dst)


def left_padded(batch, past, seq, vocab, rng):
    """Inputs of a left-padded batch: row b has b pad tokens in front."""
    total = past + seq
    mask = np.ones((batch, total), np.int64)
    for b in range(batch):
        mask[b, : min(b, total - 1)] = 0
    pos = np.cumsum(mask, axis=1) - 1
    pos[mask == 0] = 1
    return {
        "input_ids": rng.integers(0, vocab, (batch, seq)).astype(np.int64),
        "attention_mask": mask,
        "position_ids": pos[:, past:].astype(np.int64),
    }


def check_decoder(path, kv_last=8):
    import onnxruntime as ort

    s = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    for batch in (1, 2, 3):
        for past, seq in ((0, 5), (4, 1), (3, 4)):
            feeds = left_padded(batch, past, seq, 32, rng)
            for i in s.get_inputs():
                if i.name.startswith("past_key_values"):
                    feeds[i.name] = rng.standard_normal((batch, 2, past, kv_last)).astype(np.float32)
            outs = s.run(None, feeds)
            assert np.isfinite(outs[0]).all(), (path, batch, past, seq)
            assert outs[1].shape == (batch, 2, past + seq, 8), outs[1].shape


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else HERE
    fixtures = {
        "optimum_decoder.onnx": decoder("optimum"),
        "genai_decoder.onnx": decoder("genai", seed=11),
        "vit_patch.onnx": vit(),
        "paddle_cls.onnx": paddle(),
        "meta_dims.onnx": paddle(seed=9, meta={
            "webnn-graph:dims": json.dumps({"unk__1": 1}),
            "freeDimensionOverrides": json.dumps({"DynamicDimension.0": 24}),
        }),
    }
    for name, m in fixtures.items():
        onnx.checker.check_model(m)
        p = os.path.join(out, name)
        onnx.save(m, p)
        print("wrote", p, os.path.getsize(p), "bytes")
    check_decoder(os.path.join(out, "optimum_decoder.onnx"))
    check_decoder(os.path.join(out, "genai_decoder.onnx"))
    zoo = os.path.join(HERE, "..", "..", "..", "shared", "zoo", "smollm-tiny", "model.onnx")
    if len(sys.argv) > 2 and os.path.exists(zoo):
        rewrite_smollm(zoo, sys.argv[2])
        print("wrote", sys.argv[2])


if __name__ == "__main__":
    main()
