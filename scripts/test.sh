#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite (SQLite and PostgreSQL, browser, PDF).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
# worksteal: a worker that runs out of tests takes half of the other's queue (long tests run first, see
# tests/conftest.py), so neither waits idle while the other finishes.
.venv/bin/python -m pytest -n 2 --dist worksteal "$@"
