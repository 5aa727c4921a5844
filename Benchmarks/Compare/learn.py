#!/usr/bin/env python3
"""scikit-learn on the same data as CompareRunner: `logistic PREFIX FEATURES RUNS` prints
`logistic-fit SECONDS iterations=N accuracy=A`, the best of RUNS fits at the defaults."""
import sys
import time

import numpy as np
from sklearn.linear_model import LogisticRegression

workload, prefix, features, runs = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
x = np.fromfile(prefix + ".x", dtype="<f8").reshape(-1, features)
y = np.fromfile(prefix + ".y", dtype="<f8")
if workload == "logistic":
    best, model = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        model = LogisticRegression().fit(x, y)
        best = min(best, time.perf_counter() - start)
    print(f"logistic-fit {best} iterations={model.n_iter_[0]} accuracy={model.score(x, y)}")
elif workload == "tree":
    from sklearn.tree import DecisionTreeClassifier
    best, model = float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        model = DecisionTreeClassifier().fit(x, y)
        best = min(best, time.perf_counter() - start)
    print(f"tree-fit {best} depth={model.get_depth()} leaves={model.get_n_leaves()}")
elif workload == "forest":
    from sklearn.ensemble import RandomForestClassifier
    fit, predict, model = float("inf"), float("inf"), None
    for _ in range(runs):
        start = time.perf_counter()
        model = RandomForestClassifier(n_estimators=100, n_jobs=2).fit(x, y)
        fit = min(fit, time.perf_counter() - start)
        start = time.perf_counter()
        model.predict_proba(x)
        predict = min(predict, time.perf_counter() - start)
    print(f"forest-fit {fit}")
    print(f"forest-predict {predict}")
