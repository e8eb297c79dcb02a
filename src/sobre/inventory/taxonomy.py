"""The inventory's controlled vocabularies: equipment categories, statuses, site kinds.

The category list is Sobre's documented taxonomy (docs/inventory.md); factor sets give a row per category.
Synonyms for each value (French, English, GLPI and G4IT spellings) live with the importer.
"""

from __future__ import annotations

from enum import StrEnum


class Category(StrEnum):
    LAPTOP = "laptop"
    DESKTOP = "desktop"
    WORKSTATION = "workstation"
    THIN_CLIENT = "thin_client"
    MONITOR = "monitor"
    SMARTPHONE = "smartphone"
    TABLET = "tablet"
    PRINTER = "printer"  # printers and multifunction printers (MFP)
    IP_PHONE = "ip_phone"
    RACK_SERVER = "rack_server"
    BLADE_SERVER = "blade_server"
    TOWER_SERVER = "tower_server"
    STORAGE_ARRAY = "storage_array"
    SWITCH = "switch"
    ROUTER = "router"
    FIREWALL = "firewall"
    WIFI_ACCESS_POINT = "wifi_access_point"
    UPS = "ups"
    DISPLAY = "display"  # large displays and TVs
    OTHER = "other"


SERVER_CATEGORIES = frozenset({Category.RACK_SERVER, Category.BLADE_SERVER, Category.TOWER_SERVER})
END_USER_CATEGORIES = frozenset(
    {
        Category.LAPTOP,
        Category.DESKTOP,
        Category.WORKSTATION,
        Category.THIN_CLIENT,
        Category.MONITOR,
        Category.SMARTPHONE,
        Category.TABLET,
        Category.PRINTER,
        Category.IP_PHONE,
        Category.DISPLAY,
    }
)
NETWORK_CATEGORIES = frozenset(
    {Category.SWITCH, Category.ROUTER, Category.FIREWALL, Category.WIFI_ACCESS_POINT}
)


class Status(StrEnum):
    IN_USE = "in_use"
    IN_STOCK = "in_stock"
    IN_REPAIR = "in_repair"
    IN_TRANSIT = "in_transit"
    REUSE = "reuse"  # handed on for reuse (réemploi), donation or resale
    RETIRED = "retired"
    DISPOSED = "disposed"  # scrapped (rebut), recycled through a WEEE body
    LOST = "lost"
    UNKNOWN = "unknown"  # blank or not understood in the source (kept in status_label); lowers data quality


#: Statuses whose equipment still counts in the organisation's yearly footprint.  An unknown status
#: counts: leaving the item out would understate the footprint, and its data quality says it is unsure.
ACTIVE_STATUSES = frozenset(
    {Status.IN_USE, Status.IN_STOCK, Status.IN_REPAIR, Status.IN_TRANSIT, Status.UNKNOWN}
)


class SiteKind(StrEnum):
    OFFICE = "office"
    SERVER_ROOM = "server_room"
    DATA_CENTRE = "data_centre"
    COLOCATION = "colocation"
    CLOUD_REGION = "cloud_region"


#: Site kinds where a PUE applies to the equipment's energy.
PUE_SITE_KINDS = frozenset(
    {SiteKind.SERVER_ROOM, SiteKind.DATA_CENTRE, SiteKind.COLOCATION, SiteKind.CLOUD_REGION}
)


class UsageMode(StrEnum):
    COPE = "cope"  # corporate-owned, personally enabled
    BYOD = "byod"


class DataQuality(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class VmKind(StrEnum):
    COMPUTE = "compute"
    STORAGE = "storage"


class Criticality(StrEnum):
    """How much the organisation depends on an asset; supervision grades alerts with it."""

    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    CRITICAL = "critical"


class ServiceStatus(StrEnum):
    """Where a digital service is in its life: judged before build, followed through build and operation."""

    IDEA = "idea"
    PLANNED = "planned"
    BUILD = "build"
    LIVE = "live"
    RETIRED = "retired"


class ImportKind(StrEnum):
    EQUIPMENT = "equipment"
    VM = "vm"
    CLOUD = "cloud"
    APPLICATION = "application"
    SITE = "site"
    STORAGE = "storage"
    DEPARTMENT = "department"
