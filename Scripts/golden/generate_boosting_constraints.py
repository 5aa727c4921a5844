"""Golden values for LearnKit's histogram gradient boosting with monotonic constraints and
native categorical splits, from scikit-learn's HistGradientBoosting.

Writes Tests/LearnKitTests/Golden/boosting_constraints.json. The monotonic cases reuse the
bundled data sets of trees.json (diabetes, breast cancer); the categorical cases are generated
here and stored with their predictions, including test rows with missing and unseen categories.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

sys.path.insert(0, os.path.dirname(__file__))
from golden_json import clean  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden", "boosting_constraints.json")


def categorical_data(seed, n):
    rng = np.random.default_rng(seed)
    a = rng.integers(0, 12, n).astype(float)            # 12 categories, codes
    b = rng.integers(0, 40, n).astype(float)            # 40 categories, some rows missing
    b[rng.random(n) < 0.08] = np.nan
    c_values = np.array([3.0, 10.0, 20.0, 35.5, 99.0])  # categories that are not codes
    c = c_values[rng.integers(0, 5, n)]
    u = rng.normal(size=n)
    v = rng.normal(size=n)
    effect_a = rng.normal(size=12) * 2
    effect_b = rng.normal(size=40)
    effect_c = {3.0: -1.0, 10.0: 0.5, 20.0: 2.0, 35.5: 0.0, 99.0: -2.0}
    y = effect_a[a.astype(int)] + np.where(np.isnan(b), 1.5, effect_b[np.nan_to_num(b).astype(int)]) \
        + np.array([effect_c[t] for t in c]) + u + 0.5 * v + rng.normal(size=n) * 0.5
    x = np.column_stack([a, u, b, c, v])
    return x, y


def main():
    dx, dy = load_diabetes(return_X_y=True)
    bx, by = load_breast_cancer(return_X_y=True)
    out = {"sklearn": sklearn.__version__, "cases": {}}
    base = dict(early_stopping=False, random_state=0)

    def record(name, model, x, y, test, kind, extra=None):
        model.fit(x, y)
        prediction = model.predict_proba(test) if kind == "proba" else model.predict(test)
        out["cases"][name] = {"prediction": np.asarray(prediction).ravel().tolist(), "raw": model._raw_predict(test).ravel().tolist(),
                              "test": test.ravel().tolist(), "test_rows": len(test), **(extra or {})}

    # Monotonic constraints.
    cst = [0] * dx.shape[1]
    cst[2], cst[6], cst[8] = 1, -1, 1
    record("diabetes_monotonic", HistGradientBoostingRegressor(max_iter=40, monotonic_cst=cst, **base), dx, dy, dx, "regression",
           {"monotonic_cst": cst})
    cstb = [0] * bx.shape[1]
    cstb[0], cstb[20], cstb[27] = -1, -1, -1
    record("breast_monotonic", HistGradientBoostingClassifier(max_iter=30, monotonic_cst=cstb, l2_regularization=0.5, **base), bx, by, bx, "proba",
           {"monotonic_cst": cstb})

    # Native categorical splits: train on 1,500 rows, test on 500 with unseen categories and NaN.
    x, y = categorical_data(7, 2000)
    train, test = x[:1500], x[1500:].copy()
    test[:15, 0] = 12            # unseen in feature 0
    test[15:30, 2] = np.nan      # missing in feature 2
    test[30:40, 3] = 7.0         # unseen in feature 3
    test[40:50, 0] = np.nan      # missing where training had none
    ytrain = y[:1500]
    out["categorical_train"] = {"x": train.ravel().tolist(), "y": ytrain.tolist(), "rows": len(train), "columns": train.shape[1]}
    record("categorical_regression", HistGradientBoostingRegressor(max_iter=50, categorical_features=[0, 2, 3], **base), train, ytrain, test, "regression")
    record("categorical_regression_depth", HistGradientBoostingRegressor(max_iter=30, max_depth=3, min_samples_leaf=40, l2_regularization=1.0,
                                                                         categorical_features=[0, 2, 3], **base), train, ytrain, test, "regression")
    labels = (ytrain > np.median(ytrain)).astype(float)
    out["categorical_train"]["labels"] = labels.tolist()
    record("categorical_binary", HistGradientBoostingClassifier(max_iter=40, categorical_features=[0, 2, 3], **base), train, labels, test, "proba")
    classes = np.digitize(ytrain, np.quantile(ytrain, [0.33, 0.66])).astype(float)
    out["categorical_train"]["classes"] = classes.tolist()
    record("categorical_multiclass", HistGradientBoostingClassifier(max_iter=25, categorical_features=[0, 2, 3], **base), train, classes, test, "proba")
    with open(OUT, "w") as f:
        json.dump(clean(out), f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
