"""Benchmark of the footprint engine: time and peak memory of ``compute`` alone on a large estate.

Run: ``.venv/bin/python benchmarks/footprint_engine.py [n_equipment n_vms n_apps]``.
Memory: the process's peak RSS (``resource.getrusage``, ru_maxrss) is read before and after ``compute``; the
estate is generated first, so the reported peak includes it and the *delta* is what ``compute`` added.
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.estate import benchmark_factor_set, generate_inventory  # noqa: E402
from sobre.footprint.engine import compute  # noqa: E402


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def main() -> None:
    n_eq, n_vm, n_app = (
        (int(x) for x in sys.argv[1:4]) if len(sys.argv) >= 4 else (1_000_000, 200_000, 20_000)
    )
    t0 = time.perf_counter()
    inv = generate_inventory(n_eq, n_vm, n_app, seed=0)
    fs = benchmark_factor_set()
    print(
        f"estate generated in {time.perf_counter() - t0:.2f} s: {n_eq:,} items, {n_vm:,} VMs, {n_app:,} apps"
    )
    before = _peak_mb()
    t0 = time.perf_counter()
    result = compute(inv, fs, reference_date=date(2024, 12, 31), org_country="FR")
    elapsed = time.perf_counter() - t0
    after = _peak_mb()
    print(
        f"compute: {elapsed:.2f} s; peak RSS {after:,.0f} MB (before compute {before:,.0f} MB, "
        f"added by compute {after - before:,.0f} MB)"
    )
    print(
        f"result: {result.items.height:,} items, {result.impacts.height:,} impact rows, "
        f"{len(result.warnings)} warning lines"
    )


if __name__ == "__main__":
    main()
