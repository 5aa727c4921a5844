"""MLflow's Python client on a local SQLite store: N metrics logged to one run in batches,
the workload Benchmarks/Compare/run.sh sets beside TrackKit. Prints `track-log SECONDS detail`."""
import os
import shutil
import sys
import tempfile
import time
import warnings

warnings.filterwarnings("ignore")
import logging

logging.disable(logging.WARNING)
import mlflow
from mlflow.entities import Metric
from mlflow.tracking import MlflowClient

count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
batch = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
runs = int(sys.argv[3]) if len(sys.argv) > 3 else 1

best = float("inf")
stored = 0
for _ in range(runs):
    folder = tempfile.mkdtemp(prefix="mlflow-bench-")
    try:
        client = MlflowClient(tracking_uri=f"sqlite:///{folder}/mlflow.db")
        experiment = client.create_experiment("bench", artifact_location=f"{folder}/artifacts")
        run = client.create_run(experiment)
        now = int(time.time() * 1000)
        start = time.perf_counter()
        for first in range(0, count, batch):
            metrics = [Metric(f"m{i % 10}", i * 0.001, now, i // 10) for i in range(first, min(count, first + batch))]
            client.log_batch(run.info.run_id, metrics=metrics)
        best = min(best, time.perf_counter() - start)
        stored = sum(len(client.get_metric_history(run.info.run_id, f"m{k}")) for k in range(10))
    finally:
        shutil.rmtree(folder, ignore_errors=True)
print(f"track-log {best} metrics={stored} batch={batch}")
