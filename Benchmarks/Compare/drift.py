#!/usr/bin/env python3
"""scipy.stats.ks_2samp and a NumPy PSI on two raw float64 files, the best of RUNS.

    drift.py ks|psi REFERENCE.f64 CURRENT.f64 RUNS
PSI: 10 bins cut at the reference's quantiles, empty bins at 1e-4, sum((q - p) ln(q / p)).
"""
import sys
import time

import numpy as np
from scipy import stats


def psi(reference, current, bins=10, eps=1e-4):
    inner = np.quantile(reference, np.arange(1, bins) / bins)
    p = np.bincount(np.searchsorted(inner, reference, side="right"), minlength=bins) / len(reference)
    q = np.bincount(np.searchsorted(inner, current, side="right"), minlength=bins) / len(current)
    p = np.where(p == 0, eps, p)
    q = np.where(q == 0, eps, q)
    return float(np.sum((q - p) * np.log(q / p)))


workload, a_path, b_path, runs = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
a, b = np.fromfile(a_path, dtype="<f8"), np.fromfile(b_path, dtype="<f8")
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    if workload == "ks":
        result = stats.ks_2samp(a, b)
        detail = f"statistic={result.statistic!r} pvalue={result.pvalue!r}"
    else:
        detail = f"psi={psi(a, b)!r}"
    best = min(best, time.perf_counter() - start)
print(f"{workload} {best} {detail}")
