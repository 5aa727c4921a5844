#!/usr/bin/env python3
"""Golden trials for TuneKit's samplers, from Optuna: the same seed must give the same
parameters, trial for trial.

    venv/bin/python Scripts/golden/generate_tune.py

Writes Tests/TuneKitTests/Golden/samplers.json. Each case runs a sampler with a seed on a fixed
objective for 100 trials and records every trial's parameters (in suggestion order) and value.
The Swift test replays the case: it suggests the same parameters in the same order, checks each
against Optuna's, and tells Optuna's value (so the check is of the sampler alone).
"""
import json
import math
import os
import sys

import numpy as np
import optuna

sys.path.insert(0, os.path.dirname(__file__))
from golden_json import clean  # noqa: E402

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "TuneKitTests", "Golden", "samplers.json")
optuna.logging.set_verbosity(optuna.logging.WARNING)


def branin(trial):
    x = trial.suggest_float("x", -5, 10)
    y = trial.suggest_float("y", 0, 15)
    return (y - 5.1 / (4 * math.pi ** 2) * x ** 2 + 5 / math.pi * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def mixed(trial):
    """Every kind of distribution the samplers transform differently."""
    a = trial.suggest_float("a", -3, 3)
    lr = trial.suggest_float("lr", 1e-4, 1.0, log=True)
    q = trial.suggest_float("q", 0.0, 1.0, step=0.05)
    n = trial.suggest_int("n", 1, 64)
    m = trial.suggest_int("m", 1, 1024, log=True)
    k = trial.suggest_int("k", 2, 40, step=2)
    c = trial.suggest_categorical("c", ["red", "green", "blue"])
    bonus = {"red": 0.3, "green": 0.0, "blue": 0.7}[c]
    return (a - 1.2) ** 2 + (math.log10(lr) + 2.5) ** 2 + (q - 0.35) ** 2 + ((n - 17) / 10) ** 2 \
        + (math.log2(m) - 5) ** 2 / 4 + ((k - 12) / 8) ** 2 + bonus


def continuous(trial):
    """Floats only (no two observations tie, so NumPy's sort order never matters)."""
    x = trial.suggest_float("x", -10, 10)
    lr = trial.suggest_float("lr", 1e-5, 10.0, log=True)
    c = trial.suggest_categorical("c", ["a", "b", "c", "d"])
    z = trial.suggest_float("z", 0, 1)
    return (x - 3) ** 2 + (math.log10(lr) + 1) ** 2 + {"a": 0.5, "b": 0.0, "c": 0.2, "d": 0.9}[c] + 4 * (z - 0.6) ** 2


class stable_argsort:
    """Optuna's Parzen estimator orders observations with NumPy's default `argsort`, whose order
    of equal values depends on the CPU (AVX-512 and AVX2 sorting networks order ties
    differently, and neither keeps them in place); equal observations are common for integer
    and stepped parameters, and which of two tied kernels gets which width changes the draws.
    Inside this block the estimator sorts stably, the order TuneKit uses on every machine, so
    the golden trials do not depend on the machine that made them."""

    def __enter__(self):
        import optuna.samplers._tpe.parzen_estimator as pe

        self.module = pe
        proxy = type(np)("numpy_stable_argsort")
        proxy.__dict__.update(np.__dict__)
        proxy.argsort = lambda a, *args, **kwargs: np.argsort(a, kind="stable")
        pe.np = proxy

    def __exit__(self, *exc):
        self.module.np = np


def run(name, sampler, objective, direction="minimize", trials=100, directions=None):
    if directions:
        study = optuna.create_study(sampler=sampler, directions=directions)
    else:
        study = optuna.create_study(sampler=sampler, direction=direction)
    study.optimize(objective, n_trials=trials)
    return {
        "name": name,
        "direction": ",".join(directions) if directions else direction,
        "trials": [{"params": [[k, v] for k, v in t.params.items()], "values": t.values} for t in study.trials],
    }


def cma_objective(trial):
    """Continuous, log and integer parameters (CMA-ES handles no categorical ones)."""
    x = trial.suggest_float("x", -4, 4)
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    k = trial.suggest_int("k", 0, 30)
    y = trial.suggest_float("y", -2, 2)
    return (x - 1.5) ** 2 + (math.log10(lr) + 2) ** 2 + ((k - 12) / 5) ** 2 + (y + 0.5) ** 2 + 0.3 * x * y


def conditional(trial):
    """A parameter that decides which others exist (TPE's conditional spaces)."""
    kind = trial.suggest_categorical("kind", ["linear", "tree"])
    if kind == "linear":
        alpha = trial.suggest_float("alpha", 1e-4, 10.0, log=True)
        return (math.log10(alpha) + 1) ** 2
    depth = trial.suggest_int("depth", 1, 12)
    lr = trial.suggest_float("lr", 0.01, 1.0, log=True)
    return ((depth - 6) / 3) ** 2 + (math.log10(lr) + 1) ** 2 + 0.5


def rosenbrock6(trial):
    """Six real parameters, one on a log scale and one stepped (CMA-ES over many generations)."""
    xs = [trial.suggest_float(f"x{i}", -2, 2) for i in range(4)]
    scale = trial.suggest_float("scale", 0.01, 100, log=True)
    step = trial.suggest_float("step", -1, 1, step=0.1)
    rosen = sum(100 * (xs[i + 1] - xs[i] ** 2) ** 2 + (1 - xs[i]) ** 2 for i in range(3))
    return rosen + math.log10(scale) ** 2 + (step - 0.3) ** 2


def two_continuous(trial):
    """Two objectives of real and categorical parameters (multi-objective TPE)."""
    x = trial.suggest_float("x", -2, 4)
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    c = trial.suggest_categorical("c", ["p", "q", "r"])
    shift = {"p": 0.0, "q": 0.5, "r": 1.0}[c]
    return x ** 2 + (math.log10(lr) + 1) ** 2 + shift, (x - 2) ** 2 + (math.log10(lr) + 2) ** 2 + (1 - shift)


def two_objectives(trial):
    """Mixed parameters, two objectives pulling apart."""
    a = trial.suggest_float("a", -2, 4)
    lr = trial.suggest_float("lr", 1e-3, 1.0, log=True)
    n = trial.suggest_int("n", 0, 20, step=2)
    c = trial.suggest_categorical("c", ["p", "q", "r"])
    shift = {"p": 0.0, "q": 0.5, "r": 1.0}[c]
    return a ** 2 + (math.log10(lr) + 1) ** 2 + n / 40 + shift, (a - 2) ** 2 + (n - 10) ** 2 / 50 + (1 - shift)


def main():
    cases = [
        run("random_mixed", optuna.samplers.RandomSampler(seed=7), mixed),
        run("tpe_univariate_continuous", optuna.samplers.TPESampler(seed=3, multivariate=False), continuous),
        run("tpe_multivariate_continuous", optuna.samplers.TPESampler(seed=5), continuous),
        run("tpe_multivariate_branin", optuna.samplers.TPESampler(seed=11), branin),
    ]
    with stable_argsort():
        cases += [
            run("tpe_univariate_mixed", optuna.samplers.TPESampler(seed=13, multivariate=False), mixed),
            run("tpe_multivariate_mixed", optuna.samplers.TPESampler(seed=17), mixed),
            run("tpe_multivariate_conditional", optuna.samplers.TPESampler(seed=53), conditional),
            run("tpe_univariate_conditional", optuna.samplers.TPESampler(seed=59, multivariate=False), conditional),
        ]
    cases += [
        run("tpe_multivariate_maximize", optuna.samplers.TPESampler(seed=19), lambda t: -continuous(t), direction="maximize"),
        run("grid_seed7", optuna.samplers.GridSampler({"x": [0.0, 0.25, 0.5, 0.75, 1.0], "k": [2, 4, 6], "c": ["u", "v", "w"]}, seed=7),
            lambda t: t.suggest_float("x", 0, 1, step=0.25) + t.suggest_int("k", 2, 6, step=2) + len(t.suggest_categorical("c", ["u", "v", "w"])),
            trials=60),
        run("cmaes_continuous", optuna.samplers.CmaEsSampler(seed=31), cma_objective, trials=60),
        run("cmaes_rosenbrock6", optuna.samplers.CmaEsSampler(seed=43), rosenbrock6, trials=200),
        run("cmaes_branin_maximize", optuna.samplers.CmaEsSampler(seed=47), lambda t: -branin(t), direction="maximize", trials=120),
        run("motpe_continuous", optuna.samplers.TPESampler(seed=37), two_continuous, directions=["minimize", "minimize"]),
        run("motpe_three", optuna.samplers.TPESampler(seed=41), lambda t: (*two_continuous(t), t.params["x"] * t.params["lr"]),
            directions=["minimize", "minimize", "maximize"], trials=80),
        run("nsga2_default", optuna.samplers.NSGAIISampler(seed=23), two_objectives, directions=["minimize", "minimize"]),
        run("nsga2_population_8", optuna.samplers.NSGAIISampler(population_size=8, seed=29), two_objectives, directions=["minimize", "maximize"]),
    ]
    out = {"optuna": optuna.__version__, "numpy": np.__version__, "cases": cases}
    with open(OUT, "w") as f:
        json.dump(clean(out), f, indent=1)


if __name__ == "__main__":
    main()


def pruner_cases():
    """Each pruner on fixed learning curves: the step each trial is pruned at (or none)."""
    rng = np.random.default_rng(5)
    trials, steps = 40, 30
    base = rng.uniform(0.2, 1.0, size=trials)
    rate = rng.uniform(0.02, 0.2, size=trials)
    curves = [[float(base[t] * math.exp(-rate[t] * s) + 0.02 * rng.standard_normal()) for s in range(steps)] for t in range(trials)]
    curves[7][4] = float("nan")
    curves[12] = [float("nan")] * steps

    def run(name, pruner, direction="minimize"):
        pruned = {}
        sign = 1 if direction == "minimize" else -1

        def objective(trial):
            curve = curves[trial.number]
            for step, value in enumerate(curve):
                trial.report(sign * value, step)
                if trial.should_prune():
                    pruned[trial.number] = step
                    raise optuna.TrialPruned()
            return sign * curve[-1]

        study = optuna.create_study(study_name=name, direction=direction, pruner=pruner, sampler=optuna.samplers.RandomSampler(seed=0))
        study.optimize(objective, n_trials=trials)
        return {"name": name, "direction": direction, "pruned_at": [pruned.get(t, -1) for t in range(trials)]}

    return {
        "curves": curves,
        "cases": [
            run("median", optuna.pruners.MedianPruner()),
            run("median_warmup", optuna.pruners.MedianPruner(n_startup_trials=3, n_warmup_steps=5, interval_steps=3, n_min_trials=2)),
            run("percentile_maximize", optuna.pruners.PercentilePruner(25.0, n_startup_trials=4), direction="maximize"),
            run("threshold", optuna.pruners.ThresholdPruner(upper=0.6, n_warmup_steps=2)),
            run("successive_halving", optuna.pruners.SuccessiveHalvingPruner()),
            run("successive_halving_r3", optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)),
            run("hyperband", optuna.pruners.HyperbandPruner()),
            run("hyperband_27", optuna.pruners.HyperbandPruner(min_resource=1, max_resource=27, reduction_factor=3)),
        ],
    }


def write_pruners():
    out = os.path.join(os.path.dirname(OUT), "pruners.json")
    with open(out, "w") as f:
        json.dump(clean({"optuna": optuna.__version__, **pruner_cases()}), f, indent=1)


write_pruners()


def write_importances():
    """fANOVA importances (Optuna's FanovaImportanceEvaluator, seed 0) of the trials of four
    sampler cases, rebuilt as studies of complete trials."""
    cases = json.load(open(OUT))["cases"]
    spaces = {
        "random_mixed": {
            "a": optuna.distributions.FloatDistribution(-3, 3), "lr": optuna.distributions.FloatDistribution(1e-4, 1.0, log=True),
            "q": optuna.distributions.FloatDistribution(0.0, 1.0, step=0.05), "n": optuna.distributions.IntDistribution(1, 64),
            "m": optuna.distributions.IntDistribution(1, 1024, log=True), "k": optuna.distributions.IntDistribution(2, 40, step=2),
            "c": optuna.distributions.CategoricalDistribution(["red", "green", "blue"]),
        },
        "tpe_multivariate_continuous": {
            "x": optuna.distributions.FloatDistribution(-10, 10), "lr": optuna.distributions.FloatDistribution(1e-5, 10.0, log=True),
            "c": optuna.distributions.CategoricalDistribution(["a", "b", "c", "d"]), "z": optuna.distributions.FloatDistribution(0, 1),
        },
        "cmaes_rosenbrock6": {
            **{f"x{i}": optuna.distributions.FloatDistribution(-2, 2) for i in range(4)},
            "scale": optuna.distributions.FloatDistribution(0.01, 100, log=True), "step": optuna.distributions.FloatDistribution(-1, 1, step=0.1),
        },
    }
    # The same trials as `random_mixed` with its stepped, integer and categorical parameters
    # (many ties) under TPE's multivariate estimator.
    spaces["tpe_multivariate_mixed"] = spaces["random_mixed"]
    out = {}
    for name, space in spaces.items():
        case = next(c for c in cases if c["name"] == name)
        study = optuna.create_study()
        for t in case["trials"]:
            params = dict(t["params"])
            study.add_trial(optuna.trial.create_trial(params=params, distributions=space, value=t["values"][0]))
        importances = optuna.importance.get_param_importances(study, evaluator=optuna.importance.FanovaImportanceEvaluator(seed=0))
        out[name] = [[k, v] for k, v in importances.items()]
    with open(os.path.join(os.path.dirname(OUT), "importance.json"), "w") as f:
        json.dump(clean({"optuna": optuna.__version__, "cases": out}), f, indent=1)


write_importances()
