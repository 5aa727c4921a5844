"""Golden values for cross-validating tables: a pipeline whose first step is TF-IDF on a text
column, scored by scikit-learn's cross_val_score on StratifiedKFold's folds.

Writes Tests/dstoolboxTests/Golden/reviews.csv (the data), reviews_pipeline.yaml (the DS Toolbox
spec) and table_cv.json (scikit-learn's fold scores). Run with the reference venv:
    venv/bin/python Scripts/golden/generate_table_cv.py
"""
import json
import os

import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, KFold, cross_val_score
from sklearn.pipeline import Pipeline

from golden_json import clean

HERE = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "dstoolboxTests", "Golden")

POSITIVE = "great excellent love wonderful perfect sturdy quick friendly recommend happy fine solid".split()
NEGATIVE = "poor broken late rude refund awful slow cheap flimsy disappointed wrong missing".split()
NEUTRAL = "the box arrived order item product shipping price color size we it was and with for this".split()


def reviews(seed, n):
    rng = np.random.default_rng(seed)
    texts, labels, stars, grades = [], [], [], []
    for _ in range(n):
        good = rng.random() < 0.45
        words = list(rng.choice(NEUTRAL, size=rng.integers(4, 10)))
        # Mostly words of the review's side, some of the other: the classes overlap.
        own, other = (POSITIVE, NEGATIVE) if good else (NEGATIVE, POSITIVE)
        words += list(rng.choice(own, size=rng.integers(0, 4)))
        words += list(rng.choice(other, size=rng.integers(0, 2)))
        rng.shuffle(words)
        text = " ".join(words)
        if rng.random() < 0.3:
            text = text.capitalize() + "!"
        texts.append(text)
        labels.append("good" if good else "bad")
        stars.append(float(np.clip(round((4 if good else 2) + rng.normal(0, 1.2)), 1, 5)))
        grades.append(float((3.5 if good else 2.0) + rng.normal(0, 1.0)))
    return pd.DataFrame({"review": texts, "stars": stars, "label": labels, "grade": grades})


def main():
    data = reviews(17, 400)
    data.to_csv(os.path.join(HERE, "reviews.csv"), index=False)
    with open(os.path.join(HERE, "reviews_pipeline.yaml"), "w") as f:
        f.write("steps:\n  - {name: words, type: tfidf_vectorizer, parameters: {column: review}}\n"
                "  - {name: model, type: logistic_regression}\n")
    with open(os.path.join(HERE, "reviews_regression.yaml"), "w") as f:
        f.write("steps:\n  - {name: words, type: tfidf_vectorizer, parameters: {column: review, sublinear_tf: true}}\n"
                "  - {name: model, type: ridge, parameters: {alpha: 0.5}}\n")
    x = data[["review", "stars", "grade"]]
    classify = Pipeline([("columns", ColumnTransformer([("words", TfidfVectorizer(), "review")], remainder="passthrough")),
                         ("model", LogisticRegression())])
    folds = StratifiedKFold(5)
    out = {"sklearn": sklearn.__version__,
           "accuracy": cross_val_score(classify, x, data["label"], cv=folds, scoring="accuracy"),
           "roc_auc": cross_val_score(classify, x, data["label"], cv=folds, scoring="roc_auc")}
    from sklearn.linear_model import Ridge
    # Dense output (sparse_threshold=0): Ridge then solves exactly (cholesky), as LearnKit does;
    # on sparse input it would iterate (sparse_cg) to a tolerance.
    regress = Pipeline([("columns", ColumnTransformer([("words", TfidfVectorizer(sublinear_tf=True), "review")], remainder="passthrough",
                                                      sparse_threshold=0)),
                        ("model", Ridge(alpha=0.5))])
    xr = data[["review", "stars", "label"]].assign(label=(data["label"] == "good").astype(float))
    out["r2"] = cross_val_score(regress, xr, data["grade"], cv=KFold(5), scoring="r2")
    with open(os.path.join(HERE, "table_cv.json"), "w") as f:
        json.dump(clean(out), f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
