"""What a report is made from: the run's result, the names it points to, the inventory (plain data)."""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import polars as pl

from sobre.footprint.schema import FactorSet, Inventory, Result
from sobre.reporting.model import ImportStat, RunInfo

if TYPE_CHECKING:
    from sobre.reporting.prepared import Allocated, Measuring, Prepared


@dataclass
class Names:
    """Names of the things results point to by id."""

    sites: dict[int, str] = field(default_factory=dict)
    departments: dict[int, str] = field(default_factory=dict)
    applications: dict[int, str] = field(default_factory=dict)
    #: Users per application, for the per-user figure of each application.
    application_users: dict[int, int] = field(default_factory=dict)
    #: Site kind (office, server_room, data_centre, colocation, cloud_region) per site id.
    site_kinds: dict[int, str] = field(default_factory=dict)


@dataclass
class ReportInputs:
    """What the report is made from; the service builds it from the database, tests build it by hand."""

    organisation: str
    run: RunInfo
    result: Result
    names: Names = field(default_factory=Names)
    employees: int | None = None
    inhabitants: int | None = None
    users: int | None = None
    country: str | None = None
    factors: FactorSet | None = None
    imports: list[ImportStat] = field(default_factory=list)
    #: The engine's inputs: the recommendations re-run the engine on them, the departmental allocation
    #: reads the applications and their links.
    inventory: Inventory | None = None
    #: False when the inventory changed since the run: recommendations are then left out.
    inventory_matches_run: bool = True
    #: Equipment ids a person holds beyond one computer, one phone and two monitors (from the
    #: inventory's assignments; the report keeps no name).
    surplus_devices: list[int] = field(default_factory=list)
    author: str = ""
    report_version: str = "1"
    issued: str = ""
    #: Report-level notes (codes with parameters), e.g. the inventory changed since the run.
    notes: list[str] = field(default_factory=list)
    #: The aggregates stored with the run (``footprint.runs.aggregates.COLUMNS``), the figures the web
    #: pages show: the report's totals and breakdowns are read from them (None, or a dimension missing
    #: from them: computed from ``result``).
    aggregates: pl.DataFrame | None = None
    #: The run's figures computed ahead (the service starts them while it reads the inventory); used only
    #: when made from this very ``result`` and ``aggregates``.
    prepared: Future[Prepared] | None = field(default=None, repr=False, compare=False)
    #: The departmental allocation computed ahead (likewise, when made from this result and inventory).
    allocated: Future[Allocated] | None = field(default=None, repr=False, compare=False)
    #: The recommendations' engine runs started ahead (used only when made from these very inputs).
    measuring: Measuring | None = field(default=None, repr=False, compare=False)
