"""Normalising what inventories write about makers and models, so that one product has one spelling.

- Manufacturers: ``Dell Inc.``, ``DELL`` and ``Dell Computer Corporation`` are ``Dell``; ``Hewlett-Packard``
  and ``HP Inc.`` are ``HP``; the three-letter PNP codes that monitors report through EDID (``IVM``,
  ``GSM``, ``DEL``…, the UEFI PNP ID registry) name their maker.  The raw text is kept beside (see
  ``Equipment.manufacturer_raw``).
- Models, for matching only (the model is stored as written): form factors have one spelling
  (``Small Form Factor PC`` → ``sff``, ``Micro Tower`` → ``mt``), generations too (``9th Gen`` → ``gen 9``),
  and Lenovo machine-type codes (``20XW004EFR``: the first four characters are the machine type) become the
  product they stand for, through ``data/lenovo_machine_types.csv`` (Lenovo PSREF, one source per row).

Pure functions over strings: no database, no I/O beyond reading the table once.
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from pathlib import Path

from sobre.inventory.vocab import fold

LENOVO_TABLE = Path(__file__).parent / "data" / "lenovo_machine_types.csv"

#: Folded spellings → display name.  Company suffixes are removed before the lookup (see _CORPORATE).
MANUFACTURERS: dict[str, str] = {
    "dell": "Dell",
    "dell computer": "Dell",
    "dell emc": "Dell",
    "hp": "HP",
    "hewlett packard": "HP",
    "hewlett packard company": "HP",
    "hp inc": "HP",
    "hpe": "HPE",
    "hewlett packard enterprise": "HPE",
    "lenovo": "Lenovo",
    "lenovo group": "Lenovo",
    "ibm": "IBM",
    "apple": "Apple",
    "apple computer": "Apple",
    "samsung": "Samsung",
    "asus": "ASUS",
    "asustek": "ASUS",
    "asustek computer": "ASUS",
    "acer": "Acer",
    "fujitsu": "Fujitsu",
    "fujitsu siemens": "Fujitsu",
    "toshiba": "Toshiba",
    "dynabook": "Dynabook",
    "microsoft": "Microsoft",
    "msi": "MSI",
    "micro star": "MSI",
    "iiyama": "iiyama",
    "lg": "LG",
    "lg electronics": "LG",
    "goldstar": "LG",
    "philips": "Philips",
    "philips consumer electronics": "Philips",
    "mmd": "Philips",
    "benq": "BenQ",
    "viewsonic": "ViewSonic",
    "eizo": "EIZO",
    "aoc": "AOC",
    "nec": "NEC",
    "sony": "Sony",
    "huawei": "Huawei",
    "xiaomi": "Xiaomi",
    "google": "Google",
    "motorola": "Motorola",
    "nokia": "Nokia",
    "fairphone": "Fairphone",
    "crosscall": "Crosscall",
    "cisco": "Cisco",
    "juniper": "Juniper",
    "aruba": "Aruba",
    "ubiquiti": "Ubiquiti",
    "fortinet": "Fortinet",
    "netgear": "Netgear",
    "tp link": "TP-Link",
    "zyxel": "Zyxel",
    "d link": "D-Link",
    "yealink": "Yealink",
    "polycom": "Polycom",
    "avaya": "Avaya",
    "alcatel lucent": "Alcatel-Lucent",
    "alcatel lucent enterprise": "Alcatel-Lucent",
    "ale": "Alcatel-Lucent",
    "mitel": "Mitel",
    "snom": "Snom",
    "gigaset": "Gigaset",
    "brother": "Brother",
    "canon": "Canon",
    "epson": "Epson",
    "seiko epson": "Epson",
    "xerox": "Xerox",
    "ricoh": "Ricoh",
    "kyocera": "Kyocera",
    "kyocera mita": "Kyocera",
    "konica minolta": "Konica Minolta",
    "lexmark": "Lexmark",
    "sharp": "Sharp",
    "panasonic": "Panasonic",
    "supermicro": "Supermicro",
    "super micro": "Supermicro",
    "intel": "Intel",
    "vmware": "VMware",
    "apc": "APC",
    "schneider electric": "Schneider Electric",
    "eaton": "Eaton",
    "netapp": "NetApp",
    "synology": "Synology",
    "qnap": "QNAP",
}
#: EDID manufacturer PNP IDs (UEFI Forum PNP ID registry) that monitors report as their manufacturer.
PNP_IDS: dict[str, str] = {
    "ivm": "iiyama",
    "gsm": "LG",
    "del": "Dell",
    "sam": "Samsung",
    "sec": "Samsung",
    "acr": "Acer",
    "aus": "ASUS",
    "phl": "Philips",
    "bnq": "BenQ",
    "vsc": "ViewSonic",
    "len": "Lenovo",
    "hwp": "HP",
    "hpn": "HP",
    "enc": "EIZO",
    "sny": "Sony",
    "app": "Apple",
    "fus": "Fujitsu",
    "nec": "NEC",
    "aoc": "AOC",
    "msi": "MSI",
}
#: Company-form words dropped before the lookup ("Dell Inc." → "dell", "Acer Incorporated" → "acer").
_CORPORATE = {
    "inc",
    "incorporated",
    "corp",
    "corporation",
    "co",
    "company",
    "ltd",
    "limited",
    "llc",
    "gmbh",
    "ag",
    "sa",
    "sas",
    "sarl",
    "bv",
    "b v",
    "nv",
    "plc",
    "kk",
    "technologies",
    "technology",
    "international",
    "electronics",
    "systems",
    "networks",
    "industries",
    "group",
}


@lru_cache(maxsize=8192)
def manufacturer(raw: str | None) -> str | None:
    """The display name of a manufacturer written ``raw``; None for blank text.

    Unknown makers keep their spelling, except that an all-capital name longer than four letters is
    written in title case (``TOSHIBA`` → ``Toshiba``; ``AOC`` stays).
    """
    if raw is None or not raw.strip():
        return None
    text = " ".join(raw.split())
    folded = fold(text)
    if folded in MANUFACTURERS:
        return MANUFACTURERS[folded]
    if folded in PNP_IDS and len(text) == 3:
        return PNP_IDS[folded]
    words = folded.split()
    while len(words) > 1 and words[-1] in _CORPORATE:
        words.pop()
    core = " ".join(words)
    if core in MANUFACTURERS:
        return MANUFACTURERS[core]
    if text.isupper() and len(text) > 4 and " " not in text:
        return text.title()
    return text


_FORM_FACTORS = [
    (re.compile(r"\bultra small form factor\b"), "usff"),
    (re.compile(r"\bsmall form factor\b"), "sff"),
    (re.compile(r"\b(micro ?tower|mini ?tower)\b"), "mt"),
    (re.compile(r"\bdesktop mini\b"), "dm"),
    (re.compile(r"\ball in one\b"), "aio"),
    (re.compile(r"\b(\d+)(?:st|nd|rd|th) gen(?:eration)?\b"), r"gen \1"),
    (re.compile(r"\bgen(\d+)\b"), r"gen \1"),
    (re.compile(r"\b(pc|computer|notebook pc)$"), ""),
]
#: A Lenovo machine-type-model: 4 characters of machine type, then (optionally) 6 of model.
_LENOVO_MTM = re.compile(r"^(\d{2}[A-Z0-9]{2})([A-Z0-9]{6})?$")


@cache
def lenovo_machine_types(path: Path = LENOVO_TABLE) -> dict[str, str]:
    """Machine type (``20XW``) → product name (``ThinkPad X1 Carbon Gen 9``)."""
    with path.open(encoding="utf-8", newline="") as fh:
        return {row["machine_type"].upper(): row["product"] for row in csv.DictReader(fh)}


def lenovo_product(model: str | None) -> str | None:
    """The product a Lenovo machine-type code stands for (``20XW004EFR`` → ThinkPad X1 Carbon Gen 9)."""
    if not model:
        return None
    found = _LENOVO_MTM.match(model.strip().upper())
    return lenovo_machine_types().get(found.group(1)) if found else None


@lru_cache(maxsize=65536)
def model_for_matching(maker: str | None, model: str | None) -> str | None:
    """``model`` in the one spelling the catalogue is matched with (folded, form factors unified)."""
    if not model or not model.strip():
        return None
    if (maker or "").lower() == "lenovo" or (maker is None and _LENOVO_MTM.match(model.strip().upper())):
        product = lenovo_product(model)
        if product is not None:
            model = product
    text = fold(model)
    for pattern, replacement in _FORM_FACTORS:
        text = pattern.sub(replacement, text)
    return " ".join(text.split()) or None
