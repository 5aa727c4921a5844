"""Optuna's TPE (defaults, seeds 0-9) on the quality workloads Benchmarks/Compare/run.sh sets
beside TuneKit: Branin, Hartmann-6, a 5-D Rosenbrock with a categorical, and a noisy quadratic,
200 trials each. Prints `FUNCTION MEDIAN_BEST` per function."""
import math
import statistics
import sys

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
TRIALS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
SEEDS = int(sys.argv[2]) if len(sys.argv) > 2 else 10

A6 = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
P6 = [[0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886], [0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991],
      [0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650], [0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381]]
ALPHA = [1.0, 1.2, 3.0, 3.2]


def branin(t):
    x, y = t.suggest_float("x", -5, 10), t.suggest_float("y", 0, 15)
    return (y - 5.1 / (4 * math.pi ** 2) * x ** 2 + 5 / math.pi * x - 6) ** 2 + 10 * (1 - 1 / (8 * math.pi)) * math.cos(x) + 10


def hartmann6(t):
    x = [t.suggest_float(f"x{i}", 0, 1) for i in range(6)]
    return -sum(ALPHA[i] * math.exp(-sum(A6[i][j] * (x[j] - P6[i][j]) ** 2 for j in range(6))) for i in range(4))


def rosenbrock_categorical(t):
    x = [t.suggest_float(f"x{i}", -2, 2) for i in range(5)]
    c = t.suggest_categorical("c", ["a", "b", "c"])
    return sum(100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2 for i in range(4)) + {"a": 0.0, "b": 1.0, "c": 3.0}[c]


def noisy_quadratic(t):
    x = [t.suggest_float(f"x{i}", -1, 1) for i in range(3)]
    return sum((v - 0.3) ** 2 for v in x) + 0.01 * math.sin(12.9898 * (t.number + 1))


for name, objective in [("branin", branin), ("hartmann6", hartmann6), ("rosenbrock5_categorical", rosenbrock_categorical), ("noisy_quadratic", noisy_quadratic)]:
    bests = []
    for seed in range(SEEDS):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.optimize(objective, n_trials=TRIALS)
        bests.append(study.best_value)
    print(name, statistics.median(bests))
