"""Optuna on the workload Benchmarks/Compare/run.sh sets beside TuneKit: TRIALS trials of a
5-parameter objective in memory. Prints `SAMPLER SECONDS_PER_TRIAL total=SECONDS`, the mean
over the last 100 trials (TPE's cost grows with the history). With `sqlite` after TRIALS the
study lives in a SQLite database (Optuna's RDB storage) and the mean is over every trial."""
import os
import sys
import tempfile
import time

import optuna

optuna.logging.set_verbosity(optuna.logging.WARNING)
which = sys.argv[1] if len(sys.argv) > 1 else "tpe"
trials = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
sampler = optuna.samplers.TPESampler(seed=1) if which == "tpe" else optuna.samplers.RandomSampler(seed=1)
stored = len(sys.argv) > 3 and sys.argv[3] == "sqlite"
folder = tempfile.mkdtemp()
storage = f"sqlite:///{os.path.join(folder, 'optuna.db')}" if stored else None
study = optuna.create_study(sampler=sampler, pruner=optuna.pruners.NopPruner(), storage=storage)
marks = []
start = time.perf_counter()


def objective(trial):
    total = sum((trial.suggest_float(name, -5, 5) - 1) ** 2 for name in "abcde")
    marks.append(time.perf_counter() - start)
    return total


study.optimize(objective, n_trials=trials)
if stored:
    print(f"{which} {marks[-1] / trials} total={marks[-1]}")
    sys.exit(0)
last = min(100, trials - 1)
print(f"{which} {(marks[-1] - marks[-1 - last]) / last} total={marks[-1]}")
