"""Benchmark of the footprint engine: time and peak memory of ``compute`` alone on a large estate.

Run: ``.venv/bin/python benchmarks/footprint_engine.py [--quick] [n_equipment n_vms n_apps]``.
Memory: resident memory sampled during ``compute``; the estate is generated first, so the peak includes it
and the *added* figure is what ``compute`` added.  Targets: ≤ 2 s and ≤ 2 GB added (quiet machine).
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness  # noqa: E402
from benchmarks.estate import benchmark_factor_set, generate_inventory  # noqa: E402
from sobre.footprint.engine import compute  # noqa: E402


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="n_equipment n_vms n_apps")
    args = parser.parse_args()
    default = (100_000, 20_000, 2_000) if args.quick else (1_000_000, 200_000, 20_000)
    n_eq, n_vm, n_app = args.sizes if len(args.sizes) == 3 else default
    t0 = time.perf_counter()
    inv = generate_inventory(n_eq, n_vm, n_app, seed=0)
    fs = benchmark_factor_set()
    print(
        f"estate generated in {time.perf_counter() - t0:.2f} s: {n_eq:,} items, {n_vm:,} VMs, {n_app:,} apps"
    )
    with harness.measured() as m:
        result = compute(inv, fs, reference_date=date(2024, 12, 31), org_country="FR")
    print(f"compute: {m.seconds:.2f} s; peak RSS {m.peak_mb:,.0f} MB, added by compute {m.added_mb:,.0f} MB")
    print(
        f"result: {result.items.height:,} items, {result.impacts.height:,} impact rows, "
        f"{len(result.warnings)} warning lines"
    )
    harness.emit(
        harness.Figure(
            f"engine compute {n_eq:,} items",
            m.seconds,
            peak_mb=m.peak_mb,
            added_mb=m.added_mb,
            cpu_seconds=m.cpu_seconds,
            target="≤ 2 s",
        ),
        harness.Figure(
            f"engine memory added {n_eq:,} items",
            m.seconds,
            peak_mb=m.peak_mb,
            added_mb=m.added_mb,
            cpu_seconds=m.cpu_seconds,
            target="≤ 2 GB",
        ),
    )


if __name__ == "__main__":
    main()
