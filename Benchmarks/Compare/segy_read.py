#!/usr/bin/env python3
"""segyio on the same SEG-Y cube (memory-mapped, as segyio is at its fastest): prints
`operation seconds` lines, each the best of N runs, in the order CompareRunner prints them."""
import sys
import time

import segyio

path = sys.argv[1]
runs = int(sys.argv[2]) if len(sys.argv) > 2 else 3


def best(fn):
    fastest = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        fastest = min(fastest, time.perf_counter() - start)
    return fastest


state = {}


def open_file():
    if "f" in state:
        state["f"].close()
    f = segyio.open(path)
    f.mmap()
    state["f"] = f


print("open+geometry", best(open_file))
f = state["f"]
il = f.ilines[len(f.ilines) // 2]
xl = f.xlines[len(f.xlines) // 2]
print("whole-file", best(lambda: f.trace.raw[:]))
print("inline", best(lambda: f.iline[il]))
print("crossline", best(lambda: f.xline[xl]))
print("time-slice", best(lambda: f.depth_slice[len(f.samples) // 2]))
print("two-headers", best(lambda: (f.attributes(189)[:], f.attributes(193)[:])))
