#!/usr/bin/env python3
"""Golden values for FeatureKit's FFT, computed by NumPy.

    venv/bin/python Scripts/golden/generate_signal.py
Writes Tests/FeatureKitTests/Golden/fft.json. The signal is built from integers only, so Swift
computes the same input exactly: x_j = ((7919 j + 13) mod 1009) / 1009 − 0.5 + (j² mod 17) / 17.
For every length 1...4096: Σ|X_k|² and X at bins 1, n/3 and n−1; for a set of lengths (all up
to 64, primes, powers of two, awkward composites) every bin of rfft and of the analytic signal.
"""
import json
import os

import numpy as np
import scipy
import scipy.signal

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "FeatureKitTests", "Golden", "fft.json")


def signal(n):
    j = np.arange(n, dtype=np.int64)
    return ((7919 * j + 13) % 1009) / 1009.0 - 0.5 + ((j * j) % 17) / 17.0


def main():
    summary = []
    for n in range(1, 4097):
        x = np.fft.fft(signal(n))
        bins = [1 % n, n // 3, n - 1]
        summary.append({"n": n, "energy": float(np.sum(np.abs(x) ** 2)),
                        "bins": bins, "re": [float(x[b].real) for b in bins], "im": [float(x[b].imag) for b in bins]})
    full = {}
    lengths = list(range(1, 65)) + [97, 100, 127, 128, 243, 255, 256, 343, 500, 509, 512, 625, 1000, 1021, 1024, 1331, 2047, 2048,
                                    2197, 3000, 4093, 4096]
    for n in lengths:
        x = signal(n)
        r = np.fft.rfft(x)
        a = scipy.signal.hilbert(x)
        full[str(n)] = {"rfft_re": r.real.tolist(), "rfft_im": r.imag.tolist(),
                        "analytic_re": a.real.tolist(), "analytic_im": a.imag.tolist()}
    with open(OUT, "w") as f:
        json.dump({"summary": summary, "full": full,
                   "_generator": f"Scripts/golden/generate_signal.py (numpy {np.__version__}, scipy {scipy.__version__})"}, f)
        f.write("\n")


if __name__ == "__main__":
    main()
