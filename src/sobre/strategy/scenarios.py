"""What-if scenarios: typed changes turned into the footprint engine's own changes, and their effect (pure).

A scenario is an ordered list of :class:`ChangeSpec` (a kind and its parameters, as a user types them).
:func:`to_engine_changes` selects the rows each one acts on and turns it into the changes of
``sobre.footprint.engine.changes`` — the same functions the diagnosis report's recommendations use — so the
engine's rules apply unchanged.  :func:`evaluate` applies **all** the changes in sequence on one copy of the
inputs (``apply_changes``), re-runs the engine on what they touched (``placement.scope``: the equipment and
volumes, with the VMs and applications that hang on them) and returns the delta per criterion and stage:
overlapping changes compound (a longer life on devices half of which go is counted once), they are never
added.

Equipment rows and volumes are computed independently of each other by the engine, so the organisation's
delta is the re-run rows' figures after minus before; allocations (VMs, applications) are compared apart
and never added to a total (they are shares of the equipment).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from sobre.core.errors import InputError
from sobre.footprint.engine.changes import (
    BuyRefurbished,
    Change,
    DeleteStoredData,
    ExtendLifetime,
    MoveToSite,
    Reschedule,
    ReuseAtEndOfLife,
    ScaleQuantity,
    apply_changes,
)
from sobre.footprint.engine.frames import conform
from sobre.footprint.schema import EQUIPMENT, STAGES, FactorSet, Inventory, Result
from sobre.inventory.taxonomy import ACTIVE_STATUSES, SERVER_CATEGORIES
from sobre.strategy import placement

ACTIVE = sorted(str(s) for s in ACTIVE_STATUSES)
SERVERS = sorted(str(c) for c in SERVER_CATEGORIES)

#: Change kinds → (required parameters, optional parameters).  Shares are fractions in [0, 1].
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    # Keep the devices of a category longer: by ``years`` more, or up to ``to_years`` (rows already kept
    # that long are left as they are).
    "extend_lifetime": (("category",), ("years", "to_years")),
    # A ``share`` of the category's purchases is refurbished (the factor set's refurbished factor).
    "refurbished": (("category", "share"), ()),
    # Remove a ``share`` of the category's devices (second screens, desk phones…).
    "fewer_devices": (("category", "share"), ()),
    # Consolidate the virtualisation hosts below ``target_load`` (their allocated share) onto fewer hosts.
    "consolidate_hosts": (("target_load",), ("category",)),
    # Retire the hosts and servers that carry nothing (whole capacity idle; no VM, application or volume).
    "retire_idle_hosts": ((), ("category",)),
    # Switch the category off outside ``hours_per_day`` × ``days_per_year`` (from the schedule the run used).
    "switch_off": (("category", "hours_per_day", "days_per_year"), ("from_hours", "from_days")),
    # A ``share`` of the category leaves through reuse at its end of life (the next user bears it).
    "reuse": (("category", "share"), ()),
    # The electricity of a site comes with a market-based factor (a supply contract with guarantees of
    # origin, GHG Protocol Scope 2 Guidance, WRI 2015): the climate change factor of its use stage.
    "electricity_factor": (("site", "kgco2e_per_kwh"), ()),
    # VMs (names), applications (names: their VMs and servers) or every VM hosted at ``from_site`` move to
    # ``to_site``: their share of the hardware takes the target's PUE and electricity (placement.py).
    "move_to_site": (("to_site",), ("vms", "applications", "from_site")),
    # ``gb`` or ``tb`` of data (one copy), or a ``share`` of the stored data, deleted from the named
    # ``volume``s, an ``application``'s volumes or every volume; ``rot_scan`` / ``rot_finding`` say which
    # data-sobriety plan gave the volume.
    "delete_data": ((), ("gb", "tb", "share", "volume", "application", "rot_scan", "rot_finding")),
}
_SHARES = ("share", "target_load")
_NON_NEGATIVE = ("kgco2e_per_kwh",)
_POSITIVE = ("years", "to_years", "hours_per_day", "days_per_year", "from_hours", "from_days", "gb", "tb")
#: Parameters that are names or lists of names (kept as typed, trimmed).
_TEXT = ("site", "to_site", "from_site", "vms", "applications", "volume", "application", "rot_finding")
_LIMITS = {"hours_per_day": 24.0, "from_hours": 24.0, "days_per_year": 366.0, "from_days": 366.0}


@dataclass(frozen=True)
class ChangeSpec:
    """One change of a scenario as the user states it: ``extend_lifetime`` of ``laptop`` ``to_years=6``."""

    kind: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "params": dict(self.params)}


def check_spec(kind: str, params: Mapping[str, Any]) -> ChangeSpec:
    """A valid :class:`ChangeSpec`, or an InputError naming the parameter and its value."""
    if kind not in KINDS:
        raise InputError.keyed("st.refuse.kind", column="kind", value=kind, expected=", ".join(KINDS))
    required, optional = KINDS[kind]
    clean: dict[str, Any] = {}
    for name in (*required, *optional):
        value = params.get(name)
        if value is None or value == "":
            if name in required:
                raise InputError.keyed(
                    "st.refuse.kind_needs", column=name, value="", expected="a value", kind=kind, name=name
                )
            continue
        if name == "category":
            clean[name] = str(value).strip().lower()
            continue
        if name in _TEXT:
            clean[name] = str(value).strip()
            continue
        if name == "rot_scan":
            if not str(value).strip().isdigit() or int(str(value).strip()) <= 0:
                raise InputError.keyed("st.refuse.scan_id", column=name, value=str(value))
            clean[name] = int(str(value).strip())
            continue
        try:
            number = float(value)
        except (TypeError, ValueError):
            raise InputError.keyed("st.refuse.number", column=name, value=str(value)) from None
        if name in _SHARES and not 0.0 <= number <= 1.0:
            raise InputError.keyed("st.refuse.share", column=name, value=str(value), expected="0–1")
        if name in _POSITIVE and (number <= 0 or number > _LIMITS.get(name, math.inf)):
            raise InputError.keyed(
                "st.refuse.range", column=name, value=str(value), expected=f"> 0, ≤ {_LIMITS.get(name, '∞')}"
            )
        if name in _NON_NEGATIVE and number < 0:
            raise InputError.keyed("st.refuse.factor", column=name, value=str(value), expected="≥ 0")
        clean[name] = number
    unknown = sorted(set(params) - set(required) - set(optional))
    if unknown:
        raise InputError.keyed(
            "st.refuse.kind_takes_no",
            column=unknown[0],
            value=str(params[unknown[0]]),
            kind=kind,
            name=unknown[0],
        )
    if kind == "extend_lifetime" and ("years" in clean) == ("to_years" in clean):
        raise InputError.keyed(
            "st.refuse.years_or_to_years", column="years", value="", expected="one of them"
        )
    if kind == "move_to_site" and not {"vms", "applications", "from_site"} & set(clean):
        raise InputError.keyed(
            "st.refuse.what_moves", column="vms", value="", expected="vms, applications or from_site"
        )
    if kind == "delete_data":
        amounts = [a for a in ("gb", "tb", "share") if a in clean]
        if len(amounts) != 1:
            raise InputError.keyed(
                "st.refuse.one_amount",
                column=amounts[1] if len(amounts) > 1 else "gb",
                value="",
                expected="one of them",
            )
        if clean.get("share") == 0:
            raise InputError.keyed("st.refuse.delete_nothing", column="share", value="0", expected="> 0, ≤ 1")
        if "volume" in clean and "application" in clean:
            raise InputError.keyed(
                "st.refuse.volume_or_application", column="application", value=clean["application"]
            )
    return ChangeSpec(kind, clean)


# ------------------------------------------------------------------------------------------------ selection


class _Selection:
    """The equipment rows the baseline counted, the hosts' idle shares and what carries something."""

    def __init__(self, inventory: Inventory, baseline: Result) -> None:
        self.inventory = inventory
        # Only the rows the run counted (a retired item of a past year is no lever).
        trace = baseline.items.filter(pl.col("item_kind") == "equipment").select(
            pl.col("item_id").alias("id")
        )
        eq = conform(inventory.equipment, EQUIPMENT).join(trace, on="id", how="inner")
        self.eq = eq.filter(
            pl.col("status").fill_null("in_use").is_in(ACTIVE) & pl.col("retirement_date").is_null()
        )
        idle = baseline.items.filter(pl.col("item_kind") == "idle").select(
            pl.col("host_id").alias("id"), "share"
        )
        self.idle = {int(i): float(s or 0.0) for i, s in idle.iter_rows()}
        # Equipment something runs on: VM hosts, equipment running an application, storage arrays.
        self.carried = {
            int(i)
            for frame, column in (
                (inventory.vms, "host_id"),
                (inventory.app_links, "equipment_id"),
                (inventory.storage, "equipment_id"),
            )
            if column in frame.columns
            for i in frame[column].drop_nulls().to_list()
        }

    def rows(self, category: str | None) -> pl.DataFrame:
        return self.eq if category is None else self.eq.filter(pl.col("category") == category)

    @staticmethod
    def ids(frame: pl.DataFrame) -> frozenset[int]:
        return frozenset(int(i) for i in frame["id"].to_list())


def _lifetime(sel: _Selection, p: Mapping[str, Any]) -> list[Change]:
    ids = sel.ids(sel.rows(p["category"]))
    if not ids:
        return []
    if "years" in p:
        return [ExtendLifetime(ids, float(p["years"]))]
    return [ExtendLifetime(ids, 0.0, to_years=float(p["to_years"]))]


def _hosts(sel: _Selection, p: Mapping[str, Any]) -> dict[int, float]:
    """Host id → its idle share, for the hosts of the category (virtualisation hosts by default)."""
    category = p.get("category")
    ids = set(sel.ids(sel.rows(category))) if category else set(sel.ids(sel.eq))
    return {h: s for h, s in sel.idle.items() if h in ids}


def _consolidate(sel: _Selection, p: Mapping[str, Any]) -> list[Change]:
    target = float(p["target_load"])
    factors = {h: (1.0 - s) / target for h, s in _hosts(sel, p).items() if 0 < 1.0 - s < target}
    return [ScaleQuantity(factors)] if factors and target > 0 else []


def _retire_idle(sel: _Selection, p: Mapping[str, Any]) -> list[Change]:
    """Hosts whose whole capacity is idle, and servers that carry nothing the inventory knows of (no VM, no
    application, no volume): "comatose" servers."""
    idle = {h for h, s in _hosts(sel, p).items() if s >= 1.0 - 1e-9}
    servers = sel.rows(p.get("category")).filter(pl.col("category").is_in(SERVERS))
    carried = sel.carried
    idle |= {i for i in sel.ids(servers) if i not in carried and i not in sel.idle}
    return [ScaleQuantity(dict.fromkeys(sorted(idle), 0.0))] if idle else []


def _by_category(make: Callable[[frozenset[int], Mapping[str, Any]], Change]) -> Callable[..., list[Change]]:
    def build(sel: _Selection, p: Mapping[str, Any]) -> list[Change]:
        ids = sel.ids(sel.rows(p["category"]))
        return [make(ids, p)] if ids else []

    return build


_BUILDERS: dict[str, Callable[[_Selection, Mapping[str, Any]], list[Change]]] = {
    "extend_lifetime": _lifetime,
    "refurbished": _by_category(lambda ids, p: BuyRefurbished(ids, float(p["share"]))),
    "fewer_devices": _by_category(lambda ids, p: ScaleQuantity(dict.fromkeys(ids, 1.0 - float(p["share"])))),
    "consolidate_hosts": _consolidate,
    "retire_idle_hosts": _retire_idle,
    "switch_off": _by_category(
        lambda ids, p: Reschedule(
            ids,
            float(p["hours_per_day"]),
            float(p["days_per_year"]),
            float(p.get("from_hours", 24.0)),
            float(p.get("from_days", 365.0)),
        )
    ),
    "reuse": _by_category(lambda ids, p: ReuseAtEndOfLife(ids, float(p["share"]))),
    # Applied to the sites and factors by ``_site_factors``: no equipment change.
    "electricity_factor": lambda sel, p: [],
    "move_to_site": lambda sel, p: placement.move(sel.inventory, sel.eq, p),
    "delete_data": lambda sel, p: placement.delete(sel.inventory, p),
}


def _site_factors(
    specs: list[ChangeSpec], inventory: Inventory, factors: FactorSet
) -> tuple[Inventory, FactorSet, list[frozenset[int]]]:
    """Copies of the inputs where each site given a market-based factor uses a country code of its own,
    ``<country>+contract:<site id>``, whose climate change factor is the contract's (the other criteria stay
    the country's); and, per spec, the equipment rows at that site (empty for other kinds)."""
    import dataclasses

    sites, electricity = inventory.sites, factors.electricity
    eq = conform(inventory.equipment, EQUIPMENT)
    touched: list[frozenset[int]] = []
    for spec in specs:
        if spec.kind != "electricity_factor":
            touched.append(frozenset())
            continue
        row = sites.filter(pl.col("name") == spec.params["site"])
        if row.height == 0:
            raise InputError.keyed(
                "st.refuse.no_site",
                column="site",
                value=str(spec.params["site"]),
                expected=", ".join(sorted(sites["name"].drop_nulls().to_list())[:10]),
            )
        site_id, country = int(row["id"][0]), row["country"][0] or "WORLD"
        code = f"{country.split('+')[0]}+contract:{site_id}"
        value = float(spec.params["kgco2e_per_kwh"])
        base = electricity.filter(pl.col("country") == country.split("+")[0])
        climate = pl.col("criterion") == "climate_change"
        rows = base.with_columns(
            pl.lit(code).alias("country"),
            *[
                pl.when(climate).then(pl.lit(value)).otherwise(pl.col(c)).alias(c)
                for c in ("value", "low", "high")
            ],
            pl.when(climate)
            .then(pl.lit(f"market-based contract of site {site_id}: {value:g} kgCO2e/kWh (scenario input)"))
            .otherwise(pl.col("source"))
            .alias("source"),
        )
        electricity = pl.concat([electricity.filter(pl.col("country") != code), rows], how="vertical_relaxed")
        sites = sites.with_columns(
            pl.when(pl.col("id") == site_id).then(pl.lit(code)).otherwise(pl.col("country")).alias("country")
        )
        touched.append(frozenset(int(i) for i in eq.filter(pl.col("site_id") == site_id)["id"].to_list()))
    return (
        dataclasses.replace(inventory, sites=sites),
        dataclasses.replace(factors, electricity=electricity),
        touched,
    )


def to_engine_changes(specs: list[ChangeSpec], inventory: Inventory, baseline: Result) -> list[list[Change]]:
    """The engine changes of each spec (in order): an empty list when the spec finds no row to act on."""
    sel = _Selection(inventory, baseline)
    return [_BUILDERS[s.kind](sel, s.params) for s in specs]


# --------------------------------------------------------------------------------------------------- effect


@dataclass(frozen=True)
class Cell:
    """Before, after and delta (after − before) of one criterion and stage, with ranges."""

    before: float | None
    after: float | None
    delta: float | None
    low: float | None
    high: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {
            "before": self.before,
            "after": self.after,
            "delta": self.delta,
            "low": self.low,
            "high": self.high,
        }


@dataclass
class Effect:
    """A scenario's effect: per criterion, the delta of the organisation's total and per stage."""

    reference_date: date
    units: dict[str, str]
    #: criterion → organisation's total before (value, low, high).
    totals: dict[str, tuple[float | None, float | None, float | None]]
    #: criterion → stage (or "total") → cell.
    cells: dict[str, dict[str, Cell]]
    #: Per change: kind and the number of rows and units it acts on.
    changes: list[dict[str, Any]]
    items: int
    #: Allocations the changes affect ("vm", "application") → criterion → cell of their sum (total of the
    #: stages): what the moved VMs and the applications on touched hardware weigh before and after.  Never
    #: part of the organisation's total (they are shares of its equipment).
    allocations: dict[str, dict[str, Cell]] = field(default_factory=dict)

    def delta(self, criterion: str, stage: str = "total") -> float | None:
        cell = self.cells.get(criterion, {}).get(stage)
        return None if cell is None else cell.delta

    def relative(self, criterion: str) -> float | None:
        """Delta as a share of the organisation's total (−0.12 = 12 % less)."""
        d, total = self.delta(criterion), self.totals.get(criterion, (None, None, None))[0]
        return None if d is None or not total else d / total

    def to_dict(self) -> dict[str, Any]:
        return {
            "reference_date": self.reference_date.isoformat(),
            "units": self.units,
            "totals": {c: list(v) for c, v in self.totals.items()},
            "cells": {c: {s: cell.to_dict() for s, cell in per.items()} for c, per in self.cells.items()},
            "changes": self.changes,
            "items": self.items,
            "allocations": {
                k: {c: cell.to_dict() for c, cell in per.items()} for k, per in self.allocations.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Effect:
        return cls(
            date.fromisoformat(data["reference_date"]),
            dict(data["units"]),
            {c: tuple(v) for c, v in data["totals"].items()},  # type: ignore[misc]
            {c: {s: Cell(**cell) for s, cell in per.items()} for c, per in data["cells"].items()},
            list(data["changes"]),
            int(data["items"]),
            {
                k: {c: Cell(**cell) for c, cell in per.items()}
                for k, per in data.get("allocations", {}).items()
            },
        )


def _agg_sums(sums: pl.DataFrame, by: list[str]) -> pl.DataFrame:
    """Sums of sums (value, low, high and the count of unknowns ``n``) by ``by``."""
    return sums.group_by(by).agg(
        pl.col("value").sum(), pl.col("low").sum(), pl.col("high").sum(), pl.col("n").sum()
    )


def _by_stage(sums: pl.DataFrame) -> pl.DataFrame:
    """Sums per criterion and stage, plus a "total" stage."""
    total = _agg_sums(sums, ["criterion"]).with_columns(pl.lit("total").alias("stage"))
    return pl.concat([sums, total.select(sums.columns)])


_ALLOCATED = ("vm", "application")


def _loose(items: pl.DataFrame) -> pl.Series:
    """Ids of the volumes on no equipment (their footprint is part of the total, not a host's share)."""
    return items.filter((pl.col("item_kind") == "storage") & pl.col("host_id").is_null())["item_id"]


def _sums(result: Result, keys: Mapping[str, pl.Series] | None) -> pl.DataFrame:
    """In one pass over ``result``'s impacts, sums per group, criterion and stage.  Groups: ``touched`` (items
    of the total among ``keys``, item kind → ids; all of them when ``keys`` is None), ``other`` (the rest of
    the total) and ``vm`` / ``application`` (allocations among ``keys``)."""
    kind, item = pl.col("item_kind"), pl.col("item_id")
    in_total = kind.is_in(["equipment", "cloud"]) | (
        (kind == "storage") & item.is_in(_loose(result.items).implode())
    )
    if keys is None:
        touched: pl.Expr = pl.lit(True)
    else:
        touched = pl.lit(False)
        for k, ids in keys.items():
            touched = touched | ((kind == k) & item.is_in(ids.implode()))
    group = (
        pl.when(in_total & touched)
        .then(pl.lit("touched"))
        .when(in_total)
        .then(pl.lit("other") if keys is not None else pl.lit(None, pl.Utf8))
        .when(kind.is_in(list(_ALLOCATED)) & touched)
        .then(kind)
    )
    return (
        result.impacts.lazy()
        .with_columns(group.alias("group"))
        .filter(pl.col("group").is_not_null())
        .group_by("group", "criterion", "stage")
        .agg(
            pl.col("value").sum(),
            pl.col("low").sum(),
            pl.col("high").sum(),
            pl.col("value").null_count().alias("n"),
        )
        .collect()
    )


def _scoped_keys(result: Result, equipment: frozenset[int], volumes: frozenset[int]) -> dict[str, pl.Series]:
    """Item kind → ids re-run in the scope (and the rows asked for, which the engine may no longer count)."""
    items = result.items
    out = {}
    for kind in ("equipment", "cloud", *_ALLOCATED):
        out[kind] = items.filter(pl.col("item_kind") == kind)["item_id"]
    out["equipment"] = pl.concat([out["equipment"], pl.Series(sorted(equipment), dtype=pl.Int64)]).unique()
    out["storage"] = pl.concat([_loose(items), pl.Series(sorted(volumes), dtype=pl.Int64)]).unique()
    return out


def _allocations(
    before: pl.DataFrame, after: pl.DataFrame, criteria: list[str]
) -> dict[str, dict[str, Cell]]:
    """Per allocation kind (vm, application) re-run in the scope: before and after of their sum."""
    alloc = pl.col("group").is_in(list(_ALLOCATED))
    b = {
        (r["group"], r["criterion"]): r
        for r in _agg_sums(before.filter(alloc), ["group", "criterion"]).to_dicts()
    }
    a = {
        (r["group"], r["criterion"]): r
        for r in _agg_sums(after.filter(alloc), ["group", "criterion"]).to_dicts()
    }
    return {
        kind: {code: _cell(b.get((kind, code)), a.get((kind, code))) for code in criteria}
        for kind in sorted({k for k, _ in a})
    }


def evaluate(
    specs: list[ChangeSpec],
    inventory: Inventory,
    factors: FactorSet,
    baseline: Result,
    compute: Callable[..., Result],
    **engine_options: Any,
) -> Effect:
    """Apply every change in order on one copy of the inputs and recompute: the scenario's effect.

    ``baseline`` is the engine's result on ``inventory`` (a stored run whose inputs match, or a fresh one);
    ``compute`` is the engine (``sobre.footprint.engine.compute``) and ``engine_options`` its keyword
    arguments (profile, reference date, organisation's country).  The engine re-runs the touched equipment
    and volumes with what hangs on them (``placement.scope``): the organisation's delta is their figures
    after minus before, and the VMs' and applications' figures are compared alike.  A delta is unknown
    (None) when the stage it acts on is unknown before or after.
    """
    per_spec = to_engine_changes(specs, inventory, baseline)
    original = inventory
    inventory, factors, at_sites = _site_factors(specs, inventory, factors)
    changes = [c for group in per_spec for c in group]
    ids = frozenset().union(*(c.ids for c in changes), *at_sites)
    volumes = frozenset().union(
        *(c.gb for c in changes if isinstance(c, DeleteStoredData)),
        *(c.volume_ids for c in changes if isinstance(c, MoveToSite)),
    )
    moves = any(isinstance(c, MoveToSite) for c in changes)
    criteria = [c for c in baseline.criteria["code"].to_list() if c is not None]
    units = dict(zip(baseline.criteria["code"].to_list(), baseline.criteria["unit"].to_list(), strict=True))
    allocations: dict[str, dict[str, Cell]] = {}
    rerun: frozenset[int] = frozenset()
    if ids or volumes or moves:
        new_inv, new_factors, touched = apply_changes(inventory, factors, changes, baseline)
        rerun = touched | ids
        result = compute(placement.scope(new_inv, rerun, volumes), new_factors, **engine_options)
        now = _sums(result, None)
        then = _sums(baseline, _scoped_keys(result, rerun, volumes))
        allocations = _allocations(then, now, criteria)
    else:
        then = _sums(baseline, {})
        now = then.filter(pl.col("group") == "touched")
    before = _by_stage(then.filter(pl.col("group") == "touched").drop("group"))
    after = _by_stage(now.filter(pl.col("group") == "touched").drop("group"))
    totals_ = _agg_sums(then.filter(pl.col("group").is_in(["touched", "other"])), ["criterion"])
    totals = {r["criterion"]: (r["value"], r["low"], r["high"]) for r in totals_.to_dicts()}
    b = {(r["criterion"], r["stage"]): r for r in before.to_dicts()}
    a = {(r["criterion"], r["stage"]): r for r in after.to_dicts()}
    cells: dict[str, dict[str, Cell]] = {}
    for code in criteria:
        cells[code] = {}
        for stage in (*STAGES, "total"):
            x, y = b.get((code, stage)), a.get((code, stage))
            cells[code][stage] = _cell(x, y)
    eq = conform(original.equipment, EQUIPMENT)
    described = []
    for spec, group, site_ids in zip(specs, per_spec, at_sites, strict=True):
        touched_ids = frozenset().union(*(c.ids for c in group), site_ids)
        units_ = eq.filter(pl.col("id").is_in(list(touched_ids)))["quantity"].fill_null(1.0).sum()
        extra: dict[str, Any] = {}
        for c in group:
            if isinstance(c, MoveToSite):
                extra["vms"] = extra.get("vms", 0) + len(c.vm_ids)
                extra["volumes"] = extra.get("volumes", 0) + len(c.volume_ids)
            elif isinstance(c, DeleteStoredData):
                extra["volumes"] = extra.get("volumes", 0) + len(c.gb)
                extra["gb_deleted"] = extra.get("gb_deleted", 0.0) + sum(c.gb.values())
        described.append({**spec.to_dict(), "rows": len(touched_ids), "units": float(units_ or 0.0), **extra})
    return Effect(baseline.reference_date, units, totals, cells, described, len(rerun | ids), allocations)


def _cell(before: Mapping[str, Any] | None, after: Mapping[str, Any] | None) -> Cell:
    if before is None and after is None:
        return Cell(0.0, 0.0, 0.0, 0.0, 0.0)
    bv = None if before is None else before["value"]
    av = None if after is None else after["value"]
    if (before and before["n"]) or (after and after["n"]) or bv is None or av is None:
        return Cell(bv, av, None, None, None)
    bl, bh = before["low"], before["high"]  # type: ignore[index]
    al, ah = after["low"], after["high"]  # type: ignore[index]
    delta = av - bv
    # The range of a difference of two ranged sums: the differences of the matching bounds, widened to
    # hold the value (a lower bound after may cross an upper bound before).
    lo, hi = sorted((al - bl, ah - bh))
    return Cell(bv, av, delta, min(lo, delta), max(hi, delta))


__all__ = ["KINDS", "Cell", "ChangeSpec", "Effect", "check_spec", "evaluate", "to_engine_changes"]
