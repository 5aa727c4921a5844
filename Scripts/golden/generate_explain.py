"""Golden values for LearnKit's explainability beyond boosting's TreeSHAP values.

Writes Tests/LearnKitTests/Golden/explain.json:
- shap's interaction values (TreeExplainer.shap_interaction_values) of scikit-learn
  HistGradientBoosting models fitted as the boosting golden file fits them (LearnKit grows the
  same trees, so the values must agree);
- scikit-learn decision trees and random forests exported node by node (so LearnKit explains the
  very same trees) with shap's SHAP values and interaction values;
- scikit-learn's partial_dependence (brute and recursion) of the same models.
"""
import json
import os
import sys

import numpy as np
import shap
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.inspection import partial_dependence
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

sys.path.insert(0, os.path.dirname(__file__))
from golden_json import clean  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden", "explain.json")
ROWS = 12


def shap_arrays(model, x):
    explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
    values = np.asarray(explainer.shap_values(x, check_additivity=False))
    inter = np.asarray(explainer.shap_interaction_values(x))
    if values.ndim == 3:  # rows x features x outputs -> outputs x rows x features
        values = np.transpose(values, (2, 0, 1))
        inter = np.transpose(inter, (3, 0, 1, 2))
    else:
        values, inter = values[None], inter[None]
    return {"values": values.ravel().tolist(), "interactions": inter.ravel().tolist(),
            "expected": np.atleast_1d(explainer.expected_value).tolist()}


def export(tree):
    t = tree.tree_
    values = t.value.reshape(t.node_count, -1)
    return {"left": t.children_left.tolist(), "right": t.children_right.tolist(), "feature": t.feature.tolist(),
            "threshold": t.threshold.tolist(), "missing_left": t.missing_go_to_left.astype(bool).tolist(),
            "impurity": t.impurity.tolist(), "samples": t.n_node_samples.tolist(),
            "weighted": t.weighted_n_node_samples.tolist(), "values": values.ravel().tolist(), "outputs": values.shape[1]}


def main():
    bx, by = load_breast_cancer(return_X_y=True)
    wx, wy = load_wine(return_X_y=True)
    dx, dy = load_diabetes(return_X_y=True)
    out = {"sklearn": sklearn.__version__, "shap": shap.__version__}
    base = dict(early_stopping=False, random_state=0)

    # HistGradientBoosting (the boosting golden file's settings): interaction values.
    out["boosting"] = {}
    for name, model, x, y in [("diabetes_squared", HistGradientBoostingRegressor(max_iter=50, **base), dx, dy),
                              ("wine_multiclass", HistGradientBoostingClassifier(max_iter=30, **base), wx, wy)]:
        model.fit(x, y)
        out["boosting"][name] = shap_arrays(model, x[:ROWS])

    # Trees and forests, exported so LearnKit explains the same trees.
    out["trees"] = {}
    for name, model, x, y in [
        ("tree_wine", DecisionTreeClassifier(max_depth=4, random_state=0), wx, wy),
        ("tree_diabetes", DecisionTreeRegressor(max_depth=5, random_state=0), dx, dy),
        ("forest_breast", RandomForestClassifier(n_estimators=4, max_depth=4, random_state=0), bx, by),
        ("forest_diabetes", RandomForestRegressor(n_estimators=4, max_depth=4, random_state=0), dx, dy),
    ]:
        model.fit(x, y)
        trees = model.estimators_ if hasattr(model, "estimators_") else [model]
        entry = {"dataset": name.split("_")[1], "trees": [export(t) for t in trees],
                 "classes": getattr(model, "classes_", np.array([])).tolist()}
        entry.update(shap_arrays(model, x[:ROWS]))
        out["trees"][name] = entry

    # Partial dependence (scikit-learn's defaults: 100 grid points between the 5th and 95th
    # percentiles, or the unique values when fewer).
    out["partial_dependence"] = {}
    pd_cases = [
        ("boosting_diabetes_brute", HistGradientBoostingRegressor(max_iter=50, **base), dx, dy, [2], "brute"),
        ("boosting_diabetes_recursion", HistGradientBoostingRegressor(max_iter=50, **base), dx, dy, [2], "recursion"),
        ("boosting_diabetes_pair", HistGradientBoostingRegressor(max_iter=50, **base), dx, dy, [2, 8], "recursion"),
        ("boosting_breast_brute", HistGradientBoostingClassifier(max_iter=50, **base), bx, by, [0], "brute"),
        ("boosting_breast_recursion", HistGradientBoostingClassifier(max_iter=50, **base), bx, by, [0], "recursion"),
        ("boosting_wine_brute", HistGradientBoostingClassifier(max_iter=30, **base), wx, wy, [6], "brute"),
        ("boosting_diabetes_sex", HistGradientBoostingRegressor(max_iter=50, **base), dx, dy, [1], "brute"),
    ]
    for name, model, x, y, features, method in pd_cases:
        model.fit(x, y)
        result = partial_dependence(model, x, features, method=method, kind="average")
        out["partial_dependence"][name] = {"features": features, "method": method,
                                           "grid": [g.tolist() for g in result["grid_values"]],
                                           "average": np.asarray(result["average"]).ravel().tolist(),
                                           "outputs": int(np.asarray(result["average"]).shape[0])}
    # Permutation importance with a fixed random_state (the same shuffles as scikit-learn's),
    # on boosting models LearnKit fits identically.
    from sklearn.inspection import permutation_importance
    out["permutation"] = {}
    for name, model, x, y, scoring, repeats, seed in [
        ("diabetes_r2", HistGradientBoostingRegressor(max_iter=20, **base), dx, dy, "r2", 10, 0),
        ("breast_accuracy", HistGradientBoostingClassifier(max_iter=20, **base), bx, by, "accuracy", 5, 7),
    ]:
        model.fit(x, y)
        result = permutation_importance(model, x, y, scoring=scoring, n_repeats=repeats, random_state=seed)
        out["permutation"][name] = {"repeats": repeats, "seed": seed, "importances": result.importances.ravel().tolist(),
                                    "mean": result.importances_mean.tolist(), "std": result.importances_std.tolist()}
    with open(OUT, "w") as f:
        json.dump(clean(out), f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
