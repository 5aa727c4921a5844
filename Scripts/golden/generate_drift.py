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


def categories(seed, count, k, skew):
    """count labels c0..c(k-1); skew > 0 favours the low categories."""
    u = splitmix_fast(seed, count)
    codes = np.floor((u ** (1.0 + skew)) * k).astype(int)
    labels, counts = np.unique(codes, return_counts=True)
    return {f"c{label}": int(c) for label, c in zip(labels, counts)}


def categorical_cases():
    grid = [(300, 400, 4, 0.0, 0.0), (300, 400, 4, 0.0, 0.6), (50, 5000, 7, 0.2, 0.0), (2000, 1500, 2, 0.0, 0.3),
            (100, 120, 2, 0.0, 0.0), (1000, 1000, 12, 0.0, 0.1), (40, 30, 1, 0.0, 0.0), (5, 8, 3, 0.0, 0.5),
            (1000000, 1000000, 20, 0.0, 0.0), (1000000, 800000, 50, 0.0, 0.002), (500000, 400000, 2, 0.0, 0.004)]
    out = []
    for index, (n1, n2, k, skew1, skew2) in enumerate(grid):
        ref = categories(3000 + index, n1, k, skew1)
        cur = categories(4000 + index, n2, k, skew2)
        out.append(case_for(ref, cur))
    # A category the reference never saw; a category only the reference has.
    out.append(case_for({"a": 30, "b": 20}, {"a": 10, "b": 5, "c": 1}))
    out.append(case_for({"a": 30, "b": 20, "c": 4}, {"a": 10, "b": 5}))
    return out


def case_for(ref, cur):
    keys = sorted(set(ref) | set(cur))
    n1, n2 = sum(ref.values()), sum(cur.values())
    observed = np.array([cur.get(k, 0) for k in keys], dtype=float)
    expected = np.array([ref.get(k, 0) for k in keys], dtype=float) * (n2 / n1)
    case = {"reference": ref, "current": cur}
    with np.errstate(divide="ignore", invalid="ignore"):
        if len(keys) > 1:
            gof = stats.chisquare(observed, expected)
            case["gof"] = [gof.statistic, gof.pvalue]
            table = np.array([[ref.get(k, 0) for k in keys], [cur.get(k, 0) for k in keys]])
            con = stats.chi2_contingency(table)
            case["contingency"] = [con.statistic, con.pvalue]
        else:
            case["gof"] = [0.0, 1.0]
            case["contingency"] = [0.0, 1.0]
    # Z-test on the first category (sorted), pooled proportion.
    target = keys[0]
    p1, p2 = ref.get(target, 0) / n1, cur.get(target, 0) / n2
    pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
    variance = pooled * (1 - pooled) * (1.0 / n1 + 1.0 / n2)
    z = (p1 - p2) / np.sqrt(variance) if variance > 0 else 0.0
    case["z"] = [z, min(1.0, 2 * stats.norm.sf(abs(z))) if variance > 0 else 1.0]
    rp = np.array([ref.get(k, 0) / n1 for k in keys])
    cp = np.array([cur.get(k, 0) / n2 for k in keys])
    case["distances"] = binned_distances(rp, cp)
    return case


def binned_distances(p, q, eps=1e-4):
    pe = np.where(p == 0, eps, p)
    qe = np.where(q == 0, eps, q)
    return {"psi": float(np.sum((qe - pe) * np.log(qe / pe))),
            "kl": float(np.sum(pe * np.log(pe / qe))),
            "js": float(distance.jensenshannon(p, q)),
            "hellinger": float(np.sqrt(np.sum((np.sqrt(p) - np.sqrt(q)) ** 2)) / np.sqrt(2))}


def bins(reference, current, binning, count):
    if binning == "fixed":
        edges = np.histogram_bin_edges(np.concatenate([reference, current]), bins=count)
        return np.histogram(reference, edges)[0] / len(reference), np.histogram(current, edges)[0] / len(current)
    inner = np.quantile(reference, np.arange(1, count) / count)
    ref = np.bincount(np.searchsorted(inner, reference, side="right"), minlength=count) / len(reference)
    cur = np.bincount(np.searchsorted(inner, current, side="right"), minlength=count) / len(current)
    return ref, cur


def numeric_distance_cases():
    out = []
    for index, (kind, n1, n2, shift) in enumerate([("normal", 1000, 800, 0.0), ("normal", 1000, 800, 0.4), ("ties", 500, 700, 0.03),
                                                   ("skewed", 3000, 2000, 0.2), ("normal", 50, 60, 1.5), ("normal", 5, 7, 0.5),
                                                   ("skewed", 1000000, 1000000, 0.001)]):
        a = sample(kind, 5000 + index, n1, 0.0)
        b = sample(kind, 6000 + index, n2, shift)
        case = {"kind": kind, "n1": n1, "n2": n2, "shift": shift, "seed1": 5000 + index, "seed2": 6000 + index,
                "wasserstein": stats.wasserstein_distance(a, b),
                "wasserstein_normed": stats.wasserstein_distance(a, b) / max(np.std(a), 0.001)}
        for binning, count in [("fixed", 10), ("quantile", 10), ("fixed", 30), ("quantile", 4)]:
            p, q = bins(a, b, binning, count)
            case[f"{binning}{count}"] = {"reference": p, "current": q, **binned_distances(p, q)}
        out.append(case)
    return out


def fisher_cases():
    out = []
    for table in [[[8, 2], [1, 5]], [[3, 1], [1, 3]], [[10, 10], [10, 10]], [[0, 5], [5, 0]], [[100, 90], [80, 120]],
                  [[1, 30], [12, 7]], [[5, 0], [0, 0]], [[2, 7], [8, 2]], [[500, 400], [450, 480]],
                  [[500000, 400000], [450000, 480000]], [[2000000, 2001000], [1999000, 2000500]]]:
        for alternative in ["two-sided", "less", "greater"]:
            r = stats.fisher_exact(table, alternative=alternative)
            out.append({"table": table, "alternative": alternative, "statistic": r.statistic, "pvalue": r.pvalue})
    return out


def anderson_cases():
    import warnings
    out = []
    grid = [("normal", [30, 40], [0.0, 0.0]), ("normal", [30, 40], [0.0, 0.7]), ("normal", [100, 80, 120], [0.0, 0.1, 0.2]),
            ("ties", [60, 50], [0.0, 0.04]), ("skewed", [500, 400], [0.0, 0.05]), ("normal", [200, 200], [0.0, 0.9]),
            ("normal", [10, 12], [0.0, 0.0]), ("normal", [5000, 4000], [0.0, 0.05]), ("ties", [20000, 30000], [0.0, 0.001]),
            ("skewed", [100000, 100000], [0.0, 0.002])]
    for index, (kind, sizes, shifts) in enumerate(grid):
        samples = [sample(kind, 7000 + 10 * index + i, n, s) for i, (n, s) in enumerate(zip(sizes, shifts))]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = stats.anderson_ksamp(samples, variant="midrank")
        out.append({"kind": kind, "sizes": sizes, "shifts": shifts, "seeds": [7000 + 10 * index + i for i in range(len(sizes))],
                    "statistic": r.statistic, "pvalue": r.pvalue})
    return out


def cvm_cases():
    out = []
    for index, (kind, n1, n2, shift, method) in enumerate([
            ("normal", 5, 7, 0.0, "auto"), ("normal", 10, 10, 0.8, "auto"), ("ties", 12, 9, 0.05, "auto"),
            ("normal", 20, 15, 0.3, "auto"), ("normal", 8, 6, 0.0, "asymptotic"), ("normal", 30, 40, 0.5, "auto"),
            ("skewed", 200, 150, 0.1, "auto"), ("ties", 1000, 800, 0.01, "auto"), ("normal", 1000, 800, 0.0, "auto"),
            ("normal", 20000, 15000, 0.03, "auto"), ("skewed", 200000, 150000, 0.0, "auto"), ("normal", 5, 5, 2.0, "auto")]):
        a = sample(kind, 8000 + index, n1, 0.0)
        b = sample(kind, 9000 + index, n2, shift)
        r = stats.cramervonmises_2samp(a, b, method=method)
        out.append({"kind": kind, "n1": n1, "n2": n2, "shift": shift, "seed1": 8000 + index, "seed2": 9000 + index,
                    "method": method, "statistic": r.statistic, "pvalue": r.pvalue})
    return out


def mmd_cases():
    """alibi-detect's MMD² (unbiased, Gaussian kernel, median-heuristic sigma) in NumPy."""
    out = []
    for index, (kind, n1, n2, dims, shift) in enumerate([("normal", 50, 60, 1, 0.0), ("normal", 80, 70, 3, 0.5), ("skewed", 40, 40, 2, 0.3)]):
        x = sample(kind, 10000 + index, n1 * dims, 0.0).reshape(n1, dims)
        y = sample(kind, 11000 + index, n2 * dims, shift).reshape(n2, dims)
        dist = ((x[:, None, :] - y[None, :, :]) ** 2).sum(-1)
        n_median = (dist.size) // 2 - 1
        sigma = (0.5 * np.sort(dist.flatten())[n_median]) ** 0.5
        z = np.concatenate([x, y])
        k = np.exp(-((z[:, None, :] - z[None, :, :]) ** 2).sum(-1) / (2 * sigma ** 2))
        np.fill_diagonal(k, 0.0)
        mmd2 = k[:n1, :n1].sum() / (n1 * (n1 - 1)) + k[n1:, n1:].sum() / (n2 * (n2 - 1)) - 2 * k[:n1, n1:].sum() / (n1 * n2)
        out.append({"kind": kind, "n1": n1, "n2": n2, "dims": dims, "shift": shift, "seed1": 10000 + index, "seed2": 11000 + index,
                    "sigma": sigma, "mmd2": mmd2})
    return out


def main():
    golden = {"scipy": scipy.__version__, "numpy": np.__version__,
              "uniforms": splitmix(7, 5).tolist(),
              "samples": {kind: sample(kind, 11, 6, 0.25).tolist() for kind in ["normal", "ties", "skewed"]},
              "ks": ks_cases(), "kolmogorov": kolmogorov_cases(), "categorical": categorical_cases(),
              "numeric_distances": numeric_distance_cases(), "fisher": fisher_cases(), "anderson": anderson_cases(),
              "cvm": cvm_cases(), "mmd": mmd_cases()}
    assert np.array_equal(splitmix(7, 1000), splitmix_fast(7, 1000))
    with open(OUT, "w") as f:
        json.dump(clean(golden), f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
