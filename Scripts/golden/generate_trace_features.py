#!/usr/bin/env python3
"""Golden values for FeatureKit's trace features: a NumPy implementation of the formulas
documented in Sources/FeatureKit/Signal/TraceFeatures.swift, on SEG-Y conformance files read
by segyio.

    venv/bin/python Scripts/golden/generate_trace_features.py
Writes Tests/FeatureKitTests/Golden/trace_features.json.
"""
import json
import os

import numpy as np
import scipy.signal
import scipy.stats
import segyio

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DATA = os.path.join(ROOT, "Tests", "TestData", "segy")
OUT = os.path.join(ROOT, "Tests", "FeatureKitTests", "Golden", "trace_features.json")


def features(x, dt):
    n = len(x)
    mean = x.mean()
    d = x - mean
    m2, m3, m4 = (d ** 2).mean(), (d ** 3).mean(), (d ** 4).mean()
    std = np.sqrt(m2)
    energy = float((x ** 2).sum())
    rms = np.sqrt(energy / n)
    out = [mean, std, m2, x.min(), x.max(), x.max() - x.min(), np.abs(x).mean(), np.abs(x).max(), rms, energy]
    out += [scipy.stats.skew(x) if m2 > 0 else 0.0, scipy.stats.kurtosis(x) if m2 > 0 else 0.0]
    p = np.percentile(x, [50, 5, 25, 75, 95])
    out += list(p) + [p[3] - p[2]]
    out.append(np.abs(x).max() / rms if rms > 0 else 0.0)
    if n > 1:
        out += [np.sum((x[:-1] < 0) != (x[1:] < 0)) / (n - 1), np.sum((d[:-1] < 0) != (d[1:] < 0)) / (n - 1),
                np.abs(np.diff(x)).sum() / (n - 1)]
    else:
        out += [0.0, 0.0, 0.0]
    for lag in [1, 2, 5, 10]:
        out.append(float((d[:-lag] * d[lag:]).sum() / (d ** 2).sum()) if lag < n and m2 > 0 else 0.0)
    out.append(np.argmax(np.abs(x)) * dt)
    spectrum = np.fft.rfft(x)
    magnitude = np.abs(spectrum)
    magnitude[magnitude < 1e-13 * magnitude.max()] = 0.0
    power = magnitude ** 2
    f = np.arange(len(spectrum)) / (n * dt)
    if len(spectrum) > 1 and magnitude[1:].max() > 0:
        k = 1 + np.argmax(magnitude[1:])
        out += [f[k], magnitude[k]]
    else:
        out += [0.0, 0.0]
    total, total_power = magnitude.sum(), power.sum()
    if total > 0 and total_power > 0:
        centroid = (f * magnitude).sum() / total
        bandwidth = np.sqrt((magnitude * (f - centroid) ** 2).sum() / total)
        rolloff = f[np.argmax(np.cumsum(magnitude) >= 0.85 * total)]
        floored = np.maximum(power, 1e-20)
        flatness = np.exp(np.log(floored).mean()) / floored.mean()
        pk = power / total_power
        nz = pk > 0
        entropy = -(pk[nz] * np.log(pk[nz])).sum() / np.log(len(spectrum)) if len(spectrum) > 1 else 0.0
        nyquist = f[-1]
        band = np.minimum(3, (4 * f / nyquist).astype(int)) if nyquist > 0 else np.zeros(len(f), dtype=int)
        bands = [power[band == b].sum() / total_power for b in range(4)]
        out += [centroid, bandwidth, rolloff, flatness, entropy] + bands
    else:
        out += [0.0] * 10
    analytic = scipy.signal.hilbert(x)
    envelope = np.abs(analytic)
    if n > 1:
        steps = np.diff(np.unwrap(np.angle(analytic)))
        defined = (envelope[1:] > 1e-9 * envelope.max()) & (envelope[:-1] > 1e-9 * envelope.max()) & (np.abs(steps) < np.pi - 1e-6)
        frequency = (np.where(defined, steps, 0.0) / (2 * np.pi * dt)).mean()
    else:
        frequency = 0.0
    out += [envelope.mean(), envelope.max(), envelope.std(), frequency]
    return [float(v) for v in out]


def main():
    payload = {}
    for name in ["small.sgy", "f3.sgy", "small-ps.sgy", "1x1.sgy", "text-embed-null.sgy"]:
        with segyio.open(os.path.join(DATA, name), ignore_geometry=True) as f:
            traces = f.trace.raw[:].astype(np.float64)
            dt = segyio.tools.dt(f) / 1e6
            payload[name] = {"dt": dt, "features": [features(t, dt) for t in traces]}
    payload["_generator"] = f"Scripts/golden/generate_trace_features.py (numpy {np.__version__}, scipy {scipy.__version__})"
    with open(OUT, "w") as out:
        json.dump(payload, out)
        out.write("\n")


if __name__ == "__main__":
    main()
