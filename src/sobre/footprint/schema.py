"""The footprint engine's contract: the tables it reads and the tables it returns.

The engine is a pure function over these Polars frames (no database, no I/O).  ``footprint.loader`` builds
the inputs from the inventory; ``footprint.runs`` stores the outputs.  Column names and types below are the
contract between those parts: change them here, and in all three, together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

import polars as pl

STAGES = ("manufacturing", "distribution", "use", "end_of_life")
#: Stages other than use, annualised over the lifetime.
EMBODIED_STAGES = ("manufacturing", "distribution", "end_of_life")

# ---------------------------------------------------------------- inputs (one frame per inventory table)
SITES = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "kind": pl.Utf8,
    "country": pl.Utf8,
    "pue": pl.Float64,
    "provider": pl.Utf8,  # cloud regions and colocation: whose site it is
}
DEPARTMENTS = {"id": pl.Int64, "name": pl.Utf8, "headcount": pl.Int64}
EQUIPMENT = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "category": pl.Utf8,
    "type_label": pl.Utf8,
    "model": pl.Utf8,
    "model_ref": pl.Utf8,
    "quantity": pl.Float64,
    "status": pl.Utf8,
    "purchase_date": pl.Date,
    "retirement_date": pl.Date,
    "lifetime_years": pl.Float64,
    "hours_per_day": pl.Float64,
    "days_per_year": pl.Float64,
    "power_w": pl.Float64,
    "annual_kwh": pl.Float64,
    "measured_kwh": pl.Float64,  # from supervision, when measured
    "usage_mode": pl.Utf8,
    "usage_rate": pl.Float64,
    "refurbished": pl.Boolean,
    "cpu_threads": pl.Int64,
    "ram_gb": pl.Float64,
    "storage_gb": pl.Float64,
    "country": pl.Utf8,
    "site_id": pl.Int64,
    "department_id": pl.Int64,
    "data_quality": pl.Utf8,
    # A declared virtualisation host: its unallocated capacity is idle even when it carries no VM.
    "hypervisor": pl.Boolean,
    # Share of the item handed on for reuse at its end of life (status ``reuse`` means 1): the end-of-life
    # stage of that share is borne by the next user (cut-off rule).
    "reuse_share": pl.Float64,
}
VMS = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "host_id": pl.Int64,
    "vcpu": pl.Float64,
    "ram_gb": pl.Float64,
    "storage_gb": pl.Float64,
    "kind": pl.Utf8,
    "allocation_key": pl.Float64,
    "quantity": pl.Float64,
    "department_id": pl.Int64,
    "data_quality": pl.Utf8,
}
CLOUD = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "provider": pl.Utf8,
    "instance_type": pl.Utf8,
    "region": pl.Utf8,
    "country": pl.Utf8,
    "quantity": pl.Float64,
    "hours_per_year": pl.Float64,
    "average_load": pl.Float64,
    "vcpu": pl.Float64,
    "ram_gb": pl.Float64,
    "department_id": pl.Int64,
    "data_quality": pl.Utf8,
    # Reference for the whole instance (e.g. from BoaviztAPI); else a vCPU share of a host archetype.
    "model_ref": pl.Utf8,
}
APPLICATIONS = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "environment": pl.Utf8,
    "users": pl.Int64,
    "department_id": pl.Int64,
}
#: Exactly one of vm_id, cloud_instance_id, equipment_id is set on each row.
APP_LINKS = {
    "application_id": pl.Int64,
    "vm_id": pl.Int64,
    "cloud_instance_id": pl.Int64,
    "equipment_id": pl.Int64,
}
STORAGE = {
    "id": pl.Int64,
    "name": pl.Utf8,
    "media": pl.Utf8,
    "capacity_gb": pl.Float64,
    "used_gb": pl.Float64,
    "replicas": pl.Float64,
    "equipment_id": pl.Int64,
    "site_id": pl.Int64,
    "application_id": pl.Int64,
    "department_id": pl.Int64,
    "data_quality": pl.Utf8,
}


def empty(schema: Mapping[str, pl.DataType | type[pl.DataType]]) -> pl.DataFrame:
    return pl.DataFrame(schema=schema)


@dataclass
class Inventory:
    """Everything the engine needs to know about one organisation's IS."""

    sites: pl.DataFrame = field(default_factory=lambda: empty(SITES))
    departments: pl.DataFrame = field(default_factory=lambda: empty(DEPARTMENTS))
    equipment: pl.DataFrame = field(default_factory=lambda: empty(EQUIPMENT))
    vms: pl.DataFrame = field(default_factory=lambda: empty(VMS))
    cloud: pl.DataFrame = field(default_factory=lambda: empty(CLOUD))
    applications: pl.DataFrame = field(default_factory=lambda: empty(APPLICATIONS))
    app_links: pl.DataFrame = field(default_factory=lambda: empty(APP_LINKS))
    storage: pl.DataFrame = field(default_factory=lambda: empty(STORAGE))


# ---------------------------------------------------------------- factor sets
#: Impact factor rows: per reference item (a category code such as ``laptop``, a model reference, or a
#: G4IT item name), stage and criterion; value per unit of item, in the criterion's unit.
FACTOR_IMPACTS = {
    "ref": pl.Utf8,
    "stage": pl.Utf8,
    "criterion": pl.Utf8,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "source": pl.Utf8,
    "licence": pl.Utf8,
    "row_id": pl.Utf8,
}
#: Electricity factors per country (ISO alpha-2, ``EU27`` or ``WORLD``) and criterion, per kWh.
FACTOR_ELECTRICITY = {
    "country": pl.Utf8,
    "criterion": pl.Utf8,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "year": pl.Int64,
    "source": pl.Utf8,
    "licence": pl.Utf8,
    "row_id": pl.Utf8,
}
#: Defaults per reference item: lifetime range, yearly energy or power with a usage profile.
FACTOR_DEFAULTS = {
    "ref": pl.Utf8,
    "lifetime_years": pl.Float64,
    "lifetime_low": pl.Float64,
    "lifetime_high": pl.Float64,
    "annual_kwh": pl.Float64,
    "power_w": pl.Float64,
    "hours_per_day": pl.Float64,
    "days_per_year": pl.Float64,
    "cpu_threads": pl.Int64,
    "source": pl.Utf8,
}
#: Criteria of the set: code (e.g. ``climate_change``), labels, unit.
FACTOR_CRITERIA = {"code": pl.Utf8, "label_en": pl.Utf8, "label_fr": pl.Utf8, "unit": pl.Utf8}
#: Free-text model → reference item (G4IT ``equipmentRefMatching``; Sobre's model catalogue).
FACTOR_MODEL_MATCHING = {"model": pl.Utf8, "ref": pl.Utf8}
#: Item type (Sobre category or G4IT type) → default reference item and lifetime.
FACTOR_ITEM_TYPES = {
    "type": pl.Utf8,
    "default_ref": pl.Utf8,
    "lifetime_years": pl.Float64,
    "is_server": pl.Boolean,
}


@dataclass
class FactorSet:
    """A versioned set of factors.  ``hypotheses`` holds scalars such as ``default_pue``, ``cope_rate``."""

    id: str
    version: str
    publisher: str
    year: int
    licence: str
    description: str = ""
    criteria: pl.DataFrame = field(default_factory=lambda: empty(FACTOR_CRITERIA))
    impacts: pl.DataFrame = field(default_factory=lambda: empty(FACTOR_IMPACTS))
    electricity: pl.DataFrame = field(default_factory=lambda: empty(FACTOR_ELECTRICITY))
    defaults: pl.DataFrame = field(default_factory=lambda: empty(FACTOR_DEFAULTS))
    model_matching: pl.DataFrame = field(default_factory=lambda: empty(FACTOR_MODEL_MATCHING))
    item_types: pl.DataFrame = field(default_factory=lambda: empty(FACTOR_ITEM_TYPES))
    hypotheses: dict[str, float] = field(default_factory=dict)
    #: Provider → PUE for cloud instances (e.g. aws 1.135 per Cloud Carbon Footprint).
    cloud_pue: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------- outputs
#: One row per item and its trace: the figures the formulas used, and how each was chosen.
#: item_kind ∈ equipment, vm, cloud, application, storage, idle (a host's unallocated capacity).
RESULT_ITEMS = {
    "item_kind": pl.Utf8,
    "item_id": pl.Int64,
    "name": pl.Utf8,
    "category": pl.Utf8,
    "site_id": pl.Int64,
    "department_id": pl.Int64,
    "host_id": pl.Int64,
    "quantity": pl.Float64,
    "data_quality": pl.Utf8,
    "status": pl.Utf8,  # Estimate status of the weakest input: measured, input, modelled, default, unknown
    "factor_ref": pl.Utf8,
    "ref_method": pl.Utf8,  # how the reference item was found (model_ref, model_matching, item_type, …)
    "lifetime_years": pl.Float64,
    "lifetime_method": pl.Utf8,
    "age_years": pl.Float64,  # age at the reference date (equipment with a purchase date)
    "annual_kwh": pl.Float64,
    "kwh_method": pl.Utf8,
    "pue": pl.Float64,
    "pue_method": pl.Utf8,
    "country": pl.Utf8,
    "country_method": pl.Utf8,
    "usage_rate": pl.Float64,
    "usage_method": pl.Utf8,
    "share": pl.Float64,
    "share_method": pl.Utf8,
    # Warning codes with parameters (``sobre.footprint.engine.messages``), joined by "; ".
    "warnings": pl.Utf8,
}
#: One row per item, criterion and stage.  ``value`` null means unknown (reason in items.warnings).
RESULT_IMPACTS = {
    "item_kind": pl.Utf8,
    "item_id": pl.Int64,
    "criterion": pl.Utf8,
    "stage": pl.Utf8,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
}
#: ``engine.departments.allocate_departments``: the total per department (null: shared / unallocated),
#: allocation key, criterion and stage; ``items`` rows with a part, ``unknown`` those of unknown value.
DEPARTMENT_ALLOCATION = {
    "department_id": pl.Int64,
    "key": pl.Utf8,
    "criterion": pl.Utf8,
    "stage": pl.Utf8,
    "value": pl.Float64,
    "low": pl.Float64,
    "high": pl.Float64,
    "items": pl.UInt32,
    "known": pl.UInt32,
    "unknown": pl.UInt32,
}


@dataclass
class Result:
    """What one engine run returns.  The organisation's total = equipment + cloud + storage items not on
    equipment; vm, application and idle rows are allocations of equipment rows (never added to the total)."""

    reference_date: date
    methodology: str
    items: pl.DataFrame
    impacts: pl.DataFrame
    criteria: pl.DataFrame
    warnings: list[str] = field(default_factory=list)
