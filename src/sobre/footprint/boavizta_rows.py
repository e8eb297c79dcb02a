"""BoaviztAPI as an optional engine for servers, cloud instances and end-user terminals: extra factor rows
and their mapping.

Sobre's engine computes non-use stages as ``quantity × factor[ref, stage, criterion] × usage_rate /
lifetime`` (DESIGN §5).  This module asks a BoaviztAPI server for each distinct server configuration,
cloud instance and terminal (laptops, desktops, monitors, smartphones, tablets: its ``/v1/terminal`` and
``/v1/peripheral`` routes) of an inventory, and writes its figures as factor rows under new references
(``boavizta:server:<hash>``, ``boavizta:cloud:<hash>``, ``boavizta:terminal:<hash>``), so the ordinary
engine uses them:

- ``impacts`` rows, stage ``manufacturing``: BoaviztAPI's whole-life embedded impact per unit (its
  ``embedded`` covers the manufacture of the components; it states that end of life is not included, and
  it has no transport for servers), ``low``/``high`` from its ``min``/``max``;
- ``defaults`` rows: the lifetime BoaviztAPI assumed and its modelled average power and use-time ratio as
  ``power_w``/``annual_kwh``, so the use stage (Sobre's electricity factors and PUE) rests on Boavizta's
  power model when the inventory declares no energy.  A terminal keeps Sobre's usage profile of its
  category (hours per day, days per year): BoaviztAPI's archetypes assume a 24 h × 365 d use-time ratio.

Stages and criteria BoaviztAPI does not compute get no row: the engine then reports them unknown, not 0.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, replace
from typing import Any

import polars as pl

from sobre.footprint.boavizta import (
    DEFAULT_SERVER_ARCHETYPE,
    HOURS_PER_YEAR,
    BoaviztaError,
    BoaviztClient,
    BoaviztImpacts,
    to_iso3,
)
from sobre.footprint.schema import FACTOR_DEFAULTS, FACTOR_IMPACTS, FactorSet, Inventory
from sobre.inventory.taxonomy import SERVER_CATEGORIES, Category

MAPPING = {"item_kind": pl.Utf8, "item_id": pl.Int64, "ref": pl.Utf8, "request": pl.Utf8, "warnings": pl.Utf8}
#: Licence of the figures: BoaviztAPI's repository has a single licence (AGPL-3.0) and no separate data
#: licence; its factors come from public LCAs it cites in its answers and documentation.
LICENCE = "AGPL-3.0 (BoaviztAPI; no separate data licence)"
#: Sobre end-user category → BoaviztAPI terminal kind (route) and archetype (professional where it exists).
TERMINALS = {
    Category.LAPTOP: ("laptop", "laptop-pro"),
    Category.DESKTOP: ("desktop", "desktop-pro"),
    Category.MONITOR: ("monitor", "monitor-default"),
    Category.SMARTPHONE: ("smartphone", "smartphone-default"),
    Category.TABLET: ("tablet", "tablet-default"),
}
#: Sobre server category → BoaviztAPI server archetype and case type.  BoaviztAPI 2.5.0 has generic
#: ``platform_compute_{low,medium,high}`` archetypes; a tower server is closest to the small one.
ARCHETYPES = {
    Category.RACK_SERVER: (DEFAULT_SERVER_ARCHETYPE, "rack"),
    Category.BLADE_SERVER: (DEFAULT_SERVER_ARCHETYPE, "blade"),
    Category.TOWER_SERVER: ("platform_compute_low", "rack"),
}


@dataclass(frozen=True)
class BoaviztaRows:
    """Factor rows from BoaviztAPI (``FactorSet.impacts``/``defaults`` shapes) and item → ref mapping."""

    impacts: pl.DataFrame
    defaults: pl.DataFrame
    mapping: pl.DataFrame  # item_kind (equipment | cloud), item_id, ref, request, warnings


def _num(value: Any) -> float | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def server_configuration(row: dict[str, Any]) -> dict[str, Any]:
    """BoaviztAPI ``configuration`` from an equipment row: only what the inventory knows.

    CPU threads become cores at two threads per core on one socket (an assumption, written in the
    warnings); RAM and storage become one module/disk of the declared size (SSD).
    """
    config: dict[str, Any] = {}
    threads = row.get("cpu_threads")
    if threads:
        config["cpu"] = {"units": 1, "core_units": max(1, math.ceil(int(threads) / 2))}
    ram = _num(row.get("ram_gb"))
    if ram:
        config["ram"] = [{"units": 1, "capacity": max(1, round(ram))}]
    storage = _num(row.get("storage_gb"))
    if storage:
        config["disk"] = [{"units": 1, "type": "ssd", "capacity": max(1, round(storage))}]
    return config


def _ref(kind: str, key: Any) -> str:
    digest = hashlib.sha256(json.dumps(key, sort_keys=True, default=str).encode()).hexdigest()[:12]
    return f"boavizta:{kind}:{digest}"


def _use_time_ratio(hours: float | None) -> float | None:
    return None if hours is None else min(1.0, max(0.0, hours / HOURS_PER_YEAR))


def _site_countries(inventory: Inventory) -> dict[int, str]:
    sites = inventory.sites.select("id", "country").drop_nulls()
    return dict(zip(sites["id"].to_list(), sites["country"].to_list(), strict=True))


def _server_jobs(inventory: Inventory) -> list[tuple[int, str, dict[str, Any]]]:
    """(item_id, name, call arguments) for each server of the inventory."""
    equipment = inventory.equipment.filter(pl.col("category").is_in([str(c) for c in SERVER_CATEGORIES]))
    countries = _site_countries(inventory)
    jobs = []
    for row in equipment.iter_rows(named=True):
        archetype, case = ARCHETYPES[Category(row["category"])]
        config = server_configuration(row)
        if case != "rack":
            config["model"] = {"type": case}
        country = row.get("country") or countries.get(row.get("site_id") or -1)
        hours = None
        if _num(row.get("hours_per_day")) is not None and _num(row.get("days_per_year")) is not None:
            hours = float(row["hours_per_day"]) * float(row["days_per_year"])
        args = {
            "archetype": archetype,
            "config": config or None,
            "country_iso3": _iso3(country, row, "equipment"),
            "load": None,
            "use_time_ratio": _use_time_ratio(hours),
        }
        jobs.append((int(row["id"]), str(row.get("name") or ""), args))
    return jobs


def _terminal_jobs(inventory: Inventory) -> list[tuple[int, str, dict[str, Any]]]:
    """(item_id, name, call arguments) for each laptop, desktop, monitor, smartphone and tablet."""
    equipment = inventory.equipment.filter(pl.col("category").is_in([str(c) for c in TERMINALS]))
    countries = _site_countries(inventory)
    jobs = []
    for row in equipment.iter_rows(named=True):
        kind, archetype = TERMINALS[Category(row["category"])]
        country = row.get("country") or countries.get(row.get("site_id") or -1)
        args = {"kind": kind, "archetype": archetype, "country_iso3": _iso3(country, row, "equipment")}
        jobs.append((int(row["id"]), str(row.get("name") or ""), args))
    return jobs


def _cloud_jobs(inventory: Inventory) -> list[tuple[int, str, dict[str, Any]]]:
    jobs = []
    for row in inventory.cloud.iter_rows(named=True):
        location = row.get("region") or _iso3(row.get("country"), row, "cloud")
        load = _num(row.get("average_load"))
        args = {
            "provider": row.get("provider") or "",
            "instance_type": row.get("instance_type") or "",
            "location": location,
            "load": load,
            "use_time_ratio": _use_time_ratio(_num(row.get("hours_per_year"))),
        }
        jobs.append((int(row["id"]), str(row.get("name") or ""), args))
    return jobs


def _iso3(country: Any, row: dict[str, Any], kind: str) -> str | None:
    try:
        return to_iso3(country)
    except BoaviztaError as exc:
        raise BoaviztaError(f"{kind} {row.get('id')} ({row.get('name')!r}), column 'country': {exc}") from exc


def boavizta_rows(
    inventory: Inventory,
    client: BoaviztClient,
    *,
    duration_years: float = 1,
    profiles: dict[str, tuple[float | None, float | None]] | None = None,
) -> BoaviztaRows:
    """Ask ``client`` once per distinct server configuration / cloud instance / terminal of ``inventory``.

    ``profiles`` (category → hours per day, days per year) gives terminals Sobre's usage profile.

    ``duration_years`` is the period asked of BoaviztAPI; the rows do not depend on it (the embedded
    figure is brought back to the whole life, see ``BoaviztImpacts.embedded_total``).  A failed request
    raises ``BoaviztaError`` naming the item and the request.
    """
    hours = float(duration_years) * HOURS_PER_YEAR
    impacts: list[dict[str, Any]] = []
    defaults: list[dict[str, Any]] = []
    mapping: list[dict[str, Any]] = []
    done: dict[str, BoaviztImpacts] = {}
    category_of = {k: str(c) for c, (k, _) in TERMINALS.items()}
    for kind, item_kind, jobs in (
        ("server", "equipment", _server_jobs(inventory)),
        ("terminal", "equipment", _terminal_jobs(inventory)),
        ("cloud", "cloud", _cloud_jobs(inventory)),
    ):
        for item_id, name, args in jobs:
            ref = _ref(kind, args)
            result = done.get(ref)
            if result is None:
                try:
                    if kind == "server":
                        result = client.server(duration_hours=hours, **args)
                    elif kind == "terminal":
                        result = client.terminal(duration_hours=hours, **args)
                    else:
                        result = client.cloud_instance(duration_hours=hours, **args)
                except BoaviztaError as exc:
                    raise BoaviztaError(f"{item_kind} {item_id} ({name!r}): {exc}") from exc
                done[ref] = result
                impacts += _impact_rows(ref, result)
                profile = (profiles or {}).get(category_of.get(args.get("kind", ""), ""))
                defaults.append(_default_row(ref, result, profile if kind == "terminal" else None))
            mapping.append(
                {
                    "item_kind": item_kind,
                    "item_id": item_id,
                    "ref": ref,
                    "request": result.request,
                    "warnings": "; ".join(result.warnings) or None,
                }
            )
    return BoaviztaRows(
        impacts=pl.DataFrame(impacts, schema=FACTOR_IMPACTS),
        defaults=pl.DataFrame(defaults, schema=FACTOR_DEFAULTS),
        mapping=pl.DataFrame(mapping, schema=MAPPING),
    )


def _source(result: BoaviztImpacts) -> str:
    what = (
        "embedded = manufacture of components, end of life not included"
        if result.kind in ("server", "cloud_instance")
        else "embedded = the terminal archetype's embodied impacts"
    )
    return (
        f"BoaviztAPI ({result.kind} {result.archetype}, location {result.location or 'default EEE'}); {what}"
    )


def _impact_rows(ref: str, result: BoaviztImpacts) -> list[dict[str, Any]]:
    rows = []
    for code in result.criteria:
        total = result.embedded_total(code)
        if total is None:
            continue  # unknown stays unknown: no row
        rows.append(
            {
                "ref": ref,
                "stage": "manufacturing",
                "criterion": code,
                "value": total.value,
                "low": total.low,
                "high": total.high,
                "source": _source(result),
                "licence": LICENCE,
                "row_id": f"{ref}/{result.request}",
            }
        )
    return rows


def _default_row(
    ref: str, result: BoaviztImpacts, profile: tuple[float | None, float | None] | None = None
) -> dict[str, Any]:
    power = _num(result.details.get("avg_power_w"))
    ratio = _num(result.details.get("use_time_ratio"))
    life = result.lifetime_hours
    lifetime_years = life / HOURS_PER_YEAR if life else None
    if profile is not None:
        # A terminal: BoaviztAPI's power, Sobre's profile of the category (energy = power × hours × days).
        hours, days = profile
        return {
            "ref": ref,
            "lifetime_years": lifetime_years,
            "lifetime_low": lifetime_years,
            "lifetime_high": lifetime_years,
            "annual_kwh": None,
            "power_w": power,
            "hours_per_day": hours,
            "days_per_year": days,
            "cpu_threads": None,
            "source": f"{_source(result)}; avg_power modelled by BoaviztAPI, usage profile of the category",
        }
    annual_kwh = power * ratio * HOURS_PER_YEAR / 1000 if power is not None and ratio is not None else None
    return {
        "ref": ref,
        "lifetime_years": lifetime_years,
        "lifetime_low": lifetime_years,
        "lifetime_high": lifetime_years,
        "annual_kwh": annual_kwh,
        "power_w": power,
        "hours_per_day": 24 * ratio if ratio is not None else None,
        "days_per_year": 365.0 if ratio is not None else None,
        "cpu_threads": None,
        "source": f"{_source(result)}; avg_power and use_time_ratio modelled by BoaviztAPI",
    }


def boavizta_factor_rows(
    inventory: Inventory, client: BoaviztClient, *, duration_years: float = 1
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Extra ``FactorSet.impacts`` rows from BoaviztAPI and the (item_kind, item_id) → ref mapping."""
    rows = boavizta_rows(inventory, client, duration_years=duration_years)
    return rows.impacts, rows.mapping


def apply_boavizta(
    inventory: Inventory, factors: FactorSet, client: BoaviztClient, *, duration_years: float = 1
) -> tuple[Inventory, FactorSet]:
    """Copies of ``inventory`` and ``factors`` where servers, terminals and cloud instances use BoaviztAPI's
    figures.

    Server and terminal equipment and cloud instances get ``model_ref`` = their BoaviztAPI ref (the cloud
    frame gains a ``model_ref`` column); the factor set gains the matching impacts and defaults rows.
    Nothing else changes; the inputs are not modified.
    """
    profiles = {
        r["ref"]: (r["hours_per_day"], r["days_per_year"])
        for r in factors.defaults.filter(pl.col("ref").is_in([str(c) for c in TERMINALS])).iter_rows(
            named=True
        )
    }
    rows = boavizta_rows(inventory, client, duration_years=duration_years, profiles=profiles)
    refs = {
        kind: dict(zip(part["item_id"].to_list(), part["ref"].to_list(), strict=True))
        for kind, part in ((k, rows.mapping.filter(pl.col("item_kind") == k)) for k in ("equipment", "cloud"))
    }

    def point(frame: pl.DataFrame, table: dict[int, str]) -> pl.DataFrame:
        new = pl.col("id").replace_strict(table, default=None, return_dtype=pl.Utf8)
        old = pl.col("model_ref") if "model_ref" in frame.columns else pl.lit(None, dtype=pl.Utf8)
        return frame.with_columns(model_ref=pl.when(new.is_not_null()).then(new).otherwise(old))

    new_inventory = replace(
        inventory,
        equipment=point(inventory.equipment, refs["equipment"]),
        cloud=point(inventory.cloud, refs["cloud"]),
    )
    new_factors = replace(
        factors,
        impacts=pl.concat(
            [factors.impacts, rows.impacts.select(factors.impacts.columns)], how="vertical_relaxed"
        ),
        defaults=pl.concat(
            [factors.defaults, rows.defaults.select(factors.defaults.columns)], how="vertical_relaxed"
        ),
        hypotheses=dict(factors.hypotheses),
        cloud_pue=dict(factors.cloud_pue),
    )
    return new_inventory, new_factors
