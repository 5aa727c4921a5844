#!/usr/bin/env python3
"""FAISS on the same raw float32 files as CompareRunner's vector workloads.

    vectors.py flat PREFIX D METRIC RUNS     # IndexFlatL2 / IndexFlatIP, k 10, queries per second
    vectors.py ivf PREFIX D NLIST RUNS       # IndexIVFFlat: build time, QPS and recall@10 per nprobe
    vectors.py kmeans PREFIX D K 1           # faiss.Kmeans, 20 iterations: training time
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
elif workload in ("ivf", "kmeans"):
    lists = int(metric)
    if workload == "kmeans":
        start = time.perf_counter()
        km = faiss.Kmeans(d, lists, niter=20, seed=1234)
        km.train(base)
        print(f"kmeans {time.perf_counter() - start} objective={km.obj[-1]}")
    else:
        flat = faiss.IndexFlatL2(d)
        flat.add(base)
        _, truth = flat.search(queries, 10)
        start = time.perf_counter()
        quantizer = faiss.IndexFlatL2(d)
        index = faiss.IndexIVFFlat(quantizer, d, lists)
        index.train(base)
        index.add(base)
        print(f"ivf-build {time.perf_counter() - start}")
        for nprobe in [1, 4, 16, 64]:
            index.nprobe = nprobe
            best = float("inf")
            for _ in range(runs):
                begin = time.perf_counter()
                _, ids = index.search(queries, 10)
                best = min(best, time.perf_counter() - begin)
            recall = np.mean([len(set(ids[i]) & set(truth[i])) / 10 for i in range(len(queries))])
            print(f"ivf-nprobe-{nprobe} {best} qps={len(queries) / best} recall={recall}")
