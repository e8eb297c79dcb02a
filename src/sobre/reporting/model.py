"""The report's data model: plain dataclasses, language-independent, read by every renderer and export.

Keys that have a translation (stages, categories, statuses, criteria) are stored as codes; the renderer
translates them.  Names from the inventory (sites, departments, applications, items) are stored as written.
A figure whose ``value`` is None is unknown (never zero); ``unknown`` counts the items whose value is unknown.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any


@dataclass
class Figure:
    """A value with its range and unit; ``unknown`` items were left out of the sum (never counted as 0)."""

    value: float | None
    low: float | None
    high: float | None
    unit: str
    unknown: int = 0

    def scaled(self, k: float) -> Figure:
        """The same figure divided or multiplied by a positive constant (per employee, per user)."""
        if self.value is None or self.low is None or self.high is None:
            return Figure(None, None, None, self.unit, self.unknown)
        return Figure(self.value * k, self.low * k, self.high * k, self.unit, self.unknown)


@dataclass
class Criterion:
    code: str
    label_en: str
    label_fr: str
    unit: str


@dataclass
class CriterionTotal:
    criterion: str
    total: Figure
    per_employee: Figure | None  # None: the headcount is unknown
    per_user: Figure | None


@dataclass
class BreakdownRow:
    key: str  # stable key: a code (stage, category) or an id
    label: str  # name as written in the inventory, or the code when translated by the renderer
    criterion: str
    value: float | None
    low: float | None
    high: float | None
    unit: str
    unknown: int
    share: float | None  # of the criterion's total, 0..1


@dataclass
class Breakdown:
    by: str  # stage, category, site, department, application
    rows: list[BreakdownRow]
    #: True when the labels are codes to translate (stage, category).
    translated: bool = False

    def for_criterion(self, criterion: str) -> list[BreakdownRow]:
        return [r for r in self.rows if r.criterion == criterion]


@dataclass
class Hotspot:
    item_kind: str
    item_id: int
    name: str
    category: str | None
    site: str | None
    quantity: float | None
    status: str | None
    lifetime_years: float | None
    figure: Figure
    share: float | None


@dataclass
class IdleHost:
    host_id: int
    host: str
    site: str | None
    idle_share: float | None  # share of the host left unallocated, 0..1
    idle: Figure  # impact of the idle capacity, primary criterion
    host_total: Figure


@dataclass
class IdleCapacity:
    hosts_with_vms: int
    hosts_over_half_idle: int
    total: Figure  # idle impact, primary criterion
    share_of_total: float | None
    hosts: list[IdleHost]


@dataclass
class QualityRow:
    key: str
    items: int
    quantity: float
    value: float | None  # primary criterion
    share: float | None


@dataclass
class ImportStat:
    file_name: str
    kind: str
    rows_read: int
    inserted: int
    updated: int
    rejected: int
    rejects_path: str | None


@dataclass
class DataQuality:
    by_status: list[QualityRow]
    by_level: list[QualityRow]
    lifetime_methods: dict[str, int]
    kwh_methods: dict[str, int]
    #: Yearly use-stage electricity of the counted equipment (quantity × kWh) and the part that was measured.
    kwh_total: float
    kwh_measured: float
    unknown_by_criterion: dict[str, int]
    default_share: float | None  # share of the primary total resting on default inputs
    rows_read: int
    rows_rejected: int
    imports: list[ImportStat]
    warnings: list[str]


@dataclass
class Source:
    source: str
    licence: str
    rows: int
    kind: str  # impacts, electricity, factor_set


@dataclass
class Assumption:
    key: str  # message key suffix or a hypothesis name
    value: str


@dataclass
class CategoryDefault:
    category: str
    lifetime_years: float | None
    lifetime_low: float | None
    lifetime_high: float | None
    annual_kwh: float | None
    power_w: float | None
    hours_per_day: float | None
    days_per_year: float | None
    source: str


@dataclass
class Recommendation:
    key: str  # lifetime_extension, consolidation, refurbished
    params: dict[str, float | int | str]
    items: float  # number of items concerned
    avoided: dict[str, Figure]  # per criterion, per year
    share: float | None  # avoided share of the primary total
    hotspot: str  # what in the diagnosis triggered it


@dataclass
class RunInfo:
    run_id: int | None
    created_at: str | None
    reference_date: date
    profile: str
    engine_version: str
    methodology: str
    factor_set_id: str
    factor_set_version: str
    factor_set_publisher: str = ""
    factor_set_year: int | None = None
    factor_set_licence: str = ""
    inputs_hash: str = ""


@dataclass
class Organisation:
    name: str
    employees: int | None
    inhabitants: int | None
    users: int | None  # people with at least one device assigned
    country: str | None
    items: int  # equipment rows counted in the total
    quantity: float  # equipment units counted in the total


@dataclass
class ReportData:
    """Everything the diagnosis report shows; rendering and exports only read this."""

    organisation: Organisation
    run: RunInfo
    criteria: list[Criterion]
    primary: str  # the criterion charts and rankings use (climate change when the set has it)
    totals: list[CriterionTotal]
    breakdowns: dict[str, Breakdown]
    hotspots: list[Hotspot]
    idle: IdleCapacity
    quality: DataQuality
    sources: list[Source]
    assumptions: list[Assumption]
    category_defaults: list[CategoryDefault]
    recommendations: list[Recommendation] = field(default_factory=list)
    #: Sections other capabilities add through the registry's ``report`` hook (maturity…), by language.
    extra_sections: dict[str, list[Any]] = field(default_factory=dict)

    def criterion(self, code: str) -> Criterion:
        return next(c for c in self.criteria if c.code == code)

    def total(self, code: str) -> CriterionTotal:
        return next(t for t in self.totals if t.criterion == code)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data (dates as ISO strings)."""
        data = asdict(self)
        data.pop("extra_sections")  # rendered HTML, not figures
        data["run"]["reference_date"] = self.run.reference_date.isoformat()
        return data
