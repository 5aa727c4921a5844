"""The reference server for `make compare`: FastAPI + uvicorn serving the same models as
`dstoolbox serve`, through scikit-learn (logistic regression) and LightGBM (a boosted model
read from the same text file), KServe V1's request and answer shapes, request validation by
pydantic as FastAPI users write it.

    python serve_fastapi.py LOGISTIC.json LIGHTGBM.txt PORT WORKERS

The listening socket is made here with TCP_NODELAY (accepted sockets inherit it on Linux)
and handed to uvicorn, which forks WORKERS processes sharing it.
"""
import json
import os
import socket
import sys

import numpy as np
from fastapi import FastAPI
from pydantic import BaseModel


class PredictRequest(BaseModel):
    instances: list[list[float]]


def build_app():
    import lightgbm
    from sklearn.linear_model import LogisticRegression

    spec = json.load(open(os.environ["DSTB_LOGISTIC"]))
    logistic = LogisticRegression()
    logistic.coef_ = np.array(spec["coef"], dtype=float)
    logistic.intercept_ = np.array(spec["intercept"], dtype=float)
    logistic.classes_ = np.array(spec["classes"])
    logistic.n_features_in_ = logistic.coef_.shape[1]
    booster = lightgbm.Booster(model_file=os.environ["DSTB_LIGHTGBM"])
    app = FastAPI()

    @app.post("/v1/models/logistic:predict")
    def predict_logistic(request: PredictRequest):
        x = np.asarray(request.instances, dtype=float)
        return {"predictions": logistic.predict(x).tolist()}

    @app.post("/v1/models/boosting:predict")
    def predict_boosting(request: PredictRequest):
        x = np.asarray(request.instances, dtype=float)
        return {"predictions": (booster.predict(x) > 0.5).astype(int).tolist()}

    return app


if __name__ == "__main__":
    logistic_path, lightgbm_path, port, workers = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    os.environ["DSTB_LOGISTIC"] = os.path.abspath(logistic_path)
    os.environ["DSTB_LIGHTGBM"] = os.path.abspath(lightgbm_path)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    listener.set_inheritable(True)
    import uvicorn

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    uvicorn.run("serve_fastapi:build_app", factory=True, fd=listener.fileno(), workers=workers, log_level="warning", access_log=False)
