"""Breakdowns of a stored run: by stage, category, site, department, application, criterion or item.

Totals cover the organisation's scope (equipment, cloud, storage not on equipment); the application
breakdown reads the application rows (allocations of that scope).  Unknown figures are never summed as
zero: each row counts the items whose impact is unknown, and a group with no known figure has value None.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.footprint.runs.service import resolve_run
from sobre.footprint.schema import STAGES
from sobre.inventory.models import Application, Department, Site
from sobre.orgs import service as orgs

BY = ("stage", "category", "site", "department", "application", "criterion", "item")
PER = ("unit", "user", "employee")


def default_criterion(criteria: list[dict[str, Any]]) -> str:
    """Climate change when the set has it (the figure most users ask for first), else the set's first."""
    codes = [c["code"] for c in criteria]
    if not codes:
        raise InputError("the run has no criteria")
    for code in codes:
        if "climate" in code.lower():
            return code
    return codes[0]


def _check(by: str, per: str | None, stage: str | None) -> None:
    if by not in BY:
        raise InputError("unknown breakdown", column="--by", value=by, expected=", ".join(BY))
    if per is not None and per not in PER:
        raise InputError("unknown divisor", column="--per", value=per, expected=", ".join(PER))
    if stage is not None and stage not in STAGES:
        raise InputError("unknown stage", column="--stage", value=stage, expected=", ".join(STAGES))
    if per == "user" and by != "application":
        raise InputError(
            "per-user figures are per application (users are counted per application)",
            column="--per",
            value=per,
            expected="--by application, or --per employee",
        )


_SQL_KEY = {
    "criterion": "m.criterion",
    "category": "i.category",
    "site": "i.site_id",
    "department": "i.department_id",
    "application": "m.item_id",
    "item": "i.item_kind || ':' || CAST(i.item_id AS VARCHAR(20))",
}
_TOTAL_SCOPE = "(i.item_kind IN ('equipment', 'cloud') OR (i.item_kind = 'storage' AND i.host_id IS NULL))"
_APP_SCOPE = "i.item_kind = 'application'"


def _branch(key: str, stages: list[str], scope: str, one_criterion: bool) -> str:
    """Per item (and criterion) of the chosen stages: value/low/high of the known stages, whether any stage
    is unknown (u) or known (k).  A stage the engine did not produce (bit unset) is neither."""
    bits = {s: 1 << STAGES.index(s) for s in stages}

    def any_of(test: str) -> str:
        return " OR ".join(f"((m.stages & {bits[s]}) <> 0 AND m.{s}_value IS {test})" for s in stages)

    sums = {
        part: " + ".join(f"COALESCE(m.{s}_{part}, 0)" for s in stages) for part in ("value", "low", "high")
    }
    present = " OR ".join(f"(m.stages & {bits[s]}) <> 0" for s in stages)
    return (
        f"SELECT {key} AS k, i.name AS name, {sums['value']} AS v, {sums['low']} AS lo, "
        f"{sums['high']} AS hi, "
        f"CASE WHEN {any_of('NULL')} THEN 1 ELSE 0 END AS u, "
        f"CASE WHEN {any_of('NOT NULL')} THEN 1 ELSE 0 END AS kn, i.quantity AS q "
        "FROM footprint_impact m JOIN footprint_item i "
        "ON i.run_id = m.run_id AND i.item_kind = m.item_kind AND i.item_id = m.item_id "
        f"WHERE m.run_id = :run {'AND m.criterion = :crit ' if one_criterion else ''}"
        f"AND ({present}) AND {scope}"
    )


def _aggregate(
    conn: sa.Connection, run_id: int, by: str, criterion: str | None, stage: str | None, scope: str
) -> list[dict[str, Any]]:
    """Group the run's results in the database: one row per key with value, low, high (sums over items
    whose figure is at least partly known), unknown and known item counts, quantity and item count."""
    stages = [stage] if stage else list(STAGES)
    if by == "stage":
        return _by_stage(conn, run_id, criterion, stages, scope)
    branches = [_branch(_SQL_KEY[by], stages, scope, criterion is not None)]
    sql = (
        "SELECT k, MIN(name), SUM(CASE WHEN kn = 1 THEN v END), SUM(CASE WHEN kn = 1 THEN lo END), "
        "SUM(CASE WHEN kn = 1 THEN hi END), SUM(u), SUM(kn), SUM(q), COUNT(*) "
        f"FROM ({' UNION ALL '.join(branches)}) t GROUP BY k"
    )
    params: dict[str, Any] = {"run": run_id}
    if criterion is not None:
        params["crit"] = criterion
    names = ("key", "name", "value", "low", "high", "unknown", "known", "quantity", "items")
    rows = [dict(zip(names, r, strict=True)) for r in conn.execute(sa.text(sql), params)]
    return sorted(rows, key=lambda r: (r["value"] is None, -(r["value"] or 0)))


def _by_stage(
    conn: sa.Connection, run_id: int, criterion: str | None, stages: list[str], scope: str
) -> list[dict[str, Any]]:
    """The stage breakdown in one pass over the results (one column group per stage, no UNION)."""
    cols = []
    for s in stages:
        on = f"(m.stages & {1 << STAGES.index(s)}) <> 0"
        cols += [
            f"SUM(CASE WHEN {on} THEN m.{s}_value END)",
            f"SUM(CASE WHEN {on} THEN m.{s}_low END)",
            f"SUM(CASE WHEN {on} THEN m.{s}_high END)",
            f"SUM(CASE WHEN {on} AND m.{s}_value IS NULL THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {on} AND m.{s}_value IS NOT NULL THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {on} THEN i.quantity END)",
            f"SUM(CASE WHEN {on} THEN 1 ELSE 0 END)",
        ]
    sql = (
        f"SELECT {', '.join(cols)} FROM footprint_impact m JOIN footprint_item i "
        "ON i.run_id = m.run_id AND i.item_kind = m.item_kind AND i.item_id = m.item_id "
        f"WHERE m.run_id = :run {'AND m.criterion = :crit ' if criterion is not None else ''}AND {scope}"
    )
    params: dict[str, Any] = {"run": run_id} | ({"crit": criterion} if criterion is not None else {})
    row = conn.execute(sa.text(sql), params).one()
    names = ("value", "low", "high", "unknown", "known", "quantity", "items")
    out = []
    for n, s in enumerate(stages):
        rec: dict[str, Any] = {"key": s, "name": None} | dict(zip(names, row[n * 7 : n * 7 + 7], strict=True))
        if rec["items"]:
            out.append(rec)
    return sorted(out, key=lambda r: (r["value"] is None, -(r["value"] or 0)))


def breakdown(
    database_url: str,
    org: str,
    by: str,
    *,
    criterion: str | None = None,
    stage: str | None = None,
    run_id: int | None = None,
    per: str | None = None,
) -> list[dict[str, Any]]:
    """Rows of {key, label, value, low, high, unit, unknown, share, items, divisor} for one criterion (all
    criteria when ``by="criterion"``), one stage or all, of the given run or the latest successful one.

    ``per``: ``unit`` divides by the quantity of items, ``user`` an application's figure by its users,
    ``employee`` a department's figure by its headcount, any other by the organisation's employees (else
    the sum of department headcounts).  An unknown divisor gives value None, never a guess.
    """
    _check(by, per, stage)
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
        scope = _APP_SCOPE if by == "application" else _TOTAL_SCOPE
        grouped = _aggregate(conn, run.id, by, criterion, stage, scope)
        # The run's stored totals serve the shares, except for one stage (computed then).
        grand = (
            [{"key": c, "value": t["value"], "known": 1} for c, t in (run.totals or {}).items()]
            if stage is None
            else _aggregate(conn, run.id, "criterion", criterion, stage, _TOTAL_SCOPE)
        )
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

    totals = {r["key"]: r["value"] if r["known"] else None for r in grand}
    org_people = employees or (sum(v for v in headcounts.values() if v) or None)
    out: list[dict[str, Any]] = []
    for rec in grouped:
        key = rec["key"]
        crit = key if by == "criterion" else criterion
        known = rec["known"] > 0
        value, low, high = (rec["value"], rec["low"], rec["high"]) if known else (None, None, None)
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
        elif by in ("stage", "category"):
            label = key if key is not None else "(none)"
        elif by == "criterion":
            label = labels.get(key, key)
        else:
            label = names.get(key) or ("(none)" if key is None else str(key))
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
