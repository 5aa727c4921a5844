#!/usr/bin/env python3
"""Golden values for VectorKit from FAISS: flat neighbours, k-means objective, IVF recall.

    venv/bin/python Scripts/golden/generate_vectors.py
Writes Tests/VectorKitTests/Golden/vectors.json. The vectors are not stored: both sides build a
Gaussian mixture from SplitMix64 with exactly rounded operations (see mixture()).
"""
import json
import os
import sys

import faiss
import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from generate_drift import splitmix_fast  # noqa: E402
from golden_json import clean  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "VectorKitTests", "Golden", "vectors.json")


def mixture(seed, n, d, centres, spread):
    """n points: centre c = floor(u·centres) with coordinates 10·u, plus noise (sum of 4
    uniforms − 2)·spread; computed in float64, then rounded to float32."""
    u = splitmix_fast(seed, centres * d + n * (1 + 4 * d))
    centre = (u[:centres * d] * 10.0).reshape(centres, d)
    rest = u[centres * d:]
    labels = np.floor(rest[:n] * centres).astype(int)
    noise = rest[n:].reshape(n, d, 4)
    values = centre[labels] + (((noise[:, :, 0] + noise[:, :, 1]) + noise[:, :, 2]) + noise[:, :, 3] - 2.0) * spread
    return values.astype(np.float32)


def main():
    d = 32
    base = mixture(1, 20000, d, 200, 3.0)
    queries = mixture(1, 20200, d, 200, 3.0)[20000:]
    golden = {"faiss": faiss.__version__, "d": d, "n": 20000, "queries": 200,
              "sample": mixture(1, 3, 4, 2, 1.0).tolist()}
    flat = faiss.IndexFlatL2(d)
    flat.add(base)
    _, truth = flat.search(queries, 10)
    golden["flat_l2_first"] = truth[:20].tolist()
    ip = faiss.IndexFlatIP(d)
    ip.add(base)
    _, ip_ids = ip.search(queries, 10)
    golden["flat_ip_first"] = ip_ids[:20].tolist()
    km = faiss.Kmeans(d, 64, niter=20, seed=1234)
    km.train(base)
    golden["kmeans_objective"] = [float(x) for x in km.obj]
    recalls = {}
    quantizer = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, 64)
    ivf.train(base)
    ivf.add(base)
    for nprobe in [1, 4, 16]:
        ivf.nprobe = nprobe
        _, ids = ivf.search(queries, 10)
        recalls[str(nprobe)] = float(np.mean([len(set(ids[i]) & set(truth[i])) / 10 for i in range(len(queries))]))
    golden["ivf_recall"] = recalls
    golden["faiss_files"] = faiss_files()
    with open(OUT, "w") as f:
        json.dump(clean(golden), f, indent=1)
        f.write("\n")


def faiss_files():
    """Small FAISS index files written by FAISS itself, and their answers to a few queries."""
    golden_dir = os.path.dirname(OUT)
    d = 8
    base = mixture(7, 300, d, 5, 1.0)
    queries = mixture(7, 310, d, 5, 1.0)[300:]
    answers = {}
    flat = faiss.IndexFlatL2(d)
    flat.add(base)
    ip = faiss.IndexFlatIP(d)
    ip.add(base)
    idmap = faiss.IndexIDMap(faiss.IndexFlatL2(d))
    idmap.add_with_ids(base, np.arange(300, dtype="int64") * 7 + 1000)
    quantizer = faiss.IndexFlatL2(d)
    ivf = faiss.IndexIVFFlat(quantizer, d, 4)
    ivf.train(base)
    ivf.add_with_ids(base, np.arange(300, dtype="int64") * 3)
    ivf.nprobe = 2
    sparse_quantizer = faiss.IndexFlatIP(d)
    sparse = faiss.IndexIVFFlat(sparse_quantizer, d, 16, faiss.METRIC_INNER_PRODUCT)
    sparse.train(base)
    sparse.add(base[:5])
    sparse.nprobe = 16
    for name, index in [("flat_l2", flat), ("flat_ip", ip), ("idmap", idmap), ("ivf", ivf), ("ivf_sparse", sparse)]:
        faiss.write_index(index, os.path.join(golden_dir, f"{name}.faiss"))
        scores, ids = index.search(queries, 5)
        answers[name] = {"ids": ids.tolist(), "scores": scores.tolist()}
    return answers


if __name__ == "__main__":
    main()
