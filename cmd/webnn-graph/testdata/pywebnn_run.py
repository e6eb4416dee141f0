"""Run a converted graph in pywebnn (the reference loader of the format:
rustnn's parser, weights resolver, validator and ONNX lowering) at several
input sizes, and optionally the original ONNX model in ONNX Runtime on the
same inputs as an independent reference.

    python pywebnn_run.py JOB.json

JOB: {"graph": path, "onnx": path or "", "runs": [{"name", "feeds", "out",
"ort_feeds", "ort_out"}]}. feeds is an npz keyed by graph input names with
the graph's data types; ort_feeds (optional) an npz keyed by ONNX input
names. Writes JOB.json + ".result.json": {name: error or ""}. One failing
size never stops the others.
"""
import json
import sys
import traceback

import numpy as np


def main():
    job = json.load(open(sys.argv[1]))
    result = {}
    graph = err_load = None
    try:
        import webnn

        import os

        d = job["graph"].rsplit("/", 1)[0]
        if os.path.exists(d + "/model.safetensors"):
            graph = webnn.MLGraph.load(job["graph"])  # found beside the graph, as rustnn does
        else:
            graph = webnn.MLGraph.load(job["graph"], manifest_path=d + "/manifest.json", weights_path=d + "/model.weights")
        ctx = webnn.ML().create_context()
    except BaseException as e:  # pywebnn raises Rust panics as BaseException
        err_load = "load: " + one_line(e)
    sess = None
    for run in job["runs"]:
        name = run["name"]
        if err_load:
            result[name] = err_load
            continue
        try:
            feeds = dict(np.load(run["feeds"]))
            res = ctx.compute(graph, feeds)
            np.savez(run["out"], **{k: np.asarray(v) for k, v in res.items()})
            result[name] = ""
        except BaseException as e:
            result[name] = "compute: " + one_line(e)
        if run.get("ort_feeds"):
            try:
                if sess is None:
                    import onnxruntime as ort

                    so = ort.SessionOptions()
                    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
                    sess = ort.InferenceSession(job["onnx"], so, providers=["CPUExecutionProvider"])
                feeds = dict(np.load(run["ort_feeds"]))
                names = [o.name for o in sess.get_outputs()]
                outs = sess.run(names, feeds)
                np.savez(run["ort_out"], **dict(zip(names, outs)))
            except BaseException as e:
                result[name + " (onnxruntime)"] = one_line(e)
    json.dump(result, open(sys.argv[1] + ".result.json", "w"), indent=1)


def one_line(e):
    s = str(e).strip().replace("\n", " ")
    if not s:
        s = traceback.format_exc().strip().splitlines()[-1]
    return s[-400:]


if __name__ == "__main__":
    main()
