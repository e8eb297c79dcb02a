"""Reading a stored run: breakdowns by any dimension, one item's figures, two runs compared.

The breakdowns pages and reports show most (by stage, criterion, category, site, department, application)
come from the aggregates stored with the run, without touching its dataset; the department breakdown is the
total's allocation to departments stored with the run (``aggregates.department_rows``), the items' own
department column is the ``department_id`` dimension.  Any other dimension (any
column of the run's items: data quality, country, lifetime method…), a filter on item columns, or the
per-item breakdown scans the run's Parquet dataset with the filters and column choices pushed down to the
reader (Polars lazy scans; why Polars and not DuckDB: docs/decisions.md).

Totals cover the organisation's scope (equipment, cloud, storage not on equipment); the application
breakdown reads the application rows (allocations of that scope).  Unknown figures are never summed as
zero: each row counts the items whose impact is unknown, and a group with no known figure has value None.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import polars as pl
import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.footprint import schema
from sobre.footprint.runs import aggregates, dataset, store
from sobre.footprint.runs.dataset import Layout
from sobre.footprint.runs.models import FootprintRun
from sobre.footprint.runs.reads import find_item, read_items, resolve_run, run_folder
from sobre.footprint.runs.records import RunMeta, meta_of
from sobre.footprint.schema import STAGES
from sobre.inventory.models import Application, Department, Site
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation

#: Breakdowns with stored aggregates (and ``item``); any column of the run's items is accepted too.
BY = ("stage", "category", "site", "department", "application", "criterion", "item")
PER = ("unit", "user", "employee")
#: Breakdown → the item column it groups by (the department breakdown is the stored allocation's).
_COLUMN = {"category": "category", "site": "site_id", "application": "item_id"}
_INT_KEYS = ("site", "department", "application")


def default_criterion(criteria: list[dict[str, Any]]) -> str:
    """Climate change when the set has it (the figure most users ask for first), else the set's first."""
    codes = [c["code"] for c in criteria]
    if not codes:
        raise InputError("the run has no criteria")
    for code in codes:
        if "climate" in code.lower():
            return code
    return codes[0]


def _check(by: str, per: str | None, stage: str | None, where: Mapping[str, Any] | None) -> None:
    if by not in BY and by not in schema.RESULT_ITEMS:
        raise InputError(
            "unknown breakdown",
            column="--by",
            value=by,
            expected=", ".join([*BY, *[c for c in schema.RESULT_ITEMS if c not in _COLUMN.values()]]),
        )
    if per is not None and per not in PER:
        raise InputError("unknown divisor", column="--per", value=per, expected=", ".join(PER))
    if stage is not None and stage not in STAGES:
        raise InputError("unknown stage", column="--stage", value=stage, expected=", ".join(STAGES))
    if where and by == "department":
        # The allocation follows VMs to their hosts and applications to their users: it is of the whole
        # estate, and is not made again for a subset of its items.
        raise InputError(
            "the departments' allocation covers the whole estate and cannot be filtered",
            column="--where",
            value=", ".join(where),
            expected="no --where, or --by department_id (the items' own department)",
        )
    if per == "unit" and by == "department":
        raise InputError(
            "per-unit figures need a quantity of items: a department's figure is made of parts of items",
            column="--per",
            value=per,
            expected="--per employee, or --by department_id (the items' own department)",
        )
    if per == "user" and by != "application":
        raise InputError(
            "per-user figures are per application (users are counted per application)",
            column="--per",
            value=per,
            expected="--by application, or --per employee",
        )


def _sorted(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0)))


# ---------------------------------------------------------------- stored aggregates


def _stored(
    conn: sa.Connection, run_id: int, by: str, criterion: str | None, stage: str | None
) -> list[dict[str, Any]]:
    if by == "stage":
        rows = store.read_aggregates(conn, run_id, "total", criterion, stage, any_stage=stage is None)
        keyed = [r | {"key": r["stage"]} for r in rows]
    elif by == "criterion":
        keyed = [
            r | {"key": r["criterion"]} for r in store.read_aggregates(conn, run_id, "total", None, stage)
        ]
    else:
        rows = store.read_aggregates(conn, run_id, by, criterion, stage)
        convert = int if by in _INT_KEYS else str
        keyed = [r | {"key": None if r["key"] is None else convert(r["key"])} for r in rows]
    return _sorted([r | {"name": None} for r in keyed if r["items"]])


# ---------------------------------------------------------------- scans of the dataset


def _filtered(scan: pl.LazyFrame, layout: Layout, where: Mapping[str, Any] | None) -> pl.LazyFrame:
    """``where``: item column → value (or list of values); None matches a missing value.  Values are read
    as the column's type (``--where site_id=3`` from the command line is text)."""
    types = scan.collect_schema() if where else {}
    for column, wanted in (where or {}).items():
        if column not in layout.item_columns:
            raise InputError(
                "unknown item column", column="--where", value=column, expected=", ".join(layout.item_columns)
            )
        values = list(wanted) if isinstance(wanted, list | tuple | set) else [wanted]
        typed = [_coerce(v, types[column], column) for v in values if v is not None]
        col = pl.col(column)
        test = col.is_in(typed) if typed else pl.lit(False)
        scan = scan.filter(test | col.is_null() if None in values else test)
    return scan


def _coerce(value: Any, dtype: Any, column: str) -> Any:
    try:
        if dtype.is_integer():
            return int(value)
        if dtype.is_float():
            return float(value)
        if dtype == pl.Boolean:
            return str(value).lower() in ("1", "true", "yes")
    except (TypeError, ValueError):
        raise InputError("not a number", column=column, value=value, expected=f"a {dtype} value") from None
    return str(value)


def _scanned(
    session: Session,
    run: FootprintRun,
    by: str,
    criterion: str | None,
    stage: str | None,
    where: Mapping[str, Any] | None,
    limit: int | None,
) -> list[dict[str, Any]]:
    folder = run_folder(session, run)
    layout = dataset.layout_of(folder)
    scan = _filtered(dataset.scan(folder), layout, where).filter(aggregates.scope_of(by))
    if by == "item":
        return _by_item(scan, layout, str(criterion), stage, limit)
    if by == "criterion":
        parts = []
        for code in layout.criteria:
            chosen = [stage] if stage else layout.stages_of(code)
            exprs = aggregates.group_exprs(layout, code, chosen)
            parts.append((code, scan.select([e.alias(n) for n, e in exprs.items()])))
        frames = pl.collect_all([p for _, p in parts])
        rows = []
        for (code, _), frame in zip(parts, frames, strict=True):
            for part in aggregates.rows_from(frame, code, None):
                rows += [r | {"key": code} for r in part.to_dicts()]
        return _sorted([r | {"name": None} for r in rows])
    if by == "stage":
        exprs = aggregates.group_exprs(layout, str(criterion), None)
        frame = scan.select([e.alias(n) for n, e in exprs.items()]).collect()
        rows = [
            r | {"key": r["stage"]}
            for part in aggregates.rows_from(frame, str(criterion), None)
            for r in part.to_dicts()
            if r["stage"] is not None and (stage is None or r["stage"] == stage)
        ]
        return _sorted([r | {"name": None} for r in rows])
    column = _COLUMN.get(by, by)
    if column not in layout.item_columns:
        raise InputError(
            "unknown breakdown",
            column="--by",
            value=by,
            expected=", ".join([*BY, *[c for c in layout.item_columns if c not in _COLUMN.values()]]),
        )
    chosen = [stage] if stage else layout.stages_of(str(criterion))
    exprs = aggregates.group_exprs(layout, str(criterion), chosen)
    frame = scan.group_by(column).agg([e.alias(n) for n, e in exprs.items()]).collect()
    rows = [r for part in aggregates.rows_from(frame, str(criterion), column) for r in part.to_dicts()]
    if by in _INT_KEYS:
        rows = [r | {"key": None if r["key"] is None else int(r["key"])} for r in rows]
    else:
        # The key keeps the column's own type (rows_from made it text for storage).
        values = frame.get_column(column).to_list()
        by_text = {None if v is None else str(v): v for v in values}
        rows = [r | {"key": by_text.get(r["key"], r["key"])} for r in rows]
    out = _sorted([r | {"name": None} for r in rows])
    return out[:limit] if limit else out


def _by_item(
    scan: pl.LazyFrame, layout: Layout, criterion: str, stage: str | None, limit: int | None
) -> list[dict[str, Any]]:
    """One row per item: the same figures as a group of one, computed row-wise (no grouping)."""
    chosen = [stage] if stage else layout.stages_of(criterion)
    if not chosen:
        return []
    present = [pl.col(layout.present(criterion, s)) for s in chosen]
    values = [pl.col(layout.value(criterion, s)) for s in chosen]
    known = pl.any_horizontal([v.is_not_null() for v in values])
    sums = {
        part: pl.when(known).then(
            pl.sum_horizontal([pl.col(layout.column(criterion, s, part)) for s in chosen])
        )
        for part in ("value", "low", "high")
    }
    frame = (
        scan.filter(pl.any_horizontal(present))
        .select(
            pl.format("{}:{}", "item_kind", "item_id").alias("key"),
            "name",
            *[e.alias(p) for p, e in sums.items()],
            pl.any_horizontal([p & v.is_null() for p, v in zip(present, values, strict=True)])
            .cast(pl.Int64)
            .alias("unknown"),
            known.cast(pl.Int64).alias("known"),
            pl.col("quantity"),
            pl.lit(1, dtype=pl.Int64).alias("items"),
        )
        .sort("value", descending=True, nulls_last=True)
    )
    if limit:
        frame = frame.head(limit)
    return frame.collect().to_dicts()


# ---------------------------------------------------------------- breakdown


def breakdown(
    database_url: str,
    org: str,
    by: str,
    *,
    criterion: str | None = None,
    stage: str | None = None,
    run_id: int | None = None,
    per: str | None = None,
    where: Mapping[str, Any] | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Rows of {key, label, value, low, high, unit, unknown, share, items, divisor} for one criterion (all
    criteria when ``by="criterion"``), one stage or all, of the given run or the latest successful one.

    ``by``: one of :data:`BY`, or any column of the run's items.  ``where`` keeps the items whose columns
    have the given values (``{"site_id": 3, "category": ["laptop", "desktop"]}``); ``limit`` keeps the
    largest rows.  ``per``: ``unit`` divides by the quantity of items, ``user`` an application's figure by
    its users, ``employee`` a department's figure by its headcount, any other by the organisation's
    employees (else the sum of department headcounts).  An unknown divisor gives value None, never a guess.
    Shares are of the organisation's total (for the chosen stage).
    """
    _check(by, per, stage, where)
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        run = resolve_run(session, organisation, run_id)
        criteria = list(run.criteria or [])
        units = {c["code"]: c.get("unit") for c in criteria}
        labels = {c["code"]: c.get("label_en") or c["code"] for c in criteria}
        conn = session.connection()
        if by != "criterion":
            criterion = criterion or default_criterion(criteria)
        if criterion is not None and criterion not in units:
            raise InputError(
                "unknown criterion", column="--criterion", value=criterion, expected=", ".join(units)
            )
        if where or by not in BY or by == "item" or (by == "application" and stage):
            grouped = _scanned(session, run, by, criterion, stage, where, limit)
        else:
            grouped = _stored(conn, run.id, by, criterion, stage)
            grouped = grouped[:limit] if limit else grouped
        # The run's stored totals serve the shares, except for one stage (its total row then).
        if stage is None:
            totals = {c: t["value"] for c, t in (run.totals or {}).items()}
        else:
            rows = store.read_aggregates(conn, run.id, "total", None, stage)
            totals = {r["criterion"]: r["value"] for r in rows}
        names = _names(session, organisation.id, by)
        employees = organisation.employees
        headcounts = dict(
            session.execute(
                sa.select(Department.id, Department.headcount).where(Department.org_id == organisation.id)
            ).all()
        )
        users = dict(
            session.execute(
                sa.select(Application.id, Application.users).where(Application.org_id == organisation.id)
            ).all()
        )

    org_people = employees or (sum(v for v in headcounts.values() if v) or None)
    out: list[dict[str, Any]] = []
    for rec in grouped:
        key = rec["key"]
        crit = key if by == "criterion" else criterion
        value, low, high = rec["value"], rec["low"], rec["high"]
        total = totals.get(crit)
        share = value / total if (value is not None and total and by != "criterion") else None
        divisor: float | None = None
        if per == "unit":
            divisor = rec["quantity"]
        elif per == "user":
            divisor = users.get(key)
        elif per == "employee":
            divisor = headcounts.get(key) if by == "department" else org_people
        if per is not None:
            value, low, high = _div(value, divisor), _div(low, divisor), _div(high, divisor)
        if by == "item":
            label = rec["name"] or key
        elif by == "criterion":
            label = labels.get(key, key)
        elif by == "department" and key is None:
            label = "shared / unallocated"
        elif by in _INT_KEYS:
            label = names.get(key) or ("(none)" if key is None else str(key))
        else:
            label = key if key is not None else "(none)"
        unit = units.get(crit) or ""
        out.append(
            {
                "key": key,
                "label": label,
                "value": value,
                "low": low,
                "high": high,
                "unit": f"{unit}/{per}" if per else unit,
                "unknown": int(rec["unknown"]),
                "share": share,
                "items": int(rec["items"]),
                "divisor": divisor,
                "criterion": crit,
                "run_id": run.id,
            }
        )
    return out


def _div(x: float | None, divisor: float | None) -> float | None:
    """x / divisor, or None (unknown) when either is unknown or the divisor is zero."""
    return None if x is None or not divisor else x / divisor


def _names(session: Any, org_id: int, by: str) -> dict[Any, str]:
    if by == "site":
        return dict(session.execute(sa.select(Site.id, Site.name).where(Site.org_id == org_id)).all())
    if by == "department":
        return dict(
            session.execute(
                sa.select(Department.id, Department.name).where(Department.org_id == org_id)
            ).all()
        )
    if by == "application":
        rows = session.execute(
            sa.select(Application.id, Application.name, Application.environment).where(
                Application.org_id == org_id
            )
        ).all()
        return {r[0]: f"{r[1]} ({r[2]})" if r[2] else r[1] for r in rows}
    return {}


# ---------------------------------------------------------------- one item, two runs, raw scans


def item_figures(database_url: str, org: str, item: str, run_id: int | None = None) -> dict[str, Any]:
    """One item's stored row (its trace) and figures per criterion and stage, read from the dataset
    without recomputing anything (``service.explain_item`` adds the engine's explanation)."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        run = resolve_run(session, organisation, run_id)
        kind, item_id = find_item(session, run.id, item)
        items, impacts, _ = read_items(session, run, {(kind, item_id)})
        meta = meta_of(run, organisation.name)
    return {
        "run": {k: v for k, v in meta.to_dict().items() if k not in ("totals", "criteria")},
        "item": items.to_dicts()[0],
        "impacts": impacts.sort("criterion", "stage").to_dicts(),
    }


def compare_breakdown(
    database_url: str,
    org: str,
    run_a: int,
    run_b: int,
    by: str,
    *,
    criterion: str | None = None,
    stage: str | None = None,
    where: Mapping[str, Any] | None = None,
) -> list[dict[str, Any]]:
    """Two runs side by side in one breakdown: per key, value_a, value_b, difference (b − a), relative
    difference (to |a|), unknown counts; a key found in one run only has None on the other side."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        first = resolve_run(session, organisation, run_a)
        resolve_run(session, organisation, run_b)
        if by != "criterion":
            criterion = criterion or default_criterion(list(first.criteria or []))
    sides = [
        breakdown(database_url, org, by, criterion=criterion, stage=stage, run_id=r, where=where)
        for r in (run_a, run_b)
    ]
    a, b = ({r["key"]: r for r in side} for side in sides)
    out = []
    for key in [*a, *[k for k in b if k not in a]]:
        ra, rb = a.get(key), b.get(key)
        va = ra["value"] if ra else None
        vb = rb["value"] if rb else None
        diff = vb - va if va is not None and vb is not None else None
        out.append(
            {
                "key": key,
                "label": (ra or rb or {}).get("label"),
                "criterion": (ra or rb or {}).get("criterion"),
                "unit": (ra or rb or {}).get("unit"),
                "value_a": va,
                "value_b": vb,
                "difference": diff,
                "relative_difference": diff / abs(va) if diff is not None and va else None,
                "unknown_a": ra["unknown"] if ra else None,
                "unknown_b": rb["unknown"] if rb else None,
            }
        )
    return sorted(out, key=lambda r: (r["difference"] is None, -abs(r["difference"] or 0)))


def scan_run(database_url: str, org: str, run_id: int | None = None) -> tuple[RunMeta, pl.LazyFrame, Layout]:
    """A run's dataset as a lazy frame (one row per item; see ``runs.dataset``) and its column map, for
    pages that build their own queries: filters and column choices are pushed down to the reader."""
    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        run = resolve_run(session, organisation, run_id)
        folder = run_folder(session, run)
        meta = meta_of(run, organisation.name)
    return meta, dataset.scan(folder), dataset.layout_of(folder)


def latest_item_figures(database_url: str, org_id: int, kind: str, item_id: int) -> dict[str, Any] | None:
    """What :func:`item_figures` gives for item ``kind:item_id`` in the organisation's latest run, or None
    when the organisation has no run or the run has no such item.  For pages opened often: one query,
    and the item's row read from the run's by-item copy (``item_index``) instead of a scan of the run."""
    from sobre.footprint.runs import item_index

    with session_scope(database_url) as session:
        run = session.scalars(
            sa.select(FootprintRun)
            .where(FootprintRun.org_id == org_id, FootprintRun.status == "done")
            .order_by(FootprintRun.id.desc())
            .limit(1)
        ).first()
        if run is None:
            return None
        name = session.scalar(sa.select(Organisation.name).where(Organisation.id == org_id)) or ""
        meta = meta_of(run, name)
        folder = run_folder(session, run)
    wide, layout = item_index.read_item(folder, kind, item_id)
    if wide.is_empty():
        return None
    row = wide.row(0, named=True)
    # dataset.long_impacts for one row, without a frame per (criterion, stage) pair.
    impacts = []
    for criterion, stage in sorted(layout.pairs):
        if row[layout.present(criterion, stage)]:
            values = {"criterion": criterion, "stage": stage}
            values |= {m: row[layout.column(criterion, stage, m)] for m in layout.measures}
            impacts.append({c: values[c] if c in values else row[c] for c in layout.impact_columns})
    return {
        "run": {k: v for k, v in meta.to_dict().items() if k not in ("totals", "criteria")},
        "item": {c: row[c] for c in layout.item_columns},
        "impacts": impacts,
    }
