"""Eight recommendations on the usual levers, each quantified by re-running the engine on changed inputs.

Each recommendation is a list of changes (``sobre.footprint.engine.changes``) on the equipment rows it
concerns.  Its effect is the run's own figures for those rows minus the engine's figures for the changed
rows (equipment rows are computed independently of each other, so only they are re-run).  The combined
figure applies every recommendation **in sequence on one copy** of the inventory, so overlapping levers
(a longer life and refurbished purchases act on the same manufacturing) are counted once.

Levers, with the DINUM good-practice guide's practices they implement (DINUM/MTE/INR 2023, Licence
Ouverte 2.0): lifetime (d.2, f.1), refurbished purchases (e.1), fewer devices per person (d.1),
consolidation and virtualisation of servers (h.4), switch-off rules (f.2, f.8), printing (f.7), end-of-life
channels (i.2, i.3), purchasing criteria (e.2).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from dataclasses import replace as dc_replace

import numpy as np
import polars as pl

from sobre.footprint.engine import batch
from sobre.footprint.engine.changes import (
    BuyRefurbished,
    Change,
    EfficientModels,
    ExtendLifetime,
    Reschedule,
    ReuseAtEndOfLife,
    ScaleQuantity,
    apply_changes,
    subset,
)
from sobre.footprint.engine.frames import conform
from sobre.footprint.engine.sums import Totals, item_sums
from sobre.footprint.schema import EQUIPMENT, FactorSet, Inventory, Result
from sobre.inventory.taxonomy import (
    ACTIVE_STATUSES,
    END_USER_CATEGORIES,
    NETWORK_CATEGORIES,
    PUE_SITE_KINDS,
    SERVER_CATEGORIES,
    Category,
)
from sobre.reporting.data import ReportInputs
from sobre.reporting.model import Combined, Figure, Recommendation, ReportData

Compute = Callable[..., Result]

#: Rows of equipment computed in one engine call at most (each call costs about 0.1 s of CPU whatever its
#: size, and its memory grows with its rows): about the largest single scenario of a 100,000-item estate
#: (the combined one), so batching adds no memory at the peak there.
BATCH_ROWS = 110_000

LIFETIME_EXTENSION_YEARS = 2
REFURBISHED_RATE = 0.3
#: Hosts are consolidated to this load (DESIGN §7's example scenario); a host more idle than that is merged.
TARGET_LOAD = 0.6
#: Average utilisation of a server that is not virtualised: NRDC, "Data Center Efficiency Assessment"
#: (issue paper IP:14-08-A, 2014): "average server utilization ... 12 to 18 percent" — the midpoint.
PLAIN_SERVER_LOAD = 0.15
#: Opening hours of offices and schools assumed by the switch-off rule: 11 h a day on 251 weekdays (2025:
#: 365 days − 104 weekend days − 10 public holidays on weekdays).
OPEN_HOURS, OPEN_DAYS = 11.0, 251.0
#: Words of a multifunction printer's type (the shared devices single printers are merged into).
MFP_WORDS = re.compile(r"multifonction|multifunction|\bmfp\b|\bmfc\b|copieur|copier", re.I)

_END_USER = [str(c) for c in END_USER_CATEGORIES]
_ACTIVE = [str(s) for s in ACTIVE_STATUSES]
_SERVERS = [str(c) for c in SERVER_CATEGORIES]


@dataclass(frozen=True)
class Plan:
    """What one recommendation does: the changes, the items concerned, and how it is presented."""

    key: str
    changes: list[Change]
    items: float
    hotspot: str
    cost: str
    owner: str
    horizon: str
    kpi: str
    practice: str
    params: dict[str, float | int | str]


def _engine_compute() -> Compute:
    from sobre.footprint.engine import compute

    return compute


class _Context:
    """The inputs every plan reads: the equipment with the run's trace, and the engine call."""

    def __init__(self, inputs: ReportInputs, compute: Compute) -> None:
        assert inputs.inventory is not None and inputs.factors is not None
        self.inputs = inputs
        self.compute = compute
        self.inventory = dc_replace(
            inputs.inventory, equipment=conform(inputs.inventory.equipment, EQUIPMENT)
        )
        trace = inputs.result.items.filter(pl.col("item_kind") == "equipment").select(
            pl.col("item_id").alias("id"),
            pl.col("lifetime_years").alias("_life"),
            pl.col("kwh_method").alias("_kwh_method"),
            pl.col("factor_ref").alias("_ref"),
        )
        sites = self.inventory.sites.select(pl.col("id").alias("site_id"), pl.col("kind").alias("_site_kind"))
        # Only the rows the run counted (a retired item of a past year is no lever).
        self.eq = self.inventory.equipment.join(trace, on="id", how="inner").join(
            sites, on="site_id", how="left"
        )

    def changed(self, ids: frozenset[int], changes: list[Change]) -> tuple[Inventory, FactorSet]:
        """The rows ``ids`` with ``changes`` applied, and the factors they are computed with (``ids``
        holds every row the changes name)."""
        assert self.inputs.factors is not None
        # The changes act on ``ids`` only and the engine computes equipment rows independently of each
        # other, so they are applied to those rows alone rather than to a copy of the whole inventory;
        # the rows they add (a refurbished share) come with them.
        inv, factors, _ = apply_changes(
            subset(self.inventory, ids), self.inputs.factors, changes, self.inputs.result
        )
        return inv, factors

    def run(self, scenarios: list[tuple[frozenset[int], list[Change]]], criteria: list[str]) -> list[Totals]:
        """The sums per criterion (:class:`ItemSums`) of the engine's equipment impacts of each scenario
        (the rows ``ids`` with ``changes`` applied).  Scenarios whose changes leave the same factors are
        computed together, in calls of at most :data:`BATCH_ROWS` rows, each call's inputs made just
        before it and only the sums kept (seven scenarios' inputs and impact rows held together took
        300 MB)."""
        groups: dict[tuple, list[int]] = {}
        for i, (_, changes) in enumerate(scenarios):
            groups.setdefault(_factor_key(changes), []).append(i)
        out: list[Totals | None] = [None] * len(scenarios)
        for members in groups.values():
            for chunk in _packed(members, [len(scenarios[i][0]) for i in members]):
                made = [self.changed(*scenarios[i]) for i in chunk]
                # Together only with the same factors (the key says they are; this makes sure).
                parts = [[0]] + [[k] for k in range(1, len(made))]
                if all(_same_factors(made[0][1], f) for _, f in made[1:]):
                    parts = [list(range(len(made)))]
                for part in parts:
                    result, stride = batch.compute_together(
                        [made[k][0] for k in part],
                        made[part[0]][1],
                        profile=self.inputs.run.profile,
                        reference_date=self.inputs.run.reference_date,
                        org_country=self.inputs.country,
                        compute=self.compute,
                    )
                    # Each item's sums once, then each scenario's: its id range (see ``batch``).
                    sums = item_sums(result)
                    del result
                    for k, scenario in enumerate(part):
                        rows = sums.rows_between(k * stride, (k + 1) * stride)
                        out[chunk[scenario]] = sums.totals(rows, criteria)
                    del sums
                del made
        return [f for f in out if f is not None]


def _factor_key(changes: list[Change]) -> tuple:
    """What of ``changes`` acts on the factor set (efficient purchases add factors); the others leave it."""
    return tuple(
        (tuple(sorted(c.manufacturing.items())), tuple(sorted(c.energy.items())))
        for c in changes
        if isinstance(c, EfficientModels)
    )


def _packed(members: list[int], rows: list[int]) -> list[list[int]]:
    """``members`` in groups of at most :data:`BATCH_ROWS` rows (first fit; a larger one goes alone): the
    engine's memory grows with the rows of a call, and one call over every lever's rows of a 100,000-item
    estate (420,000 rows) took 350 MB more at its peak than the largest lever alone."""
    bins: list[tuple[int, list[int]]] = []
    for member, n in zip(members, rows, strict=True):
        at = next((k for k, (used, _) in enumerate(bins) if used + n <= BATCH_ROWS), None)
        if at is None:
            bins.append((n, [member]))
        else:
            used, chosen = bins[at]
            bins[at] = (used + n, [*chosen, member])
    return [chosen for _, chosen in bins]


def _same_factors(a: FactorSet, b: FactorSet) -> bool:
    """Whether two scenarios' factor sets are the same (a lever such as efficient purchases adds factors)."""
    if a is b:
        return True
    for f in fields(a):
        x, y = getattr(a, f.name), getattr(b, f.name)
        same = x is y or (x.equals(y) if isinstance(x, pl.DataFrame) else x == y)
        if not same:
            return False
    return True


def _ids(frame: pl.DataFrame) -> frozenset[int]:
    return frozenset(frame["id"].cast(pl.Int64).to_list())


def _units(frame: pl.DataFrame) -> float:
    return float(frame["quantity"].fill_null(1.0).sum() or 0.0)


def _end_user_in_service(ctx: _Context) -> pl.DataFrame:
    return ctx.eq.filter(
        pl.col("category").is_in(_END_USER)
        & pl.col("status").fill_null("in_use").is_in(_ACTIVE)
        & pl.col("retirement_date").is_null()
    )


def lifetime(ctx: _Context) -> Plan | None:
    """Keep end-user devices two years longer than the lifetime the run used."""
    devices = _end_user_in_service(ctx)
    if devices.height == 0:
        return None
    return Plan(
        "lifetime_extension",
        [ExtendLifetime(_ids(devices), LIFETIME_EXTENSION_YEARS)],
        _units(devices),
        "end_user",
        "savings",
        "it_department",
        "short",
        "average_lifetime",
        "d.2, f.1",
        {"years": LIFETIME_EXTENSION_YEARS},
    )


def refurbished(ctx: _Context) -> Plan | None:
    """Buy refurbished for 30 % of renewals of the categories the factor set has a refurbished factor for."""
    assert ctx.inputs.factors is not None
    cats = [k.split(":", 1)[1] for k in ctx.inputs.factors.hypotheses if k.startswith("refurbished_factor:")]
    devices = _end_user_in_service(ctx).filter(
        pl.col("category").is_in(cats) & ~pl.col("refurbished").fill_null(False)
    )
    if devices.height == 0 or ctx.inputs.run.profile != "sobre":
        return None
    return Plan(
        "refurbished",
        [BuyRefurbished(_ids(devices), REFURBISHED_RATE)],
        _units(devices),
        "renewals",
        "savings",
        "it_and_purchasing",
        "medium",
        "refurbished_share",
        "e.1",
        {"rate": REFURBISHED_RATE},
    )


def fewer_devices(ctx: _Context) -> Plan | None:
    """Withdraw the devices a person holds beyond one computer, one phone and two monitors."""
    surplus = ctx.eq.filter(pl.col("id").is_in(ctx.inputs.surplus_devices))
    if surplus.height == 0:
        return None
    return Plan(
        "fewer_devices",
        [ScaleQuantity(dict.fromkeys(_ids(surplus), 0.0))],
        _units(surplus),
        "equipment_rate",
        "savings",
        "it_department",
        "short",
        "devices_per_user",
        "d.1",
        {},
    )


def servers(ctx: _Context) -> Plan | None:
    """Consolidate hosts below the target load and virtualise the servers that are not hosts."""
    items = ctx.inputs.result.items
    idle = items.filter(pl.col("item_kind") == "idle").select(pl.col("host_id").alias("id"), "share")
    factors: dict[int, float] = {}
    for host_id, idle_share in idle.iter_rows():
        load = 1.0 - (idle_share or 0.0)
        if load < TARGET_LOAD:
            factors[int(host_id)] = load / TARGET_LOAD
    hosts = set(items.filter(pl.col("item_kind").is_in(["vm", "idle"]))["host_id"].drop_nulls().to_list())
    plain = ctx.eq.filter(
        pl.col("category").is_in(_SERVERS)
        & ~pl.col("id").is_in(list(hosts))
        & pl.col("status").fill_null("in_use").is_in(_ACTIVE)
    )
    for server_id in plain["id"].to_list():
        factors[int(server_id)] = PLAIN_SERVER_LOAD / TARGET_LOAD
    if not factors:
        return None
    return Plan(
        "servers",
        [ScaleQuantity(factors)],
        float(len(factors)),
        "idle",
        "medium",
        "infrastructure",
        "medium",
        "virtualisation_rate",
        "h.4",
        {"target": TARGET_LOAD, "plain": plain.height, "load": PLAIN_SERVER_LOAD},
    )


def switch_off(ctx: _Context) -> Plan | None:
    """Switch always-on office equipment off outside opening hours (phones, Wi-Fi, switches, screens)."""
    assert ctx.inputs.factors is not None
    d = ctx.inputs.factors.defaults
    hours = dict(zip(d["ref"].to_list(), d["hours_per_day"].to_list(), strict=True))
    days = dict(zip(d["ref"].to_list(), d["days_per_year"].to_list(), strict=True))
    ref = pl.col("_ref")
    h = pl.coalesce("hours_per_day", ref.replace_strict(hours, default=None, return_dtype=pl.Float64))
    dd = pl.coalesce("days_per_year", ref.replace_strict(days, default=None, return_dtype=pl.Float64))
    office = ~pl.col("_site_kind").is_in([str(k) for k in PUE_SITE_KINDS]).fill_null(False)
    cats = [*_END_USER, *(str(c) for c in NETWORK_CATEGORIES)]
    # Always on: by its profile, or a declared yearly energy for network gear (which runs day and night).
    always = (h.fill_null(0) >= 20) | (
        pl.col("category").is_in([str(c) for c in NETWORK_CATEGORIES]) & pl.col("annual_kwh").is_not_null()
    )
    chosen = ctx.eq.filter(
        pl.col("category").is_in(cats)
        & office
        & always
        & (pl.col("_kwh_method") != "not_powered")
        & (pl.col("_kwh_method") != "measured")
    ).with_columns(h.fill_null(24.0).alias("_h"), dd.fill_null(365.0).alias("_d"))
    if chosen.height == 0:
        return None
    changes: list[Change] = [
        Reschedule(_ids(group), OPEN_HOURS, OPEN_DAYS, float(hh), float(ddd))
        for (hh, ddd), group in chosen.group_by(["_h", "_d"])
    ]
    return Plan(
        "switch_off",
        changes,
        _units(chosen),
        "always_on",
        "low",
        "it_and_facilities",
        "short",
        "switched_off_share",
        "f.2, f.8",
        {"hours": OPEN_HOURS, "days": OPEN_DAYS},
    )


def printing(ctx: _Context) -> Plan | None:
    """Merge single-function printers into the shared multifunction printers."""
    printers = ctx.eq.filter(pl.col("category") == str(Category.PRINTER))
    labels = printers.with_columns(
        (pl.col("type_label").fill_null("") + " " + pl.col("model").fill_null(""))
        .map_elements(lambda t: bool(MFP_WORDS.search(t)), return_dtype=pl.Boolean)
        .alias("_mfp")
    )
    single = labels.filter(~pl.col("_mfp"))
    if single.height == 0 or labels.filter(pl.col("_mfp")).height == 0:
        return None
    return Plan(
        "printing",
        [ScaleQuantity(dict.fromkeys(_ids(single), 0.0))],
        _units(single),
        "printers",
        "low",
        "it_and_responsible_digital",
        "short",
        "users_per_printer",
        "f.7, d.1",
        {},
    )


def reuse(ctx: _Context) -> Plan | None:
    """Hand end-user devices on for reuse (donation, resale) at the end of their use here."""
    devices = ctx.eq.filter(pl.col("category").is_in(_END_USER) & (pl.col("reuse_share").fill_null(0) < 1))
    if devices.height == 0 or ctx.inputs.run.profile != "sobre":
        return None
    return Plan(
        "reuse",
        [ReuseAtEndOfLife(_ids(devices), 1.0)],
        _units(devices),
        "end_of_life",
        "low",
        "it_and_responsible_digital",
        "short",
        "reuse_rate",
        "i.2, i.3",
        {},
    )


def purchasing(ctx: _Context) -> Plan | None:
    """Renew with models in the best quarter of manufacturers' footprints (manufacturing and energy)."""
    assert ctx.inputs.factors is not None
    hyp = ctx.inputs.factors.hypotheses
    mfg = {k.split(":", 1)[1]: v for k, v in hyp.items() if k.startswith("efficient_manufacturing:")}
    energy = {k.split(":", 1)[1]: v for k, v in hyp.items() if k.startswith("efficient_energy:")}
    refs = set(mfg) | set(energy)
    devices = _end_user_in_service(ctx).filter(pl.col("_ref").is_in(list(refs)))
    if devices.height == 0:
        return None
    return Plan(
        "purchasing",
        [EfficientModels(_ids(devices), mfg, energy)],
        _units(devices),
        "renewals",
        "low",
        "purchasing",
        "long",
        "purchases_meeting_criteria",
        "e.2",
        {},
    )


#: In the order the combined scenario applies them: fewer devices first (nothing is done to a device that
#: goes), then what changes a device's life, then energy and end of life.
PLANS = (fewer_devices, lifetime, refurbished, purchasing, printing, servers, switch_off, reuse)


def _avoided(before: dict, after: dict, data: ReportData) -> dict[str, Figure]:
    """Before − after per criterion; the range is the difference of the bounds, widened to hold the value.
    An effect that is 0 only because the stages it acts on are unknown is unknown."""
    units = {c.code: c.unit for c in data.criteria}
    out = {}
    for code in units:
        bv, bl, bh, bu = before.get(code, (None, None, None, 0))
        av, al, ah, au = after.get(code, (None, None, None, 0))
        if None in (bv, av, bl, al, bh, ah) or ((bv - av) == 0 and (bu or au)):
            out[code] = Figure(None, None, None, units[code], max(bu, au))
            continue
        value = bv - av
        lo, hi = sorted((bl - al, bh - ah))
        out[code] = Figure(value, min(lo, value), max(hi, value), units[code], max(bu, au))
    return out


def _share(fig: Figure | None, data: ReportData) -> float | None:
    total = data.total(data.primary).total.value
    if fig is None or fig.value is None or not total:
        return None
    return fig.value / total


@dataclass
class Measured:
    """The engine's figures for each plan and for all of them combined, before any presentation."""

    #: (plan, before, after): sums per criterion of the run's rows the plan changes, and of the changed rows.
    plans: list[tuple[Plan, Totals, Totals]]
    combined: tuple[Totals, Totals] | None


def measure(inputs: ReportInputs, criteria: list[str], compute: Compute | None = None) -> Measured:
    """Re-run the engine for every recommendation that applies and for their combination (the long part:
    it reads only the inputs, so it can run while the rest of the report's data is built)."""
    if inputs.inventory is None or inputs.factors is None or inputs.inventory.equipment.height == 0:
        return Measured([], None)
    ctx = _Context(inputs, compute or _engine_compute())
    plans = [p for p in (make(ctx) for make in PLANS) if p is not None]
    run_sums = item_sums(inputs.result)  # the "before" of every plan: each item's sums made once
    # Every plan's rows, then (last) all of them with every change in sequence: computed together.
    id_sets = [frozenset().union(*(c.ids for c in plan.changes)) for plan in plans]
    scenarios = [(ids, plan.changes) for ids, plan in zip(id_sets, plans, strict=True)]
    if plans:
        all_changes = [c for p in plans for c in p.changes]
        id_sets.append(frozenset().union(*(c.ids for c in all_changes)))
        scenarios.append((id_sets[-1], all_changes))
    afters = ctx.run(scenarios, criteria)
    befores: dict[frozenset[int], Totals] = {}  # levers on the same rows share their "before"
    for ids in id_sets:
        if ids not in befores:
            chosen = np.fromiter(ids, dtype=np.int64, count=len(ids))
            befores[ids] = run_sums.totals(run_sums.rows_of(chosen), criteria)
    measured = [(plan, befores[ids], after) for plan, ids, after in zip(plans, id_sets, afters, strict=False)]
    combined = None
    if plans:
        combined = (befores[id_sets[-1]], afters[-1])
    return Measured(measured, combined)


def present(measured: Measured, data: ReportData) -> tuple[list[Recommendation], Combined | None]:
    """The recommendations (largest effect first) and their combined effect, from the engine's figures."""
    found = []
    for plan, before, after in measured.plans:
        avoided = _avoided(before, after, data)
        found.append(
            Recommendation(
                plan.key,
                plan.params,
                plan.items,
                avoided,
                _share(avoided.get(data.primary), data),
                plan.hotspot,
                plan.cost,
                plan.owner,
                plan.horizon,
                plan.kpi,
                plan.practice,
            )
        )
    combined = None
    if measured.combined is not None:
        avoided = _avoided(*measured.combined, data)
        keys = [plan.key for plan, _, _ in measured.plans]
        combined = Combined(avoided, _share(avoided.get(data.primary), data), keys)
    found.sort(key=lambda r: -(r.avoided[data.primary].value or 0.0) if data.primary in r.avoided else 0.0)
    return found, combined


def recommend(
    inputs: ReportInputs, data: ReportData, compute: Compute | None = None
) -> tuple[list[Recommendation], Combined | None]:
    """The recommendations that apply to this inventory (largest effect first) and their combined effect."""
    return present(measure(inputs, [c.code for c in data.criteria], compute), data)


__all__ = ["PLANS", "Measured", "measure", "present", "recommend"]
