"""Declarative column mappings: which header means which field, per format and kind.

A *field* is a Sobre attribute with a type and limits (``FIELDS``).  A *mapping* says, for one
(format, kind), which header spellings feed each field (``HEADERS``).  Headers are compared folded
(see :func:`sobre.inventory.vocab.fold`), so case, accents and punctuation do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sobre.inventory import glpi
from sobre.inventory.vocab import fold

FORMATS = ("sobre", "numecoeval", "glpi")
KINDS = ("equipment", "vm", "cloud", "application", "site", "storage", "department")


@dataclass(frozen=True)
class Field:
    """One importable attribute.  ``type`` is text, float, int, date, bool, country, ref or vocab:<name>."""

    name: str
    type: str = "text"
    required: bool = False
    low: float | None = None  # inclusive lower bound
    high: float | None = None  # inclusive upper bound
    positive: bool = False  # strictly above zero
    max_len: int = 255
    ref: str | None = None  # kind referred to by name, for type "ref"
    #: Dates: the earliest plausible one, and how many years after the reference date the latest may be.
    earliest: date | None = None
    latest_years: float | None = None


def _f(name: str, type: str = "text", **kw: object) -> Field:
    return Field(name, type, **kw)  # type: ignore[arg-type]


# Plausible ranges (docs/inventory.md, "Values with bounds"): beyond them a value is a typo or a unit error.
_NONNEG = {"low": 0.0}
_QTY = {"positive": True, "high": 1e6}
_RAM = {"low": 0.0, "high": 65_536.0}  # GB: the largest servers hold 24 to 48 TB
_DISK = {"low": 0.0, "high": 1e8}  # GB: 100 PB, beyond any single storage array
_KWH = {"low": 0.0, "high": 1e6}  # kWh a year: 100 kW all year long is 876,000 kWh
_VCPU = {"low": 0.0, "high": 10_000.0}
_SINCE_1980 = date(1980, 1, 1)
FIELDS: dict[str, list[Field]] = {
    "equipment": [
        _f("name", required=True),
        _f("external_key", max_len=120),
        _f("category", "vocab:category"),
        _f("type_label"),
        _f("manufacturer"),
        _f("manufacturer_raw"),
        _f("model"),
        _f("model_ref", max_len=120),
        _f("model_confidence", "float", low=0, high=1),
        _f("serial"),
        _f("inventory_number"),
        _f("quantity", "float", **_QTY),
        _f("status", "vocab:status"),
        _f("status_label"),
        _f("purchase_date", "date", earliest=_SINCE_1980, latest_years=1),
        _f("retirement_date", "date", earliest=_SINCE_1980, latest_years=31),
        _f("lifetime_years", "float", positive=True, high=30),
        _f("hours_per_day", "float", low=0, high=24),
        _f("days_per_year", "float", low=0, high=366),
        _f("power_w", "float", low=0, high=100_000),
        _f("annual_kwh", "float", **_KWH),
        _f("usage_mode", "vocab:usage_mode"),
        _f("usage_rate", "float", low=0, high=1),
        _f("refurbished", "bool"),
        _f("cpu_threads", "int", low=0, high=20_000),
        _f("ram_gb", "float", **_RAM),
        _f("storage_gb", "float", **_DISK),
        _f("screen_size_in", "float", positive=True, high=150),
        _f("purchase_value", "float", low=0, high=1e8),
        _f("supplier"),
        _f("os"),
        _f("os_version"),  # GLPI: appended to the operating system's name
        _f("cpu"),
        _f("country", "country"),
        _f("site", "ref", ref="site"),
        _f("location", max_len=500),
        _f("department", "ref", ref="department"),
        _f("user"),
        _f("alternate_user"),
        _f("group_name"),
        _f("comment", max_len=20_000),
        _f("data_quality", "vocab:quality"),
        _f("glpi_id", "int", low=0, high=1e12),  # with the item type: the GLPI natural key
        _f("item_type"),  # GLPI's "Item type" column of a global asset export
        _f("entity", max_len=500),  # GLPI's entity: the department when no group or service says better
        _f("modified"),  # GLPI's date_mod: where an incremental API import resumes
    ],
    "vm": [
        _f("name", required=True),
        _f("host", "ref", ref="equipment"),
        _f("cluster"),
        _f("vcpu", "float", **_VCPU),
        _f("ram_gb", "float", **_RAM),
        _f("storage_gb", "float", **_DISK),
        _f("kind", "vocab:vm_kind"),
        _f("allocation_key", "float", low=0, high=1),
        _f("annual_kwh", "float", **_KWH),
        _f("quantity", "float", **_QTY),
        _f("department", "ref", ref="department"),
        _f("data_quality", "vocab:quality"),
        _f("infrastructure"),  # G4IT typeInfrastructure: routes CLOUD_SERVICES rows to cloud instances
    ],
    "cloud": [
        _f("name", required=True),
        _f("provider", required=True, max_len=40),
        _f("instance_type", required=True, max_len=80),
        _f("region", max_len=60),
        _f("country", "country"),
        _f("quantity", "float", **_QTY),
        _f("hours_per_year", "float", low=0, high=8784),
        _f("average_load", "float", low=0, high=1),
        _f("vcpu", "float", **_VCPU),
        _f("ram_gb", "float", **_RAM),
        _f("department", "ref", ref="department"),
        _f("data_quality", "vocab:quality"),
    ],
    "application": [
        _f("name", required=True),
        _f("environment", max_len=60),
        _f("domain"),
        _f("subdomain"),
        _f("users", "int", low=0, high=1e10),
        _f("department", "ref", ref="department"),
        _f("vm", "ref", ref="vm"),
        _f("cloud_instance", "ref", ref="cloud"),
        _f("equipment", "ref", ref="equipment"),
        _f("on_cloud", "bool"),
        _f("data_quality", "vocab:quality"),
    ],
    "site": [
        _f("name", required=True),
        _f("kind", "vocab:site_kind"),
        _f("country", "country"),
        _f("city"),
        _f("pue", "float", low=1.0, high=5.0),
        _f("provider", max_len=40),
        _f("data_quality", "vocab:quality"),
    ],
    "storage": [
        _f("name", required=True),
        _f("kind", "vocab:storage_kind"),
        _f("media", "vocab:media"),
        _f("capacity_gb", "float", **_DISK),
        _f("used_gb", "float", **_DISK),
        _f("replicas", "float", low=0, high=100),
        _f("equipment", "ref", ref="equipment"),
        _f("site", "ref", ref="site"),
        _f("application", "ref", ref="application"),
        _f("department", "ref", ref="department"),
        _f("data_quality", "vocab:quality"),
    ],
    "department": [_f("name", required=True), _f("headcount", "int", low=0, high=1e7)],
}


def field(kind: str, name: str) -> Field:
    return next(f for f in FIELDS[kind] if f.name == name)


# Header spellings.  Sobre's own format uses the field names themselves (added below).
_NUMECOEVAL: dict[str, dict[str, list[str]]] = {
    "equipment": {
        "name": ["nomEquipementPhysique"],
        "model": ["modele"],
        "quantity": ["quantite"],
        "site": ["nomCourtDatacenter"],
        "purchase_date": ["dateAchat"],
        "retirement_date": ["dateRetrait"],
        "type_label": ["type"],
        "status": ["statut"],
        "country": ["paysDUtilisation"],
        "annual_kwh": ["consoElecAnnuelle"],
        "user": ["utilisateur"],
        "department": ["nomEntite"],
        "cpu_threads": ["nbCoeur"],
        "manufacturer": ["fabricant"],
        "storage_gb": ["tailleDuDisque"],
        "ram_gb": ["tailleMemoire"],
        "days_per_year": ["nbJourUtiliseAn"],
        "usage_rate": ["tauxUtilisation"],
        "usage_mode": ["modeUtilisation"],
    },
    "vm": {
        "name": ["nomEquipementVirtuel"],
        "host": ["nomEquipementPhysique"],
        "allocation_key": ["cleRepartition"],
        "vcpu": ["vCPU"],
        "cluster": ["cluster"],
        "annual_kwh": ["consoElecAnnuelle", "consoElecAn"],
        "kind": ["typeEqv"],
        "storage_gb": ["capaciteStockage"],
        "department": ["nomEntite"],
        "infrastructure": ["typeInfrastructure"],
        "quantity": ["quantite"],
    },
    "cloud": {
        "name": ["nomEquipementVirtuel"],
        "quantity": ["quantite"],
        "provider": ["provider"],
        "instance_type": ["typeInstance"],
        "region": ["location"],
        "average_load": ["chargeMoy"],
        "hours_per_year": ["dureeUtilisationAnnuelle"],
        "department": ["nomEntite"],
        "vcpu": ["vCPU"],
    },
    "application": {
        "name": ["nomApplication"],
        "environment": ["typeEnvironnement"],
        "vm": ["nomEquipementVirtuel"],
        "domain": ["domaine"],
        "subdomain": ["sousDomaine"],
        "department": ["nomEntite"],
        "on_cloud": ["associeAvecUnEquipmentCloud"],
    },
    "site": {
        "name": ["nomCourtDatacenter"],
        "pue": ["pue"],
        "country": ["localisation"],
    },
}
#: Headers of the G4IT formats that Sobre reads nowhere, on purpose (provenance, legacy ids, typing hints).
_NUMECOEVAL_IGNORED = {
    "equipment": [
        "nomSourceDonnee",
        "typeDeProcesseur",
        "goTelecharge",
        "idInventaire",
        "nomOrganisation",
        "sourceDonnee",
    ],
    "vm": [
        "nomSourceDonneeEquipementPhysique",
        "nomSourceDonnee",
        "location",
        "provider",
        "typeInstance",
        "chargeMoy",
        "dureeUtilisationAnnuelle",
    ],
    "cloud": [
        "nomSourceDonnee",
        "typeInfrastructure",
        "nomEquipementPhysique",
        "nomSourceDonneeEquipementPhysique",
        "cleRepartition",
        "cluster",
        "consoElecAnnuelle",
        "consoElecAn",
        "typeEqv",
        "capaciteStockage",
    ],
    "application": ["nomSourceDonneeEquipementVirtuel", "nomSourceDonnee", "nomEquipementPhysique"],
    "site": ["nomLongDatacenter", "nomEntite", "nomSourceDonnee", "idInventaire"],
}

# GLPI list exports and API searches: the titles live with the rest of what GLPI writes (inventory.glpi).
_GLPI = {"equipment": glpi.HEADERS}
_GLPI_GROUPED = {fold(h): f for f, hs in glpi.GROUPED.items() for h in hs}
_GLPI_IGNORED = {"equipment": glpi.IGNORED}

_SOBRE_IGNORED = {
    "equipment": ["id"],
    "vm": ["id"],
    "cloud": ["id"],
    "application": ["id"],
    "site": ["id"],
    "storage": ["id"],
    "department": ["id"],
}

#: Field names of Sobre's own format, per kind, in export order.
SOBRE_COLUMNS: dict[str, list[str]] = {
    "equipment": [
        "name",
        "external_key",
        "category",
        "type_label",
        "manufacturer",
        "manufacturer_raw",
        "model",
        "model_ref",
        "model_confidence",
        "serial",
        "inventory_number",
        "quantity",
        "status",
        "status_label",
        "purchase_date",
        "retirement_date",
        "lifetime_years",
        "hours_per_day",
        "days_per_year",
        "power_w",
        "annual_kwh",
        "usage_mode",
        "usage_rate",
        "refurbished",
        "cpu_threads",
        "ram_gb",
        "storage_gb",
        "screen_size_in",
        "purchase_value",
        "supplier",
        "os",
        "cpu",
        "country",
        "site",
        "location",
        "department",
        "user",
        "alternate_user",
        "group_name",
        "comment",
        "data_quality",
    ],
    "vm": [
        "name",
        "host",
        "cluster",
        "vcpu",
        "ram_gb",
        "storage_gb",
        "kind",
        "allocation_key",
        "annual_kwh",
        "quantity",
        "department",
        "data_quality",
    ],
    "cloud": [
        "name",
        "provider",
        "instance_type",
        "region",
        "country",
        "quantity",
        "hours_per_year",
        "average_load",
        "vcpu",
        "ram_gb",
        "department",
        "data_quality",
    ],
    "application": [
        "name",
        "environment",
        "domain",
        "subdomain",
        "users",
        "department",
        "vm",
        "cloud_instance",
        "equipment",
        "data_quality",
    ],
    "site": ["name", "kind", "country", "city", "pue", "provider", "data_quality"],
    "storage": [
        "name",
        "kind",
        "media",
        "capacity_gb",
        "used_gb",
        "replicas",
        "equipment",
        "site",
        "application",
        "department",
        "data_quality",
    ],
    "department": ["name", "headcount"],
}

#: Fields required by a format beyond the field's own rule (G4IT's mandatory values).
REQUIRED: dict[tuple[str, str], set[str]] = {
    ("numecoeval", "vm"): {"host"},
    ("numecoeval", "application"): {"environment", "vm"},
    ("numecoeval", "site"): {"country"},
}
#: Headers whose absence makes the whole file unreadable for that (format, kind) — G4IT's mandatory headers.
MANDATORY_HEADERS: dict[tuple[str, str], set[str]] = {
    ("numecoeval", "equipment"): {"name"},
    ("numecoeval", "vm"): {"name"},
    ("numecoeval", "cloud"): {"name"},
    ("numecoeval", "application"): {"name", "environment", "vm"},
    ("numecoeval", "site"): {"name", "country"},
}

#: G4IT file-name prefixes that name the kind of a file.
FILE_PREFIXES = {
    "EQUIPEMENT_PHYSIQUE": "equipment",
    "EQUIPEMENT_VIRTUEL": "vm",
    "DATACENTER": "site",
    "APPLICATION": "application",
}


def _index(table: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, str]]:
    return {kind: {fold(h): f for f, hs in fields.items() for h in hs} for kind, fields in table.items()}


HEADERS: dict[str, dict[str, dict[str, str]]] = {
    "sobre": {
        kind: {fold(c): c for c in cols} | {fold(f.name): f.name for f in FIELDS[kind]}
        for kind, cols in SOBRE_COLUMNS.items()
    },
    "numecoeval": _index(_NUMECOEVAL),
    "glpi": _index(_GLPI),
}
HEADERS["sobre"]["equipment"][fold("type")] = "type_label"
IGNORED: dict[str, dict[str, set[str]]] = {
    "sobre": {k: {fold(h) for h in v} for k, v in _SOBRE_IGNORED.items()},
    "numecoeval": {k: {fold(h) for h in v} for k, v in _NUMECOEVAL_IGNORED.items()},
    "glpi": {k: {fold(h) for h in v} for k, v in _GLPI_IGNORED.items()},
}


def header_field(fmt: str, kind: str, header: str) -> str | None:
    """The field fed by ``header`` in (fmt, kind), or None.

    GLPI's "Item - Label" titles match on the label.
    """
    table = HEADERS[fmt].get(kind, {})
    key = fold(header)
    if fmt == "glpi" and kind == "equipment" and key in _GLPI_GROUPED:
        return _GLPI_GROUPED[key]
    if key in table:
        return table[key]
    if fmt == "glpi" and " - " in header:
        # "<group> - <label>": the label's field, but an item's name and ID never come from another group.
        found = table.get(fold(header.rsplit(" - ", 1)[1]))
        return None if found in ("name", "glpi_id") else found
    return None


@dataclass
class Mapping:
    """How one file's columns feed the fields of one kind."""

    fmt: str
    kind: str
    columns: dict[str, int]  # field → column index
    headers: dict[str, str]  # field → header as written in the file
    unknown: list[str]  # headers mapped to nothing (warned about)
    ignored: list[str]  # known headers that Sobre deliberately does not read
    unnamed: set[int]  # positions of empty-named columns (a trailing separator)


def duplicate_headers(header: list[str]) -> tuple[int, int, str] | None:
    """The first two positions (1-based) whose titles are the same once folded, and the title; or None."""
    seen: dict[str, int] = {}
    for i, h in enumerate(header, start=1):
        if not h:
            continue
        key = fold(h) or h
        if key in seen:
            return seen[key], i, h
        seen[key] = i
    return None


def build_mapping(fmt: str, kind: str, header: list[str]) -> Mapping:
    columns: dict[str, int] = {}
    headers: dict[str, str] = {}
    unknown: list[str] = []
    ignored: list[str] = []
    ignored_set = IGNORED.get(fmt, {}).get(kind, set())
    for i, h in enumerate(header):
        if not h:
            continue  # the empty-named column of a trailing separator
        if fold(h) in ignored_set:
            # Checked first: "Système d'exploitation - Nom" must not become the asset's name.
            ignored.append(h)
            continue
        f = header_field(fmt, kind, h)
        if f is not None and f not in columns:
            columns[f], headers[f] = i, h
        elif f is not None:
            ignored.append(h)
        else:
            unknown.append(h)
    unnamed = {i for i, h in enumerate(header) if not h}
    return Mapping(fmt, kind, columns, headers, unknown, ignored, unnamed)


def _score(fmt: str, kind: str, header: list[str]) -> int:
    return sum(1 for h in header if h and header_field(fmt, kind, h) is not None)


def detect(
    header: list[str], file_name: str, *, fmt: str = "auto", kind: str | None = None
) -> tuple[str, str]:
    """Pick (format, kind) from the header (and a G4IT file-name prefix); explicit choices win.

    Raises ValueError with a readable message when nothing fits or two candidates tie.
    """
    explicit_kind = kind is not None
    if kind is None:
        stem = re.sub(r"[^A-Z_]", "", file_name.upper())
        kind = next((k for p, k in FILE_PREFIXES.items() if stem.startswith(p)), None)
    fmts = FORMATS if fmt == "auto" else (fmt,)
    kinds = KINDS if kind is None else (kind,)
    scored = sorted(
        (
            (_score(f, k, header), -FORMATS.index(f), -KINDS.index(k), f, k)
            for f in fmts
            for k in kinds
            if k in HEADERS[f]
        ),
        reverse=True,
    )
    if not scored or scored[0][0] == 0:
        raise ValueError("no known column in the header; choose --format and --kind, or rename the columns")
    best = scored[0]
    if len(scored) > 1 and scored[1][0] == best[0] and (scored[1][3] == best[3]) and kind is None:
        raise ValueError(
            f"the header fits kinds {best[4]!r} and {scored[1][4]!r} equally; choose one with --kind"
        )
    f, k = best[3], best[4]
    # A G4IT virtual-equipment file made only of cloud columns (no host column) is a cloud file.
    if f == "numecoeval" and k == "vm" and not explicit_kind:
        folded = {fold(h) for h in header}
        if fold("nomEquipementPhysique") not in folded and fold("typeInstance") in folded:
            k = "cloud"
    return f, k
