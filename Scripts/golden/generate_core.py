#!/usr/bin/env python3
"""Golden values for ToolboxCoreTests, computed by NumPy, SciPy, pandas, scikit-learn and hashlib.

Run from the repository root with the reference venv (see Scripts/reference-venv):
    venv/bin/python Scripts/golden/generate_core.py
It rewrites Tests/ToolboxCoreTests/Golden/*.json; CI only reads them.
"""
import hashlib
import io
import json
import os

import numpy as np
import pandas as pd
import scipy.linalg
import sklearn
from sklearn.datasets import load_diabetes
from sklearn.linear_model import LinearRegression
from sklearn.preprocessing import StandardScaler

from golden_json import clean

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ToolboxCoreTests", "Golden")
MASK = (1 << 64) - 1


def matrix(a):
    a = np.asarray(a, dtype=np.float64)
    if a.ndim == 1:
        a = a.reshape(-1, 1)
    return {"rows": a.shape[0], "columns": a.shape[1], "values": clean(a.ravel())}


def write(name, payload):
    payload = dict(payload)
    payload["_generator"] = f"Scripts/golden/generate_core.py (numpy {np.__version__}, scipy {scipy.__version__}, pandas {pd.__version__}, scikit-learn {sklearn.__version__})"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(clean(payload), f, indent=1, sort_keys=True)
        f.write("\n")


def linear_algebra():
    rng = np.random.default_rng(20261122)
    a = rng.normal(size=(7, 4))
    b = rng.normal(size=(4, 5))
    v = rng.normal(size=4)
    w = rng.normal(size=4)
    s = a.T @ a + np.eye(4)          # symmetric positive definite
    rhs = rng.normal(size=(4, 2))
    tall = rng.normal(size=(9, 3))
    target = rng.normal(size=(9, 1))
    deficient = np.column_stack([tall[:, 0], tall[:, 1], tall[:, 0] + tall[:, 1]])  # rank 2
    wide = rng.normal(size=(3, 6))
    u, sv, vt = np.linalg.svd(a, full_matrices=False)
    ws, vs = np.linalg.eigh(s)
    lstsq, _, rank, svl = np.linalg.lstsq(tall, target, rcond=None)
    lstsq_def, _, rank_def, _ = np.linalg.lstsq(deficient, target, rcond=None)
    af = a.astype(np.float32)
    bf = b.astype(np.float32)
    write("linear_algebra.json", {
        "a": matrix(a), "b": matrix(b), "v": v, "w": w, "s": matrix(s), "rhs": matrix(rhs),
        "tall": matrix(tall), "target": matrix(target), "deficient": matrix(deficient), "wide": matrix(wide),
        "a_times_b": matrix(a @ b), "at_times_a": matrix(a.T @ a), "a_times_v": a @ v,
        "at_times_col": a.T @ a[:, 0], "dot_v_w": float(v @ w), "axpy_2v_plus_w": 2.0 * v + w,
        "svd_singular_values": sv, "svd_wide_singular_values": np.linalg.svd(wide, compute_uv=False),
        "eigh_values": ws, "eigh_vectors_abs": matrix(np.abs(vs)),
        "cholesky_lower": matrix(np.linalg.cholesky(s)),
        "solve": matrix(np.linalg.solve(s, rhs)),
        "lstsq": matrix(lstsq), "lstsq_rank": int(rank), "lstsq_singular_values": svl,
        "lstsq_deficient": matrix(lstsq_def), "lstsq_deficient_rank": int(rank_def),
        "float_a_times_b": matrix((af @ bf).astype(np.float64)),
    })


def xoshiro_stream(seed, count):
    """xoshiro256** 1.0 seeded with SplitMix64: the published reference algorithm (Vigna)."""
    state = []
    x = seed
    for _ in range(4):
        x = (x + 0x9E3779B97F4A7C15) & MASK
        z = x
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        state.append(z ^ (z >> 31))
    rotl = lambda v, k: ((v << k) | (v >> (64 - k))) & MASK
    out = []
    s0, s1, s2, s3 = state
    for _ in range(count):
        out.append((rotl((s1 * 5) & MASK, 7) * 9) & MASK)
        t = (s1 << 17) & MASK
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t
        s3 = rotl(s3, 45)
    return out


def rng():
    seeds = [0, 42, 2**64 - 1]
    streams = {str(s): [str(v) for v in xoshiro_stream(s, 12)] for s in seeds}
    uniforms = [(v >> 11) * 2.0**-53 for v in xoshiro_stream(42, 12)]
    write("rng.json", {"streams": streams, "uniform_seed42": uniforms})


def csv_values():
    texts = ["0.1", "1e-5", "-0", "3", "  3.5 ", "123456789012345678901", "1.7976931348623157e308",
             "4.9e-324", "2.2250738585072014e-308", "0.30000000000000004", "9007199254740993",
             "1.00000000000000011102230246251565404236316680908203125", "-7.25E+3", "+12.5", ".5", "5.",
             "1e400", "-1e-400", "nan", "inf", "-Infinity", "123.456e-7", "0.000000000000000000000000001"]
    frame = pd.read_csv(io.StringIO("v\n" + "\n".join(texts) + "\n"), dtype={"v": np.float64})
    parsed = frame["v"].tolist()
    # float.hex keeps every bit; pandas' default parser is not always correctly rounded, so the
    # test compares with Python's correctly rounded float() and records pandas for information.
    write("csv_numbers.json", {
        "texts": texts,
        "python_float_hex": [float(t).hex() for t in texts],
        "pandas_hex": [float(p).hex() for p in parsed],
    })

    gen = np.random.default_rng(7)
    n = 200
    df = pd.DataFrame({
        "price": np.round(gen.normal(100, 15, n), 3),
        "rooms": gen.integers(1, 7, n).astype(float),
        "district": gen.choice(["north", "south", "east", "west, old"], n),
        "score": np.round(gen.uniform(0, 1, n), 6),
    })
    df.loc[gen.choice(n, 9, replace=False), "price"] = np.nan
    df.loc[gen.choice(n, 5, replace=False), "district"] = None
    path = os.path.join(OUT, "describe_input.csv")
    df.to_csv(path, index=False)
    back = pd.read_csv(path)
    numeric = back.describe()
    summary = {}
    for column in ["price", "rooms", "score"]:
        d = numeric[column]
        summary[column] = {"count": int(d["count"]), "mean": d["mean"], "std": d["std"], "min": d["min"],
                           "q25": d["25%"], "median": d["50%"], "q75": d["75%"], "max": d["max"],
                           "missing": int(back[column].isna().sum())}
    cat = back["district"]
    counts = cat.value_counts()
    summary["district"] = {"count": int(cat.count()), "unique": int(cat.nunique()), "missing": int(cat.isna().sum()),
                           "top_frequency": int(counts.iloc[0])}
    write("describe.json", {"columns": summary, "rows": len(back)})


def sha256():
    messages = {"empty": b"", "abc": b"abc", "two_blocks": b"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
                "pattern_1000": bytes(i % 251 for i in range(1000)), "exactly_64": b"a" * 64, "length_55": b"b" * 55,
                "length_56": b"c" * 56}
    write("sha256.json", {"messages_hex": {k: v.hex() for k, v in messages.items()},
                          "digests": {k: hashlib.sha256(v).hexdigest() for k, v in messages.items()}})


def estimators():
    data = load_diabetes()
    x, y = data.data, data.target
    scaler = StandardScaler().fit(x)
    ols = LinearRegression().fit(x, y)
    ols_no_intercept = LinearRegression(fit_intercept=False).fit(x, y)
    write("estimators.json", {
        "x": matrix(x), "y": y,
        "scaler_mean": scaler.mean_, "scaler_scale": scaler.scale_, "scaler_first_row": scaler.transform(x[:1])[0],
        "ols_coef": ols.coef_, "ols_intercept": float(ols.intercept_),
        "ols_no_intercept_coef": ols_no_intercept.coef_,
        "ols_r2": float(ols.score(x, y)),
    })


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    linear_algebra()
    rng()
    csv_values()
    sha256()
    estimators()
    print("golden files written to", os.path.normpath(OUT))
