"""The run's figures that need neither the inventory nor the names of sites or applications: the totals,
breakdowns, per-item sums and quality counts the report reads; and the departmental allocation, which needs
the inventory's applications and links.  Pure; the service computes the first in a thread while it reads
the inventory (Polars releases the interpreter lock, the inventory's rows do not), the allocation as soon
as the inventory is read, while it reads the rest.  The recommendations' engine runs are started here too,
as soon as the inventory and factors are read.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from sobre.footprint.engine.quality import ParameterShare, default_shares, method_counts
from sobre.footprint.schema import Inventory, Result
from sobre.reporting import facts
from sobre.reporting.breakdowns import RunRows, Sums, aggregate, run_sums
from sobre.reporting.model import Criterion

if TYPE_CHECKING:
    from sobre.reporting.inputs import ReportInputs
    from sobre.reporting.recommendations import Measured

PRIMARY_CRITERION = "climate_change"


def criteria_of(result: Result) -> list[Criterion]:
    rows = result.criteria.to_dicts()
    used = set(result.impacts.get_column("criterion").unique().to_list()) if result.impacts.height else set()
    criteria = [
        Criterion(r["code"], r["label_en"] or r["code"], r["label_fr"] or r["code"], r["unit"]) for r in rows
    ]
    # A criterion present in the impacts but absent from the criteria frame is still shown, with its code.
    known = {c.code for c in criteria}
    criteria += [Criterion(code, code, code, "") for code in sorted(used - known)]
    return criteria


def primary_of(codes: list[str]) -> str:
    return PRIMARY_CRITERION if PRIMARY_CRITERION in codes else (codes[0] if codes else PRIMARY_CRITERION)


def item_sums(frame: pl.DataFrame, primary: str) -> pl.DataFrame:
    """The primary criterion's sums per item of ``frame`` (the same rows in the same order as apart)."""
    return aggregate(frame.filter(pl.col("criterion") == primary), ["item_kind", "item_id"])


@dataclass
class Prepared:
    result: Result
    aggregates: pl.DataFrame | None
    site_kinds: dict[int, str]
    criteria: list[Criterion]
    primary: str
    sums: Sums
    #: The primary criterion's sums per item of the total, and per idle-capacity row.
    item_sums: pl.DataFrame
    idle_sums: pl.DataFrame
    defaults: list[ParameterShare]
    methods: dict[str, dict[str, int]]
    #: ``facts.scope_split`` of the primary criterion (None when the run has no criterion).
    scope: Any

    def made_from(self, result: Result, aggregates: pl.DataFrame | None, site_kinds: dict[int, str]) -> bool:
        return self.result is result and self.aggregates is aggregates and self.site_kinds == site_kinds


def prepare(result: Result, aggregates: pl.DataFrame | None, site_kinds: dict[int, str]) -> Prepared:
    criteria = criteria_of(result)
    codes = [c.code for c in criteria]
    primary = primary_of(codes)
    rows = RunRows(result)
    sums = run_sums(rows, aggregates)
    scope = None
    if primary in codes:
        unit = next(c.unit for c in criteria if c.code == primary)
        scope = facts.scope_split(
            result, primary, unit, site_kinds, facts.in_scope_keys(result), counted=rows.counted
        )
    # Idle rows carry no item column the sums need: read from the impacts, not the joined rows.
    idle = result.impacts.filter(pl.col("item_kind") == "idle")
    return Prepared(
        result=result,
        aggregates=aggregates,
        site_kinds=dict(site_kinds),
        criteria=criteria,
        primary=primary,
        sums=sums,
        item_sums=item_sums(rows.counted, primary),
        idle_sums=item_sums(idle, primary),
        defaults=default_shares(result),
        methods=method_counts(result),
        scope=scope,
    )


@dataclass
class Allocated:
    """``footprint.engine.departments.allocate_departments`` of one result and inventory, all stages
    together (stage null)."""

    result: Result
    inventory: Inventory | None
    frame: pl.DataFrame

    def made_from(self, result: Result, inventory: Inventory | None) -> bool:
        return self.result is result and self.inventory is inventory


def allocate(result: Result, inventory: Inventory | None) -> Allocated:
    """The allocation's all-stages rows (the report shows departments over all stages)."""
    from sobre.footprint.engine.departments import allocate_departments

    frame = allocate_departments(result, inventory, all_stages=True).filter(pl.col("stage").is_null())
    return Allocated(result, inventory, frame)


@dataclass
class Measuring:
    """The recommendations' engine runs (``recommendations.measure``) started ahead for some inputs."""

    key: tuple
    future: Future[Measured]

    def made_from(self, inputs: ReportInputs, codes: list[str]) -> bool:
        return self.key == _measure_key(inputs, codes)


def _measure_key(inputs: ReportInputs, codes: list[str]) -> tuple:
    """What ``measure`` reads of the inputs: the same objects (and values) give the same figures."""
    run = inputs.run
    return (
        id(inputs.inventory),
        id(inputs.factors),
        id(inputs.result),
        tuple(inputs.surplus_devices),
        run.profile,
        run.reference_date,
        inputs.country,
        tuple(codes),
    )


def start_measuring(inputs: ReportInputs) -> Measuring:
    """Start the recommendations' engine runs for ``inputs`` in a thread of their own (the longest part of
    a report: started as soon as the inventory and factors are read, they run while the rest is read and
    the breakdowns are built)."""
    from sobre.reporting import recommendations

    codes = [c.code for c in criteria_of(inputs.result)]
    pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sobre-recommendations")
    try:
        return Measuring(_measure_key(inputs, codes), pool.submit(recommendations.measure, inputs, codes))
    finally:
        pool.shutdown(wait=False)
