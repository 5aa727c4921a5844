#!/usr/bin/env python3
"""FAISS on the same raw float32 files as CompareRunner's vector workloads.

    vectors.py flat PREFIX D METRIC RUNS     # IndexFlatL2 / IndexFlatIP, k 10, queries per second
"""
import sys
import time

import faiss
import numpy as np

workload, prefix, d, metric, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], int(sys.argv[5])
base = np.fromfile(f"{prefix}-base.f32", dtype="<f4").reshape(-1, d)
queries = np.fromfile(f"{prefix}-queries.f32", dtype="<f4").reshape(-1, d)
if workload == "flat":
    if metric == "cosine":
        base, queries = base.copy(), queries.copy()
        faiss.normalize_L2(base)
        faiss.normalize_L2(queries)
    index = faiss.IndexFlatL2(d) if metric == "l2" else faiss.IndexFlatIP(d)
    index.add(base)
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        _, ids = index.search(queries, 10)
        best = min(best, time.perf_counter() - start)
    print(f"flat {best} qps={len(queries) / best} checksum={int(ids.sum())}")
