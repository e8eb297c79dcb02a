#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite (SQLite and PostgreSQL, browser, PDF).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
.venv/bin/python -m pytest -n 2 "$@"
