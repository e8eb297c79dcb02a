#!/usr/bin/env bash
# Set up everything the tests need, then run the whole suite (SQLite and PostgreSQL, browser, PDF).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --dev
# BoaviztAPI's own environment (the integration tests' server) installs on the second core while the
# type check takes the first: installed by the first test that needs it, it held both workers a minute.
# A test that needs it before it is ready waits on its lock.
.venv/bin/python -m tests.footprint.boavizta.server >/dev/null 2>&1 &
.venv/bin/ruff check src tests benchmarks
.venv/bin/mypy
# worksteal: a worker that runs out of tests takes half of the other's queue (long tests run first, see
# tests/conftest.py), so neither waits idle while the other finishes.
.venv/bin/python -m pytest -n 2 --dist worksteal "$@"
