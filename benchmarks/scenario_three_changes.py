"""Benchmark of a what-if scenario of three changes on a large estate, against one engine run.

Run: ``.venv/bin/python benchmarks/scenario_three_changes.py [n_equipment n_vms n_apps]`` (default: the
1,000,000-item estate of ``benchmarks/estate.py``).  Target: the scenario (selection of the rows, the three
changes applied in sequence on one copy, the engine re-run on the touched rows, the deltas) takes at most
twice one engine run on the whole estate.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.estate import benchmark_factor_set, generate_inventory  # noqa: E402
from sobre.footprint.engine import compute  # noqa: E402
from sobre.strategy.scenarios import ChangeSpec, evaluate  # noqa: E402

CHANGES = [
    ChangeSpec("extend_lifetime", {"category": "laptop", "to_years": 6.0}),
    ChangeSpec("refurbished", {"category": "smartphone", "share": 0.5}),
    ChangeSpec("switch_off", {"category": "ip_phone", "hours_per_day": 11.0, "days_per_year": 251.0}),
]


def main() -> None:
    n_eq, n_vm, n_app = (
        (int(x) for x in sys.argv[1:4]) if len(sys.argv) >= 4 else (1_000_000, 200_000, 20_000)
    )
    inv = generate_inventory(n_eq, n_vm, n_app, seed=0)
    fs = benchmark_factor_set()
    options = {"reference_date": date(2024, 12, 31), "org_country": "FR"}
    t0 = time.perf_counter()
    base = compute(inv, fs, **options)
    engine_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    effect = evaluate(CHANGES, inv, fs, base, compute, **options)
    scenario_s = time.perf_counter() - t0
    print(f"estate: {n_eq:,} items, {n_vm:,} VMs, {n_app:,} apps")
    print(f"one engine run: {engine_s:.2f} s")
    print(
        f"scenario of {len(CHANGES)} changes: {scenario_s:.2f} s on {effect.items:,} touched rows "
        f"= {scenario_s / engine_s:.2f} × one engine run (target ≤ 2)"
    )
    d = effect.delta("climate_change")
    print(f"climate change delta: {d:,.0f} kgCO2e/year" if d is not None else "climate change delta unknown")


if __name__ == "__main__":
    main()
