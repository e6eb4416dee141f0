#!/usr/bin/env python3
"""ONNX Runtime side of `go run ./tools/benchdecode`: greedy decoding of an
optimum-style decoder (input_ids, attention_mask, position_ids,
past_key_values.N.key/value -> logits, present.N.key/value) with a KV cache.

Prefill the prompt with past length 0, then --steps single-token steps that
feed the presents back. One warm-up decode, then --runs measured decodes; the
fastest (by decode tokens/s) is reported as one JSON object on stdout:
{"prefill_ms", "tokens_per_s", "median_step_ms", "fastest_step_ms",
"ms_per_step" (the prefill first), "tokens", "ort_version", ...}.
With --serve: a {"ready": true, "ort_version", ...} line after the warm-up,
then one such object (without the session fields) per "decode" line read
from stdin, so the caller can interleave its own runs with ours.
Session: CPU EP, intra_op_num_threads = --threads (default os.cpu_count()),
sequential execution, graph optimizations at ORT's default (ORT_ENABLE_ALL).

Needs: pip install onnxruntime numpy
"""
import argparse
import json
import os
import resource
import sys
import time

import numpy as np
import onnxruntime as ort


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--model", required=True, help="model.onnx (external data beside it)")
    ap.add_argument("--prompt", required=True, help="prompt token ids, comma separated")
    ap.add_argument("--steps", type=int, default=32, help="single-token steps after the prefill")
    ap.add_argument("--threads", type=int, default=os.cpu_count(), help="intra-op threads")
    ap.add_argument("--runs", type=int, default=2, help="measured decodes after one warm-up")
    ap.add_argument("--serve", action="store_true",
                    help="after the warm-up print a ready line, then one measured decode per 'decode' line on stdin "
                         "(and one prefill of N tokens per 'prefill N' line)")
    ap.add_argument("--spin", type=int, default=1,
                    help="1: the intra-op thread pool spin-waits between ops (ORT's default); 0: it sleeps "
                         "(session.intra_op.allow_spinning), which loses less when the cores are shared")
    a = ap.parse_args()
    prompt = [int(x) for x in a.prompt.split(",") if x.strip()]

    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    so.add_session_config_entry("session.intra_op.allow_spinning", str(a.spin))
    t0 = time.perf_counter()
    sess = ort.InferenceSession(a.model, so, providers=["CPUExecutionProvider"])
    load_s = time.perf_counter() - t0

    past = []  # (input name, present output name, empty shape)
    out_names = [o.name for o in sess.get_outputs()]
    for i in sess.get_inputs():
        if i.name.startswith("past_key_values."):
            shape = []
            for d in i.shape:
                if isinstance(d, int):
                    shape.append(d)
                elif d is not None and "past" in str(d).lower():
                    shape.append(0)
                else:
                    shape.append(1)
            present = "present." + i.name[len("past_key_values."):]
            if present not in out_names:
                sys.exit("ort_decode: input %s has no %s output" % (i.name, present))
            past.append((i.name, present, shape))
        elif i.name not in ("input_ids", "attention_mask", "position_ids"):
            sys.exit("ort_decode: input %s is not a decoder input" % i.name)
    in_names = {i.name for i in sess.get_inputs()}
    logits_index = out_names.index("logits")
    present_index = {p[1]: out_names.index(p[1]) for p in past}

    def decode():
        state = {name: np.zeros(shape, dtype=np.float32) for name, _, shape in past}
        feed, past_len = prompt, 0
        tokens, times = [], []
        for _ in range(a.steps + 1):
            inputs = dict(state)
            inputs["input_ids"] = np.array([feed], dtype=np.int64)
            if "attention_mask" in in_names:
                inputs["attention_mask"] = np.ones((1, past_len + len(feed)), dtype=np.int64)
            if "position_ids" in in_names:
                inputs["position_ids"] = np.arange(past_len, past_len + len(feed), dtype=np.int64)[None, :]
            t = time.perf_counter()
            outs = sess.run(None, inputs)
            times.append(time.perf_counter() - t)
            tok = int(np.argmax(outs[logits_index][0, -1]))
            tokens.append(tok)
            for name, present, _ in past:
                state[name] = outs[present_index[present]]
            past_len += len(feed)
            feed = [tok]
        return tokens, times

    def measured():
        tokens, times = decode()
        steps = times[1:]
        return {
            "prefill_ms": times[0] * 1e3,
            "tokens_per_s": len(steps) / sum(steps) if steps else 0.0,
            "median_step_ms": float(np.median(steps)) * 1e3 if steps else 0.0,
            "fastest_step_ms": min(steps) * 1e3 if steps else 0.0,
            "ms_per_step": [t * 1e3 for t in times],
            "tokens": tokens,
            "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,  # kilobytes on Linux
        }

    def prefill(n):
        # n prompt tokens (the prompt repeated) with past length 0.
        ids = [prompt[i % len(prompt)] for i in range(n)]
        inputs = {name: np.zeros(shape, dtype=np.float32) for name, _, shape in past}
        inputs["input_ids"] = np.array([ids], dtype=np.int64)
        if "attention_mask" in in_names:
            inputs["attention_mask"] = np.ones((1, n), dtype=np.int64)
        if "position_ids" in in_names:
            inputs["position_ids"] = np.arange(n, dtype=np.int64)[None, :]
        t = time.perf_counter()
        outs = sess.run(None, inputs)
        ms = (time.perf_counter() - t) * 1e3
        return {"prefill_ms": ms, "tokens": [int(np.argmax(outs[logits_index][0, -1]))],
                "max_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}

    session = {
        "ort_version": ort.__version__,
        "spin": a.spin,
        "threads": a.threads,
        "graph_optimization_level": "ORT_ENABLE_ALL",
        "execution_provider": "CPUExecutionProvider",
        "session_load_s": load_s,
    }
    decode()  # warm-up
    if a.serve:
        # Interleaved with the caller's own runs, so both see the same load.
        emit(dict(session, ready=True))
        while True:
            line = sys.stdin.readline()
            if not line:
                return
            if line.strip() == "decode":
                emit(measured())
            elif line.startswith("prefill "):
                emit(prefill(int(line.split()[1])))
    best = None
    for _ in range(max(a.runs, 1)):
        r = measured()
        if best is None or r["tokens_per_s"] > best["tokens_per_s"]:
            best = r
    emit(dict(best, **session))


def emit(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
