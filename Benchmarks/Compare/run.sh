#!/usr/bin/env bash
# Runs each workload through DS Toolbox and through its Python reference on the same data,
# interleaved in one run (shared machines drift), and prints both figures and their ratio.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
cd "$root"
./Scripts/reference-venv
(cd Benchmarks && swift build -c release --product CompareRunner >/dev/null)
runner="Benchmarks/.build/release/CompareRunner"
python="venv/bin/python"

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
