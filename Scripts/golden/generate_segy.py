#!/usr/bin/env python3
"""Golden values for SEGYKitTests: what segyio reads from every conformance file.

Run from the repository root with the reference venv (see Scripts/reference-venv; needs segyio):
    venv/bin/python Scripts/golden/generate_segy.py
Writes Tests/SEGYKitTests/Golden/segyio.json. Large sample arrays and header tables are stored
as SHA-256 digests of their bytes (float32 little-endian samples; int64 little-endian header
words in segyio's field order), so every sample and every header word is still compared.
"""
import hashlib
import json
import os
import sys

import numpy as np
import segyio

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DATA = os.path.join(ROOT, "Tests", "TestData", "segy")
OUT = os.path.join(ROOT, "Tests", "SEGYKitTests", "Golden", "segyio.json")
TRACE_FIELDS = sorted((v, k) for k, v in vars(segyio.TraceField).items() if isinstance(v, int))
BIN_FIELDS = sorted((v, k) for k, v in vars(segyio.BinField).items() if isinstance(v, int) and k != "Unassigned1" and k != "Unassigned2")
# segyio 1.9 decodes 24-bit formats as IBM float with a warning; those values are not a reference.
# Format 4 (obsolete fixed point) it passes through as 4-byte IEEE float, which is what the
# conformance files hold under that code, so its values are the reference.
NOT_DECODED = {7, 15}


def clean(v):
    if isinstance(v, float) and (v != v or v in (float("inf"), float("-inf"))):
        return str(v)
    return v


def describe(f, name):
    fmt = int(f.bin[segyio.BinField.Format])
    entry = {
        "tracecount": f.tracecount,
        "samplecount": len(f.samples),
        "format": fmt,
        "ext_headers": f.ext_headers,
        "samples_axis": [clean(float(x)) for x in f.samples[:8]],
        "samples_axis_last": clean(float(f.samples[-1])) if len(f.samples) else None,
        "bin": {str(offset): int(f.bin[offset]) for offset, _ in BIN_FIELDS},
        "text": f.text[0].decode("latin-1"),
        "ext_text": [f.text[i].decode("latin-1") for i in range(1, f.ext_headers + 1)],
        "unstructured": f.unstructured,
    }
    if not f.unstructured:
        entry.update({
            "sorting": int(f.sorting),
            "ilines": [int(x) for x in f.ilines],
            "xlines": [int(x) for x in f.xlines],
            "offsets": [int(x) for x in f.offsets],
        })
    words = np.array([[int(h[offset]) for offset, _ in TRACE_FIELDS] for h in f.header], dtype="<i8")
    entry["header_fields"] = [offset for offset, _ in TRACE_FIELDS]
    entry["headers_sha256"] = hashlib.sha256(words.tobytes()).hexdigest()
    entry["first_header"] = [int(x) for x in words[0]] if len(words) else []
    entry["last_header"] = [int(x) for x in words[-1]] if len(words) else []
    if fmt not in NOT_DECODED:
        data = np.asarray(f.trace.raw[:], dtype="<f4")
        entry["samples_sha256"] = hashlib.sha256(data.tobytes()).hexdigest()
        entry["first_trace"] = [clean(float(x)) for x in data[0]] if len(data) else []
        entry["sample_sum"] = float(np.sum(data.astype(np.float64)))
    return entry


def ebcdic_table():
    """segyio's EBCDIC -> ASCII translation, read back from a file whose textual header holds
    every byte value."""
    import struct
    import tempfile
    text = bytes(range(256)) * 12 + bytes(range(128))
    binary = bytearray(400)
    struct.pack_into(">h", binary, 20, 1)   # 3221: one sample
    struct.pack_into(">h", binary, 24, 5)   # 3225: IEEE float
    trace = bytes(240) + struct.pack(">f", 0.0)
    with tempfile.NamedTemporaryFile(suffix=".sgy", delete=False) as tmp:
        tmp.write(text + bytes(binary) + trace)
        name = tmp.name
    try:
        with segyio.open(name, ignore_geometry=True) as f:
            decoded = f.text[0]
    finally:
        os.unlink(name)
    return list(decoded[:256])


def main():
    files = sorted(n for n in os.listdir(DATA) if n.endswith(".sgy"))
    files += sorted("multiformats/" + n for n in os.listdir(os.path.join(DATA, "multiformats")))
    result = {"_generator": f"Scripts/golden/generate_segy.py (segyio, numpy {np.__version__})", "files": {}}
    for name in files:
        path = os.path.join(DATA, name)
        endian = "little" if "lsb" in name else "big"
        entry = {"endian": endian}
        try:
            try:
                f = segyio.open(path, endian=endian)
            except RuntimeError as e:
                # segyio cannot infer a geometry: read the traces without one, as users do.
                entry["geometry_error"] = str(e)
                f = segyio.open(path, endian=endian, ignore_geometry=True)
            with f:
                entry.update(describe(f, name))
            entry["opened"] = True
        except Exception as e:  # the reference rejects the file
            entry = {"endian": endian, "opened": False, "error": f"{type(e).__name__}: {e}"}
        result["files"][name] = entry
    for name in ["small.su", "small-lsb.su"]:
        path = os.path.join(DATA, name)
        endian = "little" if "lsb" in name else "big"
        with segyio.su.open(path, endian=endian, ignore_geometry=True) as f:
            data = np.asarray(f.trace.raw[:], dtype="<f4")
            words = np.array([[int(h[offset]) for offset, _ in TRACE_FIELDS] for h in f.header], dtype="<i8")
            result["files"][name] = {"endian": endian, "opened": True, "tracecount": f.tracecount,
                                     "samplecount": len(f.samples),
                                     "samples_sha256": hashlib.sha256(data.tobytes()).hexdigest(),
                                     "headers_sha256": hashlib.sha256(words.tobytes()).hexdigest(),
                                     "first_trace": [float(x) for x in data[0]]}
    result["ebcdic_to_ascii"] = ebcdic_table()
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as out:
        json.dump(result, out, indent=1, sort_keys=True)
        out.write("\n")
    print("wrote", os.path.normpath(OUT), len(result["files"]), "files")


if __name__ == "__main__":
    main()
