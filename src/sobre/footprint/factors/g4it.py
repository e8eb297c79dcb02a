"""Importer for NumEcoEval/G4IT referential CSVs, in both dialects.

- French (NumEcoEval API, G4IT ``referential/``): ``characterizationFactors.csv``, ``criteria.csv``,
  ``lifecycleSteps.csv``, ``hypotheses.csv``, ``itemTypes.csv``, ``equipmentRefMatching.csv``.
- English (G4IT administrator import, ``tests/*/ref/``): ``itemImpact.csv``, ``criterion.csv``,
  ``lifecycleStep.csv``, ``hypothesis.csv``, ``itemType.csv``.

Electricity-mix rows (``categorie=electricity-mix``) become electricity factors per ISO country; other rows
are
per-item impact factors.  Names of reference items are kept as written (``blade-server-1``); values are parsed
with ``float`` and never rounded.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl
from sqlalchemy.orm import Session

from sobre.core import countries
from sobre.core.errors import InputError
from sobre.core.units import normalise_unit
from sobre.footprint.factors.tables import Row, read_rows
from sobre.footprint.schema import (
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FACTOR_ITEM_TYPES,
    FACTOR_MODEL_MATCHING,
    FactorSet,
)

DEFAULT_LICENCE = "Apache-2.0 (G4IT); electricity mixes from ADEME Base IMPACTS 2.01, restrictive terms"
PUBLISHER = "G4IT / NumEcoEval"

_STAGES = {
    "FABRICATION": "manufacturing",
    "MANUFACTURING": "manufacturing",
    "DISTRIBUTION": "distribution",
    "TRANSPORTATION": "distribution",
    "UTILISATION": "use",
    "USING": "use",
    "FIN_DE_VIE": "end_of_life",
    "END_OF_LIFE": "end_of_life",
}
_CRITERIA = {
    "climate change": "climate_change",
    "climate_change": "climate_change",
    "resource use (minerals and metals)": "adpe",
    "resource_use": "adpe",
    "resource use, fossils": "fossil_resources",
}
_HYPOTHESES = {
    "PUEParDefaut": "default_pue",
    "dureeVieParDefaut": "default_lifetime",
    "taux_utilisation_COPE": "cope_rate",
    "taux_utilisation_BYOD": "byod_rate",
}
_MIX_NAME = re.compile(r"^Electricity Mix ([A-Z]{2})$")

_FILES = {
    "impacts": ("characterizationFactors.csv", "itemImpact.csv"),
    "criteria": ("criteria.csv", "criterion.csv"),
    "hypotheses": ("hypotheses.csv", "hypothesis.csv"),
    "item_types": ("itemTypes.csv", "itemType.csv"),
    "matching": ("equipmentRefMatching.csv", "matchingItem.csv"),
}


def snake_case(text: str) -> str:
    return "_".join(re.sub(r"[^0-9a-z]+", " ", text.lower()).split())


def criterion_code(name: str, labels: dict[str, str] | None = None) -> str:
    """Sobre's code for a G4IT criterion name or code (``CLIMATE_CHANGE`` → ``climate_change``)."""
    key = name.strip().lower()
    if key in _CRITERIA:
        return _CRITERIA[key]
    if labels and name.strip() in labels:  # an English-dialect code: use its English label
        return criterion_code(labels[name.strip()])
    return snake_case(name)


def _find(directory: Path, kind: str) -> Path | None:
    for name in _FILES[kind]:
        if (directory / name).is_file():
            return directory / name
    return None


def read_g4it_referential(
    directory: Path, *, set_id: str = "g4it", version: str = "imported", licence: str | None = None
) -> FactorSet:
    """Read a G4IT/NumEcoEval referential folder into a FactorSet (pure: no database)."""
    directory = Path(directory)
    impacts_path = _find(directory, "impacts")
    if not directory.is_dir() or impacts_path is None:
        raise InputError(
            "no G4IT referential here",
            file=str(directory),
            expected="a folder with characterizationFactors.csv (French) or itemImpact.csv (English)",
        )
    licence = licence or DEFAULT_LICENCE

    criteria_rows: dict[str, dict[str, Any]] = {}
    code_labels: dict[str, str] = {}
    if (path := _find(directory, "criteria")) is not None:
        for row in read_rows(path):
            name = row.get("nomCritere", "label")
            code = row.get("code")
            if code:
                code_labels[code] = name or code
            sobre_code = criterion_code(code, code_labels) if code else criterion_code(name)
            criteria_rows[sobre_code] = {
                "code": sobre_code,
                "label_en": name or code,
                "label_fr": None,
                "unit": normalise_unit(row.get("unite", "unit")) or None,
            }

    impacts: list[dict[str, Any]] = []
    electricity: list[dict[str, Any]] = []
    kwh: dict[str, float] = {}
    seen: dict[tuple[str, ...], int] = {}
    for row in read_rows(impacts_path):
        raw_crit = row.get("critere", "criterion")
        if not raw_crit:
            raise InputError(
                "criterion is empty", file=row.file, row=row.line, column="critere/criterion", value=""
            )
        crit = criterion_code(raw_crit, code_labels)
        if crit not in criteria_rows:
            criteria_rows[crit] = {
                "code": crit,
                "label_en": code_labels.get(raw_crit, raw_crit),
                "label_fr": None,
                "unit": None,
            }
        value = row.number("valeur", "value", required=True)
        name = row.get("nom", "name")
        source = row.get("source")
        row_id = f"{row.file}:{row.line}"
        if row.get("categorie", "category") == "electricity-mix":
            country = _country(row, name)
            key: tuple[str, ...] = ("mix", country, crit)
            electricity.append(
                {
                    "country": country,
                    "criterion": crit,
                    "value": value,
                    "low": value,
                    "high": value,
                    "year": None,
                    "source": f"{source} (G4IT referential)" if source else "G4IT referential",
                    "licence": licence,
                    "row_id": row_id,
                }
            )
        else:
            stage_text = row.get("etapeacv", "lifecycleStep")
            stage = _STAGES.get(stage_text.upper())
            if stage is None:
                raise InputError(
                    "unknown life-cycle step",
                    file=row.file,
                    row=row.line,
                    column="etapeacv/lifecycleStep",
                    value=stage_text,
                    expected=", ".join(sorted(_STAGES)),
                )
            if not name:
                raise InputError(
                    "item name is empty", file=row.file, row=row.line, column="nom/name", value=""
                )
            key = ("item", name, stage, crit)
            impacts.append(
                {
                    "ref": name,
                    "stage": stage,
                    "criterion": crit,
                    "value": value,
                    "low": value,
                    "high": value,
                    "source": f"{source} (G4IT referential)" if source else "G4IT referential",
                    "licence": licence,
                    "row_id": row_id,
                }
            )
            avg = row.number("consoElecMoyenne", "avgElectricityConsumption")
            if avg is not None:
                kwh.setdefault(name, avg)
        if key in seen:
            raise InputError(
                f"duplicate factor (same as line {seen[key]})",
                file=row.file,
                row=row.line,
                value=" / ".join(key[1:]),
                expected="one row per item, step and criterion",
            )
        seen[key] = row.line

    defaults = [
        {
            "ref": ref,
            "lifetime_years": None,
            "lifetime_low": None,
            "lifetime_high": None,
            "annual_kwh": v,
            "power_w": None,
            "hours_per_day": None,
            "days_per_year": None,
            "cpu_threads": None,
            "source": f"G4IT referential {impacts_path.name}: average electricity consumption",
        }
        for ref, v in kwh.items()
    ]

    hypotheses: dict[str, float] = {}
    if (path := _find(directory, "hypotheses")) is not None:
        for row in read_rows(path):
            key_text = row.get("cle", "code")
            if not key_text:
                continue
            number = row.number("valeur", "value", required=True)
            assert number is not None
            hypotheses[_HYPOTHESES.get(key_text, snake_case(key_text))] = number

    item_types: list[dict[str, Any]] = []
    if (path := _find(directory, "item_types")) is not None:
        for row in read_rows(path):
            if not row.get("type"):
                continue
            item_types.append(
                {
                    "type": row.get("type"),
                    "default_ref": row.get("refItemParDefaut", "refDefaultItem") or None,
                    "lifetime_years": row.number("dureeVieDefaut", "defaultLifespan"),
                    "is_server": row.boolean("serveur", "isServer"),
                }
            )

    matching: list[dict[str, Any]] = []
    if (path := _find(directory, "matching")) is not None:
        for row in read_rows(path):
            model = row.get("modeleEquipementSource", "model", "modelSource")
            target = row.get("refEquipementCible", "ref", "refTarget")
            if model and target:
                matching.append({"model": model, "ref": target})

    return FactorSet(
        id=set_id,
        version=version,
        publisher=PUBLISHER,
        year=date.today().year,
        licence=licence,
        description=f"Imported from a G4IT/NumEcoEval referential ({impacts_path.name})",
        criteria=pl.DataFrame(list(criteria_rows.values()), schema=FACTOR_CRITERIA, orient="row"),
        impacts=pl.DataFrame(impacts, schema=FACTOR_IMPACTS, orient="row"),
        electricity=pl.DataFrame(electricity, schema=FACTOR_ELECTRICITY, orient="row"),
        defaults=pl.DataFrame(defaults, schema=FACTOR_DEFAULTS, orient="row"),
        model_matching=pl.DataFrame(matching, schema=FACTOR_MODEL_MATCHING, orient="row"),
        item_types=pl.DataFrame(item_types, schema=FACTOR_ITEM_TYPES, orient="row"),
        hypotheses=hypotheses,
    )


def _country(row: Row, name: str) -> str:
    location = row.get("localisation", "location")
    code = countries.to_code(location) if location else None
    if code is None:
        # G4IT names each mix after its ISO code ("Electricity Mix FR"): the fallback for unusual spellings
        match = _MIX_NAME.match(name)
        code = match.group(1) if match else None
    if code is None:
        raise InputError(
            "unknown country for an electricity mix",
            file=row.file,
            row=row.line,
            column="localisation/location",
            value=location,
            expected="an English country name such as 'France', or a name 'Electricity Mix FR'",
        )
    return code


def import_g4it_referential(
    session: Session, directory: Path, set_id: str, version: str, *, licence: str | None = None
) -> FactorSet:
    """Read a G4IT referential folder and store it as factor set (set_id, version); return the set."""
    from sobre.footprint.factors.store import save_factor_set

    factor_set = read_g4it_referential(directory, set_id=set_id, version=version, licence=licence)
    save_factor_set(session, factor_set, source_format="g4it")
    return factor_set
