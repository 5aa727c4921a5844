#!/usr/bin/env python3
"""An MLflow file store (mlruns/) written by MLflow's own client, for `runs import` tests.

    venv/bin/python Scripts/golden/generate_mlruns.py

Writes Tests/TrackKitTests/Golden/mlruns: experiment `churn` with one run `first` (param
alpha=0.5; metric loss 0.25, NaN, inf at steps 0-2 with fixed timestamps; tag team=ml; the
artifact notes/a.txt holding "hi"; a dataset input). Run and experiment ids are MLflow's own.
"""
import os
import shutil
import warnings

os.environ["MLFLOW_ALLOW_FILE_STORE"] = "true"
warnings.filterwarnings("ignore")
import mlflow
import numpy as np

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrackKitTests", "Golden", "mlruns")
shutil.rmtree(OUT, ignore_errors=True)
mlflow.set_tracking_uri("file:" + os.path.abspath(OUT))
mlflow.set_experiment("churn")
with mlflow.start_run(run_name="first"):
    mlflow.log_param("alpha", 0.5)
    mlflow.log_metric("loss", 0.25, step=0, timestamp=1700000000000)
    mlflow.log_metric("loss", float("nan"), step=1, timestamp=1700000001000)
    mlflow.log_metric("loss", float("inf"), step=2, timestamp=1700000002000)
    mlflow.set_tag("team", "ml")
    mlflow.log_text("hi", "notes/a.txt")
    mlflow.log_input(mlflow.data.from_numpy(np.zeros(3), name="train", source="train.csv"))
shutil.rmtree(os.path.join(OUT, ".trash"), ignore_errors=True)
