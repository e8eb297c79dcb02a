"""BoaviztAPI throughput (servers per second, one HTTP call each) against Sobre's engine on 1,000,000 items.

Starts BoaviztAPI 2.5.0 on loopback in its own venv (``tests/footprint/boavizta/server.py``; created once
under ``.cache/``), sends N server requests with distinct configurations through Sobre's connector —
sequentially, then from a small thread pool — and prints items per second.  Then times
``sobre.footprint.engine.compute`` on ``benchmarks.estate.generate_inventory`` (1,000,000 physical items by
default) with the built-in factor set, and prints the ratio Sobre items/s ÷ BoaviztAPI items/s.

    PYTHONPATH=. .venv/bin/python benchmarks/boavizta_throughput.py [--quick] [--requests 500] [--threads 4]
        [--items 1000000] [--vms 200000] [--apps 20000]
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from tests.footprint.boavizta.server import BoaviztaServer, ensure_venv

from benchmarks import harness
from sobre.footprint.boavizta import HttpBoaviztClient
from sobre.footprint.schema import (
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FACTOR_ITEM_TYPES,
    FactorSet,
)

COUNTRIES = ("FRA", "DEU", "USA", "GBR", "ESP", "ITA", "POL", "SWE")
BUILTIN = (
    Path(__file__).resolve().parents[1]
    / "src"
    / "sobre"
    / "footprint"
    / "factors"
    / "builtin"
    / "sobre-default"
)


def configs(n: int, offset: int) -> list[dict[str, Any]]:
    """N distinct server requests (no two alike, so the connector's cache never answers)."""
    return [
        {
            "archetype": ("platform_compute_low", "platform_compute_medium", "platform_compute_high")[i % 3],
            "config": {
                "cpu": {"units": 1 + i % 2, "core_units": 4 + (i // 2) % 28},
                "ram": [{"units": 1 + i % 4, "capacity": 8 * (1 + (offset + i) % 64)}],
            },
            "country_iso3": COUNTRIES[i % len(COUNTRIES)],
            "duration_hours": 8760.0,
            "load": ((offset + i) % 101) / 100,
        }
        for i in range(n)
    ]


def boavizta_rate(url: str, n: int, threads: int) -> tuple[float, float]:
    """Items per second, sequential then with ``threads`` threads (each request sent once)."""
    with HttpBoaviztClient(url, timeout=60) as client:
        client.server(**configs(1, 10**6)[0])  # warm-up: first request loads BoaviztAPI's data files
        jobs = configs(n, 0)
        start = time.perf_counter()
        for job in jobs:
            client.server(**job)
        sequential = n / (time.perf_counter() - start)
        jobs = configs(n, n)
        start = time.perf_counter()
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(lambda job: client.server(**job), jobs))
        pooled = n / (time.perf_counter() - start)
        assert client.calls == 2 * n + 1, "every request must have been sent"
    return sequential, pooled


def builtin_factor_set() -> FactorSet:
    """Sobre's built-in default set read from its CSV files (no database needed)."""
    meta = json.loads((BUILTIN / "meta.json").read_text())

    def read(name: str, schema: dict[str, Any]) -> pl.DataFrame:
        frame = pl.read_csv(BUILTIN / name, infer_schema=False)

        def column(name: str, dtype: Any) -> pl.Expr:
            if name not in frame.columns:
                return pl.lit(None, dtype).alias(name)
            if dtype == pl.Boolean:  # CSV booleans are written true/false
                return pl.col(name).str.to_lowercase().is_in(["true", "1", "yes"]).alias(name)
            return pl.col(name).cast(dtype, strict=False)

        return frame.select([column(c, t) for c, t in schema.items()])

    hypotheses = pl.read_csv(BUILTIN / "hypotheses.csv", infer_schema=False)
    return FactorSet(
        id=meta["id"],
        version=meta["version"],
        publisher=meta["publisher"],
        year=int(meta["year"]),
        licence=meta["licence"],
        criteria=read("criteria.csv", FACTOR_CRITERIA),
        impacts=read("impacts.csv", FACTOR_IMPACTS),
        electricity=read("electricity.csv", FACTOR_ELECTRICITY),
        defaults=read("defaults.csv", FACTOR_DEFAULTS),
        item_types=read("item_types.csv", FACTOR_ITEM_TYPES),
        hypotheses={
            r["key"]: float(r["value"]) for r in hypotheses.iter_rows(named=True) if r["kind"] == "hypothesis"
        },
        cloud_pue={
            r["key"]: float(r["value"]) for r in hypotheses.iter_rows(named=True) if r["kind"] == "cloud_pue"
        },
    )


def main() -> None:
    parser = harness.parser(__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--items", type=int, default=None)
    parser.add_argument("--vms", type=int, default=None)
    parser.add_argument("--apps", type=int, default=None)
    args = parser.parse_args()
    small = args.quick
    args.requests = args.requests or (20 if small else 500)
    args.items = args.items or (50_000 if small else 1_000_000)
    args.vms = args.vms or (10_000 if small else 200_000)
    args.apps = args.apps or (1_000 if small else 20_000)

    python = ensure_venv()
    # BoaviztAPI's default rounding (no BOAVIZTA_UNCERTAINTY override): the server as users run it.
    with BoaviztaServer(python, uncertainty=None) as server:
        sequential, pooled = boavizta_rate(server.url, args.requests, args.threads)
    print(
        f"BoaviztAPI 2.5.0 (loopback, 1 worker): {args.requests} servers, one HTTP call each: "
        f"{sequential:,.0f} items/s sequential, {pooled:,.0f} items/s with {args.threads} threads"
    )

    try:
        from benchmarks.estate import generate_inventory
        from sobre.footprint.engine import compute
    except ImportError as exc:
        print(f"Sobre's engine or benchmarks/estate.py is not available ({exc}); ratio not computed.")
        return
    inventory = generate_inventory(args.items, args.vms, args.apps, seed=1)
    factors = builtin_factor_set()
    start = time.perf_counter()
    result = compute(inventory, factors, reference_date=date(2025, 12, 31))
    elapsed = time.perf_counter() - start
    items = inventory.equipment.height
    rate = items / elapsed
    best = max(sequential, pooled)
    print(
        f"Sobre engine: {items:,} physical items (+{inventory.vms.height:,} VMs, "
        f"{inventory.applications.height:,} applications) in {elapsed:.1f} s = {rate:,.0f} items/s "
        f"({result.items.height:,} result rows)"
    )
    print(
        f"Ratio Sobre ÷ BoaviztAPI: {rate / best:,.0f}× (vs best BoaviztAPI rate {best:,.0f} items/s; "
        f"target 2,000×)"
    )
    # Expressed as times for the same number of items: BoaviztAPI's time ÷ Sobre's is the throughput ratio.
    harness.emit(
        harness.Figure(
            f"engine throughput {items:,} items",
            elapsed,
            anchor="BoaviztAPI, same items",
            anchor_seconds=items / best,
            target="≥ 2000× anchor",
            speedup=True,
            notes={"boavizta_items_per_s": round(best, 1), "sobre_items_per_s": round(rate)},
        )
    )


if __name__ == "__main__":
    main()
