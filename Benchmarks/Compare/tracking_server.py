"""DS Toolbox's tracking server against `mlflow server` (SQLite backend) on this machine, in one
run: the same REST requests from one Python client over loopback.

    python tracking_server.py DSTOOLBOX_BINARY STORE_FOLDER RUNS

STORE_FOLDER is a DS Toolbox store already holding RUNS runs (CompareRunner make-tracking-store);
the same runs (a param `model`, metrics `rmse` and `acc`, a tag `stage`, the same values) are
written into a fresh MLflow database by SQL, then both servers start and answer:
  log-batch   1,000 metrics per request to one run, 30 requests: seconds per request
  search-*    runs/search over all RUNS runs, a page of 1,000: seconds per request (best of 5)
Prints `NAME MLFLOW_SECONDS DSTOOLBOX_SECONDS` per line.
"""
import json
import os
import random
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
import warnings

warnings.filterwarnings("ignore")
import logging

logging.disable(logging.WARNING)
import requests


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait(url):
    for _ in range(1200):
        try:
            requests.get(url + "/health", timeout=1)
            return
        except requests.RequestException:
            time.sleep(0.1)
    raise SystemExit(f"no server at {url}")


def mlflow_database(folder, count):
    """An MLflow SQLite database with COUNT runs like CompareRunner's (seed 5 values differ, the
    shape and sizes are the same)."""
    from mlflow.store.tracking.sqlalchemy_store import SqlAlchemyStore
    store = SqlAlchemyStore(f"sqlite:///{folder}/mlflow.db", f"{folder}/artifacts")
    experiment = store.create_experiment("bench")
    store.engine.dispose()
    db = sqlite3.connect(f"{folder}/mlflow.db")
    rng = random.Random(5)
    models, stages = ["forest", "linear", "boosting"], ["dev", "staging", "prod"]
    start = 1_700_000_000_000
    runs, params, tags, metrics, latest = [], [], [], [], []
    for index in range(count):
        run = uuid.uuid4().hex
        runs.append((run, f"run-{index}", "LOCAL", "bench", "", "bench", "FAILED" if index % 10 == 0 else "FINISHED", start + index * 1000,
                     start + index * 1000 + 1, "", "active", f"mlflow-artifacts:/{experiment}/{run}/artifacts", int(experiment)))
        params += [("model", models[rng.randrange(3)], run), ("lr", str(0.001 * (1 + rng.randrange(100))), run)]
        tags += [("stage", stages[rng.randrange(3)], run), ("mlflow.runName", f"run-{index}", run)]
        for key in ("rmse", "acc"):
            value = rng.random()
            metrics.append((key, value, start, run, 0, 0))
            latest.append((key, value, start, 0, 0, run))
    db.executemany("INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, "
                   "source_version, lifecycle_stage, artifact_uri, experiment_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?)", runs)
    db.executemany("INSERT INTO params (key, value, run_uuid) VALUES (?,?,?)", params)
    db.executemany("INSERT INTO tags (key, value, run_uuid) VALUES (?,?,?)", tags)
    db.executemany("INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?,?,?,?,?,?)", metrics)
    db.executemany("INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?,?,?,?,?,?)", latest)
    db.commit()
    db.close()
    return str(experiment)


def measure(url, experiment, session):
    api = url + "/api/2.0/mlflow/"
    out = {}
    run = session.post(api + "runs/create", json={"experiment_id": experiment, "start_time": int(time.time() * 1000)}).json()["run"]["info"]["run_id"]
    now = int(time.time() * 1000)
    batches = [{"run_id": run, "metrics": [{"key": f"m{i % 10}", "value": i * 0.001, "timestamp": now, "step": b * 100 + i // 10} for i in range(1000)]}
               for b in range(30)]
    start = time.perf_counter()
    for body in batches:
        answer = session.post(api + "runs/log-batch", json=body)
        assert answer.status_code == 200, answer.text
    out["log-batch-1000"] = (time.perf_counter() - start) / len(batches)
    searches = {
        "search-newest-1000": {"experiment_ids": [experiment], "max_results": 1000, "order_by": ["attributes.start_time DESC"]},
        "search-filter-order": {"experiment_ids": [experiment], "max_results": 1000, "filter": "metrics.rmse < 0.1 AND params.model = 'forest'",
                                "order_by": ["metrics.rmse ASC"]},
    }
    for name, body in searches.items():
        best = float("inf")
        for _ in range(5):
            start = time.perf_counter()
            answer = session.post(api + "runs/search", json=body)
            best = min(best, time.perf_counter() - start)
            assert answer.status_code == 200, answer.text
        out[name] = best
    return out


def main():
    binary, store, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
    folder = tempfile.mkdtemp(prefix="mlflow-server-bench-")
    processes = []
    try:
        experiment = mlflow_database(folder, count)
        mlflow_port, our_port = free_port(), free_port()
        mlflow_bin = os.path.join(os.path.dirname(sys.executable), "mlflow")
        processes.append(subprocess.Popen([mlflow_bin, "server", "--backend-store-uri", f"sqlite:///{folder}/mlflow.db", "--artifacts-destination",
                                           f"{folder}/artifacts", "--host", "127.0.0.1", "--port", str(mlflow_port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        processes.append(subprocess.Popen([binary, "tracking", "serve", "--store", store, "--open", "--port", str(our_port)],
                                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        wait(f"http://127.0.0.1:{mlflow_port}")
        wait(f"http://127.0.0.1:{our_port}")
        with requests.Session() as session:
            ours_experiment = session.get(f"http://127.0.0.1:{our_port}/api/2.0/mlflow/experiments/get-by-name",
                                          params={"experiment_name": "bench"}).json()["experiment"]["experiment_id"]
            theirs = measure(f"http://127.0.0.1:{mlflow_port}", experiment, session)
            ours = measure(f"http://127.0.0.1:{our_port}", ours_experiment, session)
        for name in theirs:
            print(f"{name} {theirs[name]} {ours[name]}")
    finally:
        for process in processes:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
