#!/usr/bin/env python3
"""Gradient boosting references on the same data as CompareRunner's `hgb` workload
(`boosting.py make-data PREFIX ROWS FEATURES` writes scikit-learn's make_classification with
random_state=0 for both): 200 rounds,
31 leaves, learning rate 0.1, 255 bins, no early stopping, 2 threads; first 80% of rows train,
last 20% test. `boosting.py LIBRARY PREFIX FEATURES` prints
`LIBRARY-fit SECONDS auc=A predict_rows_per_s=R peak_mb=M` (run each library in its own
process, so the peak memory is its own)."""
import resource
import sys
import time

import numpy as np
from sklearn.metrics import roc_auc_score

if sys.argv[1] == "make-data":
    # scikit-learn's make_classification(200k x 50, random_state=0), the data set,
    # written as CompareRunner reads it (little-endian float64 x row-major, then y).
    from sklearn.datasets import make_classification
    prefix, rows, features = sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    x, y = make_classification(n_samples=rows, n_features=features, random_state=0)
    x.astype("<f8").tofile(prefix + ".x")
    y.astype("<f8").tofile(prefix + ".y")
    print(prefix)
    sys.exit(0)

library, prefix, features = sys.argv[1], sys.argv[2], int(sys.argv[3])
x = np.fromfile(prefix + ".x", dtype="<f8").reshape(-1, features)
y = np.fromfile(prefix + ".y", dtype="<f8")
cut = len(y) * 8 // 10
if library == "lightgbm":
    import lightgbm
    model = lightgbm.LGBMClassifier(n_estimators=200, num_leaves=31, learning_rate=0.1, max_bin=255, min_child_samples=20,
                                    reg_lambda=0.0, n_jobs=2, verbose=-1)
elif library == "xgboost":
    import xgboost
    model = xgboost.XGBClassifier(n_estimators=200, tree_method="hist", grow_policy="lossguide", max_leaves=31, max_depth=0,
                                  learning_rate=0.1, max_bin=256, min_child_weight=1e-3, reg_lambda=0.0, n_jobs=2)
else:
    from sklearn.ensemble import HistGradientBoostingClassifier
    import os
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    model = HistGradientBoostingClassifier(max_iter=200, max_leaf_nodes=31, learning_rate=0.1, max_bins=255, early_stopping=False)
start = time.perf_counter()
model.fit(x[:cut], y[:cut])
fit = time.perf_counter() - start
auc = roc_auc_score(y[cut:], model.predict_proba(x[cut:])[:, 1])
best = float("inf")
for _ in range(3):
    start = time.perf_counter()
    model.predict_proba(x)
    best = min(best, time.perf_counter() - start)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
print(f"{library}-fit {fit} auc={auc} predict_rows_per_s={int(len(y) / best)} peak_mb={peak}")
