"""What GLPI writes, as data: column titles, item types, and how GLPI displays values.

GLPI's list exports (Assets > Computers, Monitors, Network devices, Phones, Printers, Devices > export CSV
or spreadsheet) title each column with its search option's label in the user's language; a column of
another group is titled ``<group> - <label>`` (``Système d'exploitation - Nom``), and a "global" asset
search adds an ``Item type`` column.  The REST API (``search/<itemtype>``) gives the same values keyed by
search-option id; :data:`API_FIELDS` maps those ids (GLPI's ``rawSearchOptions``: 1 name, 2 ID, 3 location,
31 status, 37 date of purchase, 53 supplier, 54 value, 56 amortization duration, 159 decommission date…) to
the same titles, so both sources go through one mapping.

Read from GLPI's sources (``glpi-project/glpi``: ``src/Search/Output/*``, ``src/Infocom.php``,
``src/Search/SearchOption.php``, ``apirest.md``); see docs/inventory.md.
"""

from __future__ import annotations

import re

from sobre.inventory.vocab import fold

#: GLPI asset item types Sobre imports, with their names as GLPI displays them (English, French).
ITEM_TYPES: dict[str, tuple[str, ...]] = {
    "Computer": ("Computer", "Computers", "Ordinateur", "Ordinateurs"),
    "Monitor": ("Monitor", "Monitors", "Moniteur", "Moniteurs", "Écran", "Écrans"),
    "NetworkEquipment": (
        "NetworkEquipment",
        "Network device",
        "Network devices",
        "Network equipment",
        "Matériel réseau",
        "Matériels réseau",
    ),
    "Phone": ("Phone", "Phones", "Téléphone", "Téléphones"),
    "Printer": ("Printer", "Printers", "Imprimante", "Imprimantes"),
    "Peripheral": ("Peripheral", "Device", "Devices", "Périphérique", "Périphériques"),
}
_ITEM_TYPE_INDEX = {fold(n): t for t, names in ITEM_TYPES.items() for n in names}
#: Words of a file name that give away the item type of an export ("moniteurs.csv", "glpi-computers.xlsx").
_FILE_WORDS: list[tuple[tuple[str, ...], str]] = [
    (("monitor", "monitors", "moniteur", "moniteurs", "ecran", "ecrans", "screens"), "Monitor"),
    (("computer", "computers", "ordinateur", "ordinateurs", "pc", "postes"), "Computer"),
    (("network", "networkequipment", "reseau", "switch", "switches"), "NetworkEquipment"),
    (("phone", "phones", "telephone", "telephones", "telephonie"), "Phone"),
    (("printer", "printers", "imprimante", "imprimantes"), "Printer"),
    (("peripheral", "peripherals", "peripherique", "peripheriques", "devices"), "Peripheral"),
]
#: The category an item type stands for when its own type column says nothing Sobre knows.
DEFAULT_CATEGORY = {
    "Computer": "desktop",
    "Monitor": "monitor",
    "NetworkEquipment": "switch",
    "Phone": "ip_phone",
    "Printer": "printer",
    "Peripheral": "other",
}
#: Categories each item type may take from its type column (a monitors export is monitors whatever its
#: type says: "LED", "IPS" or blank); anything else falls back to the item type's default.
ALLOWED_CATEGORIES = {
    "Computer": {
        "laptop",
        "desktop",
        "workstation",
        "thin_client",
        "tablet",
        "rack_server",
        "blade_server",
        "tower_server",
        "storage_array",
    },
    "Monitor": {"monitor", "display"},
    "NetworkEquipment": {"switch", "router", "firewall", "wifi_access_point", "ups", "storage_array"},
    "Phone": {"smartphone", "ip_phone"},
    "Printer": {"printer"},
    "Peripheral": {"ups", "display", "monitor", "printer", "other"},
}
#: Phone types that say "mobile" (GLPI's phone types are free text).
MOBILE_WORDS = ("portable", "mobile", "smartphone", "gsm", "cellulaire", "iphone", "android")


def item_type(text: str | None) -> str | None:
    """The GLPI item type named by ``text`` (``Moniteur``, ``Monitors``, ``NetworkEquipment``…), or None."""
    if not text:
        return None
    return _ITEM_TYPE_INDEX.get(fold(text))


def item_type_from_file_name(name: str) -> str | None:
    words = set(fold(re.sub(r"([a-z])([A-Z])", r"\1 \2", name.rsplit(".", 1)[0])).split())
    found = {t for keys, t in _FILE_WORDS if words & set(keys)}
    return found.pop() if len(found) == 1 else None


def external_key(itemtype: str, glpi_id: str) -> str:
    """The natural key of a GLPI item: its item type and ID (IDs are per item type in GLPI)."""
    return f"glpi:{itemtype}:{glpi_id}"


# Column titles, English then French, per Sobre field.  Titles of another group ("Group - Label") are
# matched whole first (GROUPED), then on their label.
HEADERS: dict[str, list[str]] = {
    "name": ["Name", "Nom"],
    "glpi_id": ["ID"],
    "item_type": ["Item type", "Type d'élément", "Type d'objet", "Itemtype"],
    "manufacturer": ["Manufacturer", "Fabricant"],
    "model": [
        "Model",
        "Modèle",
        "Computer model",
        "Modèle d'ordinateur",
        "Monitor model",
        "Modèle de moniteur",
        "Network equipment model",
        "Network device model",
        "Modèle de matériel réseau",
        "Phone model",
        "Modèle de téléphone",
        "Printer model",
        "Modèle d'imprimante",
        "Device model",
        "Modèle de périphérique",
    ],
    "type_label": [
        "Type",
        "Computer type",
        "Type d'ordinateur",
        "Monitor type",
        "Type de moniteur",
        "Network equipment type",
        "Network device type",
        "Type de matériel réseau",
        "Phone type",
        "Type de téléphone",
        "Printer type",
        "Type d'imprimante",
        "Device type",
        "Type de périphérique",
    ],
    "serial": ["Serial number", "Numéro de série", "N° de série", "Serial"],
    "inventory_number": ["Inventory number", "Numéro d'inventaire", "Otherserial"],
    "status": ["Status", "Statut", "État", "Etat"],
    "site": ["Location", "Lieu", "Emplacement"],
    "department": ["Service", "Département", "Department", "Direction"],
    "entity": ["Entity", "Entité"],
    "user": ["User", "Utilisateur"],
    "alternate_user": ["Alternate username", "Usager", "Nom alternatif de l'usager"],
    "group_name": ["Group", "Groupe"],
    "comment": ["Comments", "Commentaires", "Comment", "Commentaire"],
    "purchase_date": ["Date of purchase", "Date d'achat", "Purchase date"],
    "retirement_date": [
        "Decommission date",
        "Date de réforme",
        "Date de décommission",
        "Date de mise au rebut",
        "Disposal date",
    ],
    "lifetime_years": [
        "Amortization duration",
        "Durée d'amortissement",
        "Amortisation duration",
        "Durée de vie",
        "Lifetime",
    ],
    "purchase_value": ["Value", "Valeur", "Purchase value", "Prix d'achat"],
    "supplier": ["Supplier", "Fournisseur"],
    "screen_size_in": ["Size", "Taille", "Size (inches)", "Taille (pouces)"],
    "country": ["Country", "Pays"],
    "quantity": ["Quantity", "Quantité"],
    "os": ["Operating system", "Système d'exploitation"],
    "cpu": ["Processor", "Processeur", "Processors", "Processeurs"],
    "ram_gb": ["Memory", "Mémoire", "Memory (GB)", "Mémoire (Go)", "Memory (MiB)", "Mémoire (Mio)"],
    "storage_gb": ["Hard drive", "Disque dur", "Hard drives", "Disques durs"],
    "cpu_threads": ["Threads", "Nombre de threads"],
    "modified": ["Last update", "Dernière modification"],
}
#: "<group> - <label>" titles that mean a field; their bare label would mean another (Nom is the name).
GROUPED: dict[str, list[str]] = {
    "os": [
        "Operating system - Name",
        "Système d'exploitation - Nom",
        "Operating System - Name",
    ],
    "os_version": [
        "Operating system - Version",
        "Système d'exploitation - Version",
        "Version of the operating system",
        "Version du système d'exploitation",
    ],
    "cpu": [
        "Components - Processor",
        "Composants - Processeur",
        "Processor - Name",
        "Processeur - Nom",
        "Processor - Designation",
        "Processeur - Désignation",
    ],
    "ram_gb": [
        "Components - Memory",
        "Composants - Mémoire",
        "Memory - Size",
        "Mémoire - Taille",
        "Components - Memory - Size",
    ],
    "storage_gb": [
        "Components - Hard drive",
        "Composants - Disque dur",
        "Hard drive - Capacity",
        "Disque dur - Capacité",
        "Volumes - Global size",
        "Volumes - Taille totale",
    ],
}
#: Columns of GLPI exports that Sobre reads nowhere, on purpose (they say nothing about the footprint).
IGNORED = [
    "Creation date",
    "Date de création",
    "Network - IP address",
    "Réseau - Adresse IP",
    "Network - MAC address",
    "Réseau - Adresse MAC",
    "Contact",
    "Alternate username number",
    "Numéro de l'usager",
    "Technician in charge of the hardware",
    "Technicien en charge du matériel",
    "Group in charge of the hardware",
    "Groupe en charge du matériel",
    "Startup date",
    "Date de mise en service",
    "Warranty duration",
    "Durée de garantie",
    "Warranty expiration date",
    "Date de fin de garantie",
    "Order number",
    "Numéro de commande",
    "Invoice number",
    "Numéro de facture",
    "Immobilization number",
    "Numéro d'immobilisation",
    "Template name",
    "Nom du gabarit",
    "Operating system - Kernel",
    "Système d'exploitation - Noyau",
    "Operating system - Architecture",
    "Système d'exploitation - Architecture",
    "Operating system - Service pack",
    "Système d'exploitation - Service Pack",
    "UUID",
    "Domain",
    "Domaine",
    "Network",
    "Réseau",
    "Last inventory date",
    "Dernier inventaire",
    "Automatic inventory",
    "Inventaire automatique",
]

#: REST API search options (``search/<itemtype>?forcedisplay[]=…``) → the English column title.
#: Common to every asset type; per-type additions below (GLPI's rawSearchOptions of each class).
API_FIELDS: dict[int, str] = {
    1: "Name",
    2: "ID",
    3: "Location",
    4: "Type",
    5: "Serial number",
    6: "Inventory number",
    7: "Alternate username",
    16: "Comments",
    19: "Last update",
    23: "Manufacturer",
    31: "Status",
    37: "Date of purchase",
    40: "Model",
    53: "Supplier",
    54: "Value",
    56: "Amortization duration",
    70: "User",
    71: "Group",
    80: "Entity",
    159: "Decommission date",
}
API_EXTRA: dict[str, dict[int, str]] = {
    "Computer": {45: "Operating system - Name", 46: "Operating system - Version", 17: "Processor"},
    "Monitor": {11: "Size"},
}
#: The search option of each item's modification date (``date_mod``), for incremental imports.
MODIFIED_OPTION = 19

#: Values GLPI shows for "nothing" in a dropdown or number column.
EMPTY = {"", "&nbsp;", "-", "n/a", "N/A", "None", "(null)"}

_YEARS = re.compile(r"^\s*([+-]?\d+(?:[.,]\d+)?)\s*(?:ans?|années?|years?|yrs?|y)?\s*$", re.I)
_SIZE = re.compile(r"^\s*([+-]?\d+(?:[ .,]\d+)*)\s*([KMGTP]?)(?:i?[Bo]|io)?\s*$", re.I)
_UNIT_GB = {"": None, "K": 1 / 1024**2, "M": 1 / 1024, "G": 1.0, "T": 1024.0, "P": 1024.0**2}


def years(text: str) -> str:
    """GLPI writes durations with their unit ("3 ans", "5 years"): keep the number, for validation."""
    found = _YEARS.match(text)
    return found.group(1) if found else text


def size_in_gb(text: str, default_unit: str = "M") -> str:
    """A memory or disk size as GLPI shows it ("8192", "8 Gio", "16 GiB", "512 Mo") in GB, as text.

    GLPI stores sizes in MiB: a bare number is MiB unless ``default_unit`` says otherwise.  Text that is
    not a size comes back unchanged, so that validation rejects it naming the value.
    """
    found = _SIZE.match(text)
    if not found:
        return text
    number = found.group(1).replace(" ", "").replace(",", ".")
    if number.count(".") > 1:
        return text
    unit = found.group(2).upper() or default_unit.upper()
    factor = _UNIT_GB.get(unit)
    if factor is None:
        return number
    try:
        return repr(float(number) * factor)
    except ValueError:
        return text
