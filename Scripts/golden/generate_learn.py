#!/usr/bin/env python3
"""Golden values for LearnKitTests, computed by scikit-learn.

    venv/bin/python Scripts/golden/generate_learn.py
Writes Tests/LearnKitTests/Golden/*.json.
"""
import json
import os
import warnings

import numpy as np
import sklearn
from sklearn import metrics
from sklearn.calibration import calibration_curve
from sklearn.datasets import load_breast_cancer, load_diabetes, load_digits, load_wine
from sklearn.linear_model import ElasticNet, Lasso, LinearRegression, Ridge
from sklearn.model_selection import GroupKFold, KFold, StratifiedKFold, TimeSeriesSplit, cross_val_score

from golden_json import clean

warnings.filterwarnings("ignore")
OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "LearnKitTests", "Golden")


def write(name, payload):
    payload["_generator"] = f"Scripts/golden/generate_learn.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})"
    with open(os.path.join(OUT, name), "w") as f:
        json.dump(clean(payload), f, indent=1, sort_keys=True)
        f.write("\n")


def metric_goldens():
    rng = np.random.default_rng(42)
    n = 300
    # Binary: scores with ties (rounded), predictions from a threshold, weights.
    yb = rng.integers(0, 2, n).astype(float)
    score = np.round(np.clip(yb * 0.3 + rng.normal(0.35, 0.25, n), 0, 1), 2)
    pb = (score > 0.5).astype(float)
    wb = np.round(rng.uniform(0.2, 2.0, n), 3)
    # Multiclass with labels 0, 1, 2: probabilities from a softmax, predictions the argmax
    # except for a few flips.
    ym = rng.integers(0, 3, n).astype(float)
    logits = rng.normal(0, 1, (n, 3))
    logits[np.arange(n), ym.astype(int)] += 1.2
    proba = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    pm = proba.argmax(axis=1).astype(float)
    # Regression.
    yr = rng.normal(10, 5, n)
    pr = yr + rng.normal(0, 2, n)
    wr = np.round(rng.uniform(0.5, 1.5, n), 3)

    out = {"binary": {"y_true": yb, "y_pred": pb, "score": score, "weights": wb},
           "multiclass": {"y_true": ym, "y_pred": pm, "proba": proba.ravel().tolist()},
           "regression": {"y_true": yr, "y_pred": pr, "weights": wr}}
    b, m, r = {}, {}, {}
    b["accuracy"] = metrics.accuracy_score(yb, pb)
    b["accuracy_weighted"] = metrics.accuracy_score(yb, pb, sample_weight=wb)
    b["balanced_accuracy"] = metrics.balanced_accuracy_score(yb, pb)
    b["precision"] = metrics.precision_score(yb, pb)
    b["recall"] = metrics.recall_score(yb, pb)
    b["f1"] = metrics.f1_score(yb, pb)
    b["f1_weighted_samples"] = metrics.f1_score(yb, pb, sample_weight=wb)
    b["f2"] = metrics.fbeta_score(yb, pb, beta=2)
    b["mcc"] = metrics.matthews_corrcoef(yb, pb)
    b["confusion"] = metrics.confusion_matrix(yb, pb)
    b["roc_auc"] = metrics.roc_auc_score(yb, score)
    b["roc_auc_weighted_samples"] = metrics.roc_auc_score(yb, score, sample_weight=wb)
    fpr, tpr, thr = metrics.roc_curve(yb, score)
    b["roc_fpr"], b["roc_tpr"], b["roc_thresholds"] = fpr, tpr, thr
    b["average_precision"] = metrics.average_precision_score(yb, score)
    b["average_precision_weighted_samples"] = metrics.average_precision_score(yb, score, sample_weight=wb)
    b["brier"] = metrics.brier_score_loss(yb, score)
    b["log_loss"] = metrics.log_loss(yb, np.column_stack([1 - score, score]))
    pt, pp = calibration_curve(yb, score, n_bins=5)
    b["calibration_uniform"] = [pt, pp]
    pt, pp = calibration_curve(yb, score, n_bins=4, strategy="quantile")
    b["calibration_quantile"] = [pt, pp]
    m["accuracy"] = metrics.accuracy_score(ym, pm)
    m["balanced_accuracy"] = metrics.balanced_accuracy_score(ym, pm)
    for avg in ["micro", "macro", "weighted"]:
        m[f"precision_{avg}"] = metrics.precision_score(ym, pm, average=avg)
        m[f"recall_{avg}"] = metrics.recall_score(ym, pm, average=avg)
        m[f"f1_{avg}"] = metrics.f1_score(ym, pm, average=avg)
    m["mcc"] = metrics.matthews_corrcoef(ym, pm)
    m["confusion"] = metrics.confusion_matrix(ym, pm)
    m["roc_auc_ovr_macro"] = metrics.roc_auc_score(ym, proba, multi_class="ovr", average="macro")
    m["roc_auc_ovr_weighted"] = metrics.roc_auc_score(ym, proba, multi_class="ovr", average="weighted")
    m["log_loss"] = metrics.log_loss(ym, proba)
    m["report"] = metrics.classification_report(ym, pm)
    r["mse"] = metrics.mean_squared_error(yr, pr)
    r["mse_weighted"] = metrics.mean_squared_error(yr, pr, sample_weight=wr)
    r["rmse"] = float(np.sqrt(metrics.mean_squared_error(yr, pr)))
    r["mae"] = metrics.mean_absolute_error(yr, pr)
    r["median_ae"] = metrics.median_absolute_error(yr, pr)
    r["r2"] = metrics.r2_score(yr, pr)
    r["r2_weighted"] = metrics.r2_score(yr, pr, sample_weight=wr)
    r["explained_variance"] = metrics.explained_variance_score(yr, pr)
    r["mape"] = metrics.mean_absolute_percentage_error(yr, pr)
    out["expected"] = {"binary": b, "multiclass": m, "regression": r}
    write("metrics.json", out)


def linear_goldens():
    out = {}
    d = load_diabetes()
    x, y = d.data, d.target
    out["diabetes"] = {"x": x.ravel().tolist(), "rows": x.shape[0], "columns": x.shape[1], "y": y}
    models = {
        "ols": LinearRegression(),
        "ols_no_intercept": LinearRegression(fit_intercept=False),
        "ridge_1": Ridge(alpha=1.0),
        "ridge_0_01": Ridge(alpha=0.01),
        "ridge_no_intercept": Ridge(alpha=0.5, fit_intercept=False),
        "lasso_0_1": Lasso(alpha=0.1, tol=1e-10, max_iter=100000),
        "lasso_1": Lasso(alpha=1.0, tol=1e-10, max_iter=100000),
        "elastic_0_05_0_5": ElasticNet(alpha=0.05, l1_ratio=0.5, tol=1e-10, max_iter=100000),
        "elastic_0_01_0_2": ElasticNet(alpha=0.01, l1_ratio=0.2, tol=1e-10, max_iter=100000),
    }
    fitted = {}
    for name, model in models.items():
        model.fit(x, y)
        fitted[name] = {"coef": model.coef_, "intercept": float(model.intercept_)}
    weights = np.linspace(0.5, 1.5, len(y))
    fitted["ols_weighted"] = dict(zip(["coef", "intercept"], (lambda m: (m.coef_, float(m.intercept_)))(LinearRegression().fit(x, y, sample_weight=weights))))
    fitted["ridge_weighted"] = dict(zip(["coef", "intercept"], (lambda m: (m.coef_, float(m.intercept_)))(Ridge(alpha=0.3).fit(x, y, sample_weight=weights))))
    out["models"] = fitted
    out["weights"] = weights
    # 5-fold CV R^2 (unshuffled KFold), the acceptance measure.
    out["cv_r2"] = {name: float(np.mean(cross_val_score(model, x, y, cv=KFold(5), scoring="r2")))
                    for name, model in [("ols", LinearRegression()), ("ridge_1", Ridge(alpha=1.0)),
                                        ("lasso_0_1", Lasso(alpha=0.1)), ("elastic_0_05_0_5", ElasticNet(alpha=0.05, l1_ratio=0.5))]}
    write("linear.json", out)


def split_goldens():
    y = np.array([0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 2, 0, 1, 2, 1, 0, 2, 2, 1], dtype=float)
    groups = np.array([1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 5, 5, 6, 6, 6, 6, 7, 8, 8, 9])
    x = np.zeros((len(y), 1))
    def folds(splitter, *args):
        return [[tr.tolist(), te.tolist()] for tr, te in splitter.split(x, *args)]
    out = {"y": y, "groups": groups,
           "kfold_5": folds(KFold(5)), "kfold_3": folds(KFold(3)),
           "stratified_4": folds(StratifiedKFold(4), y), "stratified_3": folds(StratifiedKFold(3), y),
           "group_4": folds(GroupKFold(4), y, groups),
           "timeseries_4": folds(TimeSeriesSplit(4)), "timeseries_3_gap_1_test_3": folds(TimeSeriesSplit(3, gap=1, test_size=3)),
           "timeseries_3_max_train_6": folds(TimeSeriesSplit(3, max_train_size=6))}
    write("splits.json", out)


def logistic_goldens():
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler
    out = {"datasets": {}, "models": {}}
    bx, by = load_breast_cancer(return_X_y=True)
    bx = StandardScaler().fit_transform(bx)
    wx, wy = load_wine(return_X_y=True)
    wx = StandardScaler().fit_transform(wx)
    dx, dy = load_digits(return_X_y=True)
    dx, dy = dx[:600] / 16.0, dy[:600]
    for name, (x, y) in {"breast": (bx, by), "wine": (wx, wy), "digits600": (dx, dy)}.items():
        out["datasets"][name] = {"x": x.ravel().tolist(), "rows": x.shape[0], "columns": x.shape[1], "y": y.astype(float)}
    weights = np.linspace(0.5, 2.0, len(by))
    out["breast_weights"] = weights
    tight = dict(tol=1e-10, max_iter=100000)
    cases = {
        "breast_l2_c1": ("breast", LogisticRegression(C=1.0, **tight), None),
        "breast_l2_c0_05_balanced": ("breast", LogisticRegression(C=0.05, class_weight="balanced", **tight), None),
        "breast_l2_weighted": ("breast", LogisticRegression(C=0.3, **tight), weights),
        "breast_l2_no_intercept": ("breast", LogisticRegression(C=1.0, fit_intercept=False, **tight), None),
        "wine_l2_c1": ("wine", LogisticRegression(C=1.0, **tight), None),
        "digits600_l2_c0_1": ("digits600", LogisticRegression(C=0.1, **tight), None),
        "breast_l1_c0_5": ("breast", LogisticRegression(l1_ratio=1.0, C=0.5, solver="saga", tol=1e-12, max_iter=200000), None),
        "wine_elasticnet_c0_5": ("wine", LogisticRegression(l1_ratio=0.5, C=0.5, solver="saga", tol=1e-12, max_iter=200000), None),
    }
    data = {"breast": (bx, by), "wine": (wx, wy), "digits600": (dx, dy)}
    for name, (dataset, model, w) in cases.items():
        x, y = data[dataset]
        model.fit(x, y, sample_weight=w)
        out["models"][name] = {"coef": model.coef_.ravel().tolist(), "intercept": model.intercept_.tolist(),
                               "proba_first_rows": model.predict_proba(x[:5]).ravel().tolist()}
    # The exact optimum of the digits problem (scipy's L-BFGS-B run to a 1e-14 gradient with no
    # relative-decrease stop): scikit-learn stops earlier, on its fixed ftol of 64 eps.
    from scipy.optimize import minimize
    from scipy.special import logsumexp
    k, p, c = 10, dx.shape[1], 0.1
    onehot = np.eye(k)[dy]
    def objective(w):
        coef, intercept = w[:k * p].reshape(k, p), w[k * p:]
        z = dx @ coef.T + intercept
        lse = logsumexp(z, axis=1)
        residual = (np.exp(z - lse[:, None]) - onehot) / len(dy)
        value = np.mean(lse - (z * onehot).sum(1)) + 0.5 / (c * len(dy)) * np.sum(coef * coef)
        return value, np.concatenate([(residual.T @ dx + coef / (c * len(dy))).ravel(), residual.sum(0)])
    optimum = minimize(objective, np.zeros(k * p + k), jac=True, method="L-BFGS-B",
                       options=dict(maxiter=100000, gtol=1e-14, ftol=0, maxcor=30)).x
    out["digits600_optimum"] = {"coef": optimum[:k * p].tolist(), "intercept": optimum[k * p:].tolist()}
    out["cv_accuracy"] = {
        "breast_l2_c1": float(np.mean(cross_val_score(LogisticRegression(C=1.0), bx, by, cv=StratifiedKFold(5), scoring="accuracy"))),
        "wine_l2_c1": float(np.mean(cross_val_score(LogisticRegression(C=1.0), wx, wy, cv=StratifiedKFold(5), scoring="accuracy"))),
        "digits600_l2_c0_1": float(np.mean(cross_val_score(LogisticRegression(C=0.1, max_iter=1000), dx, dy, cv=StratifiedKFold(5), scoring="accuracy"))),
    }
    write("logistic.json", out)


def tree_goldens():
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    out = {"classifiers": {}, "regressors": {}}
    bx, by = load_breast_cancer(return_X_y=True)
    wx, wy = load_wine(return_X_y=True)
    dx, dy = load_diabetes(return_X_y=True)
    out["breast"] = {"x": bx.ravel().tolist(), "rows": bx.shape[0], "columns": bx.shape[1], "y": by.astype(float)}
    out["wine"] = {"x": wx.ravel().tolist(), "rows": wx.shape[0], "columns": wx.shape[1], "y": wy.astype(float)}
    out["diabetes"] = {"x": dx.ravel().tolist(), "rows": dx.shape[0], "columns": dx.shape[1], "y": dy}
    data = {"breast": (bx, by), "wine": (wx, wy), "diabetes": (dx, dy)}
    classifiers = {
        "breast_gini_full": ("breast", dict(criterion="gini")),
        "breast_gini_depth3": ("breast", dict(criterion="gini", max_depth=3)),
        "breast_entropy_depth5": ("breast", dict(criterion="entropy", max_depth=5)),
        "breast_leaf10": ("breast", dict(min_samples_leaf=10)),
        "breast_maxleaf8": ("breast", dict(max_leaf_nodes=8)),
        "breast_ccp": ("breast", dict(ccp_alpha=0.01)),
        "wine_gini_full": ("wine", dict()),
        "wine_balanced_depth3": ("wine", dict(max_depth=3, class_weight="balanced")),
    }
    for name, (dataset, params) in classifiers.items():
        x, y = data[dataset]
        m = DecisionTreeClassifier(random_state=0, **params).fit(x, y)
        cv = float(np.mean(cross_val_score(DecisionTreeClassifier(random_state=0, **params), x, y, cv=StratifiedKFold(5), scoring="accuracy")))
        out["classifiers"][name] = {"train_accuracy": m.score(x, y), "depth": int(m.get_depth()), "leaves": int(m.get_n_leaves()),
                                    "cv_accuracy": cv, "root_feature": int(m.tree_.feature[0]), "root_threshold": float(m.tree_.threshold[0]),
                                    "importances": m.feature_importances_}
    regressors = {
        "diabetes_mse_depth4": dict(max_depth=4),
        "diabetes_mse_full": dict(),
        "diabetes_mae_depth3": dict(criterion="absolute_error", max_depth=3),
        "diabetes_maxleaf10": dict(max_leaf_nodes=10),
        "diabetes_ccp": dict(ccp_alpha=20.0),
    }
    for name, params in regressors.items():
        m = DecisionTreeRegressor(random_state=0, **params).fit(dx, dy)
        cv = float(np.mean(cross_val_score(DecisionTreeRegressor(random_state=0, **params), dx, dy, cv=KFold(5), scoring="r2")))
        out["regressors"][name] = {"train_r2": m.score(dx, dy), "depth": int(m.get_depth()), "leaves": int(m.get_n_leaves()),
                                   "cv_r2": cv, "root_feature": int(m.tree_.feature[0]), "root_threshold": float(m.tree_.threshold[0])}
    path = DecisionTreeClassifier(random_state=0).cost_complexity_pruning_path(bx, by)
    out["pruning_path_breast"] = {"alphas": path.ccp_alphas, "impurities": path.impurities}
    path = DecisionTreeRegressor(random_state=0, max_depth=6).cost_complexity_pruning_path(dx, dy)
    out["pruning_path_diabetes_depth6"] = {"alphas": path.ccp_alphas, "impurities": path.impurities}
    # Missing values: NaN in 10% of one informative feature.
    rng = np.random.default_rng(3)
    mx = bx.copy()
    mx[rng.random(len(mx)) < 0.1, 27] = np.nan
    m = DecisionTreeClassifier(random_state=0, max_depth=4).fit(mx, by)
    out["missing"] = {"x": mx.ravel().tolist(), "train_accuracy": m.score(mx, by), "depth": int(m.get_depth()),
                      "proba_first": m.predict_proba(mx[:20]).ravel().tolist()}
    write("trees.json", out)


def forest_goldens():
    from sklearn.ensemble import ExtraTreesClassifier, ExtraTreesRegressor, RandomForestClassifier, RandomForestRegressor
    bx, by = load_breast_cancer(return_X_y=True)
    wx, wy = load_wine(return_X_y=True)
    dx, dy = load_diabetes(return_X_y=True)
    out = {}
    rf = RandomForestClassifier(n_estimators=25, random_state=0, oob_score=True).fit(bx, by)
    out["rf_breast"] = {"proba": rf.predict_proba(bx).ravel().tolist(), "oob": rf.oob_score_,
                        "importances": rf.feature_importances_,
                        "cv": float(np.mean(cross_val_score(RandomForestClassifier(n_estimators=25, random_state=0), bx, by, cv=StratifiedKFold(5))))}
    et = ExtraTreesClassifier(n_estimators=25, random_state=3).fit(wx, wy)
    out["et_wine"] = {"proba": et.predict_proba(wx).ravel().tolist(),
                      "cv": float(np.mean(cross_val_score(ExtraTreesClassifier(n_estimators=25, random_state=3), wx, wy, cv=StratifiedKFold(5))))}
    rfr = RandomForestRegressor(n_estimators=20, random_state=1, max_features=0.5, oob_score=True, max_samples=300).fit(dx, dy)
    out["rf_diabetes"] = {"prediction": rfr.predict(dx), "oob": rfr.oob_score_,
                          "cv": float(np.mean(cross_val_score(RandomForestRegressor(n_estimators=20, random_state=1, max_features=0.5, max_samples=300), dx, dy, cv=KFold(5))))}
    etr = ExtraTreesRegressor(n_estimators=15, random_state=2, max_depth=6).fit(dx, dy)
    out["et_diabetes"] = {"prediction": etr.predict(dx)}
    write("forests.json", out)


if __name__ == "__main__":
    os.makedirs(OUT, exist_ok=True)
    metric_goldens()
    linear_goldens()
    split_goldens()
    logistic_goldens()
    tree_goldens()
    forest_goldens()
    print("golden files written to", os.path.normpath(OUT))
