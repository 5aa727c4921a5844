#!/usr/bin/env python3
"""Golden models and predictions for LearnKit's LightGBM and XGBoost import.

    venv/bin/python Scripts/golden/generate_imports.py
Writes Tests/LearnKitTests/Golden/imported/*.txt|json|ubj (the model files) and imports.json
(the data and what each library predicts for it: held-out rows with NaN and, for the
categorical models, categories never seen in training)."""
import json
import os
import sys

import lightgbm as lgb
import numpy as np
import xgboost as xgb

sys.path.insert(0, os.path.dirname(__file__))
from golden_json import clean  # noqa: E402

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden")
OUT = os.path.join(HERE, "imported")


def data(seed, n, classes):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 6))
    x[:, 4] = rng.integers(0, 8, size=n)          # a categorical column, codes 0..7
    x[:, 5] = np.where(rng.random(n) < 0.3, 0.0, x[:, 5])  # many exact zeros
    score = x[:, 0] - 0.7 * x[:, 1] + np.isin(x[:, 4], [1, 3, 6]) * 1.2 + 0.5 * x[:, 5] + 0.3 * rng.normal(size=n)
    x[rng.random((n, 6)) < 0.08] = np.nan           # missing values everywhere
    if classes == 0:
        y = score
    elif classes == 2:
        y = (score > 0.4).astype(float)
    else:
        y = np.digitize(score, np.quantile(score, [0.33, 0.66])).astype(float)
    return x, y


def contributions(values, features, outputs):
    """Each library's own TreeSHAP (LightGBM's pred_contrib, XGBoost's pred_contribs) of 20 rows
    as outputs x rows x features, and the expected value per output (the bias column)."""
    values = np.asarray(values, dtype=np.float64).reshape(values.shape[0], outputs, features + 1)
    return {"values": np.transpose(values[:, :, :features], (1, 0, 2)).ravel().tolist(), "expected": values[0, :, features].tolist()}


def normalized(values):
    values = np.asarray(values, dtype=np.float64)
    return (values / values.sum()).tolist()


def xgboost_importance(booster, features):
    scores = booster.get_score(importance_type="total_gain")
    return normalized([scores.get(f"f{i}", 0.0) for i in range(features)])


def probabilities(prediction, classes):
    """Predictions as predict_proba gives them: both columns for a binary model."""
    prediction = np.asarray(prediction)
    return np.column_stack([1 - prediction, prediction]) if classes == 2 else prediction


def categorical(x, y=None):
    return xgb.DMatrix(x, label=y, feature_types=["q", "q", "q", "q", "c", "q"], enable_categorical=True)


def main():
    os.makedirs(OUT, exist_ok=True)
    out = {"lightgbm": lgb.__version__, "xgboost": xgb.__version__, "cases": {}}
    for name, classes in [("binary", 2), ("multiclass", 3), ("regression", 0)]:
        x, y = data({"binary": 1, "multiclass": 2, "regression": 3}[name], 3000, classes)
        train, test = x[:2500], x[2500:].copy()
        test[:20, 4] = 11  # categories never seen in training
        test[20:30, 5] = 0.0
        ytrain = y[:2500]
        # LightGBM: categorical column 4, NaN missing handling, 40 rounds.
        params = dict(n_estimators=40, num_leaves=15, learning_rate=0.1, verbose=-1, min_child_samples=10)
        if classes == 0:
            model = lgb.LGBMRegressor(**params)
        else:
            model = lgb.LGBMClassifier(**params)
        model.fit(train, ytrain, categorical_feature=[4])
        path = os.path.join(OUT, f"lightgbm_{name}.txt")
        model.booster_.save_model(path)
        raw = model.predict(test, raw_score=True)
        prediction = model.predict_proba(test) if classes else model.predict(test)
        out["cases"][f"lightgbm_{name}"] = {"file": f"imported/lightgbm_{name}.txt", "x": test.ravel().tolist(), "rows": len(test),
                                             "raw": np.asarray(raw).ravel().tolist(), "prediction": np.asarray(prediction).ravel().tolist(),
                                             "shap": contributions(model.booster_.predict(test[:20], pred_contrib=True), x.shape[1], max(1, classes if classes > 2 else 1)),
                                             "importance": normalized(model.booster_.feature_importance("gain"))}
        # Also a LightGBM model with zero-as-missing.
        if name == "regression":
            zm = lgb.LGBMRegressor(**params, zero_as_missing=True).fit(train, ytrain)
            zm.booster_.save_model(os.path.join(OUT, "lightgbm_zero_missing.txt"))
            out["cases"]["lightgbm_zero_missing"] = {"file": "imported/lightgbm_zero_missing.txt", "x": test.ravel().tolist(), "rows": len(test),
                                                     "raw": zm.predict(test, raw_score=True).tolist(), "prediction": zm.predict(test).tolist()}
        # XGBoost: hist, NaN missing, 40 rounds; JSON and UBJSON files.
        xparams = dict(n_estimators=40, max_depth=4, learning_rate=0.2, tree_method="hist")
        if classes == 0:
            xm = xgb.XGBRegressor(**xparams)
        else:
            xm = xgb.XGBClassifier(**xparams)
        xm.fit(train, ytrain)
        for extension in ["json", "ubj"]:
            xm.get_booster().save_model(os.path.join(OUT, f"xgboost_{name}.{extension}"))
        margin = xm.predict(test, output_margin=True)
        prediction = xm.predict_proba(test) if classes else xm.predict(test)
        out["cases"][f"xgboost_{name}"] = {"file": f"imported/xgboost_{name}.json", "x": test.ravel().tolist(), "rows": len(test),
                                            "raw": np.asarray(margin).ravel().tolist(), "prediction": np.asarray(prediction).ravel().tolist(),
                                            "shap": contributions(xm.get_booster().predict(xgb.DMatrix(test[:20]), pred_contribs=True), x.shape[1],
                                                                  max(1, classes if classes > 2 else 1)),
                                            "importance": xgboost_importance(xm.get_booster(), x.shape[1])}
        # XGBoost with column 4 split as categories (partition splits; unseen categories in test).
        xc = xgb.train({"tree_method": "hist", "max_depth": 4, "learning_rate": 0.2, "max_cat_to_onehot": 1,
                        **({"objective": "binary:logistic"} if classes == 2 else {"objective": "multi:softprob", "num_class": 3} if classes == 3 else {})},
                       categorical(train, ytrain), 30)
        xc.save_model(os.path.join(OUT, f"xgboost_categorical_{name}.json"))
        dtest = categorical(test)
        out["cases"][f"xgboost_categorical_{name}"] = {
            "file": f"imported/xgboost_categorical_{name}.json", "x": test.ravel().tolist(), "rows": len(test),
            "raw": np.asarray(xc.predict(dtest, output_margin=True)).ravel().tolist(), "prediction": probabilities(xc.predict(dtest), classes).ravel().tolist()}
    # XGBoost reg:logistic (targets in [0, 1]; predictions are the margin's sigmoid) and
    # LightGBM multiclassova (one sigmoid per class, not normalized), on the same kinds of data.
    x, y = data(3, 3000, 0)
    test = x[2500:].copy()
    share = 1 / (1 + np.exp(-y))
    rl = xgb.XGBRegressor(objective="reg:logistic", n_estimators=40, max_depth=4, learning_rate=0.2, tree_method="hist").fit(x[:2500], share[:2500])
    rl.get_booster().save_model(os.path.join(OUT, "xgboost_reg_logistic.json"))
    out["cases"]["xgboost_reg_logistic"] = {"file": "imported/xgboost_reg_logistic.json", "x": test.ravel().tolist(), "rows": len(test),
                                            "raw": rl.predict(test, output_margin=True).tolist(), "prediction": rl.predict(test).tolist()}
    x, y = data(2, 3000, 3)
    test = x[2500:].copy()
    test[:20, 4] = 11
    ova = lgb.LGBMClassifier(objective="multiclassova", n_estimators=40, num_leaves=15, learning_rate=0.1, verbose=-1, min_child_samples=10)
    ova.fit(x[:2500], y[:2500], categorical_feature=[4])
    ova.booster_.save_model(os.path.join(OUT, "lightgbm_multiclassova.txt"))
    out["cases"]["lightgbm_multiclassova"] = {"file": "imported/lightgbm_multiclassova.txt", "x": test.ravel().tolist(), "rows": len(test),
                                              "raw": np.asarray(ova.predict(test, raw_score=True)).ravel().tolist(),
                                              "prediction": np.asarray(ova.predict_proba(test)).ravel().tolist(),
                                              "shap": contributions(ova.booster_.predict(test[:20], pred_contrib=True), x.shape[1], 3)}
    # LightGBM linear trees (a linear model per leaf; NaN in a leaf's feature falls back to
    # the leaf's constant), regression and binary, with a categorical column and NaN everywhere.
    for name, classes in [("regression", 0), ("binary", 2)]:
        x, y = data({"regression": 5, "binary": 6}[name], 3000, classes)
        test = x[2500:].copy()
        params = dict(n_estimators=30, num_leaves=8, learning_rate=0.1, verbose=-1, min_child_samples=10, linear_tree=True, linear_lambda=0.1)
        lm = (lgb.LGBMRegressor(**params) if classes == 0 else lgb.LGBMClassifier(**params)).fit(x[:2500], y[:2500], categorical_feature=[4])
        lm.booster_.save_model(os.path.join(OUT, f"lightgbm_linear_{name}.txt"))
        prediction = lm.predict_proba(test) if classes else lm.predict(test)
        out["cases"][f"lightgbm_linear_{name}"] = {"file": f"imported/lightgbm_linear_{name}.txt", "x": test.ravel().tolist(), "rows": len(test),
                                                   "raw": np.asarray(lm.predict(test, raw_score=True)).ravel().tolist(),
                                                   "prediction": np.asarray(prediction).ravel().tolist(),
                                                   "importance": normalized(lm.booster_.feature_importance("gain"))}
    # XGBoost DART: trees weighted by weight_drop at prediction (binary, 40 rounds, dropout 0.3).
    x, y = data(7, 3000, 2)
    test = x[2500:].copy()
    dart = xgb.XGBClassifier(booster="dart", rate_drop=0.3, skip_drop=0.0, n_estimators=40, max_depth=4, learning_rate=0.2,
                             tree_method="hist", random_state=0).fit(x[:2500], y[:2500])
    dart.get_booster().save_model(os.path.join(OUT, "xgboost_dart_binary.json"))
    out["cases"]["xgboost_dart_binary"] = {"file": "imported/xgboost_dart_binary.json", "x": test.ravel().tolist(), "rows": len(test),
                                           "raw": dart.predict(test, output_margin=True).tolist(), "prediction": dart.predict_proba(test).ravel().tolist(),
                                           "shap": contributions(dart.get_booster().predict(xgb.DMatrix(test[:20]), pred_contribs=True), x.shape[1], 1)}
    # XGBoost's float32 arithmetic on larger models and log-link objectives: 300 rounds of depth
    # 6 (long float32 sums), Poisson and gamma (exp of a float32 margin from log(base_score)).
    x, y = data(11, 4000, 0)
    test = x[3000:].copy()
    target = np.abs(y) + 0.5
    cases = {"xgboost_deep_regression": xgb.XGBRegressor(n_estimators=300, max_depth=6, learning_rate=0.05, tree_method="hist"),
             "xgboost_poisson": xgb.XGBRegressor(objective="count:poisson", n_estimators=120, max_depth=4, tree_method="hist"),
             "xgboost_gamma": xgb.XGBRegressor(objective="reg:gamma", n_estimators=120, max_depth=4, tree_method="hist")}
    for name, model in cases.items():
        model.fit(x[:3000], np.round(target[:3000]) if "poisson" in name else (target[:3000] if "gamma" in name else y[:3000]))
        model.get_booster().save_model(os.path.join(OUT, f"{name}.json"))
        out["cases"][name] = {"file": f"imported/{name}.json", "x": test.ravel().tolist(), "rows": len(test),
                              "raw": model.predict(test, output_margin=True).tolist(), "prediction": model.predict(test).tolist()}
    with open(os.path.join(HERE, "imports.json"), "w") as f:
        json.dump(clean(out), f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
