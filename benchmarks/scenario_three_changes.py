"""Benchmark of a what-if scenario of three changes on a large estate, against one engine run (its anchor).

Run: ``.venv/bin/python benchmarks/scenario_three_changes.py [--quick] [n_equipment n_vms n_apps]``
(default: the 1,000,000-item estate of ``benchmarks/estate.py``; ``--quick``: 100,000 items).  Target: the
scenario (selection of the rows, the three changes applied in sequence on one copy, the engine re-run on the
touched rows with the VMs and applications that hang on them, the deltas against the baseline) takes at most
twice one engine run on the whole estate.
"""

from __future__ import annotations

import sys
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness  # noqa: E402
from benchmarks.estate import benchmark_factor_set, generate_inventory  # noqa: E402
from sobre.footprint.engine import compute  # noqa: E402
from sobre.strategy.scenarios import ChangeSpec, evaluate  # noqa: E402

CHANGES = [
    ChangeSpec("extend_lifetime", {"category": "laptop", "to_years": 6.0}),
    # Every VM of a server room (with the servers there that run an application) moves to a data centre:
    # the engine re-runs those hosts with their VMs and the applications on them.
    ChangeSpec("move_to_site", {"from_site": "site-11", "to_site": "site-1"}),
    ChangeSpec("switch_off", {"category": "ip_phone", "hours_per_day": 11.0, "days_per_year": 251.0}),
]


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="n_equipment n_vms n_apps")
    args = parser.parse_args()
    default = (100_000, 20_000, 2_000) if args.quick else (1_000_000, 200_000, 20_000)
    n_eq, n_vm, n_app = args.sizes if len(args.sizes) == 3 else default
    inv = generate_inventory(n_eq, n_vm, n_app, seed=0)
    fs = benchmark_factor_set()
    options = {"reference_date": date(2024, 12, 31), "org_country": "FR"}
    with harness.measured() as engine:
        base = compute(inv, fs, **options)
    with harness.measured() as scenario:
        effect = evaluate(CHANGES, inv, fs, base, compute, **options)
    print(f"estate: {n_eq:,} items, {n_vm:,} VMs, {n_app:,} apps")
    print(f"one engine run: {engine.seconds:.2f} s ({engine.cpu_seconds:.2f} s CPU)")
    print(
        f"scenario of {len(CHANGES)} changes: {scenario.seconds:.2f} s on {effect.items:,} touched rows "
        f"= {scenario.seconds / engine.seconds:.2f} × one engine run (target ≤ 2); CPU "
        f"{scenario.cpu_seconds:.2f} s = {scenario.cpu_seconds / max(engine.cpu_seconds, 1e-9):.2f} ×"
    )
    d = effect.delta("climate_change")
    print(f"climate change delta: {d:,.0f} kgCO2e/year" if d is not None else "climate change delta unknown")
    harness.emit(
        harness.Figure(
            f"scenario of 3 changes, {n_eq:,} items",
            scenario.seconds,
            peak_mb=scenario.peak_mb,
            added_mb=scenario.added_mb,
            cpu_seconds=scenario.cpu_seconds,
            anchor="one engine run",
            anchor_seconds=engine.seconds,
            target="≤ 2× anchor",
            notes={"touched_rows": effect.items},
        )
    )


if __name__ == "__main__":
    main()
