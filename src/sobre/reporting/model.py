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
    per_inhabitant: Figure | None = None
    #: Stage → number of items whose figure for that stage is unknown: a criterion with any is *partial*.
    unknown_by_stage: dict[str, int] = field(default_factory=dict)

    @property
    def partial(self) -> bool:
        return any(self.unknown_by_stage.values())


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
    #: For a virtualisation host: the share left idle (its idle capacity is part of this one row).
    idle_share: float | None = None


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
class DefaultShare:
    """The part of one criterion's total resting on a default for one parameter (``any``: at least one)."""

    criterion: str
    parameter: str  # factor, lifetime, energy, pue, usage, country, any
    share: float | None
    items_default: int
    items: int


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
    default_share: float | None  # share of the primary total resting on at least one default parameter
    rows_read: int
    rows_rejected: int
    imports: list[ImportStat]
    warnings: list[str]
    #: Per criterion and parameter: how much rests on defaults (computed from each parameter's method).
    default_shares: list[DefaultShare] = field(default_factory=list)
    #: Parameter → {method: items}: how each parameter was chosen.
    methods: dict[str, dict[str, int]] = field(default_factory=dict)
    #: Messages of the report itself (e.g. the inventory changed since the run), as codes.
    notes: list[str] = field(default_factory=list)


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
    #: lifetime_extension, refurbished, fewer_devices, servers, switch_off, printing, reuse, purchasing
    key: str
    params: dict[str, float | int | str]
    items: float  # number of items concerned
    avoided: dict[str, Figure]  # per criterion, per year
    share: float | None  # avoided share of the primary total
    hotspot: str  # what in the diagnosis triggered it
    cost: str = ""  # order of magnitude: savings, low, medium, high
    owner: str = ""  # owner role (message key suffix)
    horizon: str = ""  # short (< 1 y), medium (1-3 y), long (> 3 y)
    kpi: str = ""  # the indicator that will show it worked (message key suffix)
    practice: str = ""  # the DINUM good-practice guide's practice ids it implements, e.g. "d.2, f.1"


@dataclass
class Combined:
    """Every recommendation applied in sequence on one copy of the inventory: overlaps counted once."""

    avoided: dict[str, Figure]
    share: float | None
    keys: list[str]


@dataclass
class DepartmentRow:
    department_id: int | None  # None: shared / unallocated
    name: str
    figure: Figure  # primary criterion
    share: float | None
    keys: dict[str, float]  # allocation key → part of the figure


@dataclass
class AgeBand:
    label: str  # "0-1", "1-2", … "8+", "unknown"
    counts: dict[str, float]  # category → units


@dataclass
class FleetFacts:
    """What the fleet looks like: devices per agent, age, stock, renewals, old items, servers."""

    per_agent: dict[str, float | None]  # category → units per agent
    units: dict[str, float]  # category → units counted
    age_bands: list[AgeBand]
    median_age: dict[str, float | None]  # category → median age (years)
    past_default: dict[str, float]  # category → units older than the category's default lifetime
    in_stock: float
    renewal_rate: float | None  # units bought during the reporting year / units
    servers: int  # physical servers
    virtualisation_hosts: int
    plain_servers: int  # servers that are not virtualisation hosts


@dataclass
class ScopeSplit:
    """The total split as in the ADEME/Arcep studies: end-user devices, networks, data centres."""

    end_user: Figure
    network: Figure
    data_centre: Figure
    in_scope: list[str]  # message keys of what the inventory covers
    out_of_scope: list[str]  # message keys of what the diagnosis does not measure


@dataclass
class Benchmark:
    key: str  # reference id (message key suffix)
    per: str  # agent, inhabitant
    reference: float  # kgCO2e per person and year
    ours: Figure | None  # the organisation's figure per person
    source: str
    year: int


@dataclass
class Equivalence:
    key: str  # message key suffix
    unit_value: float  # kgCO2e per unit
    count: float | None  # how many units the total equals
    source: str


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
    author: str = ""  # who hands the report over (cover page)
    report_version: str = "1"
    issued: str = ""  # date the report was written (ISO)


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
    combined: Combined | None = None
    departments: list[DepartmentRow] = field(default_factory=list)
    fleet: FleetFacts | None = None
    scope: ScopeSplit | None = None
    benchmarks: list[Benchmark] = field(default_factory=list)
    equivalences: list[Equivalence] = field(default_factory=list)
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
