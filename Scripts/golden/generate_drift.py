#!/usr/bin/env python3
"""Golden values for DriftKit's two-sample tests and distances, computed by scipy.stats and NumPy.

    venv/bin/python Scripts/golden/generate_drift.py
Writes Tests/DriftKitTests/Golden/drift.json.

The samples are not stored: both sides generate them from SplitMix64 with operations that are
exactly rounded (integer arithmetic, +, -, *, /, floor), so Swift and NumPy get the same bits.
"""
import json
import os
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.spatial import distance

sys.path.insert(0, os.path.dirname(__file__))
from golden_json import clean  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "DriftKitTests", "Golden", "drift.json")
MASK = (1 << 64) - 1


def splitmix(seed, count):
    """count uniforms in [0, 1) from SplitMix64 (the top 53 bits)."""
    state = seed & MASK
    out = np.empty(count)
    for i in range(count):
        state = (state + 0x9E3779B97F4A7C15) & MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        z ^= z >> 31
        out[i] = (z >> 11) * (1.0 / 9007199254740992.0)
    return out


def splitmix_fast(seed, count):
    """The same stream, vectorized with uint64 arithmetic (wrapping as the scalar version masks)."""
    with np.errstate(over="ignore"):
        steps = np.arange(1, count + 1, dtype=np.uint64)
        z = np.uint64(seed) + steps * np.uint64(0x9E3779B97F4A7C15)
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        z ^= z >> np.uint64(31)
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / 9007199254740992.0)


def sample(kind, seed, count, shift):
    """normal: Irwin-Hall (sum of 12 uniforms, minus 6) plus shift; ties: floor(20 u) plus a
    shift of whole steps in a share of the values; exponential-ish: u / (1 - u + 0.05)."""
    u = splitmix_fast(seed, count * 12 if kind == "normal" else count)
    if kind == "normal":
        values = np.zeros(count)
        for k in range(12):
            values = values + u[k::12]
        return values - 6.0 + shift
    if kind == "ties":
        return np.floor(u * 20.0) + np.floor(u * shift * 100.0)
    return u / (1.0 - u + 0.05) + shift


def ks_cases():
    grid = [
        ("normal", 5, 5, 0.0), ("normal", 5, 8, 1.0), ("normal", 8, 5, 0.5), ("normal", 20, 30, 0.0),
        ("normal", 20, 30, 0.8), ("normal", 100, 100, 0.3), ("normal", 100, 250, 0.0), ("normal", 250, 100, 0.4),
        ("ties", 60, 45, 0.0), ("ties", 60, 45, 0.05), ("ties", 1000, 1000, 0.02), ("skewed", 1000, 700, 0.1),
        ("normal", 3000, 2999, 0.05), ("normal", 10000, 10000, 0.03), ("normal", 10000, 9000, 0.0),
        ("normal", 20000, 15000, 0.0), ("normal", 20000, 15000, 0.03), ("skewed", 50000, 40000, 0.01),
        ("normal", 1000000, 1000000, 0.0), ("normal", 1000000, 1000000, 0.006),
    ]
    cases = []
    for index, (kind, n1, n2, shift) in enumerate(grid):
        a = sample(kind, 1000 + index, n1, 0.0)
        b = sample(kind, 2000 + index, n2, shift)
        alternatives = ["two-sided"] if n1 >= 1000000 else ["two-sided", "less", "greater"]
        for alternative in alternatives:
            methods = ["auto"] + (["asymp"] if max(n1, n2) <= 10000 else [])
            for method in methods:
                r = stats.ks_2samp(a, b, alternative=alternative, method=method)
                cases.append({"kind": kind, "n1": n1, "n2": n2, "shift": shift, "seed1": 1000 + index, "seed2": 2000 + index,
                              "alternative": alternative, "method": method, "statistic": r.statistic, "pvalue": r.pvalue,
                              "location": r.statistic_location, "sign": int(r.statistic_sign)})
    return cases


def kolmogorov_cases():
    """kstwo.sf and smirnov on a grid that reaches every method of Simard and L'Ecuyer."""
    out = []
    for n in [1, 2, 5, 10, 50, 140, 141, 500, 2000, 100000, 100001, 500000]:
        for x in [0.001, 0.004, 0.01, 0.03, 0.05, 0.08, 0.1, 0.2, 0.3, 0.45, 0.5, 0.7, 0.95]:
            out.append({"n": n, "x": x, "kstwo_sf": stats.kstwo.sf(x, n), "smirnov": scipy.special.smirnov(n, x)})
    return out


def main():
    golden = {"scipy": scipy.__version__, "numpy": np.__version__,
              "uniforms": splitmix(7, 5).tolist(),
              "samples": {kind: sample(kind, 11, 6, 0.25).tolist() for kind in ["normal", "ties", "skewed"]},
              "ks": ks_cases(), "kolmogorov": kolmogorov_cases()}
    assert np.array_equal(splitmix(7, 1000), splitmix_fast(7, 1000))
    with open(OUT, "w") as f:
        json.dump(clean(golden), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
