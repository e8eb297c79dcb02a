"""Realistic GLPI exports, written here with the values expected once imported.

How the files are written follows GLPI's sources (``glpi-project/glpi``): GLPI 10's CSV output quotes
every field, replaces ``"`` by ``''``, ends every field (the last one too) with the user's separator and
starts with a BOM (``CSVSearchOutput``); GLPI 11 writes CSV and XLSX through PhpSpreadsheet with CRLF
(``Search/Output/Csv``, ``Spreadsheet``).  Column titles are the search options' labels in the user's
language, ``<group> - <label>`` for another group's.  A town hall then re-saves files in Excel: Windows-1252,
CRLF, quotes only where needed, French dates and decimal commas.

Three exports of one fictitious town hall: its computers (French titles, re-saved by Excel; and the same
records as an XLSX workbook), its monitors (named after their model, as GLPI's inventory names them), its
network devices (English titles, GLPI's own CSV, UTF-8 with BOM).
"""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from openpyxl import Workbook


@dataclass
class Item:
    """One GLPI item as exported, and what Sobre must make of it."""

    cells: dict[str, Any]  # column title → value as GLPI displays it
    expected: dict[str, Any] = field(default_factory=dict)  # Equipment attribute → value (None: rejected)
    reject: tuple[str, Any] | None = None  # (column title, value) when the row must be rejected


COMPUTER_TITLES = [
    "ID",
    "Nom",
    "Entité",
    "Statut",
    "Fabricant",
    "Modèle",
    "Type",
    "Numéro de série",
    "Numéro d'inventaire",
    "Lieu",
    "Utilisateur",
    "Usager",
    "Groupe",
    "Commentaires",
    "Date d'achat",
    "Valeur",
    "Fournisseur",
    "Durée d'amortissement",
    "Date de réforme",
    "Système d'exploitation - Nom",
    "Système d'exploitation - Version",
    "Composants - Processeur",
    "Dernière modification",
]


def _pc(
    i: int,
    name: str,
    maker: str,
    model: str,
    kind: str,
    serial: str,
    where: str,
    bought: date | None,
    value: str,
    life: str,
    **more: Any,
) -> dict[str, Any]:
    cells = {
        "ID": 100 + i,
        "Nom": name,
        "Entité": "Entité racine > Ville de Bourg-sur-Lys",
        "Statut": more.pop("status", "En service"),
        "Fabricant": maker,
        "Modèle": model,
        "Type": kind,
        "Numéro de série": serial,
        "Numéro d'inventaire": f"INV-{2000 + i}",
        "Lieu": where,
        "Utilisateur": more.pop("user", f"agent{i}"),
        "Usager": more.pop("alt", ""),
        "Groupe": more.pop("group", "DSI"),
        "Commentaires": more.pop("comment", ""),
        "Date d'achat": bought,
        "Valeur": value,
        "Fournisseur": more.pop("supplier", "UGAP"),
        "Durée d'amortissement": life,
        "Date de réforme": more.pop("retired", None),
        "Système d'exploitation - Nom": more.pop("os", "Windows 11 Professionnel"),
        "Système d'exploitation - Version": more.pop("os_version", "23H2"),
        "Composants - Processeur": more.pop("cpu", "Intel Core i5-1145G7"),
        "Dernière modification": "2025-11-02 09:14",
    }
    assert not more, more
    return cells


MAIRIE = "Mairie > Bâtiment A > 2e étage"
ECOLE = "Écoles > École Jules-Ferry"
MEDIA = "Médiathèque"


def computers() -> list[Item]:
    """Thirty computers, French titles; a few invalid on purpose (amortisation, serial twice, date)."""
    d = date
    items = [
        Item(
            _pc(
                1,
                "PC-ACC-01",
                "LENOVO",
                "20XW004EFR",
                "Notebook",
                "PF3ABC01",
                MAIRIE,
                d(2021, 9, 1),
                "1 249,90",
                "3 ans",
            ),
            {
                "category": "laptop",
                "manufacturer": "Lenovo",
                "manufacturer_raw": "LENOVO",
                "model_ref": "lenovo-thinkpad-x1-carbon-gen9",
                "site": "Mairie",
                "location": "Bâtiment A > 2e étage",
                "lifetime_years": 3.0,
                "purchase_value": 1249.9,
                "supplier": "UGAP",
                "status": "in_use",
                "inventory_number": "INV-2001",
                "group_name": "DSI",
                "os": "Windows 11 Professionnel 23H2",
                "cpu": "Intel Core i5-1145G7",
                "external_key": "glpi:Computer:101",
                "purchase_date": d(2021, 9, 1),
            },
        ),
        Item(
            _pc(
                2,
                "PC-ACC-02",
                "LENOVO",
                "20L5S0TB00",
                "Notebook",
                "PF1XYZ99",
                MAIRIE,
                d(2019, 3, 12),
                "980",
                "5",
                status="En stock",
            ),
            {
                "category": "laptop",
                "model_ref": "lenovo-thinkpad-t480",
                "lifetime_years": 5.0,
                "purchase_value": 980.0,
                "status": "in_stock",
                "department": "DSI",  # GLPI's group: the organisation's service
            },
        ),
        Item(
            _pc(
                3,
                "PC-URB-01",
                "Hewlett-Packard",
                "HP EliteDesk 800 G4 SFF",
                "Mini Tower",
                "CZC8123456",
                MAIRIE,
                d(2018, 11, 5),
                "720,00",
                "5 ans",
                user="",
                alt="m.dupont",
                group="Urbanisme",
            ),
            {
                "category": "desktop",
                "manufacturer": "HP",
                "model_ref": "hp-elitedesk-800-g4",
                "alternate_user": "m.dupont",
                "user": None,
                "department": "Urbanisme",
                "group_name": "Urbanisme",
            },
        ),
        Item(
            _pc(
                4,
                "PC-URB-02",
                "Dell Inc.",
                "OptiPlex 7070",
                "Tour",
                "7XK2L53",
                MAIRIE,
                d(2020, 1, 20),
                "650",
                "0",
            ),
            {
                "category": "desktop",
                "manufacturer": "Dell",
                "model_ref": "dell-optiplex-7070",
                "lifetime_years": None,
            },
        ),  # 0: never filled in GLPI, unknown rather than zero
        Item(
            _pc(
                5,
                "PC-RH-01",
                "Dell Inc.",
                "Latitude 5420",
                "Portable",
                "9GHT2K3",
                MAIRIE,
                d(2021, 6, 14),
                "1 020,50",
                "4",
                comment='Clavier "AZERTY" changé',
            ),
            {"category": "laptop", "model_ref": "dell-latitude-5420", "comment": 'Clavier "AZERTY" changé'},
        ),
        Item(
            _pc(
                6,
                "PC-RH-02",
                "Dell Inc.",
                "Latitude 5420",
                "Portable",
                "9GHT2K4",
                MAIRIE,
                d(2021, 6, 14),
                "1 020,50",
                "45",
            ),
            reject=("Durée d'amortissement", "45"),
        ),
        Item(
            _pc(
                7,
                "PC-RH-03",
                "Dell Inc.",
                "Latitude 5420",
                "Portable",
                "9GHT2K5",
                MAIRIE,
                d(2021, 6, 14),
                "1 020,50",
                "-2",
            ),
            reject=("Durée d'amortissement", "-2"),
        ),
        Item(
            _pc(
                8,
                "PC-RH-04",
                "Dell Inc.",
                "Latitude 5420",
                "Portable",
                "9GHT2K6",
                MAIRIE,
                d(2021, 6, 14),
                "1 020,50",
                "beaucoup",
            ),
            reject=("Durée d'amortissement", "beaucoup"),
        ),
        Item(
            _pc(
                9,
                "CAO-01",
                "Dell Inc.",
                "Precision 3561",
                "Station de travail",
                "FQ2L8M3",
                "Mairie > Urbanisme",
                d(2022, 2, 1),
                "2 340",
                "4",
                cpu="Intel Core i7-11850H",
            ),
            {
                "category": "workstation",
                "model_ref": "dell-precision-3561",
                "site": "Mairie",
                "location": "Urbanisme",
                "data_quality": "medium",
            },
        ),
        Item(
            _pc(
                10,
                "TC-ACCUEIL",
                "HP",
                "t640 Thin Client",
                "Thin client",
                "5CG0123ABC",
                MEDIA,
                d(2020, 9, 9),
                "410",
                "6",
                os="HP ThinPro",
                os_version="",
            ),
            {"category": "thin_client", "site": "Médiathèque", "location": None, "os": "HP ThinPro"},
        ),
        Item(
            _pc(
                11,
                "SRV-ESX-01",
                "Dell Inc.",
                "PowerEdge R740",
                "Rack Mount Chassis",
                "H8K2PQ2",
                "Mairie > Salle serveur",
                d(2019, 5, 2),
                "8 900",
                "5",
                os="VMware ESXi",
                os_version="7.0.3",
                cpu="Intel Xeon Silver 4214R",
            ),
            {"category": "rack_server", "model_ref": "dell-poweredge-r740", "location": "Salle serveur"},
        ),
        Item(
            _pc(
                12,
                "TAB-ELUS-01",
                "SAMSUNG",
                "Galaxy Tab S7",
                "Tablette",
                "R52N80ABCDE",
                MAIRIE,
                d(2021, 1, 8),
                "649",
                "3",
                os="Android",
                os_version="13",
            ),
            {"category": "tablet", "manufacturer": "Samsung", "model_ref": "samsung-galaxy-tab-s7"},
        ),
        Item(
            _pc(
                13,
                "IMAC-COM-01",
                "Apple Inc.",
                "iMac 24",
                "All in One",
                "C02FX1ABQ6X",
                "Mairie > Communication",
                d(2022, 4, 4),
                "1 499",
                "5",
                os="macOS",
                os_version="14.4",
            ),
            {"category": "desktop", "manufacturer": "Apple", "model_ref": "apple-imac-24"},
        ),
        Item(
            _pc(
                14,
                "PC-ECOLE-01",
                "LENOVO",
                "20XW004EFR",
                "Notebook",
                "PF3ABC02",
                ECOLE,
                d(2021, 9, 1),
                "1 249,90",
                "3 ans",
            ),
            reject=("Numéro de série", "PF3ABC02"),
        ),
        Item(
            _pc(
                15,
                "PC-ECOLE-02",
                "LENOVO",
                "20XW004EFR",
                "Notebook",
                "PF3ABC02",
                ECOLE,
                d(2021, 9, 1),
                "1 249,90",
                "3 ans",
            ),
            reject=("Numéro de série", "PF3ABC02"),
        ),  # the same serial as PC-ECOLE-01: both rejected
        Item(
            _pc(
                16,
                "PC-ECOLE-03",
                "Acer",
                "TravelMate P214",
                "Portable",
                "NXVPKEF00",
                ECOLE,
                d(2099, 1, 1),
                "700",
                "4",
            ),
            reject=("Date d'achat", date(2099, 1, 1)),
        ),
        Item(
            _pc(
                17,
                "PC-POLICE-01",
                "Dell Inc.",
                "Latitude 5420",
                "Portable",
                "To be filled by O.E.M.",
                "Police municipale",
                d(2021, 6, 14),
                "1 020,50",
                "4",
                status="Prêté",
            ),
            {"status": "in_use", "serial": "To be filled by O.E.M.", "site": "Police municipale"},
        ),
        Item(
            _pc(
                18,
                "PC-POLICE-02",
                "Dell Inc.",
                "Latitude 5420",
                "Portable",
                "To be filled by O.E.M.",
                "Police municipale",
                d(2021, 6, 14),
                "1 020,50",
                "4",
                status="",
            ),
            {"status": "unknown", "data_quality": "low"},
        ),  # a placeholder serial is no serial: no clash
        Item(
            _pc(
                19,
                "PC-ARCHIVES",
                "FUJITSU",
                "ESPRIMO P757",
                "Desktop",
                "YM9F012345",
                "Archives",
                d(2017, 3, 3),
                "560",
                "5",
                status="Réformé",
                retired=d(2024, 12, 31),
            ),
            {
                "status": "retired",
                "manufacturer": "Fujitsu",
                "category": "desktop",
                "retirement_date": d(2024, 12, 31),
            },
        ),
        Item(
            _pc(
                20,
                "PC-INCONNU",
                "Dell Inc.",
                "Latitude 5420",
                "Bidule",
                "9GHT2K9",
                MAIRIE,
                d(2021, 6, 14),
                "1 020,50",
                "4",
                status="En attente de décision",
            ),
            {"status": "unknown", "status_label": "En attente de décision", "category": "laptop"},
        ),
    ]
    return items


MONITOR_TITLES = [
    "ID",
    "Nom",
    "Entité",
    "Statut",
    "Fabricant",
    "Modèle",
    "Type",
    "Numéro de série",
    "Lieu",
    "Taille",
    "Date d'achat",
    "Valeur",
    "Durée d'amortissement",
]
_MONITOR_MODELS = [
    ("DEL", "P2419H", "Dell", "dell-p2419h", "23,8"),
    ("Dell Inc.", "P2419H", "Dell", "dell-p2419h", "23,8"),
    ("DEL", "E2216H", "Dell", "dell-e2216h", "21,5"),
    ("IVM", "PL2492H", "iiyama", None, "23,8"),
    ("GSM", "24MK400H", "LG", None, "23,8"),
    ("SAM", "S24R350", "Samsung", "samsung-s24r350", "24"),
    ("HWP", "HP E24 G4", "HP", "hp-e24-g4", "23,8"),
    ("PHL", "241B7QPJEB", "Philips", None, "23,8"),
]


def monitors(count: int = 120, seed: int = 12) -> list[Item]:
    """Monitors named after their model (many share a name), with EDID maker codes and blank types."""
    rnd = random.Random(seed)
    sites = [MAIRIE, ECOLE, MEDIA, "Mairie > Bâtiment B", "Police municipale"]
    items = []
    for i in range(count):
        code, model, maker, ref, size = _MONITOR_MODELS[i % len(_MONITOR_MODELS)]
        where = sites[i % len(sites)]
        kind = ["LED", "", "LCD", "TFT", "IPS"][i % 5]
        serial = "" if i % 17 == 0 else f"MON{i:05d}{rnd.randrange(100, 999)}"
        bought = date(2016 + i % 8, 1 + i % 12, 1 + i % 27)
        cells = {
            "ID": 500 + i,
            "Nom": model,
            "Entité": "Entité racine > Ville de Bourg-sur-Lys",
            "Statut": ["En service", "En stock", "En service", "Rebut"][i % 4],
            "Fabricant": code,
            "Modèle": model,
            "Type": kind,
            "Numéro de série": serial,
            "Lieu": where,
            "Taille": size,
            "Date d'achat": bought,
            "Valeur": f"{140 + i % 60},{i % 100:02d}",
            "Durée d'amortissement": ["5", "6 ans", "", "7"][i % 4],
        }
        expected = {
            "category": "monitor",
            "manufacturer": maker,
            "manufacturer_raw": code,
            "model_ref": ref,
            "screen_size_in": float(size.replace(",", ".")),
            "external_key": f"glpi:Monitor:{500 + i}",
            "site": where.split(" > ")[0],
            "status": ["in_use", "in_stock", "in_use", "disposed"][i % 4],
            "purchase_date": bought,
        }
        items.append(Item(cells, expected))
    return items


NETWORK_TITLES = [
    "ID",
    "Name",
    "Entity",
    "Status",
    "Manufacturer",
    "Model",
    "Type",
    "Serial number",
    "Location",
    "Date of purchase",
    "Value",
    "Supplier",
    "Amortization duration",
    "Comments",
]


def network() -> list[Item]:
    rows = [
        (
            1,
            "SW-CORE-01",
            "In use",
            "Cisco Systems, Inc.",
            "Catalyst 9200-48P",
            "Switch",
            "FOC2233X0AB",
            "Town hall > Server room",
            "2020-02-10",
            "3,200.00",
            "Orange Business",
            "5 years",
            {
                "category": "switch",
                "manufacturer": "Cisco",
                "model_ref": "cisco-catalyst-9200-48p",
                "purchase_value": 3200.0,
                "lifetime_years": 5.0,
                "location": "Server room",
            },
        ),
        (
            2,
            "RT-WAN-01",
            "In use",
            "Cisco Systems, Inc.",
            "ISR 1111",
            "Router",
            "FGL2301A1BC",
            "Town hall > Server room",
            "2019-06-01",
            "1,150.50",
            "Orange Business",
            "7 years",
            {"category": "router", "purchase_value": 1150.5},
        ),
        (
            3,
            "FW-01",
            "In use",
            "Fortinet",
            "FortiGate 60F",
            "Firewall",
            "FGT60FTK2009ABC",
            "Town hall > Server room",
            "2021-01-15",
            "890",
            "Fortinet",
            "5",
            {"category": "firewall", "manufacturer": "Fortinet"},
        ),
        (
            4,
            "AP-MEDIA-01",
            "In use",
            "Ubiquiti Inc.",
            "U6-Lite",
            "Access point",
            "F4E2C6AB1234",
            "Media library",
            "2022-03-03",
            "99",
            "",
            "",
            {
                "category": "wifi_access_point",
                "manufacturer": "Ubiquiti",
                "lifetime_years": None,
                "supplier": None,
            },
        ),
        (
            5,
            "SW-SCHOOL-01",
            "",
            "HPE",
            "Aruba 2530-24G",
            "",
            "CN12ABC345",
            "Schools > Jules-Ferry school",
            "2018-09-01",
            "450",
            "",
            "5 years",
            {"category": "switch", "status": "unknown", "site": "Schools", "location": "Jules-Ferry school"},
        ),
        (
            6,
            "UPS-SR-01",
            "Stock",
            "APC",
            "Smart-UPS 1500",
            "UPS",
            "AS1234567890",
            "Town hall > Server room",
            "2017-05-20",
            "720",
            "",
            "31",
            None,
        ),  # 31 years: beyond the plausible lifetime
    ]
    items = []
    for i, name, status, maker, model, kind, serial, where, bought, value, supplier, life, expected in rows:
        cells = {
            "ID": i,
            "Name": name,
            "Entity": "Root entity",
            "Status": status,
            "Manufacturer": maker,
            "Model": model,
            "Type": kind,
            "Serial number": serial,
            "Location": where,
            "Date of purchase": bought,
            "Value": value,
            "Supplier": supplier,
            "Amortization duration": life,
            "Comments": "",
        }
        exp = {
            "external_key": f"glpi:NetworkEquipment:{i}",
            "site": where.split(" > ")[0],
            "department": "Root entity",  # no group: the entity names the department
            **(expected or {}),
        }
        items.append(Item(cells, exp, None if expected else ("Amortization duration", life)))
    return items


def _text(value: Any, french: bool) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}" if french else value.isoformat()
    return str(value)


def write_excel_csv(path: Path, titles: list[str], items: list[Item], encoding: str = "cp1252") -> Path:
    """As Excel re-saves a CSV: Windows-1252, CRLF, ``;``, quotes only where needed, French dates."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=";", lineterminator="\r\n")
    writer.writerow(titles)
    for item in items:
        writer.writerow([_text(item.cells.get(t), True) for t in titles])
    path.write_bytes(buf.getvalue().encode(encoding))
    return path


def write_glpi10_csv(path: Path, titles: list[str], items: list[Item]) -> Path:
    """As GLPI 10 writes its CSV export: BOM, every field quoted and followed by ``;``, ``"`` → ``''``."""

    def field(value: str) -> str:
        return '"' + value.replace('"', "''") + '";'

    lines = ["".join(field(t) for t in titles)]
    lines += ["".join(field(_text(item.cells.get(t), False)) for t in titles) for item in items]
    path.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    return path


def write_xlsx(path: Path, titles: list[str], items: list[Item]) -> Path:
    """The same records as a workbook: dates as date cells, IDs as numbers, the rest as GLPI shows it."""
    book = Workbook()
    sheet = book.active
    sheet.title = "glpi"
    sheet.append(titles)
    for item in items:
        row = []
        for t in titles:
            value = item.cells.get(t)
            if isinstance(value, date):
                row.append(value)
            elif t == "ID":
                row.append(int(value))
            else:
                row.append("" if value is None else str(value))
        sheet.append(row)
    for cell in sheet["O"][1:]:  # Date d'achat as Excel shows dates
        cell.number_format = "DD/MM/YYYY"
    book.save(path)
    return path
