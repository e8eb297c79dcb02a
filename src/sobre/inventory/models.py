"""Inventory tables: the map of the organisation's information system.

Natural keys (what a re-import matches on, documented in docs/inventory.md): equipment by its source's key
(``external_key``, e.g. a GLPI item type and ID), else manufacturer and serial, else name; applications by
(organisation, name, environment); every other table by (organisation, name).
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from sobre.core.db import Base
from sobre.orgs.models import utcnow


def _org() -> sa.ForeignKey:
    return sa.ForeignKey("organisation.id", ondelete="CASCADE")


_NAME = sa.String(255)
_QUALITY = sa.String(8)
_CRITICALITY = sa.String(10)  # taxonomy.Criticality; unset means not assessed


class Site(Base):
    __tablename__ = "site"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    kind: Mapped[str] = mapped_column(sa.String(20))  # taxonomy.SiteKind
    country: Mapped[str | None] = mapped_column(sa.String(8))  # ISO 3166-1 alpha-2
    city: Mapped[str | None] = mapped_column(_NAME)
    pue: Mapped[float | None]
    provider: Mapped[str | None] = mapped_column(sa.String(40))  # cloud regions and colocation
    data_quality: Mapped[str] = mapped_column(_QUALITY, default="medium")


class Department(Base):
    __tablename__ = "department"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    headcount: Mapped[int | None]


class Equipment(Base):
    """Physical equipment.  One row may stand for several identical items (``quantity``).

    Names need not be unique (GLPI names monitors after their model); ``external_key`` is.
    """

    __tablename__ = "equipment"
    __table_args__ = (
        sa.UniqueConstraint("org_id", "external_key"),
        sa.Index("ix_equipment_org_id_name", "org_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    #: The source's own identity of the item, e.g. ``glpi:Computer:42``: the first natural key.
    external_key: Mapped[str | None] = mapped_column(sa.String(120))
    #: Not indexed alone: ix_equipment_list_category (org_id, category, id) serves its queries.
    category: Mapped[str] = mapped_column(sa.String(24))  # taxonomy.Category
    type_label: Mapped[str | None] = mapped_column(_NAME)  # the type as written in the source
    manufacturer: Mapped[str | None] = mapped_column(_NAME)  # normalised (Dell, HP, Lenovo…)
    manufacturer_raw: Mapped[str | None] = mapped_column(_NAME)  # as written in the source (Dell Inc.)
    model: Mapped[str | None] = mapped_column(_NAME)
    model_ref: Mapped[str | None] = mapped_column(
        sa.String(120)
    )  # matched reference, see inventory.models_catalog
    model_confidence: Mapped[float | None]
    serial: Mapped[str | None] = mapped_column(_NAME)
    quantity: Mapped[float] = mapped_column(default=1.0)
    status: Mapped[str] = mapped_column(sa.String(16), default="in_use")  # taxonomy.Status
    status_label: Mapped[str | None] = mapped_column(_NAME)  # the status as written in the source
    purchase_date: Mapped[date | None]
    retirement_date: Mapped[date | None]
    lifetime_years: Mapped[float | None]  # declared lifetime
    hours_per_day: Mapped[float | None]
    days_per_year: Mapped[float | None]
    power_w: Mapped[float | None]
    annual_kwh: Mapped[float | None]  # declared yearly electricity
    usage_mode: Mapped[str | None] = mapped_column(sa.String(8))  # taxonomy.UsageMode
    usage_rate: Mapped[float | None]  # share attributed to the organisation, 0..1
    refurbished: Mapped[bool] = mapped_column(default=False)
    cpu_threads: Mapped[int | None]  # host capacity in vCPU, for VM shares and idle capacity
    ram_gb: Mapped[float | None]
    storage_gb: Mapped[float | None]
    country: Mapped[str | None] = mapped_column(sa.String(8))  # country of use when no site gives it
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id", ondelete="SET NULL"), index=True)
    #: Where in the site: the rest of a hierarchical location (``Bâtiment A > 2e étage``).
    location: Mapped[str | None] = mapped_column(sa.String(500))
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    user: Mapped[str | None] = mapped_column(_NAME)
    alternate_user: Mapped[str | None] = mapped_column(_NAME)  # GLPI "Usager" (contact)
    group_name: Mapped[str | None] = mapped_column(_NAME)  # GLPI "Groupe"
    inventory_number: Mapped[str | None] = mapped_column(_NAME)
    purchase_value: Mapped[float | None]  # in the organisation's currency, as the source gives it
    supplier: Mapped[str | None] = mapped_column(_NAME)
    screen_size_in: Mapped[float | None]  # diagonal in inches (monitors, displays)
    os: Mapped[str | None] = mapped_column(_NAME)  # operating system name and version
    cpu: Mapped[str | None] = mapped_column(_NAME)  # processor model(s)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    criticality: Mapped[str | None] = mapped_column(_CRITICALITY)
    data_quality: Mapped[str] = mapped_column(_QUALITY, default="medium")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id", ondelete="SET NULL"))


class VirtualMachine(Base):
    __tablename__ = "virtual_machine"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    host_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("equipment.id", ondelete="SET NULL"), index=True
    )
    cluster: Mapped[str | None] = mapped_column(_NAME)
    vcpu: Mapped[float | None]
    ram_gb: Mapped[float | None]
    storage_gb: Mapped[float | None]
    kind: Mapped[str] = mapped_column(sa.String(8), default="compute")  # taxonomy.VmKind
    allocation_key: Mapped[float | None]  # explicit share of the host, 0..1
    annual_kwh: Mapped[float | None]
    quantity: Mapped[float] = mapped_column(default=1.0)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    criticality: Mapped[str | None] = mapped_column(_CRITICALITY)
    data_quality: Mapped[str] = mapped_column(_QUALITY, default="medium")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id", ondelete="SET NULL"))


class CloudInstance(Base):
    __tablename__ = "cloud_instance"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    provider: Mapped[str] = mapped_column(sa.String(40))  # aws, azure, gcp, ovh, scaleway…
    instance_type: Mapped[str] = mapped_column(sa.String(80))
    region: Mapped[str | None] = mapped_column(sa.String(60))
    country: Mapped[str | None] = mapped_column(sa.String(8))
    quantity: Mapped[float] = mapped_column(default=1.0)
    hours_per_year: Mapped[float | None]
    average_load: Mapped[float | None]  # 0..1
    vcpu: Mapped[float | None]
    ram_gb: Mapped[float | None]
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    data_quality: Mapped[str] = mapped_column(_QUALITY, default="medium")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id", ondelete="SET NULL"))


class Application(Base):
    __tablename__ = "application"
    __table_args__ = (sa.UniqueConstraint("org_id", "name", "environment"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    environment: Mapped[str] = mapped_column(sa.String(60), default="production")
    domain: Mapped[str | None] = mapped_column(_NAME)
    subdomain: Mapped[str | None] = mapped_column(_NAME)
    users: Mapped[int | None]  # number of users, for per-user figures
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    criticality: Mapped[str | None] = mapped_column(_CRITICALITY)
    data_quality: Mapped[str] = mapped_column(_QUALITY, default="medium")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id", ondelete="SET NULL"))


class ApplicationLink(Base):
    """What an application runs on: a VM, a cloud instance or a physical machine (exactly one)."""

    __tablename__ = "application_link"
    __table_args__ = (
        sa.CheckConstraint(
            "(CASE WHEN vm_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN cloud_instance_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN equipment_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_target",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), index=True
    )
    vm_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("virtual_machine.id", ondelete="CASCADE"), index=True
    )
    cloud_instance_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("cloud_instance.id", ondelete="CASCADE"), index=True
    )
    equipment_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("equipment.id", ondelete="CASCADE"), index=True
    )


class StorageVolume(Base):
    __tablename__ = "storage_volume"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    kind: Mapped[str | None] = mapped_column(sa.String(20))  # block, file, object, backup
    media: Mapped[str | None] = mapped_column(sa.String(10))  # hdd, ssd, tape
    capacity_gb: Mapped[float | None]
    used_gb: Mapped[float | None]
    replicas: Mapped[float | None]
    equipment_id: Mapped[int | None] = mapped_column(sa.ForeignKey("equipment.id", ondelete="SET NULL"))
    site_id: Mapped[int | None] = mapped_column(sa.ForeignKey("site.id", ondelete="SET NULL"))
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id", ondelete="SET NULL"))
    department_id: Mapped[int | None] = mapped_column(sa.ForeignKey("department.id", ondelete="SET NULL"))
    data_quality: Mapped[str] = mapped_column(_QUALITY, default="medium")
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("import_batch.id", ondelete="SET NULL"))


class DigitalService(Base):
    """A digital service offered to users (a website, an online procedure, an internal tool).

    Assessments (RGESN, RGAA) and eco-design reviews are made of a service; its applications link it to the
    infrastructure and so to its footprint.
    """

    __tablename__ = "digital_service"
    __table_args__ = (sa.UniqueConstraint("org_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    name: Mapped[str] = mapped_column(_NAME)
    description: Mapped[str | None] = mapped_column(sa.Text)
    owner: Mapped[str | None] = mapped_column(_NAME)  # the person or role answerable for the service
    url: Mapped[str | None] = mapped_column(sa.String(1000))
    audience: Mapped[str | None] = mapped_column(_NAME)  # e.g. public, agents, schools
    users: Mapped[int | None]  # expected or measured number of users per year
    status: Mapped[str] = mapped_column(sa.String(10), default="live")  # taxonomy.ServiceStatus
    criticality: Mapped[str | None] = mapped_column(_CRITICALITY)
    department_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("department.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class DigitalServiceApplication(Base):
    """The applications a digital service runs on."""

    __tablename__ = "digital_service_application"

    service_id: Mapped[int] = mapped_column(
        sa.ForeignKey("digital_service.id", ondelete="CASCADE"), primary_key=True
    )
    application_id: Mapped[int] = mapped_column(
        sa.ForeignKey("application.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ImportBatch(Base):
    """One import of one file: what came in, what was rejected and where the rejects went."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    file_name: Mapped[str] = mapped_column(sa.String(500))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))
    format: Mapped[str] = mapped_column(sa.String(16))
    rows_read: Mapped[int] = mapped_column(default=0)
    inserted: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    rejected: Mapped[int] = mapped_column(default=0)
    rejects_path: Mapped[str | None] = mapped_column(sa.String(1000))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class SyncState(Base):
    """Where an incremental import from a remote source (the GLPI API) stopped, per organisation."""

    __tablename__ = "sync_state"
    __table_args__ = (sa.UniqueConstraint("org_id", "source", "scope", "item_type"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org())
    source: Mapped[str] = mapped_column(sa.String(20))  # "glpi"
    scope: Mapped[str] = mapped_column(sa.String(500))  # the server URL and entity
    item_type: Mapped[str] = mapped_column(sa.String(60))  # Computer, Monitor…
    last_modified: Mapped[str | None] = mapped_column(sa.String(32))  # the source's newest date_mod seen
    items: Mapped[int] = mapped_column(default=0)  # rows read in the last sync
    synced_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ModelReview(Base):
    """A free-text model that matched no known reference with enough confidence: a person decides."""

    __tablename__ = "model_review"
    __table_args__ = (sa.UniqueConstraint("org_id", "manufacturer", "model"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(_org(), index=True)
    manufacturer: Mapped[str] = mapped_column(_NAME, default="")
    model: Mapped[str] = mapped_column(_NAME)
    candidates: Mapped[list | None] = mapped_column(sa.JSON)  # [{"ref":…, "score":…}, …]
    items: Mapped[int] = mapped_column(default=0)  # how many equipment rows carry it
    resolved_ref: Mapped[str | None] = mapped_column(sa.String(120))
    status: Mapped[str] = mapped_column(sa.String(12), default="open")  # open, resolved, dismissed


# Indexes of the inventory lists' orders (migration inventory_0003): a list page is "this organisation's
# rows ordered by a column, ties by id", so each index is (org_id, column, id) and the database reads the
# page's rows in order instead of sorting every row of the organisation.  A descending sort keeps ties in
# ascending id order, which a backward scan of an ascending index does not give: the default order (the
# name) has its descending twin; other columns' descending sorts read their ascending index and sort only
# the ties.  Each index costs every insert, so only the large tables (equipment, VMs) get them.
LIST_ORDER_INDEXES = (
    sa.Index("ix_equipment_list_name_desc", Equipment.org_id, Equipment.name.desc(), Equipment.id),
    *(
        sa.Index(f"ix_equipment_list_{c}", Equipment.org_id, getattr(Equipment, c), Equipment.id)
        for c in ("category", "manufacturer", "model", "quantity", "status", "data_quality")
    ),
    sa.Index(
        "ix_virtual_machine_list_name_desc",
        VirtualMachine.org_id,
        VirtualMachine.name.desc(),
        VirtualMachine.id,
    ),
)
