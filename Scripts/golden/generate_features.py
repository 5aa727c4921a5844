#!/usr/bin/env python3
"""Golden values for FeatureKitTests, computed by scikit-learn.

    venv/bin/python Scripts/golden/generate_features.py
Writes Tests/FeatureKitTests/Golden/preprocessing.json: seeded data sets (with NaNs, a constant
column, outliers) and what scikit-learn's scalers, imputers, encoders and PCA make of them.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn.decomposition import PCA
from sklearn.impute import KNNImputer, SimpleImputer
from sklearn.model_selection import KFold
from sklearn.preprocessing import TargetEncoder, MaxAbsScaler, MinMaxScaler, OneHotEncoder, OrdinalEncoder, RobustScaler, StandardScaler

from golden_json import clean

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "FeatureKitTests", "Golden")


def matrix(a):
    a = np.asarray(a, dtype=float)
    return {"rows": a.shape[0], "columns": a.shape[1], "values": a.ravel()}


def data_sets():
    rng = np.random.default_rng(7)
    # Six columns on different scales, 10% missing, a few outliers.
    a = rng.normal(0, 1, (200, 6)) * np.array([1, 10, 0.01, 100, 3, 1]) + np.array([0, 5, -2, 1000, 0, 7])
    a[rng.random(a.shape) < 0.1] = np.nan
    a[3, 4] = 250.0
    a[10, 1] = -400.0
    # Small, with a constant column and a weights vector.
    b = rng.normal(2, 3, (40, 4))
    b[:, 2] = 5.0
    b[rng.random(b.shape) < 0.05] = np.nan
    b[:, 2] = 5.0
    weights = np.round(rng.uniform(0.1, 3, 40), 3)
    # Tall data for PCA (no missing values) with a decaying spectrum.
    c = rng.normal(0, 1, (300, 8)) @ np.diag([5, 3, 2, 1, 0.5, 0.2, 0.1, 0.05]) @ np.linalg.qr(rng.normal(size=(8, 8)))[0]
    c += rng.normal(0, 1, 8)
    # Wide data for PCA.
    d = rng.normal(0, 1, (30, 60)) + np.outer(rng.normal(0, 4, 30), rng.normal(0, 1, 60))
    # Categorical codes (and one float column) with missing values.
    e = np.column_stack([rng.integers(0, 4, 120), rng.integers(0, 2, 120), rng.integers(-1, 3, 120) * 2.5]).astype(float)
    e[rng.random(e.shape) < 0.05] = np.nan
    return {"a": a, "b": b, "c": c, "d": d, "e": e}, weights


def scalers(sets, weights):
    out = {}
    for name in ["a", "b"]:
        x = sets[name]
        cases = {
            "standard": StandardScaler(),
            "standard_no_mean": StandardScaler(with_mean=False),
            "minmax": MinMaxScaler(),
            "minmax_range": MinMaxScaler(feature_range=(-2, 3)),
            "maxabs": MaxAbsScaler(),
            "robust": RobustScaler(),
            "robust_q10_q90": RobustScaler(quantile_range=(10.0, 90.0)),
            "robust_unit_variance": RobustScaler(unit_variance=True),
            "robust_no_centering": RobustScaler(with_centering=False),
        }
        for case, model in cases.items():
            model.fit(x)
            t = model.transform(x)
            entry = {"transform": matrix(t), "inverse": matrix(model.inverse_transform(t))}
            for attribute in ["mean_", "var_", "scale_", "min_", "data_min_", "data_max_", "max_abs_", "center_"]:
                if hasattr(model, attribute) and getattr(model, attribute) is not None:
                    entry[attribute] = getattr(model, attribute)
            out[f"{name}_{case}"] = entry
    weighted = StandardScaler().fit(sets["b"], sample_weight=weights)
    out["b_standard_weighted"] = {"transform": matrix(weighted.transform(sets["b"])), "mean_": weighted.mean_,
                                  "var_": weighted.var_, "scale_": weighted.scale_}
    return out


def imputers(sets):
    out = {}
    a = sets["a"].copy()
    a[:, 5] = np.nan  # an all-missing column
    for strategy in ["mean", "median", "most_frequent"]:
        for keep in [False, True]:
            model = SimpleImputer(strategy=strategy, keep_empty_features=keep).fit(a)
            out[f"{strategy}_keep{int(keep)}"] = {"transform": matrix(model.transform(a)), "statistics_": model.statistics_}
    constant = SimpleImputer(strategy="constant", fill_value=-1.5).fit(a)
    out["constant"] = {"transform": matrix(constant.transform(a)), "statistics_": constant.statistics_}
    # most_frequent ties resolve to the smallest value.
    ties = np.array([[1.0, 3.0], [2.0, 3.0], [2.0, np.nan], [1.0, 4.0], [np.nan, 4.0], [5.0, np.nan]])
    model = SimpleImputer(strategy="most_frequent").fit(ties)
    out["ties"] = {"x": matrix(ties), "transform": matrix(model.transform(ties)), "statistics_": model.statistics_}
    out["x"] = matrix(a)
    return out


def knn_imputers():
    rng = np.random.default_rng(11)
    train = rng.normal(0, 1, (300, 6)) * np.array([1, 5, 0.5, 2, 1, 10])
    train[rng.random(train.shape) < 0.15] = np.nan
    train[7, :] = np.nan                      # a row with nothing present: falls back to column means
    test = rng.normal(0, 1, (40, 6)) * np.array([1, 5, 0.5, 2, 1, 10])
    test[rng.random(test.shape) < 0.3] = np.nan
    out = {"train": matrix(train), "test": matrix(test)}
    for k in [1, 3, 5]:
        for weights in ["uniform", "distance"]:
            model = KNNImputer(n_neighbors=k, weights=weights).fit(train)
            out[f"k{k}_{weights}"] = {"train": matrix(model.transform(train)), "test": matrix(model.transform(test))}
    return out


def target_encoders(sets):
    rng = np.random.default_rng(31)
    x = np.column_stack([rng.integers(0, 6, 200), rng.integers(0, 3, 200)]).astype(float)
    x[rng.random(x.shape) < 0.05] = np.nan
    y_cont = np.nan_to_num(x[:, 0], nan=2.5) * 1.5 + rng.normal(0, 1, 200)
    y_bin = (rng.random(200) < 0.2 + 0.1 * np.nan_to_num(x[:, 1], nan=1.0)).astype(float)
    y_multi = rng.integers(0, 3, 200).astype(float)
    test = np.array([[0.0, 1.0], [5.0, np.nan], [9.0, 2.0], [np.nan, 0.0]])
    out = {"x": matrix(x), "test": matrix(test), "y_continuous": y_cont, "y_binary": y_bin, "y_multiclass": y_multi}
    for name, y, kind in [("continuous", y_cont, "continuous"), ("binary", y_bin, "binary"), ("multiclass", y_multi, "multiclass")]:
        for smooth in ["auto", 4.0]:
            model = TargetEncoder(target_type=kind, smooth=smooth, cv=KFold(5)).fit(x, y)
            entry = {"transform": matrix(model.transform(x)), "test": matrix(model.transform(test)),
                     "target_mean_": np.atleast_1d(model.target_mean_)}
            if kind == "continuous":
                entry["fit_transform"] = matrix(TargetEncoder(target_type=kind, smooth=smooth, cv=KFold(5)).fit_transform(x, y))
            out[f"{name}_{smooth}"] = entry
    return out


def encoders(sets):
    e = sets["e"]
    out = {"x": matrix(e)}
    cases = {
        "onehot": OneHotEncoder(sparse_output=False),
        "onehot_drop_first": OneHotEncoder(sparse_output=False, drop="first"),
        "onehot_drop_binary": OneHotEncoder(sparse_output=False, drop="if_binary"),
    }
    unseen = np.array([[0.0, 1.0, 5.0], [7.0, 0.0, 2.5], [np.nan, 1.0, -2.5]])
    out["unseen"] = matrix(unseen)
    for case, model in cases.items():
        model.fit(e)
        out[case] = {"transform": matrix(model.transform(e)), "categories_": [list(c) for c in model.categories_],
                     "names": list(model.get_feature_names_out(["colour", "flag", "size"]))}
    ignore = OneHotEncoder(sparse_output=False, handle_unknown="ignore").fit(e)
    out["onehot_ignore_unseen"] = {"transform": matrix(ignore.transform(unseen))}
    ordinal = OrdinalEncoder().fit(e)
    out["ordinal"] = {"transform": matrix(ordinal.transform(e)), "categories_": [list(c) for c in ordinal.categories_]}
    unknown = OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=-1).fit(e)
    out["ordinal_unknown"] = {"transform": matrix(unknown.transform(unseen))}
    return out


def pcas(sets):
    out = {}
    for name in ["c", "d"]:
        x = sets[name]
        for case, model in {
            "full": PCA(svd_solver="full"),
            "k3": PCA(n_components=3, svd_solver="full"),
            "k3_whiten": PCA(n_components=3, whiten=True, svd_solver="full"),
            "var95": PCA(n_components=0.95, svd_solver="full"),
            "k3_randomized": PCA(n_components=3, svd_solver="randomized", random_state=0),
        }.items():
            t = model.fit_transform(x)
            out[f"{name}_{case}"] = {
                "transform": matrix(model.transform(x)), "components_": matrix(model.components_),
                "explained_variance_": model.explained_variance_, "explained_variance_ratio_": model.explained_variance_ratio_,
                "singular_values_": model.singular_values_, "mean_": model.mean_, "noise_variance_": model.noise_variance_,
                "inverse": matrix(model.inverse_transform(t)), "n_components_": model.n_components_,
            }
        out[f"{name}_x"] = matrix(x)
    return out


def main():
    sets, weights = data_sets()
    payload = {
        "data": {k: matrix(v) for k, v in sets.items()}, "weights": weights,
        "scalers": scalers(sets, weights), "imputers": imputers(sets), "knn": knn_imputers(), "encoders": encoders(sets), "target": target_encoders(sets), "pca": pcas(sets),
        "_generator": f"Scripts/golden/generate_features.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})",
    }
    with open(os.path.join(OUT, "preprocessing.json"), "w") as f:
        json.dump(clean(payload), f, indent=0, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
