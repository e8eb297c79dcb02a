"""Changes to the engine's inputs: the step a what-if scenario repeats before re-running the engine (pure).

A change is a small frozen dataclass naming the equipment rows it acts on (``ids``) and what it does;
:func:`apply_changes` applies a list of them **in order on one copy** of the inventory and factor set, so
that changes acting on the same rows compound instead of being added (no double counting), and returns
the ids it touched: the engine computes equipment rows independently of each other, so re-running it on
those rows alone gives the effect on the organisation's total.  Moves (:class:`MoveToSite`) also change the
VMs' hosts and allocation keys, deletions (:class:`DeleteStoredData`) the volumes: a caller re-running the
engine on part of the estate includes the touched volumes and what hangs on the touched hosts.

Changes that need what the run used (the lifetime an item was amortised over, its yearly energy) take the
run's ``Result``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

import polars as pl

from sobre.footprint.engine.frames import conform
from sobre.footprint.schema import EQUIPMENT, STORAGE, VMS, FactorSet, Inventory, Result


@dataclass(frozen=True)
class ExtendLifetime:
    """Keep the items ``years`` longer than the lifetime the run used (a declared lifetime); with
    ``to_years``, keep them that long instead (items the run already kept longer stay as they are)."""

    ids: frozenset[int]
    years: float
    to_years: float | None = None


@dataclass(frozen=True)
class BuyRefurbished:
    """A ``share`` of the items is bought refurbished (new rows, ids above the inventory's)."""

    ids: frozenset[int]
    share: float


@dataclass(frozen=True)
class ScaleQuantity:
    """Multiply each item's quantity by its factor (0 removes it; 0.2 keeps a fifth of the hardware)."""

    factors: dict[int, float] = field(default_factory=dict)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset(self.factors)


@dataclass(frozen=True)
class Reschedule:
    """Items switched off outside ``hours_per_day`` × ``days_per_year``: their yearly energy is scaled from
    the run's by the ratio of the new schedule to the one the run assumed (``from_hours`` × ``from_days``)."""

    ids: frozenset[int]
    hours_per_day: float
    days_per_year: float
    from_hours: float = 24.0
    from_days: float = 365.0


@dataclass(frozen=True)
class ReuseAtEndOfLife:
    """A ``share`` of the items leaves through reuse (donation, resale): the next user bears their end of
    life (cut-off rule)."""

    ids: frozenset[int]
    share: float


@dataclass(frozen=True)
class EfficientModels:
    """Renewals choose models whose manufacturing and yearly energy are the given fractions of the
    reference item's (e.g. the first quartile of manufacturers' footprints); the rows point at a copy of
    their reference item, ``<ref>+efficient``."""

    ids: frozenset[int]
    manufacturing: dict[str, float]  # reference item → factor on manufacturing
    energy: dict[str, float]  # reference item → factor on yearly energy


@dataclass(frozen=True)
class MoveToSite:
    """VMs (``vm_ids``) and whole equipment (``equipment_ids``) move to the site ``site_id`` (whose country is
    ``country``): the moved hardware takes the target's PUE and electricity factor.

    A VM is a share of its host, so what moves is that share of the hardware: a host all of whose VMs move
    goes with them; otherwise the part of the host the moving VMs use (the sum of their shares in the run)
    is split off into a new row at the target site, the VMs run on it, and the rest of the host (its other
    VMs and its idle capacity) stays.  Allocation keys on the VMs of a split host keep each VM's share of
    the hardware what it was, so the move changes where the energy is used, not how much hardware there is.
    Needs the run's ``Result`` (the VMs' shares)."""

    site_id: int
    country: str | None
    vm_ids: frozenset[int] = frozenset()
    equipment_ids: frozenset[int] = frozenset()
    #: Volumes on no equipment that move too (an application's, a site's): their site becomes the target.
    volume_ids: frozenset[int] = frozenset()

    @property
    def ids(self) -> frozenset[int]:
        return self.equipment_ids


@dataclass(frozen=True)
class DeleteStoredData:
    """Data deleted from storage volumes: volume id → GB of data (one copy; every replica goes).

    The freed space is released: the volume's capacity and used GB fall by the deleted GB (per-GB storage,
    such as cloud storage, is billed and provisioned by the GB).  A volume held on equipment (an array, a
    server's disks) frees ``GB × replicas`` of its host's capacity, ``max(Σ volumes' GB, storage_gb ×
    quantity)``, and the host's quantity falls in proportion (fewer disks bought at renewal)."""

    gb: dict[int, float] = field(default_factory=dict)

    @property
    def ids(self) -> frozenset[int]:
        return frozenset()


Change = (
    ExtendLifetime
    | BuyRefurbished
    | ScaleQuantity
    | Reschedule
    | ReuseAtEndOfLife
    | EfficientModels
    | MoveToSite
    | DeleteStoredData
)


def _trace(result: Result | None) -> pl.DataFrame:
    schema = {"id": pl.Int64, "_life": pl.Float64, "_kwh": pl.Float64, "_ref": pl.Utf8}
    if result is None:
        return pl.DataFrame(schema=schema)
    # Lazily: the four columns are filtered, not every trace column of the items.
    return (
        result.items.lazy()
        .filter(pl.col("item_kind") == "equipment")
        .select(
            pl.col("item_id").alias("id"),
            pl.col("lifetime_years").alias("_life"),
            pl.col("annual_kwh").alias("_kwh"),
            pl.col("factor_ref").alias("_ref"),
        )
        .collect()
    )


def _on(ids: Iterable[int], column: str = "id") -> pl.Expr:
    # A typed Series: a large set of ids is not converted value by value.
    return pl.col(column).is_in(pl.Series(list(ids), dtype=pl.Int64).implode())


def apply_changes(
    inventory: Inventory, factors: FactorSet, changes: Sequence[Change], result: Result | None = None
) -> tuple[Inventory, FactorSet, frozenset[int]]:
    """Copies of the inputs with every change applied in order, and the equipment ids touched (rows added
    by a change count as touched).  The inputs are not modified."""
    eq = conform(inventory.equipment, EQUIPMENT).join(_trace(result), on="id", how="left")
    impacts, defaults = factors.impacts, factors.defaults
    vms, storage = inventory.vms, inventory.storage
    shares: dict[int, float] | None = None  # VM id → its share of its (current) host row
    touched: set[int] = set()
    # Rows split off an item (its refurbished share) are still that item for the changes that follow.
    derived: dict[int, tuple[int, ...]] = {}
    next_id = int(eq["id"].max() or 0) + 1 if eq.height else 1  # type: ignore[arg-type]
    for change in changes:
        ids = set(change.ids)
        ids.update([new for old in derived.keys() & ids for new in derived[old]])
        touched |= ids
        on = _on(ids)
        if isinstance(change, ExtendLifetime):
            life = pl.coalesce("_life", "lifetime_years")
            longer = (
                life + change.years if change.to_years is None else pl.max_horizontal(life, change.to_years)
            )
            eq = eq.with_columns(
                pl.when(on & life.is_not_null())
                .then(longer)
                .otherwise(pl.col("lifetime_years"))
                .alias("lifetime_years"),
                pl.when(on & life.is_not_null()).then(longer).otherwise(pl.col("_life")).alias("_life"),
            )
        elif isinstance(change, BuyRefurbished):
            chosen = eq.filter(on & ~pl.col("refurbished").fill_null(False))
            if chosen.height == 0:
                continue
            q = pl.col("quantity").fill_null(1.0)
            added = chosen.with_columns(
                (q * change.share).alias("quantity"),
                pl.lit(True).alias("refurbished"),
                (pl.int_range(0, pl.len(), dtype=pl.Int64) + next_id).alias("id"),
            )
            next_id += added.height
            old_ids, new_ids = chosen["id"].to_list(), added["id"].to_list()
            touched.update(new_ids)
            # One comprehension of tuples: a set per row, added row by row, took a third of a second on
            # the 56,000 rows of a 100,000-item estate's refurbished purchases.
            if derived.keys().isdisjoint(old_ids):
                derived.update({old: (new,) for old, new in zip(old_ids, new_ids, strict=True)})
            else:
                for old, new in zip(old_ids, new_ids, strict=True):
                    derived[old] = (*derived.get(old, ()), new)
            eq = pl.concat(
                [
                    eq.with_columns(
                        pl.when(on & ~pl.col("refurbished").fill_null(False))
                        .then(q * (1.0 - change.share))
                        .otherwise(pl.col("quantity"))
                        .alias("quantity")
                    ),
                    added,
                ]
            )
        elif isinstance(change, ScaleQuantity):
            factors_by_id = dict(change.factors)
            for old, factor_ in change.factors.items():
                factors_by_id.update(dict.fromkeys(derived.get(old, ()), factor_))
            factor = pl.col("id").replace_strict(factors_by_id, default=1.0, return_dtype=pl.Float64)
            eq = eq.with_columns((pl.col("quantity").fill_null(1.0) * factor).alias("quantity"))
        elif isinstance(change, Reschedule):
            ratio = (change.hours_per_day * change.days_per_year) / (change.from_hours * change.from_days)
            # The run's kWh, else the inventory's in the engine's order (measured before declared).  The
            # measured value is cleared where the scaled one is written: the engine would rank it first.
            kwh = pl.coalesce("_kwh", "measured_kwh", "annual_kwh")
            scaled = on & kwh.is_not_null()
            eq = eq.with_columns(
                pl.when(scaled).then(kwh * ratio).otherwise(pl.col("annual_kwh")).alias("annual_kwh"),
                pl.when(scaled).then(kwh * ratio).otherwise(pl.col("_kwh")).alias("_kwh"),
                pl.when(scaled).then(None).otherwise(pl.col("measured_kwh")).alias("measured_kwh"),
            )
        elif isinstance(change, ReuseAtEndOfLife):
            eq = eq.with_columns(
                pl.when(on).then(pl.lit(change.share)).otherwise(pl.col("reuse_share")).alias("reuse_share")
            )
        elif isinstance(change, EfficientModels):
            impacts, defaults = _efficient_refs(impacts, defaults, change)
            ref = pl.coalesce("_ref", "model_ref")
            targets = set(change.manufacturing) | set(change.energy)
            # New models only: a refurbished share stays the model it is.
            new = on & ~pl.col("refurbished").fill_null(False)
            # A measured or declared kWh, or a declared power, is the old model's, and the engine ranks it
            # before the model's default: the new model takes it × the energy factor (the measured value
            # is cleared, the new one being no measurement).  Only the defaults come from the efficient
            # copy of the reference item.
            energy = ref.replace_strict(change.energy, default=None, return_dtype=pl.Float64)
            own = pl.coalesce("measured_kwh", "annual_kwh")
            scaled = new & energy.is_not_null()
            rescaled = scaled & own.is_not_null()
            powered = scaled & pl.col("power_w").is_not_null()
            eq = eq.with_columns(
                pl.when(new & ref.is_in(list(targets)))
                .then(ref + "+efficient")
                .otherwise(pl.col("model_ref"))
                .alias("model_ref"),
                pl.when(rescaled).then(own * energy).otherwise(pl.col("annual_kwh")).alias("annual_kwh"),
                pl.when(rescaled).then(None).otherwise(pl.col("measured_kwh")).alias("measured_kwh"),
                pl.when(powered)
                .then(pl.col("power_w") * energy)
                .otherwise(pl.col("power_w"))
                .alias("power_w"),
            )
        elif isinstance(change, MoveToSite):
            if shares is None:
                shares = _vm_shares(result)
            vms = conform(vms, VMS)
            eq, vms, moved, n_added = _move(eq, vms, shares, change, ids, derived, next_id)
            next_id += n_added
            touched |= moved
            if change.volume_ids:
                storage = conform(storage, STORAGE).with_columns(
                    pl.when(_on(change.volume_ids) & pl.col("equipment_id").is_null())
                    .then(pl.lit(change.site_id, dtype=pl.Int64))
                    .otherwise(pl.col("site_id"))
                    .alias("site_id")
                )
        elif isinstance(change, DeleteStoredData):
            storage = conform(storage, STORAGE)
            eq, storage, hosts = _delete(eq, storage, change, derived)
            touched |= hosts
    new_inventory = replace(inventory, equipment=eq.select(list(EQUIPMENT)), vms=vms, storage=storage)
    new_factors = replace(
        factors,
        impacts=impacts,
        defaults=defaults,
        hypotheses=dict(factors.hypotheses),
        cloud_pue=dict(factors.cloud_pue),
    )
    return new_inventory, new_factors, frozenset(touched)


def _vm_shares(result: Result | None) -> dict[int, float]:
    if result is None:
        raise ValueError("moving VMs needs the run's result (their shares of their hosts)")
    vm = result.items.filter(pl.col("item_kind") == "vm").select("item_id", pl.col("share").fill_null(0.0))
    return {int(i): float(s) for i, s in vm.iter_rows()}


def _move(
    eq: pl.DataFrame,
    vms: pl.DataFrame,
    shares: dict[int, float],
    change: MoveToSite,
    whole_ids: set[int],
    derived: dict[int, tuple[int, ...]],
    next_id: int,
) -> tuple[pl.DataFrame, pl.DataFrame, set[int], int]:
    """Apply one move (see :class:`MoveToSite`): the new frames, the equipment ids touched and the number
    of rows added; ``shares`` is updated to the new host rows."""
    # Hosts already at the target stay as they are.
    elsewhere = eq.filter(pl.col("site_id").is_null() | (pl.col("site_id") != change.site_id))["id"]
    chosen = _on(change.vm_ids) & pl.col("host_id").is_in(elsewhere.implode())
    moving = {int(i) for i in vms.filter(chosen)["id"].to_list()}
    hosts = set(vms.filter(_on(moving))["host_id"].drop_nulls().to_list())
    on_hosts = vms.filter(_on(hosts, "host_id")).select("id", "host_id")
    residents: dict[int, list[int]] = {}
    for vm_id, host in on_hosts.iter_rows():
        residents.setdefault(int(host), []).append(int(vm_id))
    whole = set(whole_ids)
    splits: dict[int, float] = {}
    for host, ids in residents.items():
        s = sum(shares.get(v, 0.0) for v in ids if v in moving)
        if all(v in moving for v in ids) or s >= 1.0 - 1e-9:
            whole.add(host)
            whole.update(derived.get(host, ()))
        elif s > 0:
            splits[host] = s
    new_ids = {h: next_id + k for k, h in enumerate(sorted(splits))}
    keys: dict[int, float] = {}
    host_of: dict[int, int] = {}
    for host, s in splits.items():
        for v in residents[host]:
            if v in moving:
                keys[v], host_of[v] = shares.get(v, 0.0) / s, new_ids[host]
            else:
                keys[v] = shares.get(v, 0.0) / (1.0 - s)
    shares.update(keys)
    site = pl.lit(change.site_id, dtype=pl.Int64)
    country = pl.lit(change.country, dtype=pl.Utf8)
    q = pl.col("quantity").fill_null(1.0)
    factor = pl.col("id").replace_strict(splits, default=0.0, return_dtype=pl.Float64)
    added = eq.filter(_on(splits)).with_columns(
        (q * factor).alias("quantity"),
        pl.col("id").replace_strict(new_ids, return_dtype=pl.Int64).alias("id"),
        site.alias("site_id"),
        country.alias("country"),
    )
    moved = _on(whole)
    eq = pl.concat(
        [
            eq.with_columns(
                pl.when(_on(splits)).then(q * (1.0 - factor)).otherwise(pl.col("quantity")).alias("quantity"),
                pl.when(moved).then(site).otherwise(pl.col("site_id")).alias("site_id"),
                pl.when(moved).then(country).otherwise(pl.col("country")).alias("country"),
            ),
            added,
        ]
    )
    for host, new in new_ids.items():
        derived[host] = (*derived.get(host, ()), new)
    if keys:
        vms = vms.with_columns(
            pl.col("id")
            .replace_strict(host_of, default=pl.col("host_id"), return_dtype=pl.Int64)
            .alias("host_id"),
            pl.col("id")
            .replace_strict(keys, default=pl.col("allocation_key"), return_dtype=pl.Float64)
            .alias("allocation_key"),
        )
    return eq, vms, set(new_ids.values()) | set(splits) | whole, len(new_ids)


def _delete(
    eq: pl.DataFrame, storage: pl.DataFrame, change: DeleteStoredData, derived: dict[int, tuple[int, ...]]
) -> tuple[pl.DataFrame, pl.DataFrame, set[int]]:
    """Apply one deletion (see :class:`DeleteStoredData`): the volumes shrink, their hosts in proportion."""
    gb = pl.coalesce("capacity_gb", "used_gb") * pl.col("replicas").fill_null(1.0)
    held = storage.filter(pl.col("equipment_id").is_not_null()).group_by("equipment_id").agg(gb.sum())
    held_gb = {int(h): float(g or 0.0) for h, g in held.iter_rows()}
    sizes = eq.select("id", (pl.col("storage_gb") * pl.col("quantity").fill_null(1.0)).alias("_cap"))
    capacity = {int(i): float(c) for i, c in sizes.drop_nulls().iter_rows()}
    freed: dict[int, float] = {}
    rows = storage.filter(_on(change.gb)).select("id", "equipment_id", "replicas")
    for vid, host, replicas in rows.iter_rows():
        if host is not None:
            freed[int(host)] = freed.get(int(host), 0.0) + change.gb[int(vid)] * float(replicas or 1.0)
    factors: dict[int, float] = {}
    for host, g in freed.items():
        # Rows split off the host (a refurbished share) are part of its capacity and shrink with it.
        parts = {host, *derived.get(host, ())}
        total = max(held_gb.get(host, 0.0), sum(capacity.get(i, 0.0) for i in parts))
        if total > 0:
            factors.update(dict.fromkeys(parts, max(0.0, 1.0 - g / total)))
    less = pl.col("id").replace_strict(change.gb, default=0.0, return_dtype=pl.Float64)
    # An unknown size stays unknown (max_horizontal alone would turn it into 0).
    storage = storage.with_columns(
        *[
            pl.when(pl.col(c).is_not_null()).then(pl.max_horizontal(pl.col(c) - less, 0.0)).alias(c)
            for c in ("capacity_gb", "used_gb")
        ]
    )
    if factors:
        f = pl.col("id").replace_strict(factors, default=1.0, return_dtype=pl.Float64)
        eq = eq.with_columns((pl.col("quantity").fill_null(1.0) * f).alias("quantity"))
    return eq, storage, set(factors)


def _efficient_refs(
    impacts: pl.DataFrame, defaults: pl.DataFrame, change: EfficientModels
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Copies ``<ref>+efficient`` of the reference items: manufacturing rows and default energy scaled."""
    refs = sorted(set(change.manufacturing) | set(change.energy))
    present = set(impacts["ref"].drop_nulls().to_list())
    new_imp, new_def = [], []
    for ref in refs:
        name = f"{ref}+efficient"
        if name in present or ref not in present:
            continue
        k = change.manufacturing.get(ref, 1.0)
        rows = impacts.filter(pl.col("ref") == ref)
        scale = pl.when(pl.col("stage") == "manufacturing").then(pl.lit(k)).otherwise(1.0)
        new_imp.append(
            rows.with_columns(
                pl.lit(name).alias("ref"),
                *[(pl.col(c) * scale).alias(c) for c in ("value", "low", "high")],
                (pl.lit(f"{ref} × {k:g} on manufacturing (efficient purchase); ") + pl.col("source")).alias(
                    "source"
                ),
            )
        )
        e = change.energy.get(ref, 1.0)
        new_def.append(
            defaults.filter(pl.col("ref") == ref).with_columns(
                pl.lit(name).alias("ref"),
                (pl.col("annual_kwh") * e).alias("annual_kwh"),
                (pl.col("power_w") * e).alias("power_w"),
            )
        )
    if new_imp:
        impacts = pl.concat([impacts, *new_imp], how="vertical_relaxed")
    if new_def:
        defaults = pl.concat([defaults, *new_def], how="vertical_relaxed")
    return impacts, defaults


def subset(inventory: Inventory, ids: Iterable[int]) -> Inventory:
    """An inventory holding only the equipment rows ``ids`` (plus the sites and departments the rules read):
    enough to compute those rows' footprint."""
    eq = conform(inventory.equipment, EQUIPMENT).filter(_on(ids))
    return Inventory(sites=inventory.sites, departments=inventory.departments, equipment=eq)


__all__ = [
    "BuyRefurbished",
    "Change",
    "DeleteStoredData",
    "EfficientModels",
    "ExtendLifetime",
    "MoveToSite",
    "Reschedule",
    "ReuseAtEndOfLife",
    "ScaleQuantity",
    "apply_changes",
    "subset",
]
