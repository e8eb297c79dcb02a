"""Value synonyms: how the statuses, categories, site kinds, booleans… of other tools map to Sobre's.

Keys are *folded* (lower case, no accents, punctuation as single spaces; see :func:`fold`), so ``Écran``,
``ecran`` and ``ÉCRAN`` are one key.  Each table is plain data: add a spelling by adding a line.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

from sobre.inventory.taxonomy import Category, DataQuality, SiteKind, Status, UsageMode, VmKind


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower case, accents removed, every run of non-alphanumerics turned into one space."""
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return " ".join("".join(c if c.isalnum() else " " for c in text).split())


def _table(pairs: dict[str, list[str]]) -> dict[str, str]:
    out: dict[str, str] = {}
    for value, spellings in pairs.items():
        out[fold(value)] = value
        for s in spellings:
            out[fold(s)] = value
    return out


STATUS = _table(
    {
        Status.IN_USE: [
            "En service",
            "En utilisation",
            "In use",
            "Used",
            "actif",
            "active",
            "Utilisé",
            "Production",
            "Deployed",
            "Déployé",
            "Affecté",
            "Assigned",
            "En production",
            "Prêté",
            "Loaned",
            "Attribué",
            "En fonctionnement",
            "Opérationnel",
            "Operational",
        ],
        Status.IN_STOCK: [
            "En stock",
            "In stock",
            "Stock",
            "Stocké",
            "Spare",
            "Available",
            "Disponible",
            "En attente d'affectation",
            "En attente",
            "Pending",
            "Neuf en stock",
        ],
        Status.IN_REPAIR: [
            "En réparation",
            "In repair",
            "In maintenance",
            "En maintenance",
            "Maintenance",
            "Réparation",
            "Broken",
            "En panne",
            "SAV",
        ],
        Status.IN_TRANSIT: ["In transit", "En transit", "En cours de livraison", "On order", "En commande"],
        Status.REUSE: [
            "Réemploi",
            "Reemploi",
            "Reuse",
            "Reused",
            "Don",
            "Donated",
            "Donation",
            "Revendu",
            "Sold",
            "Resold",
            "Vendu",
        ],
        Status.RETIRED: [
            "Retired",
            "Retiré",
            "Retire",
            "inactif",
            "inactive",
            "Hors service",
            "Out of service",
            "Décommissionné",
            "Decommissioned",
            "Réformé",
            "Obsolete",
            "À réformer",
            "A reformer",
            "Hors d'usage",
        ],
        Status.DISPOSED: [
            "Rebut",
            "Mis au rebut",
            "Scrapped",
            "Disposed",
            "Recyclé",
            "Recycled",
            "Consumed",
            "Consommé",
            "Détruit",
            "Destroyed",
            "DEEE",
            "WEEE",
            "À recycler",
            "Détruit par prestataire",
        ],
        Status.LOST: ["Lost", "Perdu", "Missing", "Manquant", "Volé", "Stolen", "Disparu"],
    }
)

CATEGORY = _table(
    {
        # GLPI's computer types are the SMBIOS chassis types its agents read (DMTF DSP0134, 7.4.1).
        Category.LAPTOP: [
            "Portable",
            "Laptop",
            "Ordinateur portable",
            "PC portable",
            "Notebook",
            "Ultrabook",
            "Computer Laptop",
            "Laptop computer",
            "Sub Notebook",
            "Convertible",
            "Portable 2 en 1",
        ],
        Category.DESKTOP: [
            "Ordinateur",
            "Desktop",
            "Ordinateur fixe",
            "PC fixe",
            "Unité centrale",
            "Tour",
            "PC",
            "Personal Computer",
            "Computer",
            "Desktop computer",
            "Mini PC",
            "All in one",
            "Tout en un",
            "Poste fixe",
            "Poste de travail fixe",
            "Ordinateur de bureau",
            "Mini Tower",
            "Mini tour",
            "Micro tour",
            "Low Profile Desktop",
            "Pizza Box",
            "Space-saving",
            "Lunch Box",
            "Sealed-case PC",
            "Stick PC",
            "Embedded PC",
            "SFF",
            "Small Form Factor",
            "Tiny",
            "Micro-ordinateur",
        ],
        Category.WORKSTATION: ["Station de travail", "Workstation", "Poste de travail graphique"],
        Category.THIN_CLIENT: ["Client léger", "Thin client", "Terminal léger", "Zero client"],
        Category.MONITOR: [
            "Écran",
            "Ecran",
            "Monitor",
            "Moniteur",
            "Display monitor",
            "Screen",
            "LCD",
            "LED",
            "TFT",
            "IPS",
            "Écran plat",
        ],
        Category.SMARTPHONE: [
            "Smartphone",
            "Téléphone mobile",
            "Mobile phone",
            "Mobile",
            "Portable téléphone",
            "Cell phone",
            "iPhone",
            "Téléphone portable",
        ],
        Category.TABLET: ["Tablette", "Tablet", "iPad", "Detachable", "Hand Held", "Tablette tactile"],
        Category.PRINTER: [
            "Imprimante",
            "Printer",
            "Multifonction",
            "MFP",
            "Copieur",
            "Copier",
            "Photocopieur",
            "Imprimante multifonction",
            "Scanner",
            "Plotter",
            "Traceur",
        ],
        Category.IP_PHONE: [
            "Téléphone IP",
            "IP phone",
            "Téléphone fixe",
            "Desk phone",
            "Phone",
            "Téléphone",
            "Communication Device",
            "VoIP phone",
            "Softphone",
        ],
        Category.RACK_SERVER: [
            "Serveur",
            "Server",
            "Rack server",
            "Serveur rack",
            "ServeurCalcul",
            "Serveur calcul",
            "ComputeServer",
            "Compute server",
            "Dedicated Server",
            "Shared Server",
            "Serveur physique",
            "Physical server",
            "Hyperviseur",
            "Hypervisor",
            "Rack Mount Chassis",
            "Main Server Chassis",
            "Multi-system chassis",
            "Serveur rackable",
        ],
        Category.BLADE_SERVER: [
            "Blade",
            "Blade server",
            "Serveur lame",
            "Lame",
            "Blade Enclosure",
            "Châssis lame",
        ],
        Category.TOWER_SERVER: ["Tower server", "Serveur tour"],
        Category.STORAGE_ARRAY: [
            "Baie de stockage",
            "Storage array",
            "SAN",
            "NAS",
            "Storage",
            "Stockage",
            "Baie",
            "ServeurStockage",
            "Storage server",
        ],
        Category.SWITCH: [
            "Switch",
            "Commutateur",
            "Network switch",
            "Network Gear",
            "Network",
            "Réseau",
            "Équipement réseau",
            "Network equipment",
            "Network device",
        ],
        Category.ROUTER: ["Routeur", "Router", "Box", "Modem"],
        Category.FIREWALL: ["Pare-feu", "Firewall", "Parefeu", "UTM"],
        Category.WIFI_ACCESS_POINT: [
            "Borne WiFi",
            "Point d'accès",
            "Access point",
            "WiFi access point",
            "AP",
            "Borne wifi",
            "Wireless access point",
            "Borne Wi-Fi",
        ],
        Category.UPS: ["Onduleur", "UPS", "Onduleurs"],
        Category.DISPLAY: [
            "Écran d'affichage",
            "Affichage dynamique",
            "Digital signage",
            "TV",
            "Télévision",
            "Vidéoprojecteur",
            "Projector",
            "Projecteur",
            "Large display",
            "Écran interactif",
        ],
        Category.OTHER: [
            "Autre",
            "Other",
            "Consumable",
            "Consommable",
            "Accessoire",
            "Accessory",
            "Périphérique",
            "Peripheral",
            "Divers",
        ],
    }
)

SITE_KIND = _table(
    {
        SiteKind.OFFICE: ["Bureau", "Bureaux", "Office", "Siège", "Agence", "Headquarters", "HQ", "Site"],
        SiteKind.SERVER_ROOM: [
            "Salle serveur",
            "Salle serveurs",
            "Server room",
            "Salle informatique",
            "Local technique",
        ],
        SiteKind.DATA_CENTRE: [
            "Data centre",
            "Data center",
            "Datacenter",
            "Datacentre",
            "Centre de données",
            "DC",
        ],
        SiteKind.COLOCATION: ["Colocation", "Colo", "Hébergement", "Hosting", "Housing"],
        SiteKind.CLOUD_REGION: ["Cloud region", "Région cloud", "Cloud", "Region"],
    }
)

USAGE_MODE = _table(
    {
        UsageMode.COPE: ["COPE", "Corporate", "Professionnel", "Pro"],
        UsageMode.BYOD: ["BYOD", "Personnel", "Personal", "Bring your own device", "AVEC"],
    }
)

VM_KIND = _table(
    {
        VmKind.COMPUTE: ["calcul", "compute", "cpu", "vm"],
        VmKind.STORAGE: ["stockage", "storage"],
    }
)

QUALITY = _table(
    {
        DataQuality.HIGH: ["haute", "élevée", "elevee", "bonne", "good", "h", "3"],
        DataQuality.MEDIUM: ["moyenne", "moyen", "medium", "average", "m", "2"],
        DataQuality.LOW: ["faible", "basse", "bas", "low", "poor", "l", "1"],
    }
)

STORAGE_KIND = _table(
    {
        "block": ["bloc", "block", "san", "lun"],
        "file": ["fichier", "fichiers", "file", "nas", "nfs", "smb", "cifs", "partage"],
        "object": ["objet", "object", "s3", "blob"],
        "backup": ["sauvegarde", "backup", "archive"],
    }
)

MEDIA = _table(
    {
        "hdd": ["hdd", "disque dur", "hard disk", "sas", "sata", "nl sas"],
        "ssd": ["ssd", "flash", "nvme", "full flash"],
        "tape": ["tape", "bande", "lto", "cartouche"],
    }
)

BOOLEAN = {
    fold(k): True for k in ("1", "true", "yes", "y", "oui", "o", "vrai", "x", "reconditionné", "refurbished")
}
BOOLEAN |= {fold(k): False for k in ("0", "false", "no", "n", "non", "faux", "neuf", "new")}

#: Vocabularies by name, as used in the field declarations of :mod:`sobre.inventory.mappings`.
VOCABULARIES: dict[str, dict[str, str]] = {
    "status": STATUS,
    "category": CATEGORY,
    "site_kind": SITE_KIND,
    "usage_mode": USAGE_MODE,
    "vm_kind": VM_KIND,
    "quality": QUALITY,
    "storage_kind": STORAGE_KIND,
    "media": MEDIA,
}


#: Words that give away a category inside a longer free-text type ("IP Router", "Switch PoE 48 ports").
#: Checked in this order, so "serveur de stockage" is storage and "téléphone portable" a smartphone.
_CATEGORY_WORDS: list[tuple[tuple[str, ...], Category]] = [
    (("stockage", "storage", "san", "nas"), Category.STORAGE_ARRAY),
    (("blade", "lame"), Category.BLADE_SERVER),
    (("server", "serveur", "hyperviseur", "hypervisor"), Category.RACK_SERVER),
    (("router", "routeur"), Category.ROUTER),
    (("switch", "commutateur"), Category.SWITCH),
    (("firewall", "pare feu", "parefeu", "utm"), Category.FIREWALL),
    (("access point", "point d acces", "borne wifi", "wifi", "wi fi"), Category.WIFI_ACCESS_POINT),
    (("ups", "onduleur"), Category.UPS),
    (("smartphone", "mobile", "telephone portable", "iphone"), Category.SMARTPHONE),
    (("phone", "telephone", "voip"), Category.IP_PHONE),
    (("tablet", "tablette", "ipad"), Category.TABLET),
    (("laptop", "notebook", "portable"), Category.LAPTOP),
    (("workstation", "station de travail"), Category.WORKSTATION),
    (("thin client", "client leger"), Category.THIN_CLIENT),
    (("monitor", "moniteur", "ecran", "screen"), Category.MONITOR),
    (
        ("printer", "imprimante", "copieur", "copier", "multifonction", "mfp", "traceur", "plotter"),
        Category.PRINTER,
    ),
    (("desktop", "computer", "ordinateur", "pc", "tower", "tour", "fixe"), Category.DESKTOP),
    (("tv", "television", "display", "affichage"), Category.DISPLAY),
]


def _category_by_words(folded: str) -> str | None:
    padded = f" {folded} "
    for words, category in _CATEGORY_WORDS:
        if any(f" {word} " in padded for word in words):
            return category.value
    return None


def lookup(vocabulary: str, text: str) -> str | None:
    """Sobre's value for ``text`` in ``vocabulary``, or None when it is not known.

    Categories also accept a longer free text naming one (``IP Router`` → router), so real-world type
    labels land in the right category instead of ``other``.
    """
    folded = fold(text)
    found = VOCABULARIES[vocabulary].get(folded)
    if found is None and vocabulary == "category":
        found = _category_by_words(folded)
    return found


def accepted(vocabulary: str) -> str:
    """The accepted values of a vocabulary, for error messages."""
    return ", ".join(sorted(set(VOCABULARIES[vocabulary].values())))
