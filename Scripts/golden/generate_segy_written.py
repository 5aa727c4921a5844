#!/usr/bin/env python3
"""segyio's reading of the files SEGYWriter wrote into Tests/SEGYKitTests/Golden/written/.

Record the files first (DSTOOLBOX_RECORD_GOLDEN=1 swift test --filter WrittenFilesTests), then:
    venv/bin/python Scripts/golden/generate_segy_written.py
"""
import hashlib
import json
import os

import numpy as np
import segyio

ROOT = os.path.join(os.path.dirname(__file__), "..", "..")
DIR = os.path.join(ROOT, "Tests", "SEGYKitTests", "Golden", "written")
OUT = os.path.join(ROOT, "Tests", "SEGYKitTests", "Golden", "written.json")
FIELDS = sorted(v for k, v in vars(segyio.TraceField).items() if isinstance(v, int))

result = {"_generator": "Scripts/golden/generate_segy_written.py", "files": {}}
for name in sorted(os.listdir(DIR)):
    path = os.path.join(DIR, name)
    endian = "little" if "-little" in name else "big"
    with open(path, "rb") as raw:
        digest = hashlib.sha256(raw.read()).hexdigest()
    with segyio.open(path, endian=endian) as f:
        data = np.asarray(f.trace.raw[:], dtype="<f4")
        words = np.array([[int(h[o]) for o in FIELDS] for h in f.header], dtype="<i8")
        result["files"][name] = {
            "file_sha256": digest,
            "tracecount": f.tracecount,
            "samples_sha256": hashlib.sha256(data.tobytes()).hexdigest(),
            "headers_sha256": hashlib.sha256(words.tobytes()).hexdigest(),
            "ilines": [int(x) for x in f.ilines],
            "xlines": [int(x) for x in f.xlines],
        }
with open(OUT, "w") as out:
    json.dump(result, out, indent=1, sort_keys=True)
    out.write("\n")
print("wrote", os.path.normpath(OUT), len(result["files"]), "files")
