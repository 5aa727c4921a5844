#!/usr/bin/env python3
"""Golden values for FeatureKit's text features, computed by scikit-learn's TfidfVectorizer.

    venv/bin/python Scripts/golden/generate_text.py
Writes Tests/FeatureKitTests/Golden/tfidf.json.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.feature_extraction.text import TfidfVectorizer

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "FeatureKitTests", "Golden", "tfidf.json")

TRAIN = [
    "The seismic survey covers the North Sea block 15/9.",
    "Inline 1200 and crossline 3400 show a bright amplitude anomaly.",
    "Amplitude anomalies often mark gas; the anomaly at inline 1200 is strong.",
    "Café owners in Zürich drink coffee_with_milk every morning.",
    "A survey of café prices: coffee costs 4.50 in Zürich and 3 in Oslo.",
    "Gas, oil and water: the reservoir at block 15/9 holds gas.",
    "North Sea surveys use streamers; streamers record seismic traces.",
    "Traces are sorted by inline, then crossline, in the SEG-Y file.",
    "The SEG-Y file header says the sample interval is 4 ms.",
    "Sample interval 4 ms, 1000 samples: each trace lasts four seconds.",
    "Ünïcödé wörds and ÉTÉ déjà vu are tokens too.",
    "x y z a b c: single letters are not tokens, but ab and 42 are.",
]
TEST = ["A gas anomaly in the North Sea survey.", "Unknown words only: zebra quokka.", "", "coffee in Oslo, café in Zürich"]
CASES = {
    "default": {},
    "bigrams_min2": {"ngram_range": (1, 2), "min_df": 2},
    "sublinear_l1_raw_idf": {"sublinear_tf": True, "smooth_idf": False, "norm": "l1"},
    "max_df_half": {"max_df": 0.5, "norm": None},
    "no_idf_no_lowercase": {"use_idf": False, "lowercase": False},
}


def main():
    payload = {"train": TRAIN, "test": TEST, "cases": {}}
    for name, options in CASES.items():
        model = TfidfVectorizer(**options).fit(TRAIN)
        payload["cases"][name] = {
            "vocabulary": list(model.get_feature_names_out()), "idf": model.idf_.tolist() if model.use_idf else None,
            "train": model.transform(TRAIN).toarray().tolist(), "test": model.transform(TEST).toarray().tolist(),
        }
    payload["tokens"] = [TfidfVectorizer().build_analyzer()(doc) for doc in TRAIN + TEST]
    payload["_generator"] = f"Scripts/golden/generate_text.py (scikit-learn {sklearn.__version__}, numpy {np.__version__})"
    with open(OUT, "w") as f:
        json.dump(payload, f, indent=0, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
