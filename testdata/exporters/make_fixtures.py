#!/usr/bin/env python3
"""Makes the exporter fixtures: tiny, seeded, random-weight models exported by today's tools,
with reference cases from ONNX Runtime.

Each fixture is a folder testdata/exporters/<name>/ with the exported .onnx file(s) (and
external data where the tool writes it), cases/<case>.npz (keys in.<input>, out.<output>;
outputs from ONNX Runtime 1.3x, CPU EP, graph optimizations off) and meta.json (tool and
versions, config, cases, and for decoders the greedy tokens ONNX Runtime produces).

Run offline, once, in a venv with torch, transformers 4.57 (optimum-onnx's range),
optimum-onnx 0.1.0, onnxruntime-genai 0.18 (whose builder needs transformers 5: give it a
second site dir with --genai-pythonpath), onnxscript, onnx, onnxruntime, ultralytics, pillow:

    python testdata/exporters/make_fixtures.py [--genai-pythonpath DIR] [NAME ...]

CI never runs this (torch is ~3 GB); it commits the small results. Every model is seeded, so
a rerun with the same versions gives the same weights.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import onnxruntime as ort
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
VOCAB = 256
PAD = 0

# Decoder configs share one tiny shape: 2 layers, hidden 64, 4 query heads, 2 KV heads.
DECODER_COMMON = dict(vocab_size=VOCAB, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                      num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=128,
                      bos_token_id=1, eos_token_id=2)


def versions():
    import transformers
    v = {"torch": torch.__version__.split("+")[0], "transformers": transformers.__version__,
         "onnx": onnx.__version__, "onnxruntime": ort.__version__}
    for mod in ("optimum", "onnxscript"):
        try:
            v[mod] = __import__(mod).__version__
        except Exception:
            pass
    try:
        from importlib.metadata import version
        v["optimum-onnx"] = version("optimum-onnx")
        v["onnxruntime-genai"] = version("onnxruntime-genai")
    except Exception:
        pass
    return v


# ---------------------------------------------------------------- HF models

def tiny_tokenizer(d):
    """A word-level tokenizer over VOCAB tokens: the exporters want one beside the model."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import PreTrainedTokenizerFast
    vocab = {"t%d" % i: i for i in range(VOCAB)}
    vocab["<unk>"] = 0
    tok = Tokenizer(models.WordLevel(vocab=vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    PreTrainedTokenizerFast(tokenizer_object=tok, unk_token="<unk>", bos_token="t1", eos_token="t2",
                            pad_token="t0").save_pretrained(d)


def hf_decoder(kind, d, tied=False):
    import transformers as tf
    cfgs = {
        "llama": (tf.LlamaConfig, tf.LlamaForCausalLM, {}),
        "qwen2": (tf.Qwen2Config, tf.Qwen2ForCausalLM, {}),
        "qwen3": (tf.Qwen3Config, tf.Qwen3ForCausalLM, dict(head_dim=16)),
        "phi3": (tf.Phi3Config, tf.Phi3ForCausalLM, dict(pad_token_id=PAD)),
        "mistral": (tf.MistralConfig, tf.MistralForCausalLM, {}),
        "gemma3": (tf.Gemma3TextConfig, tf.Gemma3ForCausalLM, dict(head_dim=16, sliding_window=32, query_pre_attn_scalar=16)),
    }
    C, M, extra = cfgs[kind]
    torch.manual_seed(0)
    cfg = C(**DECODER_COMMON, **extra, tie_word_embeddings=tied)
    m = M(cfg).eval()
    # Random init leaves norms at 1 and biases at 0; perturb every parameter so each weight
    # matters to the outputs (a lowering that drops one would otherwise still match).
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.02)
    m.save_pretrained(d)
    tiny_tokenizer(d)
    return m


# ---------------------------------------------------------------- ORT cases

def session(path):
    so = ort.SessionOptions()
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    so.intra_op_num_threads = 1
    so.log_severity_level = 3
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def save_case(fixture_dir, name, feeds, outs):
    os.makedirs(os.path.join(fixture_dir, "cases"), exist_ok=True)
    arrays = {"in." + k: v for k, v in feeds.items()}
    arrays.update({"out." + k: v for k, v in outs.items()})
    np.savez_compressed(os.path.join(fixture_dir, "cases", name + ".npz"), **arrays)


class Decoder:
    """Drives a decoder-only ONNX model with optimum/genai names on ONNX Runtime."""

    def __init__(self, path):
        self.sess = session(path)
        self.inputs = {i.name: i for i in self.sess.get_inputs()}
        self.outputs = [o.name for o in self.sess.get_outputs()]
        self.past = [n for n in self.inputs if n.startswith("past_key_values.")]
        self.kv = {}
        # genai names the head size kv_cache_dim; its genai_config.json says what it is.
        gc = os.path.join(os.path.dirname(path), "genai_config.json")
        head_size = json.load(open(gc))["model"]["decoder"]["head_size"] if os.path.exists(gc) else None
        for n in self.past:
            shape = self.inputs[n].shape
            d = shape[3] if isinstance(shape[3], int) else head_size
            self.kv[n] = (shape[1], d)  # heads, head size

    def feeds(self, ids, mask, past):
        b = ids.shape[0]
        f = {"input_ids": ids.astype(np.int64), "attention_mask": mask.astype(np.int64)}
        if "position_ids" in self.inputs:
            pos = np.cumsum(mask, axis=1) - 1
            pos[mask == 0] = 1
            f["position_ids"] = pos[:, -ids.shape[1]:].astype(np.int64)
        for n in self.past:
            h, d = self.kv[n]
            f[n] = past[n] if past else np.zeros((b, h, 0, d), np.float32)
        return {k: v for k, v in f.items() if k in self.inputs}

    def run(self, feeds):
        res = self.sess.run(self.outputs, feeds)
        return dict(zip(self.outputs, res))

    def presents(self, outs):
        return {n: outs[n.replace("past_key_values.", "present.")] for n in self.past}


def decoder_cases(path, fixture_dir, model_file):
    """Prefill and one decode step at batch 1, 2 and 3 (2 and 3 left-padded), plus greedy
    tokens at batch 1. Returns the meta entries."""
    dec = Decoder(path)
    rng = np.random.default_rng(7)
    cases = []
    for b, pads in ((1, [0]), (2, [2, 0]), (3, [0, 3, 1])):
        s = 6
        ids = rng.integers(3, VOCAB, size=(b, s))
        mask = np.ones((b, s), np.int64)
        for r, p in enumerate(pads):
            ids[r, :p] = PAD
            mask[r, :p] = 0
        tag = "b%d" % b + ("_leftpad" if any(pads) else "")
        f = dec.feeds(ids, mask, None)
        outs = dec.run(f)
        save_case(fixture_dir, "prefill_" + tag, f, outs)
        cases.append({"name": "prefill_" + tag, "model": model_file})
        nxt = outs["logits"][:, -1].argmax(-1)[:, None]
        mask2 = np.concatenate([mask, np.ones((b, 1), np.int64)], axis=1)
        f2 = dec.feeds(nxt, mask2, dec.presents(outs))
        outs2 = dec.run(f2)
        save_case(fixture_dir, "decode_" + tag, f2, outs2)
        cases.append({"name": "decode_" + tag, "model": model_file})
    # Greedy decoding at batch 1: the tokens `webnn-graph generate` must reproduce.
    prompt = [int(x) for x in rng.integers(3, VOCAB, size=5)]
    ids = np.array([prompt])
    mask = np.ones_like(ids)
    past, tokens = None, []
    for _ in range(8):
        outs = dec.run(dec.feeds(ids, mask, past))
        t = int(outs["logits"][0, -1].argmax())
        tokens.append(t)
        past = dec.presents(outs)
        ids = np.array([[t]])
        mask = np.concatenate([mask, np.ones((1, 1), np.int64)], axis=1)
    return cases, {"model": model_file, "prompt": prompt, "tokens": tokens}


def copy_model(src_dir, names, dst_dir):
    for n in names:
        shutil.copy2(os.path.join(src_dir, n), os.path.join(dst_dir, n))


def write_meta(d, meta):
    with open(os.path.join(d, "meta.json"), "w") as f:
        json.dump(meta, f, indent=1, sort_keys=True)
        f.write("\n")


def fresh(name):
    d = os.path.join(HERE, name)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    return d


# ---------------------------------------------------------------- exporters

def optimum_decoder(kind, tmp):
    from optimum.exporters.onnx import main_export
    hf = os.path.join(tmp, kind + "-hf")
    m = hf_decoder(kind, hf)
    out = os.path.join(tmp, kind + "-optimum")
    main_export(hf, output=out, task="text-generation-with-past", do_validation=False)
    name = "optimum-" + kind
    d = fresh(name)
    copy_model(out, ["model.onnx"], d)
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "optimum-onnx main_export, task text-generation-with-past", "kind": "decoder",
                   "config": m.config.to_diff_dict(), "cases": cases, "greedy": greedy, "versions": versions()})
    return hf


def optimum_quantized(tmp):
    """ORT's quantizers applied to the optimum Llama export: quantize_dynamic (int8
    DynamicQuantizeLinear + MatMulInteger) and MatMulNBitsQuantizer (int4 MatMulNBits)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer
    src = os.path.join(HERE, "optimum-llama", "model.onnx")
    d = fresh("ortquant-dynamic-llama")
    quantize_dynamic(src, os.path.join(d, "model.onnx"), weight_type=QuantType.QInt8)
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "onnxruntime.quantization.quantize_dynamic (QInt8) of optimum-llama", "kind": "decoder",
                   "cases": cases, "greedy": greedy, "versions": versions()})
    d = fresh("ortquant-nbits-llama")
    q = MatMulNBitsQuantizer(onnx.load(src), block_size=16, is_symmetric=False)
    q.process()
    onnx.save(q.model.model, os.path.join(d, "model.onnx"))
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "onnxruntime.quantization MatMulNBitsQuantizer (4 bits, block 16, asymmetric) of optimum-llama",
                   "kind": "decoder", "cases": cases, "greedy": greedy, "versions": versions()})


def genai(kind, precision, tmp, pythonpath, tied=False):
    hf = os.path.join(tmp, "%s-hf%s" % (kind, "-tied" if tied else ""))
    if not os.path.isdir(hf):
        hf_decoder(kind, hf, tied=tied)
    out = os.path.join(tmp, "genai-%s-%s%s" % (kind, precision, "-tied" if tied else ""))
    env = dict(os.environ)
    if pythonpath:
        env["PYTHONPATH"] = pythonpath
    subprocess.run([sys.executable, "-m", "onnxruntime_genai.models.builder", "-i", hf, "-o", out, "-p", precision,
                    "-e", "cpu", "-c", os.path.join(tmp, "genai-cache")], check=True, env=env,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    name = "genai-%s-%s%s" % (kind, precision, "-tied" if tied else "")
    d = fresh(name)
    files = [f for f in os.listdir(out) if f.startswith("model.onnx")] + ["genai_config.json"]
    copy_model(out, files, d)
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "onnxruntime_genai.models.builder -p %s -e cpu%s" % (precision, " (tied embeddings)" if tied else ""),
                   "kind": "decoder", "cases": cases, "greedy": greedy, "versions": versions()})


def dynamo_llama(tmp):
    """torch.onnx.export(dynamo=True, opset 20) of Llama with a KV cache, through a wrapper
    that takes the cache as flat tensors with optimum's names."""
    from transformers import DynamicCache
    hf = os.path.join(tmp, "llama-hf")
    if not os.path.isdir(hf):
        hf_decoder("llama", hf)
    from transformers import LlamaForCausalLM
    m = LlamaForCausalLM.from_pretrained(hf).eval()
    L = m.config.num_hidden_layers

    class Wrap(torch.nn.Module):
        def __init__(self, m):
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, position_ids, *past):
            cache = DynamicCache()
            for i in range(L):
                cache.update(past[2 * i], past[2 * i + 1], i)
            out = self.m(input_ids=input_ids, attention_mask=attention_mask, position_ids=position_ids,
                         past_key_values=cache, use_cache=True)
            pres = []
            for layer in out.past_key_values.layers:
                pres += [layer.keys, layer.values]
            return (out.logits, *pres)

    B, S, P = 2, 3, 4
    ids = torch.randint(3, VOCAB, (B, S))
    mask = torch.ones(B, P + S, dtype=torch.int64)
    pos = torch.arange(P, P + S).expand(B, S)
    past = [torch.randn(B, 2, P, 16) for _ in range(2 * L)]
    Dim = torch.export.Dim
    batch, seq, pastd = Dim("batch_size", max=64), Dim("sequence_length", max=128), Dim("past_sequence_length", max=127)
    ds = {"input_ids": {0: batch, 1: seq}, "attention_mask": {0: batch, 1: Dim("total_sequence_length", max=255)},
          "position_ids": {0: batch, 1: seq}, "past": tuple({0: batch, 2: pastd} for _ in range(2 * L))}
    names_in = ["input_ids", "attention_mask", "position_ids"] + [
        "past_key_values.%d.%s" % (i, kv) for i in range(L) for kv in ("key", "value")]
    names_out = ["logits"] + ["present.%d.%s" % (i, kv) for i in range(L) for kv in ("key", "value")]
    d = fresh("dynamo-llama")
    prog = torch.onnx.export(Wrap(m), (ids, mask, pos, *past), dynamo=True, opset_version=20, dynamic_shapes=ds,
                             input_names=names_in, output_names=names_out, optimize=True)
    prog.save(os.path.join(d, "model.onnx"))
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "torch.onnx.export(dynamo=True, opset_version=20) with a flat-KV wrapper", "kind": "decoder",
                   "cases": cases, "greedy": greedy, "versions": versions()})


def optimum_whisper(tmp):
    from optimum.exporters.onnx import main_export
    from transformers import WhisperConfig, WhisperFeatureExtractor, WhisperForConditionalGeneration
    torch.manual_seed(0)
    cfg = WhisperConfig(vocab_size=VOCAB, num_mel_bins=16, encoder_layers=2, encoder_attention_heads=4,
                        decoder_layers=2, decoder_attention_heads=4, encoder_ffn_dim=128, decoder_ffn_dim=128,
                        d_model=64, max_source_positions=32, max_target_positions=64, decoder_start_token_id=3,
                        pad_token_id=PAD, bos_token_id=1, eos_token_id=2, begin_suppress_tokens=None,
                        suppress_tokens=None)
    m = WhisperForConditionalGeneration(cfg).eval()
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        for p in m.parameters():
            p.add_(torch.randn(p.shape, generator=g) * 0.02)
    hf = os.path.join(tmp, "whisper-hf")
    m.save_pretrained(hf)
    tiny_tokenizer(hf)
    WhisperFeatureExtractor(feature_size=16, chunk_length=1, hop_length=160, sampling_rate=6400).save_pretrained(hf)
    out = os.path.join(tmp, "whisper-optimum")
    main_export(hf, output=out, task="automatic-speech-recognition-with-past", do_validation=False,
                nb_max_frames=64, audio_sequence_length=640)
    d = fresh("optimum-whisper")
    files = ["encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx", "decoder_model_merged.onnx"]
    copy_model(out, files, d)
    rng = np.random.default_rng(7)
    enc, dec, decp = (session(os.path.join(d, f)) for f in files[:3])
    merged = session(os.path.join(d, files[3]))
    cases = []
    for b in (1, 2):
        feats = rng.standard_normal((b, 16, 64)).astype(np.float32)
        f = {"input_features": feats}
        eo = dict(zip([o.name for o in enc.get_outputs()], enc.run(None, f)))
        save_case(d, "encoder_b%d" % b, f, eo)
        cases.append({"name": "encoder_b%d" % b, "model": files[0]})
        ids = np.concatenate([np.full((b, 1), 3), rng.integers(3, VOCAB, size=(b, 3))], axis=1).astype(np.int64)
        f = {"input_ids": ids, "encoder_hidden_states": eo["last_hidden_state"]}
        do = dict(zip([o.name for o in dec.get_outputs()], dec.run(None, f)))
        save_case(d, "decoder_b%d" % b, f, do)
        cases.append({"name": "decoder_b%d" % b, "model": files[1]})
        nxt = do["logits"][:, -1].argmax(-1)[:, None].astype(np.int64)
        f = {"input_ids": nxt}
        for i in decp.get_inputs():
            if i.name.startswith("past_key_values."):
                f[i.name] = do[i.name.replace("past_key_values.", "present.")]
        po = dict(zip([o.name for o in decp.get_outputs()], decp.run(None, f)))
        save_case(d, "decoder_with_past_b%d" % b, f, po)
        cases.append({"name": "decoder_with_past_b%d" % b, "model": files[2]})
        # The merged decoder: the same step through its If on use_cache_branch.
        mf = dict(f)
        mf["use_cache_branch"] = np.array([True])
        mf["encoder_hidden_states"] = eo["last_hidden_state"]
        mnames = {i.name for i in merged.get_inputs()}
        mf = {k: v for k, v in mf.items() if k in mnames}
        mo = dict(zip([o.name for o in merged.get_outputs()], merged.run(None, mf)))
        save_case(d, "merged_with_past_b%d" % b, mf, {k: v for k, v in mo.items() if "encoder" not in k})
        cases.append({"name": "merged_with_past_b%d" % b, "model": files[3]})
    write_meta(d, {"tool": "optimum-onnx main_export, task automatic-speech-recognition-with-past", "kind": "encoder-decoder",
                   "config": m.config.to_diff_dict(), "cases": cases, "versions": versions()})


def optimum_encoders(tmp):
    """BERT (feature-extraction) and ViT (image-classification) from optimum, and the BERT
    after ORT's transformers optimizer (Attention, EmbedLayerNormalization,
    SkipLayerNormalization, BiasGelu: what optimum --optimize O2 writes)."""
    from optimum.exporters.onnx import main_export
    from transformers import BertConfig, BertModel, ViTConfig, ViTForImageClassification, ViTImageProcessor
    torch.manual_seed(0)
    bert = BertModel(BertConfig(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                                intermediate_size=128, max_position_embeddings=64)).eval()
    hf = os.path.join(tmp, "bert-hf")
    bert.save_pretrained(hf)
    tiny_tokenizer(hf)
    out = os.path.join(tmp, "bert-optimum")
    main_export(hf, output=out, task="feature-extraction", do_validation=False)
    rng = np.random.default_rng(7)

    def bert_cases(d, path):
        sess = session(path)
        names = [o.name for o in sess.get_outputs()]
        have = {i.name for i in sess.get_inputs()}
        cases = []
        for b, s in ((1, 7), (3, 12)):
            ids = rng.integers(3, VOCAB, size=(b, s)).astype(np.int64)
            mask = np.ones((b, s), np.int64)
            if b > 1:
                mask[1, 9:] = 0
            f = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros((b, s), np.int64)}
            f = {k: v for k, v in f.items() if k in have}
            save_case(d, "b%d_len%d" % (b, s), f, dict(zip(names, sess.run(names, f))))
            cases.append({"name": "b%d_len%d" % (b, s), "model": "model.onnx"})
        return cases

    d = fresh("optimum-bert")
    copy_model(out, ["model.onnx"], d)
    write_meta(d, {"tool": "optimum-onnx main_export, task feature-extraction", "kind": "encoder",
                   "cases": bert_cases(d, os.path.join(d, "model.onnx")), "versions": versions()})

    from onnxruntime.transformers.optimizer import optimize_model
    d = fresh("ortopt-bert")
    opt = optimize_model(os.path.join(out, "model.onnx"), model_type="bert", num_heads=4, hidden_size=64, opt_level=1)
    opt.save_model_to_file(os.path.join(d, "model.onnx"))
    write_meta(d, {"tool": "onnxruntime.transformers.optimizer.optimize_model(model_type=bert) of optimum-bert",
                   "kind": "encoder", "cases": bert_cases(d, os.path.join(d, "model.onnx")), "versions": versions()})

    torch.manual_seed(0)
    vit = ViTForImageClassification(ViTConfig(hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                                               intermediate_size=128, image_size=32, patch_size=8, num_labels=10)).eval()
    hf = os.path.join(tmp, "vit-hf")
    vit.save_pretrained(hf)
    ViTImageProcessor(size={"height": 32, "width": 32}).save_pretrained(hf)
    out = os.path.join(tmp, "vit-optimum")
    main_export(hf, output=out, task="image-classification", do_validation=False)
    d = fresh("optimum-vit")
    copy_model(out, ["model.onnx"], d)
    sess = session(os.path.join(d, "model.onnx"))
    names = [o.name for o in sess.get_outputs()]
    cases = []
    for b in (1, 2):
        f = {"pixel_values": rng.standard_normal((b, 3, 32, 32)).astype(np.float32)}
        save_case(d, "b%d" % b, f, dict(zip(names, sess.run(names, f))))
        cases.append({"name": "b%d" % b, "model": "model.onnx"})
    write_meta(d, {"tool": "optimum-onnx main_export, task image-classification", "kind": "encoder",
                   "cases": cases, "versions": versions()})


def torch_rnn(tmp):
    """Recurrent models as TorchScript-exported ONNX (opset 17): a bidirectional GRU encoder
    (PyTorch GRUs are linear_before_reset=1) with its initial state as an input, and a
    streaming LSTM cell block with state in and out (silero-VAD style); static steps, dynamic
    batch."""
    rng = np.random.default_rng(7)

    class BiGRU(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.proj = torch.nn.Linear(12, 16)
            self.gru = torch.nn.GRU(16, 24, num_layers=2, bidirectional=True, batch_first=True)
            self.head = torch.nn.Linear(48, 10)

        def forward(self, x, h0):
            y, h = self.gru(torch.tanh(self.proj(x)), h0)
            return self.head(y).log_softmax(-1), h

    class StreamLSTM(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv1d(1, 8, kernel_size=5, stride=2, padding=2)
            self.lstm = torch.nn.LSTM(8, 32, batch_first=False)
            self.out = torch.nn.Linear(32, 1)

        def forward(self, audio, h, c):
            f = torch.relu(self.conv(audio.unsqueeze(1)))        # [B, 8, T/2]
            y, (h2, c2) = self.lstm(f.permute(2, 0, 1), (h, c))  # [T/2, B, 32]
            return torch.sigmoid(self.out(y[-1])), h2, c2

    for name, model, example, names_in, names_out, dyn in (
        ("torch-bigru", BiGRU(), (torch.randn(2, 9, 12), torch.randn(4, 2, 24)), ["x", "h0"], ["log_probs", "hn"],
         {"x": {0: "batch_size"}, "h0": {1: "batch_size"}, "log_probs": {0: "batch_size"}, "hn": {1: "batch_size"}}),
        ("torch-stream-lstm", StreamLSTM(), (torch.randn(2, 64), torch.randn(1, 2, 32), torch.randn(1, 2, 32)),
         ["audio", "h", "c"], ["prob", "hn", "cn"],
         {"audio": {0: "batch_size"}, "h": {1: "batch_size"}, "c": {1: "batch_size"}, "prob": {0: "batch_size"},
          "hn": {1: "batch_size"}, "cn": {1: "batch_size"}}),
    ):
        torch.manual_seed(0)
        model = model.eval()
        d = fresh(name)
        path = os.path.join(d, "model.onnx")
        torch.onnx.export(model, example, path, input_names=names_in, output_names=names_out, dynamic_axes=dyn,
                          opset_version=17, dynamo=False)
        sess = session(path)
        cases = []
        for b in (1, 3):
            f = {}
            for i in sess.get_inputs():
                shape = [b if not isinstance(x, int) else x for x in i.shape]
                f[i.name] = rng.standard_normal(shape).astype(np.float32) * 0.5
            outs = dict(zip(names_out, sess.run(names_out, f)))
            save_case(d, "b%d" % b, f, outs)
            cases.append({"name": "b%d" % b, "model": "model.onnx"})
        write_meta(d, {"tool": "torch.onnx.export (TorchScript, opset 17)", "kind": "recurrent", "cases": cases,
                       "versions": versions()})


def quantized_whisper_encoder():
    """ORT quantize_dynamic (QUInt8, MatMul and Conv) of the optimum Whisper encoder."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    src = os.path.join(HERE, "optimum-whisper", "encoder_model.onnx")
    d = fresh("ortquant-dynamic-whisper-encoder")
    quantize_dynamic(src, os.path.join(d, "model.onnx"), weight_type=QuantType.QUInt8,
                     op_types_to_quantize=["MatMul", "Conv"])
    sess = session(os.path.join(d, "model.onnx"))
    names = [o.name for o in sess.get_outputs()]
    rng = np.random.default_rng(7)
    cases = []
    for b in (1, 2):
        f = {"input_features": rng.standard_normal((b, 16, 64)).astype(np.float32)}
        save_case(d, "b%d" % b, f, dict(zip(names, sess.run(names, f))))
        cases.append({"name": "b%d" % b, "model": "model.onnx"})
    write_meta(d, {"tool": "onnxruntime.quantization.quantize_dynamic (QUInt8, MatMul+Conv) of optimum-whisper's encoder",
                   "kind": "encoder", "cases": cases, "versions": versions()})


def ultralytics_yolov8(tmp):
    """An Ultralytics YOLOv8 detector (the yolov8.yaml architecture at width 1/16, 4 classes,
    random weights) exported by `YOLO.export(format="onnx", dynamic=True)`, opset 17."""
    import ultralytics
    import yaml
    from ultralytics import YOLO
    c = yaml.safe_load(open(os.path.join(os.path.dirname(ultralytics.__file__), "cfg/models/v8/yolov8.yaml")))
    c["scales"] = {"t": [0.33, 0.0625, 1024]}
    c["nc"] = 4
    cfg = os.path.join(tmp, "yolov8t.yaml")
    yaml.safe_dump(c, open(cfg, "w"))
    torch.manual_seed(0)
    cwd = os.getcwd()
    os.chdir(tmp)  # the exporter writes beside the model, which for a .yaml is the working directory
    try:
        m = YOLO(cfg)
        exported = os.path.abspath(m.export(format="onnx", dynamic=True, imgsz=128, simplify=False, opset=17, verbose=False))
    finally:
        os.chdir(cwd)
    d = fresh("ultralytics-yolov8")
    shutil.copy2(exported, os.path.join(d, "model.onnx"))
    sess = session(os.path.join(d, "model.onnx"))
    names = [o.name for o in sess.get_outputs()]
    rng = np.random.default_rng(7)
    cases = []
    for b, h, w in ((1, 128, 128), (2, 96, 160)):
        f = {"images": rng.uniform(0, 1, (b, 3, h, w)).astype(np.float32)}
        name = "b%d_%dx%d" % (b, h, w)
        save_case(d, name, f, dict(zip(names, sess.run(names, f))))
        cases.append({"name": name, "model": "model.onnx"})
    write_meta(d, {"tool": "ultralytics %s YOLO.export(format=onnx, dynamic=True, opset=17)" % ultralytics.__version__,
                   "kind": "detector", "cases": cases, "versions": versions()})


# ---------------------------------------------------------------- more architectures

def perturb(m):
    """Random init leaves norms at 1 and biases at 0: perturb every parameter and buffer of
    floating type (BatchNorm running stats included) so each one matters to the outputs."""
    with torch.no_grad():
        g = torch.Generator().manual_seed(1)
        for p in list(m.parameters()) + [b for n, b in m.named_buffers() if b.is_floating_point()]:
            p.add_(torch.randn(p.shape, generator=g) * 0.02)
    return m


def text_feeds(sess, rng, b, s, pad_row=True):
    """Token inputs at batch b, length s; with b > 1 the second row is right-padded (mask 0)."""
    ids = rng.integers(3, VOCAB, size=(b, s)).astype(np.int64)
    mask = np.ones((b, s), np.int64)
    if b > 1 and pad_row:
        mask[1, s - 3:] = 0
        ids[1, s - 3:] = PAD
    f = {"input_ids": ids, "attention_mask": mask, "token_type_ids": np.zeros((b, s), np.int64)}
    have = {i.name for i in sess.get_inputs()}
    return {k: v for k, v in f.items() if k in have}


def run_cases(d, model_file, feeds_list):
    """Runs each (case name, feeds) on ONNX Runtime, writes the cases, returns meta's entries."""
    sess = session(os.path.join(d, model_file))
    names = [o.name for o in sess.get_outputs()]
    cases = []
    for name, f in feeds_list:
        save_case(d, name, f, dict(zip(names, sess.run(names, f))))
        cases.append({"name": name, "model": model_file})
    return cases


def export_hf(m, tmp, name, task, save_extra=None, **kw):
    """Saves a HF model to tmp and exports it with optimum's main_export; returns the output dir."""
    from optimum.exporters.onnx import main_export
    hf = os.path.join(tmp, name + "-hf")
    m.save_pretrained(hf)
    if save_extra:
        save_extra(hf)
    out = os.path.join(tmp, name + "-optimum")
    main_export(hf, output=out, task=task, do_validation=False, **kw)
    return out


def optimum_text_encoders(tmp):
    """DistilBERT (sequence classification), RoBERTa (position ids from a cumsum of the mask;
    feature extraction) and DeBERTa-v2 (disentangled relative attention with log buckets;
    sequence classification)."""
    import transformers as tf
    common = dict(vocab_size=VOCAB, hidden_size=64, num_hidden_layers=2, num_attention_heads=4,
                  intermediate_size=128, max_position_embeddings=64)
    specs = [
        ("optimum-distilbert", "text-classification",
         lambda: tf.DistilBertForSequenceClassification(tf.DistilBertConfig(
             vocab_size=VOCAB, dim=64, n_layers=2, n_heads=4, hidden_dim=128, max_position_embeddings=64, num_labels=3))),
        ("optimum-roberta", "feature-extraction",
         lambda: tf.RobertaModel(tf.RobertaConfig(**dict(common, max_position_embeddings=72), pad_token_id=1))),
        ("optimum-deberta-v2", "text-classification",
         lambda: tf.DebertaV2ForSequenceClassification(tf.DebertaV2Config(
             **common, relative_attention=True, position_buckets=16, pos_att_type=["p2c", "c2p"],
             position_biased_input=False, num_labels=3, type_vocab_size=0))),
    ]
    for name, task, make in specs:
        torch.manual_seed(0)
        m = perturb(make().eval())
        out = export_hf(m, tmp, name, task, save_extra=tiny_tokenizer)
        d = fresh(name)
        copy_model(out, ["model.onnx"], d)
        rng = np.random.default_rng(7)
        sess = session(os.path.join(d, "model.onnx"))
        feeds = [("b%d_len%d" % (b, s), text_feeds(sess, rng, b, s)) for b, s in ((1, 7), (2, 12))]
        write_meta(d, {"tool": "optimum-onnx main_export, task " + task, "kind": "encoder",
                       "config": m.config.to_diff_dict(), "cases": run_cases(d, "model.onnx", feeds),
                       "versions": versions()})


def optimum_vision(tmp):
    """Image models publishers hold beside ViT: ConvNeXt (depthwise 7x7 conv, LayerNorm over
    channels), Swin (windowed attention, roll, patch merging), SegFormer (overlapping patch
    embeddings, efficient attention, a segmentation head) and CLIP (text and vision towers in
    one zero-shot graph)."""
    import transformers as tf
    specs = [
        ("optimum-convnext", "image-classification", 32,
         lambda: tf.ConvNextForImageClassification(tf.ConvNextConfig(
             num_channels=3, patch_size=4, hidden_sizes=[16, 32], depths=[1, 1], num_stages=2, num_labels=10,
             image_size=32))),
        ("optimum-swin", "image-classification", 32,
         lambda: tf.SwinForImageClassification(tf.SwinConfig(
             image_size=32, patch_size=2, embed_dim=16, depths=[1, 1], num_heads=[2, 4], window_size=4,
             num_labels=10))),
        ("optimum-segformer", "semantic-segmentation", 32,
         lambda: tf.SegformerForSemanticSegmentation(tf.SegformerConfig(
             num_encoder_blocks=2, depths=[1, 1], sr_ratios=[2, 1], hidden_sizes=[16, 32], patch_sizes=[7, 3],
             strides=[4, 2], num_attention_heads=[1, 2], mlp_ratios=[2, 2], decoder_hidden_size=32, num_labels=5))),
    ]
    for name, task, size, make in specs:
        torch.manual_seed(0)
        m = perturb(make().eval())
        out = export_hf(m, tmp, name, task,
                        save_extra=lambda hf: tf.ViTImageProcessor(size={"height": size, "width": size}).save_pretrained(hf))
        d = fresh(name)
        copy_model(out, ["model.onnx"], d)
        rng = np.random.default_rng(7)
        # A second, non-square size (SegFormer resizes to stage-0 sizes other than 32x32's);
        # Swin's at a multiple of its windows: the optimum export traces the padded token
        # count, so ONNX Runtime itself fails where the Pad is not empty (44x36).
        h, w = (64, 48) if name == "optimum-swin" else (44, 36)
        feeds = [("b%d_%dx%d" % (b, hh, ww), {"pixel_values": rng.standard_normal((b, 3, hh, ww)).astype(np.float32)})
                 for b, hh, ww in ((1, size, size), (2, h, w))]
        write_meta(d, {"tool": "optimum-onnx main_export, task " + task, "kind": "encoder",
                       "config": m.config.to_diff_dict(), "cases": run_cases(d, "model.onnx", feeds),
                       "versions": versions()})

    torch.manual_seed(0)
    cfg = tf.CLIPConfig(
        text_config=dict(vocab_size=VOCAB, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=4, max_position_embeddings=16, bos_token_id=1, eos_token_id=2),
        vision_config=dict(hidden_size=32, intermediate_size=64, num_hidden_layers=2, num_attention_heads=4,
                           image_size=32, patch_size=8),
        projection_dim=16)
    m = perturb(tf.CLIPModel(cfg).eval())

    def clip_extra(hf):
        tiny_tokenizer(hf)
        tf.CLIPImageProcessor(size={"shortest_edge": 32}, crop_size={"height": 32, "width": 32}).save_pretrained(hf)

    out = export_hf(m, tmp, "optimum-clip", "zero-shot-image-classification", save_extra=clip_extra)
    d = fresh("optimum-clip")
    copy_model(out, ["model.onnx"], d)
    rng = np.random.default_rng(7)
    sess = session(os.path.join(d, "model.onnx"))
    feeds = []
    for b, s in ((1, 7), (2, 9)):
        f = text_feeds(sess, rng, 3, s, pad_row=True)  # three texts against b images
        f["input_ids"][:, -1] = 2  # CLIP pools at the eos token
        f["pixel_values"] = rng.standard_normal((b, 3, 32, 32)).astype(np.float32)
        feeds.append(("img%d_txt3_len%d" % (b, s), f))
    write_meta(d, {"tool": "optimum-onnx main_export, task zero-shot-image-classification", "kind": "encoder",
                   "config": m.config.to_diff_dict(), "cases": run_cases(d, "model.onnx", feeds),
                   "versions": versions()})


def optimum_wav2vec2(tmp):
    """wav2vec2 for CTC: the conv feature extractor with group norm on its first layer, the
    grouped positional conv, a CTC head; raw audio in."""
    import transformers as tf
    torch.manual_seed(0)
    cfg = tf.Wav2Vec2Config(vocab_size=32, hidden_size=32, num_hidden_layers=2, num_attention_heads=4,
                            intermediate_size=64, conv_dim=(16, 16, 16), conv_stride=(5, 2, 2), conv_kernel=(10, 3, 3),
                            num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, feat_extract_norm="group",
                            do_stable_layer_norm=False, pad_token_id=0)
    m = perturb(tf.Wav2Vec2ForCTC(cfg).eval())
    out = export_hf(m, tmp, "optimum-wav2vec2", "automatic-speech-recognition",
                    save_extra=lambda hf: tf.Wav2Vec2FeatureExtractor(feature_size=1, sampling_rate=16000).save_pretrained(hf))
    d = fresh("optimum-wav2vec2")
    copy_model(out, ["model.onnx"], d)
    rng = np.random.default_rng(7)
    feeds = [("b%d_len%d" % (b, n), {"input_values": rng.standard_normal((b, n)).astype(np.float32)})
             for b, n in ((1, 400), (2, 640))]
    write_meta(d, {"tool": "optimum-onnx main_export, task automatic-speech-recognition", "kind": "encoder",
                   "config": m.config.to_diff_dict(), "cases": run_cases(d, "model.onnx", feeds),
                   "versions": versions()})


def optimum_gpt2(tmp):
    """GPT-2 (learned positions, Conv1D projections, fused qkv split, tanh GELU) as optimum's
    decoder with past."""
    import transformers as tf
    torch.manual_seed(0)
    cfg = tf.GPT2Config(vocab_size=VOCAB, n_embd=64, n_layer=2, n_head=4, n_positions=128, n_inner=128,
                        bos_token_id=1, eos_token_id=2)
    m = perturb(tf.GPT2LMHeadModel(cfg).eval())
    out = export_hf(m, tmp, "optimum-gpt2", "text-generation-with-past", save_extra=tiny_tokenizer)
    d = fresh("optimum-gpt2")
    copy_model(out, ["model.onnx"], d)
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "optimum-onnx main_export, task text-generation-with-past", "kind": "decoder",
                   "config": m.config.to_diff_dict(), "cases": cases, "greedy": greedy, "versions": versions()})


def optimum_seq2seq(kind, tmp):
    """T5 (relative position buckets, RMS-style layer norm, no biases) and BART (learned
    positions, post-norm) as optimum's encoder + decoder + decoder-with-past; the merged
    decoder is left out (its If on use_cache_branch is covered by optimum-whisper)."""
    import transformers as tf
    torch.manual_seed(0)
    if kind == "t5":
        cfg = tf.T5Config(vocab_size=VOCAB, d_model=32, d_kv=8, d_ff=64, num_layers=2, num_decoder_layers=2,
                          num_heads=4, relative_attention_num_buckets=8, relative_attention_max_distance=16,
                          decoder_start_token_id=PAD, pad_token_id=PAD, eos_token_id=2)
        m = tf.T5ForConditionalGeneration(cfg)
    else:
        cfg = tf.BartConfig(vocab_size=VOCAB, d_model=32, encoder_layers=2, decoder_layers=2, encoder_attention_heads=4,
                            decoder_attention_heads=4, encoder_ffn_dim=64, decoder_ffn_dim=64, max_position_embeddings=64,
                            decoder_start_token_id=2, pad_token_id=PAD, bos_token_id=1, eos_token_id=2,
                            forced_eos_token_id=None)
        m = tf.BartForConditionalGeneration(cfg)
    m = perturb(m.eval())
    name = "optimum-" + kind
    out = export_hf(m, tmp, name, "text2text-generation-with-past", save_extra=tiny_tokenizer)
    d = fresh(name)
    files = ["encoder_model.onnx", "decoder_model.onnx", "decoder_with_past_model.onnx"]
    copy_model(out, files, d)
    enc, dec, decp = (session(os.path.join(d, f)) for f in files)
    names = lambda s: [o.name for o in s.get_outputs()]  # noqa: E731
    rng = np.random.default_rng(7)
    cases = []
    for b, s in ((1, 7), (2, 9)):
        f = text_feeds(enc, rng, b, s)
        eo = dict(zip(names(enc), enc.run(None, f)))
        save_case(d, "encoder_b%d" % b, f, eo)
        cases.append({"name": "encoder_b%d" % b, "model": files[0]})
        ids = np.concatenate([np.full((b, 1), cfg.decoder_start_token_id), rng.integers(3, VOCAB, size=(b, 3))],
                             axis=1).astype(np.int64)
        df = {"input_ids": ids, "encoder_hidden_states": eo["last_hidden_state"], "encoder_attention_mask": f["attention_mask"]}
        df = {k: v for k, v in df.items() if k in {i.name for i in dec.get_inputs()}}
        do = dict(zip(names(dec), dec.run(None, df)))
        save_case(d, "decoder_b%d" % b, df, do)
        cases.append({"name": "decoder_b%d" % b, "model": files[1]})
        pf = {"input_ids": do["logits"][:, -1].argmax(-1)[:, None].astype(np.int64),
              "encoder_attention_mask": f["attention_mask"]}
        for i in decp.get_inputs():
            if i.name.startswith("past_key_values."):
                pf[i.name] = do[i.name.replace("past_key_values.", "present.")]
        pf = {k: v for k, v in pf.items() if k in {i.name for i in decp.get_inputs()}}
        save_case(d, "decoder_with_past_b%d" % b, pf, dict(zip(names(decp), decp.run(None, pf))))
        cases.append({"name": "decoder_with_past_b%d" % b, "model": files[2]})
    write_meta(d, {"tool": "optimum-onnx main_export, task text2text-generation-with-past", "kind": "encoder-decoder",
                   "config": m.config.to_diff_dict(), "cases": cases, "versions": versions()})


class TinyResNet(torch.nn.Module):
    """A ResNet-style CNN: conv-BN-ReLU stem, MaxPool with ceil_mode, two basic blocks (one
    strided with a 1x1 projection), global AdaptiveAvgPool, flatten, a BatchNorm1d neck (the
    exporters fold the 2-D BatchNorms into the convs; this one stays a BatchNormalization),
    linear."""

    def __init__(self):
        super().__init__()
        nn = torch.nn
        self.stem = nn.Sequential(nn.Conv2d(3, 8, 7, 2, 3, bias=False), nn.BatchNorm2d(8), nn.ReLU())
        self.pool = nn.MaxPool2d(3, 2, 1, ceil_mode=True)

        def block(cin, cout, stride):
            body = nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
                                 nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout))
            proj = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout)) if stride != 1 else None
            return nn.ModuleList([body, proj]) if proj is not None else nn.ModuleList([body])

        self.blocks = nn.ModuleList([block(8, 8, 1), block(8, 16, 2)])
        self.gap = nn.AdaptiveAvgPool2d(1)
        self.neck = nn.BatchNorm1d(16)
        self.fc = nn.Linear(16, 10)

    def forward(self, x):
        x = self.pool(self.stem(x))
        for blk in self.blocks:
            skip = blk[1](x) if len(blk) > 1 else x
            x = torch.relu(blk[0](x) + skip)
        return self.fc(self.neck(torch.flatten(self.gap(x), 1)))


class TinyEncoder(torch.nn.Module):
    """A small transformer encoder as people write it by hand: embeddings + learned positions,
    one pre-norm block on F.scaled_dot_product_attention with a key-padding mask, one
    nn.TransformerEncoderLayer (batch_first, GELU; left out for the TorchScript exporter, which
    traces its reshapes with the example's length so ONNX Runtime itself fails at another
    length), mean pooling over the mask."""

    def __init__(self, torch_layer=True):
        super().__init__()
        nn = torch.nn
        self.emb = nn.Embedding(VOCAB, 32)
        self.pos = nn.Embedding(64, 32)
        self.ln1, self.ln2 = nn.LayerNorm(32), nn.LayerNorm(32)
        self.qkv, self.proj = nn.Linear(32, 96), nn.Linear(32, 32)
        self.mlp = nn.Sequential(nn.Linear(32, 64), nn.GELU(), nn.Linear(64, 32))
        self.layer = nn.TransformerEncoderLayer(32, 4, 64, dropout=0.0, activation="gelu", batch_first=True) \
            if torch_layer else None
        self.head = nn.Linear(32, 5)

    def forward(self, input_ids, attention_mask):
        B, S = input_ids.shape
        x = self.emb(input_ids) + self.pos(torch.arange(S, device=input_ids.device))[None]
        q, k, v = self.qkv(self.ln1(x)).view(B, S, 3, 4, 8).permute(2, 0, 3, 1, 4)
        keep = attention_mask[:, None, None, :].bool()
        a = torch.nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=keep)
        x = x + self.proj(a.transpose(1, 2).reshape(B, S, 32))
        x = x + self.mlp(self.ln2(x))
        if self.layer is not None:
            x = self.layer(x, src_key_padding_mask=~attention_mask.bool())
        m = attention_mask[..., None].to(x.dtype)
        return self.head((x * m).sum(1) / m.sum(1)), x


def torch_models(tmp):
    """The CNN and the encoder above through both torch exporters: dynamo (opset 18, the
    default of torch 2.x) and TorchScript (dynamo=False) at opsets 13 (CNN) and 17 (encoder)."""
    rng = np.random.default_rng(7)
    Dim = torch.export.Dim
    for arch, make, example, names_in, names_out in (
        ("resnet", TinyResNet, (torch.randn(2, 3, 40, 48),), ["pixel_values"], ["logits"]),
        ("encoder", TinyEncoder, (torch.randint(3, VOCAB, (2, 9)), torch.ones(2, 9, dtype=torch.int64)),
         ["input_ids", "attention_mask"], ["logits", "hidden"]),
    ):
        for exporter, opset in (("dynamo", 18), ("torchscript", 13 if arch == "resnet" else 17)):
            torch.manual_seed(0)
            model = perturb((make(exporter == "dynamo") if arch == "encoder" else make()).eval())
            name = "torch-%s-%s" % (exporter, arch)
            d = fresh(name)
            path = os.path.join(d, "model.onnx")
            if arch == "resnet":
                dyn = {"pixel_values": {0: "batch_size", 2: "height", 3: "width"}, "logits": {0: "batch_size"}}
                ds = {"x": {0: Dim("batch_size", max=64), 2: Dim("height", min=32, max=512), 3: Dim("width", min=32, max=512)}}
            else:
                dyn = {"input_ids": {0: "batch_size", 1: "sequence_length"},
                       "attention_mask": {0: "batch_size", 1: "sequence_length"},
                       "logits": {0: "batch_size"}, "hidden": {0: "batch_size", 1: "sequence_length"}}
                b, s = Dim("batch_size", max=64), Dim("sequence_length", min=2, max=64)
                ds = {"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}}
            if exporter == "dynamo":
                prog = torch.onnx.export(model, example, dynamo=True, opset_version=opset, dynamic_shapes=ds,
                                         input_names=names_in, output_names=names_out, optimize=True)
                prog.save(path)
            else:
                torch.onnx.export(model, example, path, input_names=names_in, output_names=names_out,
                                  dynamic_axes=dyn, opset_version=opset, dynamo=False)
            sess = session(path)
            feeds = []
            if arch == "resnet":
                for b, h, w in ((1, 40, 48), (2, 57, 33)):
                    feeds.append(("b%d_%dx%d" % (b, h, w), {"pixel_values": rng.standard_normal((b, 3, h, w)).astype(np.float32)}))
            else:
                for b, s in ((1, 7), (2, 12)):
                    feeds.append(("b%d_len%d" % (b, s), text_feeds(sess, rng, b, s)))
            write_meta(d, {"tool": "torch.onnx.export(%s, opset_version=%d)" % ("dynamo=True" if exporter == "dynamo" else "dynamo=False", opset),
                           "kind": "encoder" if arch == "encoder" else "cnn",
                           "cases": run_cases(d, "model.onnx", feeds), "versions": versions()})


def ort_variants():
    """What transformers.js-style publishing pipelines do to an optimum export: float16 weights
    and activations with float32 graph inputs and outputs (onnxruntime.transformers.float16,
    the converter onnxconverter-common's float16 comes from; keep_io_types=True), and dynamic
    uint8 quantization per channel with reduced range (quantize_dynamic per_channel=True,
    reduce_range=True, QUInt8)."""
    from onnxruntime.quantization import QuantType, quantize_dynamic
    from onnxruntime.transformers.float16 import convert_float_to_float16
    rng = np.random.default_rng(7)
    for name, src in (("ortfp16-vit", "optimum-vit"), ("ortfp16-bert", "optimum-bert")):
        d = fresh(name)
        m = convert_float_to_float16(onnx.load(os.path.join(HERE, src, "model.onnx")), keep_io_types=True)
        onnx.save(m, os.path.join(d, "model.onnx"))
        sess = session(os.path.join(d, "model.onnx"))
        if src == "optimum-vit":
            feeds = [("b%d" % b, {"pixel_values": rng.standard_normal((b, 3, 32, 32)).astype(np.float32)}) for b in (1, 2)]
        else:
            feeds = [("b%d_len%d" % (b, s), text_feeds(sess, rng, b, s)) for b, s in ((1, 7), (2, 12))]
        write_meta(d, {"tool": "onnxruntime.transformers.float16.convert_float_to_float16(keep_io_types=True) of " + src,
                       "kind": "encoder", "cases": run_cases(d, "model.onnx", feeds), "versions": versions()})
    d = fresh("ortquant-perchannel-bert")
    quantize_dynamic(os.path.join(HERE, "optimum-bert", "model.onnx"), os.path.join(d, "model.onnx"),
                     weight_type=QuantType.QUInt8, per_channel=True, reduce_range=True)
    sess = session(os.path.join(d, "model.onnx"))
    feeds = [("b%d_len%d" % (b, s), text_feeds(sess, rng, b, s)) for b, s in ((1, 7), (2, 12))]
    write_meta(d, {"tool": "onnxruntime.quantization.quantize_dynamic (QUInt8, per_channel, reduce_range) of optimum-bert",
                   "kind": "encoder", "cases": run_cases(d, "model.onnx", feeds), "versions": versions()})


def torchvision_mobilenet(tmp):
    """torchvision's MobileNetV3-Small (width 0.25, 10 classes: hardswish, hardsigmoid
    squeeze-excitation, depthwise convs) through the dynamo exporter, opset 18."""
    import torchvision
    torch.manual_seed(0)
    m = perturb(torchvision.models.mobilenet_v3_small(width_mult=0.25, num_classes=10).eval())
    d = fresh("torch-dynamo-mobilenetv3")
    path = os.path.join(d, "model.onnx")
    Dim = torch.export.Dim
    ds = {"x": {0: Dim("batch_size", max=64), 2: Dim("height", min=32, max=512), 3: Dim("width", min=32, max=512)}}
    prog = torch.onnx.export(m, (torch.randn(2, 3, 64, 64),), dynamo=True, opset_version=18, dynamic_shapes=ds,
                             input_names=["pixel_values"], output_names=["logits"], optimize=True)
    prog.save(path)
    rng = np.random.default_rng(7)
    feeds = [("b%d_%dx%d" % (b, h, w), {"pixel_values": rng.standard_normal((b, 3, h, w)).astype(np.float32)})
             for b, h, w in ((1, 64, 64), (2, 48, 80))]
    write_meta(d, {"tool": "torch.onnx.export(dynamo=True, opset_version=18) of torchvision mobilenet_v3_small(width_mult=0.25)",
                   "kind": "cnn", "cases": run_cases(d, "model.onnx", feeds), "versions": versions()})


def ort_optimized():
    """ONNX Runtime's transformers optimizer (what optimum --optimize O2 runs) over the optimum
    GPT-2 (SkipLayerNormalization, FastGelu) and CLIP (QuickGelu) exports. (Its T5 fusion
    writes com.microsoft.RelativePositionBias, which ONNX Runtime's CPU provider lacks.)"""
    from onnxruntime.transformers.optimizer import optimize_model

    def opt(src, model_type, heads, hidden, dst):
        m = optimize_model(src, model_type=model_type, num_heads=heads, hidden_size=hidden, opt_level=1)
        m.save_model_to_file(dst)

    d = fresh("ortopt-gpt2")
    opt(os.path.join(HERE, "optimum-gpt2", "model.onnx"), "gpt2", 4, 64, os.path.join(d, "model.onnx"))
    cases, greedy = decoder_cases(os.path.join(d, "model.onnx"), d, "model.onnx")
    write_meta(d, {"tool": "onnxruntime.transformers.optimizer.optimize_model(model_type=gpt2) of optimum-gpt2",
                   "kind": "decoder", "cases": cases, "greedy": greedy, "versions": versions()})

    d = fresh("ortopt-clip")
    opt(os.path.join(HERE, "optimum-clip", "model.onnx"), "clip", 4, 32, os.path.join(d, "model.onnx"))
    rng = np.random.default_rng(7)
    sess = session(os.path.join(d, "model.onnx"))
    feeds = []
    for b, s in ((1, 7), (2, 9)):
        f = text_feeds(sess, rng, 3, s, pad_row=True)
        f["input_ids"][:, -1] = 2
        f["pixel_values"] = rng.standard_normal((b, 3, 32, 32)).astype(np.float32)
        feeds.append(("img%d_txt3_len%d" % (b, s), f))
    write_meta(d, {"tool": "onnxruntime.transformers.optimizer.optimize_model(model_type=clip) of optimum-clip",
                   "kind": "encoder", "cases": run_cases(d, "model.onnx", feeds), "versions": versions()})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--genai-pythonpath", default="", help="site dir with transformers 5 for the genai builder")
    ap.add_argument("names", nargs="*")
    a = ap.parse_args()
    want = set(a.names)

    def on(n):
        return not want or n in want

    with tempfile.TemporaryDirectory() as tmp:
        for kind in ("llama", "qwen2", "qwen3", "phi3", "mistral", "gemma3"):
            if on("optimum-" + kind):
                optimum_decoder(kind, tmp)
        if on("ortquant"):
            optimum_quantized(tmp)
        if on("dynamo-llama"):
            dynamo_llama(tmp)
        if on("optimum-whisper"):
            optimum_whisper(tmp)
        if on("optimum-encoders"):
            optimum_encoders(tmp)
        if on("ortquant-whisper"):
            quantized_whisper_encoder()
        if on("torch-rnn"):
            torch_rnn(tmp)
        if on("ultralytics-yolov8"):
            ultralytics_yolov8(tmp)
        if on("optimum-gpt2"):
            optimum_gpt2(tmp)
        for kind in ("t5", "bart"):
            if on("optimum-" + kind):
                optimum_seq2seq(kind, tmp)
        if on("optimum-text-encoders"):
            optimum_text_encoders(tmp)
        if on("optimum-vision"):
            optimum_vision(tmp)
        if on("optimum-wav2vec2"):
            optimum_wav2vec2(tmp)
        if on("torch-models"):
            torch_models(tmp)
        if on("ort-variants"):
            ort_variants()
        if on("ortopt"):
            ort_optimized()
        if on("torch-dynamo-mobilenetv3"):
            torchvision_mobilenet(tmp)
        for kind, precision, tied in (("llama", "int4", False), ("llama", "fp32", False), ("qwen2", "int4", True)):
            if on("genai-%s-%s%s" % (kind, precision, "-tied" if tied else "")):
                genai(kind, precision, tmp, a.genai_pythonpath, tied=tied)


if __name__ == "__main__":
    main()
