#!/usr/bin/env bash
# Run every benchmark and print its figures (time and peak memory).  Needs `bash scripts/setup.sh --dev` first.
set -euo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python
for b in import_1m footprint_engine footprint_end_to_end boavizta_throughput report_100k scenario_three_changes; do
  echo "== $b"
  PYTHONPATH=. "$py" "benchmarks/$b.py" "$@"
done
