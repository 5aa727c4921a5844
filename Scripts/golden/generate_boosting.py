#!/usr/bin/env python3
"""Golden values for LearnKit's histogram gradient boosting, from scikit-learn's
HistGradientBoostingClassifier/Regressor.

    venv/bin/python Scripts/golden/generate_boosting.py
Writes Tests/LearnKitTests/Golden/boosting.json. The data sets are scikit-learn's bundled ones,
already stored in trees.json (breast cancer, wine, diabetes); the missing-value variant blanks the
same cells as trees.json's "missing" entry plus 10% of feature 0.
"""
import json
import os
import sys

import numpy as np
import sklearn
from sklearn.datasets import load_breast_cancer, load_diabetes, load_wine
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.ensemble._hist_gradient_boosting.binning import _BinMapper
from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

sys.path.insert(0, os.path.dirname(__file__))
from golden_json import clean  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden", "boosting.json")


def main():
    bx, by = load_breast_cancer(return_X_y=True)
    wx, wy = load_wine(return_X_y=True)
    dx, dy = load_diabetes(return_X_y=True)
    rng = np.random.default_rng(3)
    mx = bx.copy()
    mx[rng.random(len(mx)) < 0.1, 27] = np.nan
    rng = np.random.default_rng(4)
    mx[rng.random(len(mx)) < 0.1, 0] = np.nan
    out = {"sklearn": sklearn.__version__, "missing_x": mx.ravel().tolist()}
    base = dict(early_stopping=False, random_state=0)

    # Bin edges of the breast cancer features (some with fewer distinct values than bins).
    mapper = _BinMapper(n_bins=256, random_state=0).fit(bx)
    out["bin_thresholds_breast"] = [t.tolist() for t in mapper.bin_thresholds_]

    cases = {
        "diabetes_squared": (HistGradientBoostingRegressor(max_iter=50, **base), dx, dy, "regression"),
        "diabetes_depth3_l2": (HistGradientBoostingRegressor(max_iter=40, max_depth=3, l2_regularization=1.0, learning_rate=0.2, **base), dx, dy, "regression"),
        "diabetes_leaves8_minleaf5": (HistGradientBoostingRegressor(max_iter=30, max_leaf_nodes=8, min_samples_leaf=5, **base), dx, dy, "regression"),
        "diabetes_poisson": (HistGradientBoostingRegressor(loss="poisson", max_iter=30, **base), dx, dy, "regression"),
        "breast_binary": (HistGradientBoostingClassifier(max_iter=50, **base), bx, by, "proba"),
        "breast_binary_missing": (HistGradientBoostingClassifier(max_iter=40, **base), mx, by, "proba"),
        "breast_bins16": (HistGradientBoostingClassifier(max_iter=30, max_bins=16, **base), bx, by, "proba"),
        "wine_multiclass": (HistGradientBoostingClassifier(max_iter=30, **base), wx, wy, "proba"),
        "diabetes_interaction_groups": (HistGradientBoostingRegressor(max_iter=30, interaction_cst=[[0, 1], [2, 3, 4]], **base), dx, dy, "regression"),
        "breast_interaction_pairwise": (HistGradientBoostingClassifier(max_iter=20, interaction_cst="pairwise", **base), bx, by, "proba"),
        "wine_no_interactions": (HistGradientBoostingClassifier(max_iter=20, interaction_cst="no_interactions", **base), wx, wy, "proba"),
        "breast_max_features": (HistGradientBoostingClassifier(max_iter=20, max_features=0.5, early_stopping=False, random_state=0), bx, by, "proba"),
        "wine_max_features_seed3": (HistGradientBoostingClassifier(max_iter=15, max_features=0.3, early_stopping=False, random_state=3), wx, wy, "proba"),
        "diabetes_max_features_groups": (HistGradientBoostingRegressor(max_iter=25, max_features=0.4, interaction_cst=[[0, 1, 2, 3], [4, 5]],
                                                                       early_stopping=False, random_state=11), dx, dy, "regression"),
        "breast_class_weight_balanced": (HistGradientBoostingClassifier(max_iter=30, class_weight="balanced", **base), bx, by, "proba"),
        "wine_class_weight_dict": (HistGradientBoostingClassifier(max_iter=20, class_weight={0: 1.0, 1: 3.0, 2: 0.5}, **base), wx, wy, "proba"),
    }
    # Sample weights (a tenth of them zero): scikit-learn 1.9 bins with them (zero-weight rows
    # left out, weighted percentiles) and weights gradients and hessians.
    rng = np.random.default_rng(11)
    out["weights_breast"] = np.where(rng.random(len(bx)) < 0.1, 0.0, rng.uniform(0.2, 3.0, len(bx))).tolist()
    out["weights_diabetes"] = np.where(rng.random(len(dx)) < 0.1, 0.0, rng.uniform(0.2, 3.0, len(dx))).tolist()
    # Early stopping on scikit-learn's own validation split (train_test_split, stratified for
    # classifiers, from the seed random_state gives): the same rows, so the same stop.
    stopping = dict(early_stopping=True, max_iter=300, n_iter_no_change=5, learning_rate=0.3)
    cases["breast_early_stopping"] = (HistGradientBoostingClassifier(random_state=0, **stopping), bx, by, "proba")
    cases["wine_early_stopping_seed5"] = (HistGradientBoostingClassifier(random_state=5, validation_fraction=0.2, **stopping), wx, wy, "proba")
    cases["diabetes_early_stopping"] = (HistGradientBoostingRegressor(random_state=3, **stopping), dx, dy, "regression")
    # Early stopping on a scorer (computed from the raw scores, as scikit-learn does for named scorers).
    cases["breast_stop_accuracy"] = (HistGradientBoostingClassifier(random_state=1, scoring="accuracy", **stopping), bx, by, "proba")
    cases["breast_stop_roc_auc"] = (HistGradientBoostingClassifier(random_state=2, scoring="roc_auc", **stopping), bx, by, "proba")
    cases["wine_stop_f1_macro"] = (HistGradientBoostingClassifier(random_state=0, scoring="f1_macro", validation_fraction=0.25, **stopping), wx, wy, "proba")
    cases["diabetes_stop_r2"] = (HistGradientBoostingRegressor(random_state=0, scoring="r2", **stopping), dx, dy, "regression")
    cases["diabetes_stop_mae"] = (HistGradientBoostingRegressor(random_state=4, scoring="neg_mean_absolute_error", **stopping), dx, dy, "regression")
    # validation_fraction as a count, or None: early stopping on the training rows (a scorer on
    # at most 10,000 of them, scikit-learn's resample).
    cases["breast_validation_count"] = (HistGradientBoostingClassifier(random_state=3, validation_fraction=50, **{**stopping, "n_iter_no_change": 3}), bx, by, "proba")
    cases["breast_train_loss"] = (HistGradientBoostingClassifier(random_state=0, validation_fraction=None, **{**stopping, "learning_rate": 0.1}), bx, by, "proba")
    cases["breast_train_accuracy"] = (HistGradientBoostingClassifier(random_state=0, validation_fraction=None, scoring="accuracy", **stopping), bx, by, "proba")
    cases["diabetes_train_r2"] = (HistGradientBoostingRegressor(random_state=0, validation_fraction=None, scoring="r2", **{**stopping, "n_iter_no_change": 2}), dx, dy, "regression")
    cases["breast_sample_weight"] = (HistGradientBoostingClassifier(max_iter=30, **base), bx, by, "proba")
    cases["diabetes_sample_weight"] = (HistGradientBoostingRegressor(max_iter=30, **base), dx, dy, "regression")
    weights = {"breast_sample_weight": out["weights_breast"], "diabetes_sample_weight": out["weights_diabetes"]}
    # Missing values that decide the class alone: the first split sends only NaN right (its
    # threshold +inf), where a number, even +inf, goes left.
    rng = np.random.default_rng(12)
    nx = rng.normal(size=(600, 3))
    nx[:, 0] = rng.integers(0, 2, size=600)
    nan_rows = rng.random(600) < 0.3
    nx[nan_rows, 0] = np.nan
    ny = (nan_rows ^ (nx[:, 1] > 1.2)).astype(float)
    out["nan_split_x"] = nx.ravel().tolist()
    out["nan_split_y"] = ny.tolist()
    cases["nan_only_split"] = (HistGradientBoostingClassifier(max_iter=10, **base), nx, ny, "proba")
    # Fewer than 2 x min_samples_leaf rows: every tree is its root, a leaf (its totals still
    # summed over the first feature's bins).
    cases["diabetes_first30_root_leaf"] = (HistGradientBoostingRegressor(max_iter=10, **base), dx[:30], dy[:30], "regression")
    cases["breast_first30_root_leaf"] = (HistGradientBoostingClassifier(max_iter=10, **base), bx[:30], by[:30], "proba")
    out["cases"] = {}
    for name, (model, x, y, kind) in cases.items():
        model.fit(x, y, sample_weight=np.asarray(weights[name]) if name in weights else None)
        prediction = model.predict_proba(x) if kind == "proba" else model.predict(x)
        raw = model._raw_predict(x)
        if name == "nan_only_split":
            root = model._predictors[0][0].nodes[0]
            assert root["feature_idx"] == 0 and np.isinf(root["num_threshold"]) and not root["missing_go_to_left"], root
        out["cases"][name] = {"prediction": np.asarray(prediction).ravel().tolist(), "raw": raw.ravel().tolist(),
                              "iterations": int(model.n_iter_),
                              "leaves_first_tree": int(model._predictors[0][0].get_n_leaf_nodes())}

    # TreeSHAP (shap's TreeExplainer, path-dependent) of the first 25 rows of some of the models.
    import shap
    out["shap_version"] = shap.__version__
    out["shap"] = {}
    for name in ["diabetes_squared", "breast_binary", "breast_binary_missing", "wine_multiclass"]:
        model, x, y, kind = cases[name]
        explainer = shap.TreeExplainer(model, feature_perturbation="tree_path_dependent")
        values = explainer.shap_values(x[:25], check_additivity=True)
        values = np.asarray(values)
        if values.ndim == 3:  # rows x features x classes -> classes x rows x features
            values = np.transpose(values, (2, 0, 1))
        else:
            values = values[None, :, :]
        out["shap"][name] = {"values": values.ravel().tolist(), "expected": np.atleast_1d(explainer.expected_value).tolist()}

    # 5-fold CV on the bundled data sets with scikit-learn's defaults (early stopping is off
    # below 10,000 rows): the acceptance asks for means within 1 point.
    out["cv"] = {
        "breast_accuracy": float(np.mean(cross_val_score(HistGradientBoostingClassifier(random_state=0), bx, by, cv=StratifiedKFold(5), scoring="accuracy"))),
        "wine_accuracy": float(np.mean(cross_val_score(HistGradientBoostingClassifier(random_state=0), wx, wy, cv=StratifiedKFold(5), scoring="accuracy"))),
        "diabetes_r2": float(np.mean(cross_val_score(HistGradientBoostingRegressor(random_state=0), dx, dy, cv=KFold(5), scoring="r2"))),
    }
    # Above 200,000 rows scikit-learn bins a subsample drawn with NumPy's RandomState: the bin
    # edges HistGradientBoosting finds on 210,000 rows given by a formula (so the Swift test
    # builds the same data), unweighted with two seeds and weighted with one.
    n, p = 210_000, 3
    i = np.arange(n)[:, None]
    j = np.arange(p)[None, :]
    lx = ((i * 7919 + j * 104729) % 1000003) / 1000003.0 * (j + 1)
    lx = np.where((i * 31 + j) % 97 == 0, np.nan, lx)
    ly = (np.nan_to_num(lx[:, 0]) > 0.5).astype(float)
    lw = ((np.arange(n) % 5) + np.where(np.arange(n) % 3 == 0, 0, 1)).astype(float)
    out["large_bins"] = {}
    for name, seed, weights in [("seed0", 0, None), ("seed7", 7, None), ("seed0_weighted", 0, lw)]:
        model = HistGradientBoostingClassifier(max_iter=1, early_stopping=False, random_state=seed).fit(lx, ly, sample_weight=weights)
        out["large_bins"][name] = [t.tolist() for t in model._bin_mapper.bin_thresholds_]
    # Above 10,000 training rows a scorer on the training rows watches scikit-learn's resample
    # of 10,000 (stratified for classifiers): 12,000 rows given by a formula.
    n = 12_000
    i = np.arange(n)[:, None]
    j = np.arange(4)[None, :]
    fx = ((i * 7919 + j * 104729) % 1000003) / 1000003.0 * (j + 1) - 0.5 * (j + 1)
    noise = ((np.arange(n) * 48271) % 2147483647) / 2147483647.0 - 0.5
    fy = (fx[:, 0] + fx[:, 1] - 0.5 * fx[:, 2] + noise > 0.1).astype(float)
    out["resample_cases"] = {}
    for name, model in [("classifier", HistGradientBoostingClassifier(random_state=5, validation_fraction=None, scoring="balanced_accuracy",
                                                                      early_stopping=True, max_iter=200, n_iter_no_change=4, learning_rate=0.5)),
                        ("regressor", HistGradientBoostingRegressor(random_state=6, validation_fraction=None, scoring="neg_mean_absolute_error",
                                                                    early_stopping=True, max_iter=200, n_iter_no_change=4, learning_rate=0.5))]:
        target = fy if name == "classifier" else fx[:, 0] * 2 + noise
        model.fit(fx, target)
        prediction = model.predict_proba(fx[:200]) if name == "classifier" else model.predict(fx[:200])
        out["resample_cases"][name] = {"iterations": int(model.n_iter_), "prediction": np.asarray(prediction).ravel().tolist()}
    with open(OUT, "w") as f:
        json.dump(clean(out), f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
