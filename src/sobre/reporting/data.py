"""Build the report's data (:class:`ReportData`) from an engine ``Result``: pure, no database, no I/O.

The organisation's total is the sum over the rows that are not allocations (``schema.Result``): equipment,
cloud instances and storage volumes not carried by an equipment.  VM, application and idle rows are shares of
equipment rows: the application breakdown and the idle capacity read them, the totals never add them.
The parts live apart: totals and breakdowns (``breakdowns``, read from the run's stored aggregates where it
has them), departments, hotspots and idle capacity, data quality, sources; ``prepared`` gathers what needs
only the run, which the service computes while it reads the inventory.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import polars as pl

from sobre.core import collector
from sobre.footprint.runs.aggregates import department_rows, part_key
from sobre.footprint.schema import DEPARTMENT_ALLOCATION, STAGES
from sobre.reporting import facts
from sobre.reporting.breakdowns import TOTAL_KINDS, total_rows
from sobre.reporting.departments import departments
from sobre.reporting.hotspots import TOP_HOTSPOTS, TOP_IDLE_HOSTS, figure, hotspots, idle
from sobre.reporting.inputs import Names, ReportInputs
from sobre.reporting.model import (
    Breakdown,
    BreakdownRow,
    CriterionTotal,
    Organisation,
    ReportData,
)
from sobre.reporting.prepared import PRIMARY_CRITERION, Prepared, allocate, prepare
from sobre.reporting.quality import LEVEL_ORDER, STATUS_ORDER, data_quality
from sobre.reporting.sources import sources_and_assumptions

__all__ = [
    "LEVEL_ORDER",
    "PRIMARY_CRITERION",
    "STATUS_ORDER",
    "TOP_HOTSPOTS",
    "TOP_IDLE_HOSTS",
    "TOTAL_KINDS",
    "Names",
    "ReportInputs",
    "allocated_for",
    "build_report_data",
    "prepared_for",
    "total_rows",
]

STAGE_ORDER = ("manufacturing", "distribution", "use", "end_of_life")


def prepared_for(inputs: ReportInputs) -> Prepared:
    """The run's figures computed ahead for these inputs when they were made from them, else now."""
    if inputs.prepared is not None:
        ready = inputs.prepared.result()
        if ready.made_from(inputs.result, inputs.aggregates, inputs.names.site_kinds):
            return ready
    return prepare(inputs.result, inputs.aggregates, inputs.names.site_kinds)


def allocated_for(inputs: ReportInputs) -> pl.DataFrame:
    """The departmental allocation, all stages together: the run's stored one (``department_part``) when
    it has it, else the one computed ahead for these inputs when made from them, else computed now."""
    stored = stored_allocation(inputs.aggregates)
    if stored is not None:
        return stored
    if inputs.allocated is not None:
        ready = inputs.allocated.result()
        if ready.made_from(inputs.result, inputs.inventory):
            return ready.frame
    return allocate(inputs.result, inputs.inventory).frame


def stored_allocation(aggregates: pl.DataFrame | None) -> pl.DataFrame | None:
    """The stored ``department_part`` rows as the allocation's all-stages rows, or None without them."""
    if aggregates is None:
        return None
    rows = aggregates.filter(pl.col("dimension") == "department_part")
    if rows.is_empty():
        return None
    keys = [part_key(k) for k in rows.get_column("key")]
    return rows.select(
        pl.Series("department_id", [d for d, _ in keys], dtype=pl.Int64),
        pl.Series("key", [k for _, k in keys], dtype=pl.Utf8),
        "criterion",
        "stage",
        "value",
        "low",
        "high",
        "items",
        "known",
        "unknown",
    ).cast(pl.Schema(DEPARTMENT_ALLOCATION))


@collector.paused()  # see reporting.service.report_inputs
def build_report_data(
    inputs: ReportInputs,
    *,
    recommend: Callable[..., Any] | None = None,
) -> ReportData:
    """Turn one run's results into the report's data.

    ``recommend`` computes the recommendations (it re-runs the engine on modified inputs); the default is
    :func:`sobre.reporting.recommendations.recommend` when the inputs carry an inventory and factor set,
    its engine runs made in a worker thread while the breakdowns are built.
    """
    usable = inputs.inventory is not None and inputs.inventory_matches_run
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sobre-recommendations") as pool:
        # The default recommendations' engine re-runs read only the inputs: they run beside the
        # breakdowns (Polars releases the interpreter lock, so both use the cores) and are presented last.
        measuring = None
        if recommend is None and usable and inputs.factors is not None:
            from sobre.reporting import recommendations
            from sobre.reporting.prepared import criteria_of

            codes = [c.code for c in criteria_of(inputs.result)]
            ahead = inputs.measuring
            if ahead is not None and ahead.made_from(inputs, codes):
                measuring = ahead.future
            else:
                measuring = pool.submit(recommendations.measure, inputs, codes)
        data = _build(inputs, prepared_for(inputs))
        if measuring is not None:
            data.recommendations, data.combined = recommendations.present(measuring.result(), data)
        elif recommend is not None and usable:
            found = recommend(inputs, data)
            if isinstance(found, tuple):
                data.recommendations, data.combined = found
            else:
                data.recommendations = found
    return data


def _build(inputs: ReportInputs, ready: Prepared) -> ReportData:
    """Everything of the report's data but the recommendations."""
    result, criteria, primary, sums = inputs.result, ready.criteria, ready.primary, ready.sums
    units = {c.code: c.unit for c in criteria}
    codes = [c.code for c in criteria]

    totals: list[CriterionTotal] = []
    for code in codes:
        fig = figure(sums.totals.get(code), units[code])
        per_emp = fig.scaled(1 / inputs.employees) if inputs.employees else None
        per_user = fig.scaled(1 / inputs.users) if inputs.users else None
        per_inh = fig.scaled(1 / inputs.inhabitants) if inputs.inhabitants else None
        by_stage = sums.unknown_stages.get(code, {})
        stages = {st: by_stage[st] for st in STAGES if by_stage.get(st)}
        totals.append(CriterionTotal(code, fig, per_emp, per_user, per_inh, stages))

    def share(value: float | None, criterion: str) -> float | None:
        tot = sums.totals.get(criterion)
        if value is None or tot is None or not tot["value"]:
            return None
        return value / tot["value"]

    def rows_from(agg: pl.DataFrame, label: Callable[[Any], str]) -> list[BreakdownRow]:
        out = [
            BreakdownRow(
                key="" if r["key"] is None else str(r["key"]),
                label=label(r["key"]),
                criterion=r["criterion"],
                value=r["value"],
                low=r["low"],
                high=r["high"],
                unit=units.get(r["criterion"], ""),
                unknown=int(r["unknown"]),
                share=share(r["value"], r["criterion"]),
            )
            for r in agg.iter_rows(named=True)
        ]
        # Largest first within each criterion; unknown values last; ties by label for a stable order.
        out.sort(
            key=lambda b: (
                codes.index(b.criterion) if b.criterion in codes else 99,
                b.value is None,
                -(b.value or 0.0),
                b.label,
            )
        )
        return out

    names = inputs.names
    found = sums.breakdowns
    stage_rows = rows_from(found["stage"], lambda k: str(k))
    stage_rows.sort(
        key=lambda b: (
            codes.index(b.criterion) if b.criterion in codes else 99,
            STAGE_ORDER.index(b.key) if b.key in STAGE_ORDER else 9,
        )
    )
    breakdowns: dict[str, Breakdown] = {}
    breakdowns["stage"] = Breakdown("stage", stage_rows, translated=True)
    breakdowns["category"] = Breakdown("category", rows_from(found["category"], str), translated=True)
    breakdowns["site"] = Breakdown(
        "site", rows_from(found["site"], lambda k: names.sites.get(k, "") if k else "")
    )
    # The allocation of the total to departments (by VMs, volumes, applications' users), as stored with
    # the run (the pages' figures) or, for a run without it, computed.
    allocation = allocated_for(inputs)
    by_department = found.get("department")
    if by_department is None:  # the rows a run stores, made from the allocation computed here
        made = department_rows(allocation).filter(pl.col("dimension") == "department")
        by_department = made.with_columns(pl.col("key").cast(pl.Int64))
    breakdowns["department"] = Breakdown(
        "department", rows_from(by_department, lambda k: names.departments.get(k, "") if k else "")
    )
    breakdowns["application"] = Breakdown(
        "application", rows_from(found["application"], lambda k: names.applications.get(k) or str(k))
    )

    unit = units.get(primary, "")
    quality = data_quality(
        result,
        ready.item_sums,
        primary,
        codes,
        inputs.imports,
        share,
        unknown=sums.totals,
        defaults=ready.defaults,
        methods=ready.methods,
    )
    quality.notes = list(inputs.notes)
    sources, assumptions, defaults = sources_and_assumptions(inputs)
    primary_total = next((t for t in totals if t.criterion == primary), None)
    equipment = result.items.filter(pl.col("item_kind") == "equipment")
    data = ReportData(
        organisation=Organisation(
            name=inputs.organisation,
            employees=inputs.employees,
            inhabitants=inputs.inhabitants,
            users=inputs.users,
            country=inputs.country,
            items=equipment.height,
            quantity=float(equipment.get_column("quantity").fill_null(0).sum() or 0.0),
            author=inputs.author,
            report_version=inputs.report_version,
            issued=inputs.issued,
        ),
        run=inputs.run,
        criteria=criteria,
        primary=primary,
        totals=totals,
        breakdowns=breakdowns,
        hotspots=hotspots(result, ready.item_sums, primary, unit, names, share),
        idle=idle(result, ready.idle_sums, ready.item_sums, primary, unit, names, share),
        quality=quality,
        sources=sources,
        assumptions=assumptions,
        category_defaults=defaults,
    )
    data.departments = departments(allocation, primary, unit, names, share)
    if primary_total is not None:
        data.scope = ready.scope
        data.benchmarks = facts.benchmarks(primary_total.per_employee, primary_total.per_inhabitant)
        data.equivalences = facts.equivalences(primary_total.total) if unit == "kgCO2e" else []
    data.fleet = facts.fleet_facts(result, inputs.factors, inputs.employees)
    return data
