#!/usr/bin/env python3
"""pandas.read_csv on the same file, best of N runs: prints `csv-read SECONDS rows=N`."""
import sys
import time

import pandas as pd

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3
best = float("inf")
rows = 0
for _ in range(runs):
    start = time.perf_counter()
    frame = pd.read_csv(path)  # default C engine, as pandas users call it
    best = min(best, time.perf_counter() - start)
    rows = len(frame)
print(f"csv-read {best} rows={rows} pandas={pd.__version__}")
