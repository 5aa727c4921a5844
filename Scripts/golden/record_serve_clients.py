#!/usr/bin/env python3
"""Transcript of what the real Python clients of KServe V1 and the Open Inference Protocol send
to `dstoolbox serve` and what it answers, so the Swift tests replay it without Python.

    venv/bin/python Scripts/golden/record_serve_clients.py   # needs kserve and tritonclient[http]

Makes a small boosted classifier with dstoolbox (`DSTOOLBOX`, default .build/debug/dstoolbox),
serves it behind a recording proxy, runs Scripts/golden/check_serve_clients.py through the
proxy (kserve's InferenceRESTClient for V1 and V2, tritonclient.http for V2, every answer
checked against `dstoolbox learn predict`), and writes Tests/ServeKitTests/Golden/:
clients_model.dstbx, and clients_transcript.json with each exchange's method, path, request
body (base64, byte for byte) and the status and JSON answer.
"""
import base64
import http.client
import http.server
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GOLDEN = os.path.join(HERE, "..", "..", "Tests", "ServeKitTests", "Golden")
DSTOOLBOX = os.environ.get("DSTOOLBOX", os.path.join(HERE, "..", "..", ".build", "debug", "dstoolbox"))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Recorder(http.server.BaseHTTPRequestHandler):
    upstream = None
    exchanges = []
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def forward(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        connection = http.client.HTTPConnection("127.0.0.1", Recorder.upstream, timeout=60)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection", "authorization")}
        headers["Authorization"] = self.headers.get("Authorization", "")
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        payload = response.read()
        entry = {"method": self.command, "path": self.path, "status": response.status,
                 "body_base64": base64.b64encode(body).decode(), "request_id_header": self.headers.get("X-Request-ID")}
        if payload and "json" in response.getheader("Content-Type", ""):
            entry["response"] = json.loads(payload)
        Recorder.exchanges.append(entry)
        self.send_response(response.status)
        for key, value in response.getheaders():
            if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = forward


def main():
    work = tempfile.mkdtemp()
    run = lambda *args: subprocess.run([DSTOOLBOX, *args], check=True, capture_output=True, text=True).stdout
    run("data", "generate", "--kind", "classification", "--rows", "200", "--features", "5", "--seed", "21", "-o", f"{work}/data.csv")
    run("learn", "train", f"{work}/data.csv", "--target", "target", "--model", "hist_gradient_boosting_classifier", "--set", "max_iter=15", "-o", f"{work}/model.dstbx")
    open(f"{work}/expected.csv", "w").write(run("learn", "predict", f"{work}/model.dstbx", f"{work}/data.csv"))
    open(f"{work}/proba.csv", "w").write(run("learn", "predict", f"{work}/model.dstbx", f"{work}/data.csv", "--proba"))
    key = run("serve", "keys", "add", "--file", f"{work}/keys.json", "--scope", "predict:*").strip().split("\n")[-1]
    port = free_port()
    server = subprocess.Popen([DSTOOLBOX, "serve", "--model", f"churn={work}/model.dstbx", "--port", str(port), "--api-keys", f"{work}/keys.json", "--poll", "0"],
                              stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        server.stdout.readline()
        Recorder.upstream = port
        proxy = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Recorder)
        threading.Thread(target=proxy.serve_forever, daemon=True).start()
        proxied = f"http://127.0.0.1:{proxy.server_address[1]}"
        subprocess.run([sys.executable, os.path.join(HERE, "check_serve_clients.py"), proxied, key, "churn", f"{work}/data.csv",
                        f"{work}/expected.csv", f"{work}/proba.csv"], check=True)
        proxy.shutdown()
    finally:
        server.terminate()
        server.wait()
    os.makedirs(GOLDEN, exist_ok=True)
    with open(f"{work}/model.dstbx", "rb") as source, open(os.path.join(GOLDEN, "clients_model.dstbx"), "wb") as target:
        target.write(source.read())
    with open(os.path.join(GOLDEN, "clients_transcript.json"), "w") as out:
        json.dump({"model": "churn", "exchanges": Recorder.exchanges}, out, indent=1)
    print(f"recorded {len(Recorder.exchanges)} exchanges")


main()
