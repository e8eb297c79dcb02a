"""A run's inputs: the inventory with the energy supervision measured, when the run is computed, and the same
inventory rebuilt later from the run's own dataset.

A run is hashed on the inventory it computed, measured values included.  Readers that compare today's
inventory with a run (the report, ``explain``, a scenario's baseline) rebuild that inventory from the
measured kWh stored in the run rather than measuring again: supervision keeps receiving points, so a second
measurement would differ, and measuring also stores energy days.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import polars as pl

from sobre.footprint.engine.assets import UNPOWERED_STATUSES
from sobre.footprint.loader import inputs_hash
from sobre.footprint.runs import dataset
from sobre.footprint.schema import Inventory

#: What a capability ``provides`` under this name: ``f(database_url, org, reference_date)`` returning
#: ``{equipment_id: kWh}``, the measured yearly electricity of one unit of the equipment (supervision).
MEASURED_ENERGY = "footprint.measured_energy"


def _filled(inventory: Inventory, values: pl.DataFrame) -> Inventory:
    """``measured_kwh`` from ``values`` (``id``, ``_measured``) on powered equipment, the stored value
    elsewhere.  Equipment in stock or in transit takes 0 kWh whatever is measured: filling it would make the
    rebuilt inventory differ from the computed one for no figure."""
    if values.is_empty():
        return inventory
    unpowered = [s.value for s in UNPOWERED_STATUSES]
    equipment = (
        inventory.equipment.join(values, on="id", how="left")
        .with_columns(
            pl.when(pl.col("status").is_in(unpowered).fill_null(False))
            .then(pl.col("measured_kwh"))
            .otherwise(pl.coalesce("_measured", "measured_kwh"))
            .alias("measured_kwh")
        )
        .drop("_measured")
    )
    return replace(inventory, equipment=equipment)


def with_measured_energy(
    database_url: str, org: str, inventory: Inventory, reference_date: date, profile: str = "sobre"
) -> Inventory:
    """The inventory with ``measured_kwh`` filled from the capability that measures energy, if any.

    The engine ranks it first (measured > declared > modelled) and applies the site's PUE to it.  The G4IT
    profile reads declared or default kWh only: nothing is measured for it, so the run's inputs are the
    inventory it computed.
    """
    from sobre.core.capabilities import provider

    if profile == "g4it":
        return inventory
    measure = provider(MEASURED_ENERGY)
    if measure is None:
        return inventory
    measured = measure(database_url, org, reference_date)
    if not measured:
        return inventory
    values = pl.DataFrame(
        {"id": list(measured), "_measured": [float(v) for v in measured.values()]},
        schema={"id": pl.Int64, "_measured": pl.Float64},
    )
    return _filled(inventory, values)


def measured_in_run(folder: Path) -> pl.DataFrame:
    """The equipment ids and measured kWh a stored run computed with (``id``, ``_measured``): its rows whose
    energy method is ``measured``, read from the Parquet file with the filter pushed down."""
    schema = {"id": pl.Int64, "_measured": pl.Float64}
    scan = dataset.scan(folder)
    if "kwh_method" not in scan.collect_schema().names():
        return pl.DataFrame(schema=schema)
    return (
        scan.filter((pl.col("item_kind") == "equipment") & (pl.col("kwh_method") == "measured"))
        .select(pl.col("item_id").alias("id"), pl.col("annual_kwh").alias("_measured"))
        .collect()
        .cast(schema)  # type: ignore[arg-type]
    )


def with_run_energy(inventory: Inventory, folder: Path) -> Inventory:
    """Today's inventory as the run stored in ``folder`` computed it: with the kWh it measured."""
    return _filled(inventory, measured_in_run(folder))


def run_inventory(inventory: Inventory, folder: Path, run_hash: str) -> tuple[Inventory, bool]:
    """:func:`with_run_energy`, and whether that is the run's inputs: its hash equals ``run_hash``."""
    rebuilt = with_run_energy(inventory, folder)
    return rebuilt, inputs_hash(rebuilt) == run_hash
