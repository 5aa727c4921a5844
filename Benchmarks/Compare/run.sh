#!/usr/bin/env bash
# Runs each workload through DS Toolbox and through its Python reference on the same data,
# interleaved in one run (shared machines drift), and prints both figures and their ratio.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./Scripts/reference-venv
(cd Benchmarks && swift build -c release --product CompareRunner >/dev/null)
swift build -c release --product dstoolbox >/dev/null
runner="Benchmarks/.build/release/CompareRunner"
python="venv/bin/python"
# Every side's OpenBLAS at its best: FAISS's bundled OpenBLAS and Debian's do not recognise this
# CPU's AVX-512 (generic and Haswell kernels); name the core where the CPU has AVX-512.
if grep -q avx512f /proc/cpuinfo 2>/dev/null; then export OPENBLAS_CORETYPE="${OPENBLAS_CORETYPE:-SkylakeX}"; fi

seconds() { awk '{print $2}'; }

echo "== CSV read: numeric file, pandas.read_csv (C engine) vs DataTable(csvFile:)"
csv="$($runner make-csv 100)"
size_mb=$(( $(stat -c %s "$csv") / 1000000 ))
best_swift=999999; best_pandas=999999
for round in 1 2 3; do
  p=$($python Benchmarks/Compare/csv_read.py "$csv" 3 | seconds)
  s=$($runner csv-read "$csv" 3 | seconds)
  best_pandas=$(awk -v a="$best_pandas" -v b="$p" 'BEGIN{print (b<a)?b:a}')
  best_swift=$(awk -v a="$best_swift" -v b="$s" 'BEGIN{print (b<a)?b:a}')
done
awk -v mb="$size_mb" -v s="$best_swift" -v p="$best_pandas" 'BEGIN{
  printf "file: %d MB\n", mb
  printf "pandas.read_csv : %7.3f s  %7.1f MB/s\n", p, mb/p
  printf "DS Toolbox      : %7.3f s  %7.1f MB/s\n", s, mb/s
  printf "ratio (pandas time / DS Toolbox time): %.2fx %s\n", p/s, (p/s>=1)?"(DS Toolbox faster)":"(pandas faster)"
}'

echo
echo "== SEG-Y: segyio (mmap) vs SEGYKit on the same ~140 MB IBM-float cube (best of 3 x 3 rounds)"
venv/bin/pip install --quiet --disable-pip-version-check segyio
cube="$($runner make-segy)"
declare -A best_segyio best_segykit
for round in 1 2 3; do
  while read -r op t; do
    [ -z "${best_segyio[$op]:-}" ] || t=$(awk -v a="${best_segyio[$op]}" -v b="$t" 'BEGIN{print (b<a)?b:a}')
    best_segyio[$op]=$t
  done < <($python Benchmarks/Compare/segy_read.py "$cube" 3 2>/dev/null)
  while read -r op t; do
    [ -z "${best_segykit[$op]:-}" ] || t=$(awk -v a="${best_segykit[$op]}" -v b="$t" 'BEGIN{print (b<a)?b:a}')
    best_segykit[$op]=$t
  done < <($runner segy "$cube" 3)
done
printf "%-15s %12s %12s %10s\n" operation "segyio s" "SEGYKit s" "ratio"
for op in open+geometry whole-file inline crossline time-slice two-headers; do
  awk -v op="$op" -v p="${best_segyio[$op]}" -v s="${best_segykit[$op]}" 'BEGIN{
    printf "%-15s %12.5f %12.5f %9.2fx %s\n", op, p, s, p/s, (p/s>=1)?"":"(segyio faster)" }'
done

echo
echo "== LearnKit: fits on the same 200k x 50 classification data (scikit-learn defaults, best of 3 x 3 rounds)"
data="$($runner make-classification 200000 50)"
best_py=999999; best_swift=999999
for round in 1 2 3; do
  line_py=$($python Benchmarks/Compare/learn.py logistic "$data" 50 3)
  line_swift=$($runner logistic "$data" 50 3)
  best_py=$(awk -v a="$best_py" -v b="$(echo "$line_py" | awk '{print $2}')" 'BEGIN{print (b<a)?b:a}')
  best_swift=$(awk -v a="$best_swift" -v b="$(echo "$line_swift" | awk '{print $2}')" 'BEGIN{print (b<a)?b:a}')
done
echo "scikit-learn: $line_py"
echo "LearnKit:     $line_swift"
awk -v p="$best_py" -v s="$best_swift" 'BEGIN{ printf "logistic regression fit: scikit-learn %.3f s, LearnKit %.3f s, ratio %.2fx %s\n", p, s, p/s, (p/s>=1)?"":"(scikit-learn faster)" }'

echo
echo "== LearnKit: decision tree and 100-tree random forest on the same 100k x 20 data (scikit-learn n_jobs=2)"
data="$($runner make-classification 100000 20)"
py_tree=$($python Benchmarks/Compare/learn.py tree "$data" 20 3)
sw_tree=$($runner tree "$data" 20 3)
echo "scikit-learn: $py_tree"
echo "LearnKit:     $sw_tree"
awk -v p="$(echo "$py_tree" | awk '{print $2}')" -v s="$(echo "$sw_tree" | awk '{print $2}')" 'BEGIN{ printf "decision tree fit: ratio %.2fx %s\n", p/s, (p/s>=1)?"":"(scikit-learn faster)" }'
py_forest=$($python Benchmarks/Compare/learn.py forest "$data" 20 1)
sw_forest=$($runner forest "$data" 20 1)
for op in forest-fit forest-predict; do
  p=$(echo "$py_forest" | awk -v op="$op" '$1==op{print $2}')
  s=$(echo "$sw_forest" | awk -v op="$op" '$1==op{print $2}')
  awk -v op="$op" -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s scikit-learn %.3f s, LearnKit %.3f s, ratio %.2fx %s\n", op, p, s, p/s, (p/s>=1)?"":"(scikit-learn faster)" }'
done

echo
echo "== FeatureKit: StandardScaler and PCA (10 components) on 100k x 50, KNNImputer on 20k x 20 with 10% missing"
data="$($runner make-classification 100000 50)"
for op in scaler pca; do
  p=$($python Benchmarks/Compare/features.py "$op" "$data" 50 3 | awk '{print $2}')
  s=$($runner "$op" "$data" 50 3 | awk '{print $2}')
  awk -v op="$op" -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s scikit-learn %.4f s, FeatureKit %.4f s, ratio %.2fx %s\n", op, p, s, p/s, (p/s>=1)?"":"(scikit-learn faster)" }'
done
missing="$($runner make-missing 20000 20)"
p=$($python Benchmarks/Compare/features.py knn "$missing" 20 1 | awk '{print $2}')
s=$($runner knn "$missing" 20 1 | awk '{print $2}')
awk -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s scikit-learn %.3f s, FeatureKit %.3f s, ratio %.2fx %s\n", "knn-imputer", p, s, p/s, (p/s>=1)?"":"(scikit-learn faster)" }'
docs="$($runner make-documents 20000)"
p=$($python Benchmarks/Compare/features.py tfidf "$docs" 0 3 | awk '{print $2}')
s=$($runner tfidf "$docs" 3 | awk '{print $2}')
awk -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s scikit-learn %.3f s, FeatureKit %.3f s, ratio %.2fx %s\n", "tfidf (20k docs)", p, s, p/s, (p/s>=1)?"":"(scikit-learn faster)" }'
echo "trace features, 100k traces x 1000 samples (goal: under 10 s):"
$runner trace-features 100000 1000

echo
echo "== DriftKit: KS (scipy.stats.ks_2samp) and PSI (NumPy, 10 quantile bins) on 1M vs 1M; drift report 50 columns x 100k"
drift="$($runner make-drift 1000000 0.01)"
for current in current shifted; do
  for op in ks psi; do
    p=$($python Benchmarks/Compare/drift.py "$op" "$drift-reference.f64" "$drift-$current.f64" 3 | seconds)
    s=$($runner "$op" "$drift-reference.f64" "$drift-$current.f64" 3 | seconds)
    awk -v op="$op ($current)" -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s reference %.4f s, DriftKit %.4f s, ratio %.2fx %s\n", op, p, s, p/s, (p/s>=1)?"":"(reference faster)" }'
  done
done
echo "drift report, 50 numeric columns, 100k vs 100k rows (goal: under 2 s):"
$runner drift-report 100000 50 3

echo
echo "== VectorKit against FAISS: 200k x 128 Gaussian mixture, 1,000 queries, k 10"
vectors="$($runner make-vectors 200000 128 1000)"
for metric in l2 ip cosine; do
  p=$($python Benchmarks/Compare/vectors.py flat "$vectors" 128 "$metric" 3 | seconds)
  s=$($runner flat-search "$vectors" 128 "$metric" 3 | seconds)
  awk -v op="flat $metric" -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s FAISS %.3f s (%.0f QPS), VectorKit %.3f s (%.0f QPS), ratio %.2fx\n", op, p, 1000/p, s, 1000/s, p/s }'
done
echo "IVF-Flat, nlist 1024 (build, then QPS and recall@10 per nprobe; two interleaved rounds):"
for round in 1 2; do
  faiss_ivf="$($python Benchmarks/Compare/vectors.py ivf "$vectors" 128 1024 3 2>/dev/null)"
  kit_ivf="$($runner ivf "$vectors" 128 1024)"
  echo "  FAISS:";     echo "$faiss_ivf" | sed 's/^/    /'
  echo "  VectorKit:"; echo "$kit_ivf" | sed 's/^/    /'
  awk -v p="$(echo "$faiss_ivf" | awk '/ivf-build/{print $2}')" -v s="$(echo "$kit_ivf" | awk '/ivf-build/{print $2}')" \
    'BEGIN{ printf "  build: FAISS %.2f s, VectorKit %.2f s, ratio %.2fx %s\n", p, s, p/s, (p/s>=1)?"":"(FAISS faster)" }'
done
echo "k-means, k 1024, 20 iterations:"
echo "  FAISS:     $($python Benchmarks/Compare/vectors.py kmeans "$vectors" 128 1024 1 2>/dev/null)"
echo "  VectorKit: $($runner kmeans "$vectors" 128 1024)"

echo
echo "== TrackKit against MLflow's Python client: 100k metrics to one run in batches of 1,000, local SQLite store"
p=$($python Benchmarks/Compare/tracking.py 100000 1000 1 2>/dev/null | seconds)
s=$($runner track-log 100000 1000 3 | seconds)
awk -v p="$p" -v s="$s" 'BEGIN{ printf "%-15s MLflow %.3f s (%.0f metrics/s), TrackKit %.3f s (%.0f metrics/s), ratio %.1fx (goal: 10x)\n", "log 100k metrics", p, 100000/p, s, 100000/s, p/s }'
echo "search over 100k runs, 1,000 per page (goal: under 100 ms):"
$runner track-search 100000 | sed 's/^/  /'

echo
echo "== PostgreSQL store against the SQLite store, the same calls through TrackingStore (goal: within 2x)"
if pg_url="$(./Scripts/postgres start 2>/dev/null)"; then
  bench_db="bench_$$"
  pg_admin() { PGPASSWORD="$(echo "$pg_url" | sed 's|.*://[^:]*:\([^@]*\)@.*|\1|')" psql -h 127.0.0.1 -p "$(echo "$pg_url" | sed 's|.*:\([0-9]*\)/.*|\1|')" -U dstoolbox -d dstoolbox -qc "$1"; }
  pg_admin "CREATE DATABASE $bench_db"
  $runner store-compare "${pg_url%/*}/$bench_db" 100000 | awk '{
    split($2, a, "="); split($3, b, "=")
    printf "%-24s SQLite %8.1f ms, PostgreSQL %8.1f ms, PostgreSQL/SQLite %.2fx %s\n", $1, a[2]*1000, b[2]*1000, b[2]/a[2], $4 }'
  pg_admin "DROP DATABASE $bench_db"
else
  echo "PostgreSQL is not installed (Scripts/bootstrap installs it): skipped"
fi

echo
echo "== Tracking server against mlflow server (SQLite backend), the same REST requests over loopback, 100k runs (goal: 10x)"
tracking_store="$($runner make-tracking-store 100000 "${TMPDIR:-/tmp}/dstoolbox-tracking-server-100000")"
$python Benchmarks/Compare/tracking_server.py "$(swift build -c release --product dstoolbox --show-bin-path)/dstoolbox" "$tracking_store" 100000 | awk '{
  printf "%-20s mlflow server %8.1f ms, DS Toolbox %7.1f ms per request, ratio %.0fx\n", $1, $2*1000, $3*1000, $2/$3 }'
rm -rf "$tracking_store"

echo
echo "== TuneKit against Optuna 5.1: 1,000 trials of a 5-parameter objective in memory, seconds per trial over the last 100 (best of 3)"
for sampler in tpe random; do
  best_p=999999; best_s=999999
  for round in 1 2 3; do
    p=$($python Benchmarks/Compare/tune.py "$sampler" 1000 | seconds)
    s=$($runner "$([ "$sampler" = tpe ] && echo tpe || echo random-sampler)" 1000 | seconds)
    best_p=$(awk -v a="$best_p" -v b="$p" 'BEGIN{print (b<a)?b:a}')
    best_s=$(awk -v a="$best_s" -v b="$s" 'BEGIN{print (b<a)?b:a}')
  done
  awk -v n="$sampler" -v p="$best_p" -v s="$best_s" -v goal="$([ "$sampler" = tpe ] && echo 10 || echo 1)" 'BEGIN{
    printf "%-7s Optuna %8.3f ms, TuneKit %8.3f ms per trial, ratio %.1fx (goal: %dx)\n", n, p*1000, s*1000, p/s, goal }'
done

echo "== TuneKit against Optuna 5.1: a study in a SQLite store, 500 trials of the 5-parameter objective, mean per trial"
for sampler in tpe random; do
  p=$($python Benchmarks/Compare/tune.py "$sampler" 500 sqlite | seconds)
  s=$($runner tune-sqlite 500 "$sampler" | seconds)
  awk -v n="$sampler" -v p="$p" -v s="$s" 'BEGIN{ printf "%-7s Optuna %8.3f ms, TuneKit %8.3f ms per trial, ratio %.1fx\n", n, p*1000, s*1000, p/s }'
done

echo "== TuneKit against Optuna 5.1: median best value over 10 seeds of TPE, 200 trials (goal: TuneKit's at most Optuna's)"
paste <($python Benchmarks/Compare/tune_quality.py 200 10) <($runner tune-quality 200 10) | awk '{
  printf "%-25s Optuna %12.6g, TuneKit %12.6g %s\n", $1, $2, $4, ($4 <= $2 + 1e-12) ? "" : "(Optuna better)" }'

echo
# Every library fits BOOSTING_ROUNDS times (default 3), the rounds interleaved so that a slow
# spell of the machine hits all of them; each library's best fit and best prediction rate count.
rounds="${BOOSTING_ROUNDS:-3}"
echo "== Histogram gradient boosting against LightGBM, XGBoost (hist) and scikit-learn: 200k x 50, 200 rounds, 31 leaves, 2 threads, best of $rounds"
data="$($python Benchmarks/Compare/boosting.py make-data "${TMPDIR:-/tmp}/dstoolbox-make-classification-200000x50" 200000 50)"
boosting_lines=$(for round in $(seq "$rounds"); do
  for library in lightgbm xgboost sklearn; do
    OMP_NUM_THREADS=2 $python Benchmarks/Compare/boosting.py "$library" "$data" 50 2>/dev/null
  done
  $runner hgb "$data" 50 1
done)
echo "$boosting_lines"
echo "$boosting_lines" | awk '{ split($4, r, "=")
    if (!($1 in fit) || $2 < fit[$1]) fit[$1] = $2
    if (!($1 in rate) || r[2] > rate[$1]) rate[$1] = r[2] }
  { split($3, a, "="); auc[$1] = a[2] }
  END { printf "fit: LearnKit %.2f s; LightGBM %.2fx, XGBoost %.2fx, scikit-learn %.2fx its time (goal: above 1); predict: %.2fx XGBoost rows/s\n",
        fit["hgb-fit"], fit["lightgbm-fit"] / fit["hgb-fit"], fit["xgboost-fit"] / fit["hgb-fit"], fit["sklearn-fit"] / fit["hgb-fit"],
        rate["hgb-fit"] / rate["xgboost-fit"]
        d = auc["hgb-fit"] - auc["lightgbm-fit"]; if (d < 0) d = -d
        printf "test ROC AUC: LearnKit %.5f, LightGBM %.5f, difference %.5f (goal: within 0.002)\n", auc["hgb-fit"], auc["lightgbm-fit"], d }'

echo
Benchmarks/Compare/serve.sh
