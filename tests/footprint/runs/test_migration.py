"""Runs stored before the columnar layout still show, explain and compare after the migration."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import polars as pl
import pytest
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from polars.testing import assert_frame_equal

from sobre.core.db import alembic_config, get_engine, make_engine, session_scope
from sobre.footprint.runs import queries, service, store
from sobre.footprint.runs.models import FootprintRun
from sobre.footprint.schema import STAGES, Result
from tests.footprint.runs.helpers import seed_inventory

_ORDER = ["item_kind", "item_id", "criterion", "stage"]
_OLD_ITEMS = [
    "item_kind",
    "item_id",
    "name",
    "category",
    "site_id",
    "department_id",
    "host_id",
    "quantity",
    "data_quality",
    "status",
    "factor_ref",
    "lifetime_years",
    "lifetime_method",
    "annual_kwh",
    "kwh_method",
    "pue",
    "country",
    "usage_rate",
    "share",
    "share_method",
    "warnings",
]


def _alembic(url: str, action: Callable[[Config, str], None], target: str) -> None:
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            cfg = alembic_config(url)
            cfg.attributes["connection"] = conn
            action(cfg, target)
    finally:
        engine.dispose()


def _write_old_layout(url: str, run_id: int, result: Result) -> None:
    """The run's rows as the previous version wrote them: one item row, one row per item and criterion
    with a value/low/high triple per stage and a bit mask of the stages the engine produced."""
    bits = {s: 1 << i for i, s in enumerate(STAGES)}
    wide = result.impacts.group_by("item_kind", "item_id", "criterion").agg(
        pl.col("stage").replace_strict(bits, return_dtype=pl.Int64).sum().alias("stages"),
        *[
            pl.col(p).filter(pl.col("stage") == s).first().alias(f"{s}_{p}")
            for s in STAGES
            for p in ("value", "low", "high")
        ],
    )
    run = pl.lit(run_id).alias("run_id")
    with get_engine(url).begin() as conn:
        conn.execute(sa.text("DELETE FROM footprint_impact WHERE run_id = :r"), {"r": run_id})
        conn.execute(sa.text("DELETE FROM footprint_item WHERE run_id = :r"), {"r": run_id})
        store.bulk_insert(conn, "footprint_item", result.items.select(run, *_OLD_ITEMS))
        store.bulk_insert(conn, "footprint_impact", wide.select(run, pl.all()))


def _snapshot(url: str, run_id: int) -> tuple[Result, list[dict], dict]:
    _, result = service.load_run(url, run_id)
    by_site = queries.breakdown(url, "Ville A", "site", run_id=run_id)
    return result, by_site, service.explain_item(url, "Ville A", "srv-1", run_id)["impacts"]


def _departments(url: str, run_id: int) -> dict[tuple[str | None, int | None], tuple]:
    """(stage, department) → the department breakdown's figures, every stage and all together."""
    out = {}
    for stage in (None, *STAGES):
        for r in queries.breakdown(url, "Ville A", "department", run_id=run_id, stage=stage):
            out[stage, r["key"]] = (r["value"], r["low"], r["high"], r["unknown"], r["items"])
    return out


def _same_departments(got: dict, expected: dict) -> None:
    assert got.keys() == expected.keys() and len(got) > 3
    for key, figures in expected.items():
        assert got[key][3:] == figures[3:], key
        assert [v is None for v in got[key][:3]] == [v is None for v in figures[:3]], key
        known = [(a, b) for a, b in zip(got[key][:3], figures[:3], strict=True) if b is not None]
        assert [a for a, _ in known] == pytest.approx([b for _, b in known], rel=1e-12), key


def test_runs_stored_in_the_old_tables_show_explain_and_compare_after_the_migration(db_url: str) -> None:
    seed_inventory(db_url)
    sobre = service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30))
    g4it = service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30), profile="g4it")
    before = {r: _snapshot(db_url, r) for r in (sobre.id, g4it.id)}
    departments = {r: _departments(db_url, r) for r in (sobre.id, g4it.id)}
    compared = service.compare_runs(db_url, sobre.id, g4it.id)

    # Back to the previous schema: the downgrade puts the results into the old tables.
    _alembic(db_url, command.downgrade, "footprint_0001")
    with get_engine(db_url).connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert {"footprint_item", "footprint_impact"} <= tables and "footprint_aggregate" not in tables
    # One run as the old code itself wrote it, one as the downgrade restored it, and one left running.
    _write_old_layout(db_url, sobre.id, before[sobre.id][0])
    with get_engine(db_url).begin() as conn:
        conn.execute(
            sa.text(
                "INSERT INTO footprint_run (org_id, created_at, reference_date, profile, engine_version, "
                "methodology_version, factor_set_id, factor_set_version, inputs_hash, status) "
                "SELECT org_id, created_at, reference_date, profile, engine_version, methodology_version, "
                "factor_set_id, factor_set_version, inputs_hash, 'running' FROM footprint_run WHERE id = :r"
            ),
            {"r": sobre.id},
        )

    _alembic(db_url, command.upgrade, "heads")
    with get_engine(db_url).connect() as conn:
        tables = set(sa.inspect(conn).get_table_names())
    assert not {"footprint_item", "footprint_impact"} & tables

    for run_id, (result, by_site, explained) in before.items():
        after, sites, trail = _snapshot(db_url, run_id)
        # The old tables held these columns; the trace columns added since read as nulls.
        assert_frame_equal(
            after.items.sort("item_kind", "item_id").select(_OLD_ITEMS),
            result.items.sort("item_kind", "item_id").select(_OLD_ITEMS),
        )
        added = [c for c in after.items.columns if c not in _OLD_ITEMS]
        assert added and all(after.items[c].null_count() == after.items.height for c in added)
        assert_frame_equal(after.impacts.sort(_ORDER), result.impacts.sort(_ORDER), check_exact=True)
        assert sites == by_site and trail == explained
        # The departments' allocation is made again from the stored results and today's applications.
        _same_departments(_departments(db_url, run_id), departments[run_id])
    assert_frame_equal(service.compare_runs(db_url, sobre.id, g4it.id), compared, check_exact=True)
    with session_scope(db_url) as s:
        left = s.scalars(sa.select(FootprintRun).where(FootprintRun.status == "failed")).all()
        assert [r.error for r in left] == ["interrupted before this version of Sobre was installed"]
    with pytest.raises(Exception, match="failed"):
        service.load_run(db_url, left[0].id)


def test_departments_by_allocation_replace_the_own_department_sums(db_url: str) -> None:
    """footprint_0004 replaces the department rows (the items' own department column) with the run's
    allocation; its downgrade puts the own-department sums back."""
    seed_inventory(db_url)
    run = service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30))
    allocated = _departments(db_url, run.id)
    own = {r["key"]: r["value"] for r in queries.breakdown(db_url, "Ville A", "department_id", run_id=run.id)}
    assert own != {key: figures[0] for (stage, key), figures in allocated.items() if stage is None}

    _alembic(db_url, command.downgrade, "footprint_0003")
    with get_engine(db_url).connect() as conn:
        rows = store.read_aggregates(conn, run.id, "department", "climate_change", None)
        parts = store.read_aggregates(conn, run.id, "department_part", None, None)
    assert not parts
    assert {None if r["key"] is None else int(r["key"]): r["value"] for r in rows} == pytest.approx(own)

    _alembic(db_url, command.upgrade, "heads")
    _same_departments(_departments(db_url, run.id), allocated)
