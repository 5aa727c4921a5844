"""Shared by the golden generators: values made JSON-safe for Tests/*/Golden.

NaN and infinities become the strings "nan", "inf" and "-inf" (as ToolboxTesting's GoldenFiles
decodes them); NumPy arrays, scalars and booleans become plain Python values.
"""
import numpy as np


def clean(v):
    if isinstance(v, np.ndarray):
        return clean(v.tolist())
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (np.floating, float)):
        f = float(v)
        return "nan" if f != f else ("inf" if f == float("inf") else ("-inf" if f == float("-inf") else f))
    if isinstance(v, np.integer):
        return int(v)
    if isinstance(v, np.bool_):
        return bool(v)
    return v
