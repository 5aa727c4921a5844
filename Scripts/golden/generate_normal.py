"""Golden values of the standard normal's functions as scipy computes them (ndtr, log_ndtr,
ndtri, erfcx; norm.pdf, norm.logpdf), tails included, for ToolboxCore's NormalDistribution.

    venv/bin/python Scripts/golden/generate_normal.py
"""
import json
import os

import scipy
from scipy import special, stats

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "ToolboxCoreTests", "Golden")


def main():
    xs = [-40, -38.5, -30, -20, -10, -6, -5.5, -3, -1.5, -1, -0.5, -1e-8, 0, 1e-8, 0.3, 0.7071, 1, 2, 5, 8, 9, 20, 40]
    ps = [1e-300, 1e-100, 1e-20, 1e-10, 1e-5, 0.001, 0.02, 0.0243, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.99, 0.999, 1 - 1e-10, 1 - 1e-15]
    out = {"scipy": scipy.__version__, "x": xs, "p": ps,
           "cdf": [float(special.ndtr(x)) for x in xs], "log_cdf": [float(special.log_ndtr(x)) for x in xs],
           "pdf": [float(stats.norm.pdf(x)) for x in xs], "log_pdf": [float(stats.norm.logpdf(x)) for x in xs],
           "erfcx": [float(special.erfcx(abs(x))) for x in xs], "quantile": [float(special.ndtri(p)) for p in ps]}
    ys = [-1e5, -800, -300, -50, -10, -3, -2.0001, -1.5, -0.5, -0.15, -0.1, -1e-3, -1e-10]
    out["log_p"] = ys
    out["quantile_of_log"] = [float(special.ndtri_exp(y)) for y in ys]
    bounds = [(-1.0, 2.0), (0.5, 3.0), (-8.0, -5.0), (5.0, 9.0), (-40.0, -30.0), (-3.0, 40.0), (-0.1, 0.1)]
    cases = []
    for a, b in bounds:
        xs_in = [a + (b - a) * t for t in (0.0, 0.01, 0.3, 0.5, 0.9, 1.0)]
        qs = [1e-12, 0.01, 0.25, 0.5, 0.75, 0.99, 1 - 1e-9]
        dist = stats.truncnorm(a, b)
        cases.append({"a": a, "b": b, "x": xs_in, "pdf": [float(v) for v in dist.pdf(xs_in)],
                      "log_pdf": [float(v) for v in dist.logpdf(xs_in)], "cdf": [float(v) for v in dist.cdf(xs_in)],
                      "q": qs, "ppf": [float(v) for v in dist.ppf(qs)]})
    out["truncated"] = cases
    with open(os.path.join(HERE, "normal.json"), "w") as f:
        json.dump(out, f, indent=1)


if __name__ == "__main__":
    main()
