"""End-to-end footprint benchmark: load the inventory from SQLite, compute, store the run.

The estate (default 1,000,000 physical items, 200,000 VMs, 20,000 applications; ``--quick`` 30,000) comes
from ``benchmarks/estate.py``'s ``generate_inventory`` and is inserted into a fresh database untimed: a
SQLite file, or with ``--postgres`` a PostgreSQL server started for the run (fsync on).  Then
``run_footprint`` is timed as a user would run it (load + compute + store), with its per-step timings and
peak memory; the anchor is its own compute step, so the ratio is what loading and storing cost on top.
Targets: ≤ 15 s on SQLite, ≤ 25 s on PostgreSQL.

    .venv/bin/python benchmarks/footprint_end_to_end.py [--quick] [--postgres] [n_equipment n_vms n_apps]
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import polars as pl  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from benchmarks import harness  # noqa: E402
from sobre.core.db import Base, get_engine, session_scope  # noqa: E402
from sobre.footprint.runs.store import bulk_insert  # noqa: E402
from sobre.footprint.schema import Inventory  # noqa: E402
from sobre.orgs import service as orgs  # noqa: E402

#: Inventory frame → table, and the frame columns the table does not hold.
_TABLES = (
    ("sites", "site", ()),
    ("departments", "department", ()),
    ("equipment", "equipment", ("measured_kwh",)),
    ("vms", "virtual_machine", ()),
    ("cloud", "cloud_instance", ()),
    ("applications", "application", ()),
    ("app_links", "application_link", ()),
    ("storage", "storage_volume", ()),
)
#: NOT NULL columns of the tables that the contract frames may leave empty, and the value to use.
_FILL: dict[str, dict[str, Any]] = {
    "site": {"kind": "office", "data_quality": "medium"},
    "equipment": {
        "category": "other",
        "quantity": 1.0,
        "status": "in_use",
        "refurbished": False,
        "data_quality": "medium",
    },
    "virtual_machine": {"kind": "compute", "quantity": 1.0, "data_quality": "medium"},
    "cloud_instance": {
        "provider": "unknown",
        "instance_type": "unknown",
        "quantity": 1.0,
        "data_quality": "medium",
    },
    "application": {"environment": "production", "data_quality": "medium"},
    "storage_volume": {"data_quality": "medium"},
}


def insert_inventory(url: str, org_id: int, inventory: Inventory) -> None:
    """Write an engine Inventory into the inventory tables of ``org_id`` (ids kept), in bulk."""
    with get_engine(url).begin() as conn:
        for frame_name, table, dropped in _TABLES:
            frame: pl.DataFrame = getattr(inventory, frame_name).drop(list(dropped))
            # Contract columns the inventory tables do not hold (filled by other capabilities) are left out.
            held = set(Base.metadata.tables[table].columns.keys())
            frame = frame.select([c for c in frame.columns if c in held])
            if frame.height == 0:
                continue
            fills = [
                pl.col(c).fill_null(v) if c in frame.columns else pl.lit(v).alias(c)
                for c, v in _FILL.get(table, {}).items()
            ]
            frame = frame.with_columns(fills) if fills else frame
            if table != "application_link":
                frame = frame.with_columns(pl.lit(org_id).alias("org_id"))
            # Dates as ISO text and booleans as 0/1: what SQLite stores and what COPY reads.
            frame = frame.with_columns(
                [pl.col(c).cast(pl.Utf8) for c, t in frame.schema.items() if t == pl.Date]
                + [pl.col(c).cast(pl.Int64) for c, t in frame.schema.items() if t == pl.Boolean]
            )
            bulk_insert(conn, table, frame)
            if conn.dialect.name == "postgresql":
                # Statistics for the foreign-key checks of the next tables (as the import does).
                conn.exec_driver_sql(f'ANALYZE "{table}"')


def main(argv: list[str] | None = None) -> int:
    parser = harness.parser("Footprint end to end: load + compute + store, on SQLite or PostgreSQL.")
    parser.add_argument("n_equipment", type=int, nargs="?", default=None)
    parser.add_argument("n_vms", type=int, nargs="?", default=None)
    parser.add_argument("n_apps", type=int, nargs="?", default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--postgres", action="store_true", help="start a PostgreSQL server and run there")
    parser.add_argument("--database-url", help="an empty database to use instead (SQLite or PostgreSQL)")
    args = parser.parse_args(argv)
    sizes = (30_000, 6_000, 600) if args.quick else (1_000_000, 200_000, 20_000)
    n_eq, n_vm, n_app = (
        a if a is not None else d
        for a, d in zip((args.n_equipment, args.n_vms, args.n_apps), sizes, strict=True)
    )

    from benchmarks.estate import benchmark_factor_set, generate_inventory
    from sobre.footprint.factors.store import save_factor_set
    from sobre.footprint.runs import locations
    from sobre.footprint.runs.service import run_footprint

    server = None
    with tempfile.TemporaryDirectory(prefix="sobre-bench-") as tmp:
        os.environ.setdefault("SOBRE_CACHE_DIR", str(Path(tmp) / "cache"))
        url = args.database_url or f"sqlite:///{Path(tmp) / 'sobre.db'}"
        if args.postgres and not args.database_url:
            from tests.pgserver import PgServer

            server = PgServer(fsync=True)
            server.start()
            url = server.create_database("bench")
        try:
            backend = url.split(":", 1)[0].split("+", 1)[0]
            mark = time.perf_counter()
            inventory = generate_inventory(n_eq, n_vm, n_app, seed=args.seed)
            factors = benchmark_factor_set()
            with session_scope(url) as session:
                org_id = orgs.create(session, "Benchmark", employees=50_000, country="FR").id
                save_factor_set(session, factors)
            insert_inventory(url, org_id, inventory)
            del inventory
            with get_engine(url).connect() as conn:
                count = conn.execute(sa.text("SELECT COUNT(*) FROM equipment")).scalar_one()
            print(f"setup (untimed): {count:,} equipment rows inserted in {time.perf_counter() - mark:.1f} s")
            with harness.measured() as m:
                summary = run_footprint(
                    url,
                    "Benchmark",
                    factor_set=factors.id,
                    version=factors.version,
                    reference_date=date(2025, 12, 31),
                )
            root = locations.location(url).root
            data_mb = (
                sum(f.stat().st_size for f in Path(tmp).rglob("*") if f.is_file() and root not in f.parents)
                / 1e6
            )
        finally:
            if server is not None:
                server.stop()
    steps = ", ".join(f"{k} {v:.1f} s" for k, v in summary.timings.items())
    print(
        f"footprint end to end ({backend}): {m.seconds:.1f} s ({steps}); "
        f"{summary.item_count:,} result items; "
        f"results {(summary.dataset_bytes or 0) / 1e6:,.0f} MB of Parquet"
        + (f", SQLite files {data_mb:,.0f} MB" if backend == "sqlite" else "")
        + f"; peak memory {m.peak_mb:,.0f} MB"
    )
    target = {"sqlite": "≤ 15 s", "postgresql": "≤ 25 s"}.get(backend)
    harness.emit(
        harness.Figure(
            f"end to end {backend} {n_eq:,} items",
            m.seconds,
            peak_mb=m.peak_mb,
            cpu_seconds=m.cpu_seconds,
            added_mb=m.added_mb,
            anchor="its compute step",
            anchor_seconds=summary.timings.get("compute"),
            target=target,
            notes={
                **{k: round(v, 2) for k, v in summary.timings.items()},
                "dataset_mb": (summary.dataset_bytes or 0) / 1e6,
            },
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
