#!/usr/bin/env python3
"""NumPy's default_rng (SeedSequence + PCG64) and Generator.shuffle outputs, for LearnKit's
NumPyGenerator (scikit-learn's HistGradientBoosting draws max_features with it), and np.sum's
pairwise summation of float64 (how it totals the root's histogram).

    venv/bin/python Scripts/golden/generate_numpy_generator.py
Writes Tests/LearnKitTests/Golden/numpy_generator.json."""
import json
import os

import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden", "numpy_generator.json")


def main():
    cases = []
    for seed in [0, 1, 42, 2**32 - 2, 2**40 + 5]:
        state = np.random.SeedSequence(seed).generate_state(8, np.uint32)
        raw = np.random.default_rng(seed).bit_generator.random_raw(6)
        rng = np.random.default_rng(seed)
        shuffled = np.arange(13)
        rng.shuffle(shuffled)
        mask = np.full(10, False)
        mask[:3] = True
        rng.shuffle(mask)  # the same generator, continuing: as scikit-learn's splits do
        # Raw values as strings: JSON numbers above 2^53 lose digits.
        cases.append({"seed": str(seed), "state": state.tolist(), "raw": [str(int(v)) for v in raw],
                      "shuffled": shuffled.tolist(), "mask": mask.tolist()})
    sums = []
    rng = np.random.default_rng(9)
    for n in [5, 8, 100, 127, 128, 129, 256, 300, 1000]:
        values = rng.normal(size=n) * 10.0 ** rng.integers(-6, 6, size=n)
        sums.append({"values": values.tolist(), "sum": float(values.sum())})
    with open(OUT, "w") as f:
        json.dump({"numpy": np.__version__, "cases": cases, "sums": sums}, f, indent=1)


if __name__ == "__main__":
    main()
