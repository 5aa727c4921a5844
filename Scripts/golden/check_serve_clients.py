"""Drives `dstoolbox serve` with the real Python clients of its protocols: KServe's own
`InferenceRESTClient` (kserve 0.21, V1 and V2) and Triton's `tritonclient.http` (the Open
Inference Protocol's reference client), unchanged, and checks every answer against the
model's own predictions read from `dstoolbox learn predict`.

    python Scripts/golden/check_serve_clients.py URL KEY MODEL DATA.csv EXPECTED.csv [EXPECTED_PROBA.csv]

MODEL is a served classifier over the CSV's numeric columns (all but `target`).
"""
import asyncio
import csv
import math
import sys

import numpy as np
import tritonclient.http as triton
from kserve import InferRequest, InferInput, InferenceRESTClient, RESTConfig

url, key, model, data, expected_path = sys.argv[1:6]
proba_path = sys.argv[6] if len(sys.argv) > 6 else None
rows = list(csv.DictReader(open(data)))
columns = [c for c in rows[0] if c != "target"]
x = np.array([[float(r[c]) for c in columns] for r in rows[:20]])
expected = [int(float(r["prediction"])) for r in list(csv.DictReader(open(expected_path)))[:20]]
headers = {"Authorization": f"Bearer {key}"}
checks = 0


def check(condition, what):
    global checks
    if not condition:
        raise SystemExit(f"FAILED: {what}")
    checks += 1


async def kserve_clients():
    v1 = InferenceRESTClient(RESTConfig(protocol="v1", verbose=False))
    answer = await v1.infer(url, {"instances": x.tolist()}, model_name=model, headers=headers)
    check([int(p) for p in answer["predictions"]] == expected, f"kserve v1 predictions {answer}")
    ready = await v1.is_model_ready(url, model, headers=headers)
    check(ready is True, "kserve v1 model ready")
    v2 = InferenceRESTClient(RESTConfig(protocol="v2", verbose=False))
    request = InferRequest(model_name=model, request_id="kserve-1", infer_inputs=[InferInput("input-0", list(x.shape), "FP64", x.tolist())])
    response = await v2.infer(url, request, model_name=model, headers=headers)
    labels = [o for o in response.outputs if o.name == "label"][0]
    check([int(v) for v in labels.data] == expected, f"kserve v2 labels {labels.data}")
    check(response.id == "kserve-1", "kserve v2 id echoed")
    check(await v2.is_server_live(url, headers=headers) is True, "kserve v2 live")
    check(await v2.is_server_ready(url, headers=headers) is True, "kserve v2 ready")
    check(await v2.is_model_ready(url, model, headers=headers) is True, "kserve v2 model ready")
    await v1.close()
    await v2.close()


def triton_client():
    client = triton.InferenceServerClient(url.replace("http://", ""))
    check(client.is_server_live(headers=headers), "triton live")
    check(client.is_server_ready(headers=headers), "triton ready")
    check(client.is_model_ready(model, headers=headers), "triton model ready")
    meta = client.get_server_metadata(headers=headers)
    check(meta["name"] == "dstoolbox", f"triton server metadata {meta}")
    model_meta = client.get_model_metadata(model, headers=headers)
    check([i["name"] for i in model_meta["inputs"]] == columns, f"triton model metadata {model_meta}")
    # One input per column, shape [n], FP64; and one [n, d] tensor; JSON and binary-free.
    inputs = []
    for j, name in enumerate(columns):
        tensor = triton.InferInput(name, [x.shape[0]], "FP64")
        tensor.set_data_from_numpy(x[:, j].copy(), binary_data=False)
        inputs.append(tensor)
    outputs = [triton.InferRequestedOutput("label", binary_data=False), triton.InferRequestedOutput("probabilities", binary_data=False)]
    result = client.infer(model, inputs, outputs=outputs, request_id="triton-1", headers=headers)
    check([int(v) for v in result.as_numpy("label")] == expected, "triton labels by column")
    check(result.get_response()["id"] == "triton-1", "triton id echoed")
    probabilities = result.as_numpy("probabilities")
    check(probabilities.shape == (x.shape[0], 2), f"triton probabilities shape {probabilities.shape}")
    if proba_path:
        want = np.array([[float(v) for v in r.values()] for r in list(csv.DictReader(open(proba_path)))[:20]])
        check(np.allclose(probabilities, want, rtol=0, atol=1e-12), "triton probabilities equal learn predict --proba")
    whole = triton.InferInput("input-0", list(x.shape), "FP64")
    whole.set_data_from_numpy(x, binary_data=False)
    result = client.infer(model, [whole], outputs=[triton.InferRequestedOutput("label", binary_data=False)], headers=headers)
    check([int(v) for v in result.as_numpy("label")] == expected, "triton labels from one [n, d] tensor")
    # A client mistake is a 4xx with the error text the client shows.
    try:
        bad = triton.InferInput("nope", [1], "FP64")
        bad.set_data_from_numpy(np.array([1.0]), binary_data=False)
        client.infer(model, [bad], headers=headers)
        check(False, "an unknown input was accepted")
    except triton.InferenceServerException as error:
        check("nope" in str(error) and str(error.status()) in ("400", "None"), f"triton error {error} {error.status()}")


asyncio.run(kserve_clients())
triton_client()
print(f"ok: {checks} checks with kserve's InferenceRESTClient (v1, v2) and tritonclient.http")
