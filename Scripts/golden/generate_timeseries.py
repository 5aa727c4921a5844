#!/usr/bin/env python3
"""Golden values for FeatureKit's time-series features, computed by pandas.

    venv/bin/python Scripts/golden/generate_timeseries.py
Writes Tests/FeatureKitTests/Golden/timeseries.csv (the input) and timeseries_expected.csv.
"""
import os

import numpy as np
import pandas as pd

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "FeatureKitTests", "Golden")


def main():
    rng = np.random.default_rng(21)
    rows = []
    for part in ["P-100", "P-200", "Q-7"]:
        days = np.sort(rng.choice(np.arange(0, 900), size=30, replace=False))
        for d in days:
            date = pd.Timestamp("2022-01-03") + pd.Timedelta(days=int(d))
            cost = round(float(100 + 5 * np.sin(d / 40) + rng.normal(0, 2)), 4)
            rows.append({"part": part, "date": date.strftime("%Y-%m-%d"), "cost": cost, "qty": float(rng.integers(1, 50))})
    data = pd.DataFrame(rows).sample(frac=1, random_state=3).reset_index(drop=True)
    data.loc[[5, 17, 40, 41, 66], "cost"] = np.nan
    data.to_csv(os.path.join(OUT, "timeseries.csv"), index=False)

    out = data.copy()
    order = data.assign(_t=pd.to_datetime(data["date"])).sort_values(["part", "_t"], kind="stable")
    g = order.groupby("part", sort=False)
    for v in ["cost", "qty"]:
        col = g[v]
        feats = {
            f"{v}_lag_1": col.shift(1), f"{v}_lag_3": col.shift(3), f"{v}_diff_1": col.diff(1),
            f"{v}_pct_change_1": col.pct_change(1, fill_method=None),
        }
        for w in [3, 5]:
            r = col.rolling(w)
            feats[f"{v}_rolling_mean_{w}"] = r.mean().reset_index(level=0, drop=True)
            feats[f"{v}_rolling_std_{w}"] = r.std().reset_index(level=0, drop=True)
            feats[f"{v}_rolling_min_{w}"] = r.min().reset_index(level=0, drop=True)
            feats[f"{v}_rolling_max_{w}"] = r.max().reset_index(level=0, drop=True)
            feats[f"{v}_rolling_q0.5_{w}"] = r.quantile(0.5).reset_index(level=0, drop=True)
            feats[f"{v}_rolling_q0.9_{w}"] = r.quantile(0.9).reset_index(level=0, drop=True)
        e = col.expanding()
        feats[f"{v}_expanding_mean"] = e.mean().reset_index(level=0, drop=True)
        feats[f"{v}_expanding_std"] = e.std().reset_index(level=0, drop=True)
        feats[f"{v}_expanding_max"] = e.max().reset_index(level=0, drop=True)
        feats[f"{v}_ewm_mean_4"] = col.transform(lambda s: s.ewm(span=4, adjust=True).mean())
        for name, series in feats.items():
            out[name] = series.reindex(data.index)
    t = pd.to_datetime(data["date"])
    out["date_year"], out["date_month"], out["date_day"] = t.dt.year, t.dt.month, t.dt.day
    out["date_dayofweek"], out["date_dayofyear"], out["date_quarter"] = t.dt.dayofweek, t.dt.dayofyear, t.dt.quarter
    out.to_csv(os.path.join(OUT, "timeseries_expected.csv"), index=False, float_format="%.17g")


if __name__ == "__main__":
    main()
