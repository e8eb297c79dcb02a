#!/usr/bin/env bash
# Run every benchmark and print its figures (time, peak memory, anchor ratios, targets).
# Needs `bash scripts/setup.sh --dev` first.  `--quick` for a development loop (small sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHONPATH=. exec .venv/bin/python benchmarks/run_all.py "$@"
