"""Automatic KPI sources: a small registry that any capability can add to.

A capability offers indicators by declaring ``provides={"strategy.kpi_sources": "sobre.x.kpis:sources"}``: a
function with no argument returning a list of :class:`Source`.  Each source measures one indicator for an
organisation on a date, ``measure(database_url, org, on) -> Estimate`` (an unknown Estimate with its reason
when it cannot), reading only its capability's service functions.  :func:`sources` gathers every
capability's list (this one's included: the footprint, inventory, assessment and lifecycle indicators below,
read through those capabilities' service functions and the ``lifecycle.kpis`` provider).

A source code may take one parameter after a colon: ``average_lifetime:laptop``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Any

from sobre.core.capabilities import all_capabilities, load, provider
from sobre.core.errors import InputError
from sobre.core.estimate import Estimate, Status
from sobre.inventory.taxonomy import END_USER_CATEGORIES

END_USER = sorted(str(c) for c in END_USER_CATEGORIES)

REGISTRY_KEY = "strategy.kpi_sources"


@dataclass(frozen=True)
class Source:
    code: str
    unit: str
    #: "down" when lower is better.
    direction: str
    #: Key of the label in the catalogues (the definition is ``<key>.def``).
    label: str
    measure: Callable[[str, str, date, str | None], Estimate]
    #: True when the code takes a parameter (``code:param``).
    parameter: str | None = None


@cache
def sources() -> dict[str, Source]:
    """Every automatic source published by the installed capabilities, by code."""
    found: dict[str, Source] = {}
    for capability in all_capabilities():
        if REGISTRY_KEY in capability.provides:
            for source in load(capability.provides[REGISTRY_KEY])():
                found.setdefault(source.code, source)
    return found


def split(code: str) -> tuple[Source, str | None]:
    """The source of a ``code[:param]`` and its parameter, or an InputError naming the code."""
    name, _, param = code.partition(":")
    source = sources().get(name)
    if source is None:
        raise InputError.keyed(
            "st.refuse.kpi_source",
            column="--source",
            value=code,
            expected=", ".join(sorted(sources())) + " or manual",
        )
    if source.parameter and not param:
        raise InputError.keyed(
            "st.refuse.kpi_source_param",
            column="--source",
            value=code,
            expected=f"{name}:<{source.parameter}>",
            name=name,
            parameter=source.parameter,
        )
    return source, param or None


def measure(database_url: str, org: str, code: str, on: date) -> Estimate:
    source, param = split(code)
    return source.measure(database_url, org, on, param)


# ------------------------------------------------------------------------------------- this capability's


def _latest(database_url: str, org: str, on: date) -> Any:
    """The latest successful footprint run whose reference date is on or before ``on``."""
    from sobre.footprint.runs import service as runs

    done = [r for r in runs.list_runs(database_url, org) if r.status == "done" and r.reference_date <= on]
    return max(done, key=lambda r: (r.reference_date, r.id)) if done else None


def _employees(database_url: str, org: str) -> int | None:
    from sobre.core.db import session_scope
    from sobre.orgs import service as orgs

    with session_scope(database_url) as session:
        return orgs.get(session, org).employees


def _run_source(run: Any) -> str:
    return f"footprint run {run.id} ({run.reference_date.isoformat()}, {run.methodology_version})"


def _footprint(per_agent: bool) -> Callable[[str, str, date, str | None], Estimate]:
    def fn(database_url: str, org: str, on: date, param: str | None) -> Estimate:
        criterion = param or "climate_change"
        run = _latest(database_url, org, on)
        unit_hint = "kgCO2e" if criterion == "climate_change" else ""
        if run is None:
            return Estimate.unknown(unit_hint, "no footprint run")
        total = run.totals.get(criterion)
        if total is None or total.get("value") is None:
            return Estimate.unknown(unit_hint, f"criterion {criterion} unknown in run {run.id}")
        unit = total.get("unit") or unit_hint
        divisor = 1.0
        if per_agent:
            employees = _employees(database_url, org)
            if not employees:
                return Estimate.unknown(f"{unit}/agent", "number of employees unknown")
            divisor, unit = float(employees), f"{unit}/agent"
        return Estimate(
            total["value"] / divisor,
            unit,
            total["low"] / divisor,
            total["high"] / divisor,
            Status.MODELLED,
            _run_source(run),
        )

    return fn


def _from_items(kind: str) -> Callable[[str, str, date, str | None], Estimate]:
    """Indicators read from the run's item rows: average lifetime, devices per agent, idle capacity."""

    def fn(database_url: str, org: str, on: date, param: str | None) -> Estimate:
        import polars as pl

        from sobre.footprint.runs import service as runs

        unit = {"average_lifetime": "years", "devices_per_agent": "devices/agent", "idle_share": "%"}[kind]
        run = _latest(database_url, org, on)
        if run is None:
            return Estimate.unknown(unit, "no footprint run")
        _, result = runs.load_run(database_url, run.id)
        eq = result.items.filter(pl.col("item_kind") == "equipment")
        if kind == "average_lifetime":
            rows = eq.filter((pl.col("category") == param) & pl.col("lifetime_years").is_not_null())
            units = float(rows["quantity"].fill_null(1.0).sum() or 0.0)
            if not units:
                return Estimate.unknown(unit, f"no {param} in run {run.id}")
            life = float((rows["lifetime_years"] * rows["quantity"].fill_null(1.0)).sum()) / units
            return Estimate(life, unit, status=Status.MODELLED, source=_run_source(run))
        if kind == "devices_per_agent":
            employees = _employees(database_url, org)
            if not employees:
                return Estimate.unknown(unit, "number of employees unknown")
            units = float(
                eq.filter(pl.col("category").is_in(END_USER))["quantity"].fill_null(1.0).sum() or 0.0
            )
            return Estimate(units / employees, unit, status=Status.MODELLED, source=_run_source(run))
        hosts = result.impacts.filter(pl.col("criterion") == "climate_change")
        idle = hosts.filter(pl.col("item_kind") == "idle")["value"].sum()
        host_ids = result.items.filter(pl.col("item_kind") == "idle")["host_id"].to_list()
        total = hosts.filter((pl.col("item_kind") == "equipment") & pl.col("item_id").is_in(host_ids))[
            "value"
        ].sum()
        if not total:
            return Estimate.unknown(unit, f"no virtualisation host in run {run.id}")
        return Estimate(
            100.0 * float(idle) / float(total), unit, status=Status.MODELLED, source=_run_source(run)
        )

    return fn


def _assessment(kind: str) -> Callable[[str, str, date, str | None], Estimate]:
    def fn(database_url: str, org: str, on: date, param: str | None) -> Estimate:
        from sobre.assessment import insights
        from sobre.core.db import session_scope

        with session_scope(database_url) as session:
            rows = [
                r
                for r in insights.history(session, org, kind=kind, service=param)
                if date.fromisoformat(r["assessed_on"]) <= on
            ]
        if not rows:
            return Estimate.unknown("%", f"no {kind} assessment")
        last, overall = rows[-1], rows[-1]["overall"]
        if overall.get("value") is None:
            return Estimate.unknown("%", overall.get("reason") or "score unknown")
        return Estimate(
            overall["value"],
            "%",
            overall.get("low"),
            overall.get("high"),
            Status.INPUT,
            f"assessment {last['id']} ({last['referential']}, {last['assessed_on']}, {last['status']})",
        )

    return fn


def _provided(name: str, code: str) -> Callable[[str, str, date, str | None], Estimate]:
    """An indicator of the year from another capability's provider of plain KPI figures, ``(database_url,
    org, year) -> {code: {value, low, high, unit, status, reason, count}}`` (``lifecycle.kpis``,
    ``servicedesk.kpis``)."""

    def fn(database_url: str, org: str, on: date, param: str | None) -> Estimate:
        kpis = provider(name)
        if kpis is None:
            return Estimate.unknown("", f"no {name} provider")
        figure = kpis(database_url, org, on.year).get(code) or {}
        unit = figure.get("unit") or ""
        if figure.get("value") is None:
            return Estimate.unknown(unit, figure.get("reason") or f"{code} unknown for {on.year}")
        return Estimate(
            figure["value"],
            unit,
            figure.get("low"),
            figure.get("high"),
            Status(figure.get("status") or "modelled"),
            f"{name} {code} {on.year} (basis {figure.get('count', 0):g})",
        )

    return fn


def own_sources() -> list[Source]:
    """The indicators this capability measures from the footprint, inventory, assessments and lifecycle, and
    from its own training records."""
    from sobre.strategy.people import trained_share

    return [
        Source("staff_trained", "%", "up", "st.src.staff_trained", trained_share),
        Source("footprint_total", "kgCO2e", "down", "st.src.footprint_total", _footprint(False), None),
        Source("footprint_per_agent", "kgCO2e/agent", "down", "st.src.footprint_per_agent", _footprint(True)),
        Source(
            "average_lifetime",
            "years",
            "up",
            "st.src.average_lifetime",
            _from_items("average_lifetime"),
            "category",
        ),
        Source(
            "devices_per_agent",
            "devices/agent",
            "down",
            "st.src.devices_per_agent",
            _from_items("devices_per_agent"),
        ),
        Source("idle_share", "%", "down", "st.src.idle_share", _from_items("idle_share")),
        Source("maturity_score", "%", "up", "st.src.maturity_score", _assessment("maturity")),
        Source("rgesn_score", "%", "up", "st.src.rgesn_score", _assessment("rgesn")),
        Source("reuse_rate", "ratio", "up", "st.src.reuse_rate", _provided("lifecycle.kpis", "reuse_rate")),
        Source(
            "refurbished_share",
            "ratio",
            "up",
            "st.src.refurbished_share",
            _provided("lifecycle.kpis", "refurbished_share"),
        ),
        Source(
            "incident_backlog",
            "tickets",
            "down",
            "st.src.incident_backlog",
            _provided("servicedesk.kpis", "sd.backlog"),
        ),
        Source(
            "sla_resolve_compliance",
            "ratio",
            "up",
            "st.src.sla_resolve_compliance",
            _provided("servicedesk.kpis", "sd.sla_resolve_compliance"),
        ),
        Source(
            "incident_emissions",
            "kgCO2e",
            "down",
            "st.src.incident_emissions",
            _provided("servicedesk.kpis", "sd.incident_emissions"),
        ),
        Source(
            "average_lifetime_at_retirement",
            "years",
            "up",
            "st.src.average_lifetime_at_retirement",
            _provided("lifecycle.kpis", "average_lifetime_at_retirement"),
        ),
    ]


__all__ = ["REGISTRY_KEY", "Source", "measure", "own_sources", "sources", "split"]
