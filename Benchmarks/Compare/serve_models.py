"""Makes the models both servers serve, from one CSV: a logistic regression fitted by
scikit-learn (its coefficients as JSON for the FastAPI side; DS Toolbox fits its own on the
same rows, which equals scikit-learn's to solver tolerance) and a 200-tree LightGBM model
(one text file both servers load).

    python serve_models.py DATA.csv OUTDIR
"""
import json
import sys

import lightgbm
import numpy as np
import pandas as pd
from sklearn.linear_model import LogisticRegression

data, out = sys.argv[1], sys.argv[2]
frame = pd.read_csv(data)
y = frame.pop("target").to_numpy()
x = frame.to_numpy(dtype=float)
logistic = LogisticRegression(max_iter=1000).fit(x, y)
json.dump({"coef": logistic.coef_.tolist(), "intercept": logistic.intercept_.tolist(), "classes": logistic.classes_.tolist()},
          open(f"{out}/logistic.json", "w"))
booster = lightgbm.train({"objective": "binary", "num_leaves": 31, "verbose": -1, "seed": 1}, lightgbm.Dataset(x, y), num_boost_round=200)
booster.save_model(f"{out}/boosting.txt")
print(json.dumps(x[0].tolist()))
