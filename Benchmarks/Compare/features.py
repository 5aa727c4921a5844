#!/usr/bin/env python3
"""scikit-learn on the same data as CompareRunner: `knn PREFIX FEATURES RUNS` prints
`knn-impute SECONDS checksum=C`, the best of RUNS fit+transform of KNNImputer (defaults)."""
import sys
import time

import numpy as np
from sklearn.impute import KNNImputer

workload, prefix, features, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
if workload == "tfidf":
    from sklearn.feature_extraction.text import TfidfVectorizer
    documents = open(prefix, encoding="utf-8").read().split("\n")
    documents = [d for d in documents if d]
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        rows = TfidfVectorizer().fit(documents).transform(documents)
        best = min(best, time.perf_counter() - start)
    print(f"tfidf {best} documents={len(documents)} terms={rows.shape[1]} nonzeros={rows.nnz}")
    sys.exit(0)
x = np.fromfile(prefix + ".x", dtype="<f8").reshape(-1, features)
if workload == "knn":
    best, out = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        out = KNNImputer().fit(x).transform(x)
        best = min(best, time.perf_counter() - start)
    print(f"knn-impute {best} checksum={out.sum():.6f}")
elif workload in ("scaler", "pca"):
    from sklearn.decomposition import PCA
    from sklearn.preprocessing import StandardScaler
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        if workload == "scaler":
            out = StandardScaler().fit(x).transform(x)
        else:
            out = PCA(n_components=10).fit(x).transform(x)
        best = min(best, time.perf_counter() - start)
    print(f"{workload} {best} checksum={abs(out).sum():.6f}")
