#!/usr/bin/env python3
"""Transcript of what MLflow's Python client sends to a tracking server, and what a stock
`mlflow server` answers, for DS Toolbox's MLflow-compatible tracking server.

    venv/bin/python Scripts/golden/record_mlflow.py

Starts `mlflow server` (SQLite backend, proxied artifacts) on a free loopback port, puts a
recording proxy in front of it, and drives the stock `mlflow` client through the calls the
tracking server supports (experiments, runs, params, metrics, tags, batches, search with
paging, artifacts, the registry and aliases, and their usual mistakes), then logs a model
archive made by dstoolbox (`DSTOOLBOX`, default .build/debug/dstoolbox; data from `data generate
--rows 60 --features 3 --seed 11`), registers it and gives it the alias `prod`. Writes
Tests/TrackServerTests/Golden/mlflow_transcript.json: every exchange's method, path, query,
request body and MLflow's status and response body, in order. The Swift tests replay the
requests against DS Toolbox's server and compare the answers' shapes and values (ids and
times are the server's own), so CI needs no Python.
"""
import base64
import http.client
import http.server
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TrackServerTests", "Golden", "mlflow_transcript.json")
# dstoolbox makes the model archive the client logs (build it first: swift build --product dstoolbox).
DSTOOLBOX = os.environ.get("DSTOOLBOX", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "dstoolbox"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder(http.server.BaseHTTPRequestHandler):
    """Forwards every request to the real server and records the exchange."""
    upstream = None
    exchanges = []
    step = ""

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        connection = http.client.HTTPConnection("127.0.0.1", Recorder.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        path, _, query = self.path.partition("?")
        entry = {"step": Recorder.step, "method": self.command, "path": path, "query": query, "status": response.status}
        content_type = self.headers.get("Content-Type", "")
        if body:
            if "json" in content_type:
                entry["body"] = json.loads(body)
            else:
                entry["body_base64"] = base64.b64encode(body).decode()
        answer_type = response.getheader("Content-Type", "")
        if payload:
            if "json" in answer_type:
                entry["response"] = json.loads(payload)
            else:
                entry["response_base64"] = base64.b64encode(payload).decode()
        entry["response_type"] = answer_type
        Recorder.exchanges.append(entry)
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = forward


def scenario(uri, workdir):
    import mlflow
    from mlflow import MlflowClient
    from mlflow.entities import Metric, Param, RunTag

    mlflow.set_tracking_uri(uri)
    client = MlflowClient(uri)

    def step(name):
        Recorder.step = name

    step("set_experiment")
    experiment = mlflow.set_experiment("churn")
    step("set_experiment again")
    mlflow.set_experiment("churn")
    step("get_experiment_by_name")
    client.get_experiment_by_name("churn")
    step("get_experiment_by_name missing")
    assert client.get_experiment_by_name("no-such-experiment") is None
    step("search_experiments")
    client.search_experiments()
    step("start_run")
    run = mlflow.start_run(run_name="first", tags={"team": "ml"})
    run_id = run.info.run_id
    step("log_param")
    mlflow.log_param("alpha", 0.5)
    step("log_params")
    mlflow.log_params({"depth": 6, "kind": "tree"})
    step("log_param conflict")
    try:
        mlflow.log_param("alpha", 0.7)
    except mlflow.exceptions.MlflowException:
        pass
    step("log_metric")
    mlflow.log_metric("loss", 0.25, step=0, timestamp=1700000000000)
    mlflow.log_metric("loss", 0.125, step=1, timestamp=1700000001000)
    step("log_metric nan")
    mlflow.log_metric("odd", float("nan"), step=0, timestamp=1700000002000)
    mlflow.log_metric("odd", float("inf"), step=1, timestamp=1700000003000)
    step("log_metrics")
    mlflow.log_metrics({"accuracy": 0.9, "auc": 0.95}, step=2, timestamp=1700000004000)
    step("set_tag")
    mlflow.set_tag("stage", "dev")
    step("set_tags")
    mlflow.set_tags({"owner": "ana", "stage": "test"})
    step("log_batch")
    client.log_batch(run_id, metrics=[Metric("batch", 1.5, 1700000005000, 3)], params=[Param("batch_param", "x")], tags=[RunTag("batch_tag", "y")])
    step("log_text")
    mlflow.log_text("hello\n", "notes/hello.txt")
    step("log_artifact")
    path = os.path.join(workdir, "model.bin")
    with open(path, "wb") as f:
        f.write(bytes(range(256)) * 4)
    mlflow.log_artifact(path, artifact_path="model")
    step("list_artifacts")
    client.list_artifacts(run_id)
    client.list_artifacts(run_id, "model")
    step("download_artifacts")
    target = os.path.join(workdir, "download")
    os.makedirs(target)
    mlflow.artifacts.download_artifacts(run_id=run_id, artifact_path="notes/hello.txt", dst_path=target)
    step("get_run")
    client.get_run(run_id)
    step("get_metric_history")
    client.get_metric_history(run_id, "loss")
    step("end_run")
    mlflow.end_run()
    step("second run")
    with mlflow.start_run(run_name="second"):
        mlflow.log_param("alpha", 0.1)
        mlflow.log_metric("accuracy", 0.8, step=0, timestamp=1700000006000)
    step("search_runs")
    client.search_runs([experiment.experiment_id], filter_string="params.alpha = '0.5'", order_by=["metrics.accuracy DESC"])
    step("search_runs paged")
    page = client.search_runs([experiment.experiment_id], max_results=1, order_by=["attributes.start_time ASC"])
    client.search_runs([experiment.experiment_id], max_results=1, order_by=["attributes.start_time ASC"], page_token=page.token)
    step("search_runs bad filter")
    try:
        client.search_runs([experiment.experiment_id], filter_string="params.alpha === 1")
    except mlflow.exceptions.MlflowException:
        pass
    step("get_run missing")
    try:
        client.get_run("0" * 32)
    except mlflow.exceptions.MlflowException:
        pass
    step("create_registered_model")
    client.create_registered_model("churn-model", description="churn")
    step("create_registered_model again")
    try:
        client.create_registered_model("churn-model")
    except mlflow.exceptions.MlflowException:
        pass
    step("get_registered_model")
    client.get_registered_model("churn-model")
    step("search_registered_models")
    client.search_registered_models()
    step("create_model_version")
    version = client.create_model_version("churn-model", f"runs:/{run_id}/model", run_id=run_id)
    step("get_model_version")
    client.get_model_version("churn-model", version.version)
    step("set_registered_model_alias")
    client.set_registered_model_alias("churn-model", "champion", version.version)
    step("get_model_version_by_alias")
    client.get_model_version_by_alias("churn-model", "champion")
    step("get_model_version_by_alias missing")
    try:
        client.get_model_version_by_alias("churn-model", "nobody")
    except mlflow.exceptions.MlflowException:
        pass
    step("delete_registered_model_alias")
    client.delete_registered_model_alias("churn-model", "champion")
    step("log a DS Toolbox model")
    # A model archive made by dstoolbox (built beside this script), logged and registered from
    # Python and given the alias `prod`: DS Toolbox predicts with it by that alias.
    model_path = os.path.join(workdir, "model.dstbx")
    subprocess.run([DSTOOLBOX, "data", "generate", "--kind", "classification", "--rows", "60", "--features", "3", "--seed", "11",
                    "-o", os.path.join(workdir, "d.csv")], check=True, stdout=subprocess.DEVNULL)
    subprocess.run([DSTOOLBOX, "learn", "train", os.path.join(workdir, "d.csv"), "--target", "target", "--model", "logistic_regression",
                    "-o", model_path], check=True, stdout=subprocess.DEVNULL)
    with mlflow.start_run(run_name="dstoolbox model") as model_run:
        mlflow.log_artifact(model_path)
    step("register the DS Toolbox model")
    registered = client.create_model_version("churn-model", f"runs:/{model_run.info.run_id}/model.dstbx", run_id=model_run.info.run_id)
    client.set_registered_model_alias("churn-model", "prod", registered.version)
    step("unknown route")
    connection = http.client.HTTPConnection(uri.split("//")[1])
    connection.request("GET", "/api/2.0/mlflow/no-such-endpoint")
    connection.getresponse().read()


def main():
    work = tempfile.mkdtemp()
    try:
        upstream, proxy_port = free_port(), free_port()
        server = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "mlflow"), "server", "--backend-store-uri", f"sqlite:///{work}/mlflow.db",
             "--artifacts-destination", f"{work}/artifacts", "--host", "127.0.0.1", "--port", str(upstream), "--workers", "1"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        Recorder.upstream = upstream
        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", proxy_port), Recorder)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        for _ in range(600):
            try:
                http.client.HTTPConnection("127.0.0.1", upstream, timeout=1).request("GET", "/health")
                break
            except OSError:
                time.sleep(0.1)
        time.sleep(1)
        Recorder.exchanges.clear()
        scenario(f"http://127.0.0.1:{proxy_port}", work)
        os.makedirs(os.path.dirname(OUT), exist_ok=True)
        import mlflow
        with open(OUT, "w") as f:
            json.dump({"mlflow": mlflow.__version__, "exchanges": Recorder.exchanges}, f, indent=1, allow_nan=True)
        print(f"{len(Recorder.exchanges)} exchanges")
        server.terminate()
        server.wait(timeout=30)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
