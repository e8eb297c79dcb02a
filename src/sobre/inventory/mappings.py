"""Declarative column mappings: which header means which field, per format and kind.

A *field* is a Sobre attribute with a type and limits (``FIELDS``).  A *mapping* says, for one
(format, kind), which header spellings feed each field (``HEADERS``).  Headers are compared folded
(see :func:`sobre.inventory.vocab.fold`), so case, accents and punctuation do not matter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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


def _f(name: str, type: str = "text", **kw: object) -> Field:
    return Field(name, type, **kw)  # type: ignore[arg-type]


_NONNEG = {"low": 0.0}
FIELDS: dict[str, list[Field]] = {
    "equipment": [
        _f("name", required=True),
        _f("category", "vocab:category"),
        _f("type_label"),
        _f("manufacturer"),
        _f("model"),
        _f("model_ref", max_len=120),
        _f("model_confidence", "float", low=0, high=1),
        _f("serial"),
        _f("quantity", "float", positive=True, high=1e9),
        _f("status", "vocab:status"),
        _f("purchase_date", "date"),
        _f("retirement_date", "date"),
        _f("lifetime_years", "float", positive=True, high=100),
        _f("hours_per_day", "float", low=0, high=24),
        _f("days_per_year", "float", low=0, high=366),
        _f("power_w", "float", **_NONNEG),
        _f("annual_kwh", "float", **_NONNEG),
        _f("usage_mode", "vocab:usage_mode"),
        _f("usage_rate", "float", low=0, high=1),
        _f("refurbished", "bool"),
        _f("cpu_threads", "int", low=0, high=1e7),
        _f("ram_gb", "float", **_NONNEG),
        _f("storage_gb", "float", **_NONNEG),
        _f("country", "country"),
        _f("site", "ref", ref="site"),
        _f("department", "ref", ref="department"),
        _f("user"),
        _f("data_quality", "vocab:quality"),
    ],
    "vm": [
        _f("name", required=True),
        _f("host", "ref", ref="equipment"),
        _f("cluster"),
        _f("vcpu", "float", **_NONNEG),
        _f("ram_gb", "float", **_NONNEG),
        _f("storage_gb", "float", **_NONNEG),
        _f("kind", "vocab:vm_kind"),
        _f("allocation_key", "float", low=0, high=1),
        _f("annual_kwh", "float", **_NONNEG),
        _f("quantity", "float", positive=True, high=1e9),
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
        _f("quantity", "float", positive=True, high=1e9),
        _f("hours_per_year", "float", low=0, high=8784),
        _f("average_load", "float", low=0, high=1),
        _f("vcpu", "float", **_NONNEG),
        _f("ram_gb", "float", **_NONNEG),
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
        _f("capacity_gb", "float", **_NONNEG),
        _f("used_gb", "float", **_NONNEG),
        _f("replicas", "float", low=0, high=100),
        _f("equipment", "ref", ref="equipment"),
        _f("site", "ref", ref="site"),
        _f("application", "ref", ref="application"),
        _f("department", "ref", ref="department"),
        _f("data_quality", "vocab:quality"),
    ],
    "department": [_f("name", required=True), _f("headcount", "int", low=0, high=1e9)],
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

# GLPI list exports (Parc > Ordinateurs/Moniteurs/Matériels réseau/Téléphones/Imprimantes > export CSV),
# in French and English; the column titles are the search options' labels.
_GLPI = {
    "equipment": {
        "name": ["Nom", "Name"],
        "manufacturer": ["Fabricant", "Manufacturer"],
        "model": [
            "Modèle",
            "Model",
            "Modèle d'ordinateur",
            "Computer model",
            "Modèle de moniteur",
            "Monitor model",
            "Modèle de matériel réseau",
            "Network equipment model",
            "Modèle de téléphone",
            "Phone model",
            "Modèle d'imprimante",
            "Printer model",
        ],
        "type_label": [
            "Type",
            "Type d'ordinateur",
            "Computer type",
            "Type de moniteur",
            "Monitor type",
            "Type de matériel réseau",
            "Network equipment type",
            "Type de téléphone",
            "Phone type",
            "Type d'imprimante",
            "Printer type",
        ],
        "serial": ["Numéro de série", "Serial number", "N° de série", "Serial"],
        "status": ["Statut", "Status", "État", "Etat"],
        "site": ["Lieu", "Location", "Emplacement"],
        "department": ["Entité", "Entity", "Groupe", "Group", "Service", "Département", "Department"],
        "user": ["Utilisateur", "User", "Usager", "Alternate username", "Nom alternatif de l'usager"],
        "purchase_date": ["Date d'achat", "Date of purchase", "Purchase date"],
        "retirement_date": ["Date de réforme", "Decommission date", "Date de mise au rebut", "Disposal date"],
        "lifetime_years": ["Durée de vie", "Lifetime"],
        "country": ["Pays", "Country"],
        "quantity": ["Quantité", "Quantity"],
        "ram_gb": ["Mémoire (Go)", "Memory (GB)"],
        "cpu_threads": ["Nombre de threads", "Threads"],
    },
}
_GLPI_IGNORED = {
    "equipment": [
        "ID",
        "Dernière modification",
        "Last update",
        "Numéro d'inventaire",
        "Inventory number",
        "Système d'exploitation - Nom",
        "Operating system - Name",
        "Composants - Processeur",
        "Components - Processor",
        "Commentaires",
        "Comments",
        "Date de création",
        "Creation date",
        "Réseau - Adresse IP",
        "Network - IP address",
        "Contact",
        "Technicien en charge du matériel",
        "Technician in charge of the hardware",
        "Fournisseur",
        "Supplier",
    ],
}

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
        "category",
        "type_label",
        "manufacturer",
        "model",
        "model_ref",
        "model_confidence",
        "serial",
        "quantity",
        "status",
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
        "country",
        "site",
        "department",
        "user",
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
    if key in table:
        return table[key]
    if fmt == "glpi" and " - " in header:
        return table.get(fold(header.rsplit(" - ", 1)[1]))
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
