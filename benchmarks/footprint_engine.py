"""Benchmark of the footprint engine: time and peak memory of ``compute`` alone on a large estate.

Run: ``.venv/bin/python benchmarks/footprint_engine.py [--quick] [n_equipment n_vms n_apps]``.
Memory: resident memory sampled during ``compute``; the estate is generated first, so the peak includes it
and the *added* figure is what ``compute`` added.  Targets: ≤ 2 s and ≤ 2 GB added (quiet machine).
``--stages`` also prints the CPU time of each step of ``compute`` (with ``POLARS_MAX_THREADS=1`` it is
the work alone, without the threads' waiting, which a loaded machine inflates).
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import harness  # noqa: E402
from benchmarks.estate import benchmark_factor_set, generate_inventory  # noqa: E402
from sobre.footprint.engine import compute  # noqa: E402

#: The steps of ``compute`` timed by ``--stages``: (module, function), in the order they run.
STAGES = (
    ("compute", "counted_equipment"),
    ("physical", "add_impacts"),
    ("compute", "compute_assets"),
    ("compute", "allocate"),
    ("compute", "linked_targets"),
    ("compute", "applications"),
    ("compute", "to_long"),
    ("compute", "_summary"),
)


@contextmanager
def timed_stages() -> Iterator[dict[str, float]]:
    """CPU seconds of each of ``STAGES``, by wrapping the functions where ``compute`` looks them up."""
    cpu: dict[str, float] = dict.fromkeys((name for _, name in STAGES), 0.0)
    saved = []

    def wrap(fn: Callable[..., object], name: str) -> Callable[..., object]:
        def timed(*args: object, **kwargs: object) -> object:
            t0 = time.process_time()
            try:
                return fn(*args, **kwargs)
            finally:
                cpu[name] += time.process_time() - t0

        return timed

    for mod_name, name in STAGES:
        mod = importlib.import_module(f"sobre.footprint.engine.{mod_name}")
        saved.append((mod, name, getattr(mod, name)))
        setattr(mod, name, wrap(getattr(mod, name), name))
    try:
        yield cpu
    finally:
        for mod, name, fn in saved:
            setattr(mod, name, fn)


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("sizes", type=int, nargs="*", help="n_equipment n_vms n_apps")
    parser.add_argument("--stages", action="store_true", help="print the CPU time of each step of compute")
    args = parser.parse_args()
    default = (100_000, 20_000, 2_000) if args.quick else (1_000_000, 200_000, 20_000)
    n_eq, n_vm, n_app = args.sizes if len(args.sizes) == 3 else default
    t0 = time.perf_counter()
    inv = generate_inventory(n_eq, n_vm, n_app, seed=0)
    fs = benchmark_factor_set()
    print(
        f"estate generated in {time.perf_counter() - t0:.2f} s: {n_eq:,} items, {n_vm:,} VMs, {n_app:,} apps"
    )
    with timed_stages() if args.stages else _nothing() as stages, harness.measured() as m:
        result = compute(inv, fs, reference_date=date(2024, 12, 31), org_country="FR")
    for name, seconds in (stages or {}).items():
        print(f"  {name:<20} {seconds:6.2f} s CPU")
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


@contextmanager
def _nothing() -> Iterator[None]:
    yield None


if __name__ == "__main__":
    main()
