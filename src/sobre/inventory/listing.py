"""Listing, reading and editing inventory items for the pages and the API.

Every list is filtered, sorted and paginated by the database: the count and the page's ids read the item
table alone, then the page's rows are joined to their site and department names; filters accept only the
columns a kind declares, sorting only its sortable columns.  Model reviews are resolved here too: the
chosen reference goes to every item that carries the reviewed manufacturer and model.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound
from sobre.inventory import matching
from sobre.inventory.models import (
    Application,
    CloudInstance,
    Department,
    DigitalService,
    Equipment,
    ImportBatch,
    ModelReview,
    Site,
    StorageVolume,
    VirtualMachine,
)
from sobre.inventory.taxonomy import (
    Category,
    Criticality,
    DataQuality,
    ServiceStatus,
    SiteKind,
    Status,
    VmKind,
)
from sobre.web.paging import PageRequest, PageResult


@dataclass(frozen=True)
class Kind:
    """One list of the inventory: its table, the columns shown, filtered and sorted."""

    key: str
    model: Any
    columns: tuple[str, ...]
    #: Columns filtered by exact value (a choice list on the page).
    filters: tuple[str, ...]
    sortable: tuple[str, ...]
    #: The item kind of footprint runs (None: the footprint has no row for it).
    run_kind: str | None


KINDS: dict[str, Kind] = {
    k.key: k
    for k in (
        Kind(
            "equipment",
            Equipment,
            ("category", "manufacturer", "model", "quantity", "status", "site", "department", "data_quality"),
            ("category", "status", "site", "department", "data_quality"),
            ("name", "category", "manufacturer", "model", "quantity", "status", "data_quality"),
            "equipment",
        ),
        Kind(
            "vms",
            VirtualMachine,
            ("cluster", "vcpu", "ram_gb", "storage_gb", "kind", "department", "data_quality"),
            ("kind", "department", "data_quality"),
            ("name", "cluster", "vcpu", "ram_gb", "storage_gb", "data_quality"),
            "vm",
        ),
        Kind(
            "cloud",
            CloudInstance,
            ("provider", "instance_type", "region", "quantity", "department", "data_quality"),
            ("provider", "department", "data_quality"),
            ("name", "provider", "instance_type", "region", "quantity", "data_quality"),
            "cloud",
        ),
        Kind(
            "applications",
            Application,
            ("environment", "domain", "users", "criticality", "department", "data_quality"),
            ("environment", "criticality", "department", "data_quality"),
            ("name", "environment", "domain", "users", "criticality", "data_quality"),
            "application",
        ),
        Kind(
            "storage",
            StorageVolume,
            ("kind", "media", "capacity_gb", "used_gb", "replicas", "site", "department", "data_quality"),
            ("kind", "media", "site", "department", "data_quality"),
            ("name", "kind", "media", "capacity_gb", "used_gb", "data_quality"),
            "storage",
        ),
        Kind(
            "services",
            DigitalService,
            ("owner", "audience", "users", "status", "criticality", "department"),
            ("status", "criticality", "department"),
            ("name", "owner", "users", "status", "criticality"),
            None,
        ),
        Kind(
            "sites",
            Site,
            ("kind", "country", "city", "pue", "provider"),
            ("kind", "country"),
            ("name", "kind", "country", "city", "pue"),
            None,
        ),
        Kind("departments", Department, ("headcount",), (), ("name", "headcount"), None),
    )
}


def kind(key: str) -> Kind:
    found = KINDS.get(key)
    if found is None:
        raise NotFound(f"no inventory list {key!r}; lists: {', '.join(KINDS)}")
    return found


def _column(k: Kind, name: str) -> Any:
    if name == "site":
        return Site.name
    if name == "department":
        return Department.name
    return getattr(k.model, name)


def _joined(k: Kind, ids: list[int]) -> sa.Select[Any]:
    model = k.model
    columns = [model.id, model.name, *(_column(k, c).label(c) for c in k.columns)]
    stmt = sa.select(*columns).where(model.id.in_(ids))
    if "site" in k.columns:
        stmt = stmt.outerjoin(Site, Site.id == model.site_id)
    if "department" in k.columns:
        stmt = stmt.outerjoin(Department, Department.id == model.department_id)
    return stmt


def _like(text: str) -> str:
    """A LIKE pattern for "contains ``text``" (its wildcards escaped with a backslash)."""
    escaped = text.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _filtered(k: Kind, org_id: int, filters: dict[str, str], search: str) -> sa.Select[Any]:
    """The ids of the kind's items that pass the filters (sites and departments filtered by name)."""
    model = k.model
    stmt = sa.select(model.id).where(model.org_id == org_id)
    for name, value in filters.items():
        if not value:
            continue
        if name not in k.filters:
            raise InputError("unknown filter", column=name, value=value, expected=", ".join(k.filters))
        if name in ("site", "department"):
            ref = getattr(model, f"{name}_id")
            target = Site if name == "site" else Department
            named = sa.select(target.id).where(target.org_id == org_id, target.name == value)
            stmt = stmt.where(ref.is_(None) if value == "-" else ref.in_(named))
        elif value == "-":  # the "none" choice: items with no value
            stmt = stmt.where(getattr(model, name).is_(None))
        else:
            stmt = stmt.where(getattr(model, name) == value)
    if search:
        stmt = stmt.where(sa.func.lower(model.name).like(_like(search), escape="\\"))
    return stmt


def ordered(k: Kind, ids: sa.Select[Any], sort: str, descending: bool) -> sa.Select[Any]:
    """The ids in a list's order: a sortable column (else the name), ties by ascending id; the indexes
    ``LIST_ORDER_INDEXES`` of the models serve these orders."""
    column = getattr(k.model, sort if sort in k.sortable else "name")
    return ids.order_by(column.desc() if descending else column.asc(), k.model.id)


def items_page(
    session: Session,
    org_id: int,
    key: str,
    page: PageRequest,
    *,
    filters: dict[str, str] | None = None,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
) -> PageResult:
    """One page of a kind's list: exact filters, a name search (case-insensitive), a sort among the kind's
    sortable columns (ties broken by id); rows carry ``id``, ``name`` and the kind's columns.

    Done in the database for lists of 100,000 items: the count and the page's ids read the item table
    alone (an index on (organisation, name) serves the default order), then only the page's rows are
    joined to their site and department names."""
    k = kind(key)
    ids = _filtered(k, org_id, filters or {}, search)
    total = session.scalar(sa.select(sa.func.count()).select_from(ids.subquery())) or 0
    chosen = list(session.scalars(ordered(k, ids, sort, descending).limit(page.per_page).offset(page.offset)))
    rows = list(session.execute(_joined(k, chosen)).all()) if chosen else []
    rank = {item_id: i for i, item_id in enumerate(chosen)}
    rows.sort(key=lambda r: rank[r.id])
    return PageResult(rows, int(total), page.page, page.per_page)


#: Filters whose values are a vocabulary (offered whole) rather than read from the organisation's rows.
VOCABULARIES: dict[str, tuple[str, ...]] = {
    "equipment.category": tuple(c.value for c in Category),
    "equipment.status": tuple(s.value for s in Status),
    "vms.kind": tuple(v.value for v in VmKind),
    "services.status": tuple(s.value for s in ServiceStatus),
    "sites.kind": tuple(s.value for s in SiteKind),
    "criticality": tuple(c.value for c in Criticality),
    "data_quality": tuple(q.value for q in DataQuality),
}


def filter_choices(session: Session, org_id: int, key: str) -> dict[str, list[str]]:
    """The values each filter of a kind can take: its vocabulary, else the organisation's distinct values."""
    k = kind(key)
    out: dict[str, list[str]] = {}
    for name in k.filters:
        fixed = VOCABULARIES.get(f"{key}.{name}") or VOCABULARIES.get(name)
        if fixed is not None:
            out[name] = list(fixed)
            continue
        if name == "site":
            q = sa.select(Site.name).where(Site.org_id == org_id)
        elif name == "department":
            q = sa.select(Department.name).where(Department.org_id == org_id)
        else:
            column = getattr(k.model, name)
            q = sa.select(column).where(k.model.org_id == org_id, column.is_not(None)).distinct()
        out[name] = sorted(str(v) for v in session.scalars(q.limit(500)) if v is not None)[:200]
    return out


def get_item(session: Session, org_id: int, key: str, item_id: int) -> dict[str, Any]:
    """Every column of one item of the organisation, with its site and department names."""
    k = kind(key)
    row = session.get(k.model, item_id)
    if row is None or row.org_id != org_id:
        raise NotFound(f"no {key} item {item_id}")
    out = {c.key: getattr(row, c.key) for c in sa.inspect(k.model).column_attrs}
    for ref, model in (("site_id", Site), ("department_id", Department)):
        if out.get(ref) is not None:
            out[ref.removesuffix("_id")] = session.scalar(sa.select(model.name).where(model.id == out[ref]))
    return out


# ------------------------------------------------------------------ editing equipment

#: Fields of the equipment form, in the order shown.
EQUIPMENT_FIELDS = (
    "name",
    "category",
    "manufacturer",
    "model",
    "serial",
    "quantity",
    "status",
    "purchase_date",
    "lifetime_years",
    "site",
    "department",
    "user",
    "criticality",
    "data_quality",
)
CHOICES: dict[str, tuple[str, ...]] = {
    "category": tuple(c.value for c in Category),
    "status": tuple(s.value for s in Status),
    "criticality": ("", *(c.value for c in Criticality)),
    "data_quality": tuple(q.value for q in DataQuality),
}


def check_equipment(values: dict[str, str]) -> tuple[dict[str, Any], dict[str, str]]:
    """Typed values of the equipment form and, per field at fault, a message key with what was wrong."""
    errors: dict[str, str] = {}
    out: dict[str, Any] = {}
    name = values.get("name", "").strip()
    if not name:
        errors["name"] = "inventory.form.required"
    elif len(name) > 255:
        errors["name"] = "inventory.form.too_long"
    out["name"] = name
    for field, allowed in CHOICES.items():
        value = values.get(field, "").strip()
        if value not in allowed:
            errors[field] = "inventory.form.choose"
        out[field] = value or None
    for field in ("manufacturer", "model", "serial", "user", "site", "department"):
        value = values.get(field, "").strip()
        if len(value) > 255:
            errors[field] = "inventory.form.too_long"
        out[field] = value or None
    for field, low, high in (("quantity", 0.0, 1e7), ("lifetime_years", 0.1, 50.0)):
        raw = values.get(field, "").strip().replace(",", ".")
        out[field] = None
        if raw:
            try:
                number = float(raw)
            except ValueError:
                errors[field] = "inventory.form.number"
                continue
            if not low <= number <= high:
                errors[field] = "inventory.form.range"
            out[field] = number
    if out["quantity"] is None and "quantity" not in errors:
        out["quantity"] = 1.0
    raw = values.get("purchase_date", "").strip()
    out["purchase_date"] = None
    if raw:
        try:
            out["purchase_date"] = date.fromisoformat(raw)
        except ValueError:
            errors["purchase_date"] = "inventory.form.date"
        else:
            if out["purchase_date"] > date.today():
                errors["purchase_date"] = "inventory.form.future"
    return out, errors


def save_equipment(session: Session, org_id: int, item_id: int | None, values: dict[str, Any]) -> int:
    """Create (``item_id`` None) or update one item from checked values; names need not be unique (an
    item keeps its source key).  Sites and departments are found by name: an unknown one is an error, as
    sites carry their kind and PUE and are imported, not typed.  The model is matched to the catalogue
    again when it changed.  Returns the item's id."""
    if item_id is None:
        row = Equipment(org_id=org_id)
    else:
        found = session.get(Equipment, item_id)
        if found is None or found.org_id != org_id:
            raise NotFound(f"no equipment item {item_id}")
        row = found
    for field, model in (("site", Site), ("department", Department)):
        name = values.get(field)
        ref = None
        if name:
            ref = session.scalar(sa.select(model.id).where(model.org_id == org_id, model.name == name))
            if ref is None:
                raise InputError(f"no {field} of this name", column=field, value=name)
        setattr(row, f"{field}_id", ref)
    changed_model = (row.manufacturer, row.model) != (values["manufacturer"], values["model"])
    for field in EQUIPMENT_FIELDS:
        if field not in ("site", "department"):
            setattr(row, field, values[field])
    if changed_model or item_id is None:
        found_match = matching.match(row.manufacturer, row.model) if row.model else matching.Match()
        row.model_ref, row.model_confidence = found_match.ref, found_match.confidence
    session.add(row)
    session.flush()
    return int(row.id)


# ------------------------------------------------------------------ imports and model reviews


def imports_query(org_id: int) -> sa.Select[Any]:
    """The organisation's imports, newest first."""
    return sa.select(ImportBatch).where(ImportBatch.org_id == org_id).order_by(ImportBatch.id.desc())


def get_import(session: Session, org_id: int, import_id: int) -> ImportBatch:
    batch = session.get(ImportBatch, import_id)
    if batch is None or batch.org_id != org_id:
        raise NotFound(f"no import {import_id}")
    return batch


def reviews_query(org_id: int, status: str = "open") -> sa.Select[Any]:
    """Model reviews of a status, the ones carried by most items first."""
    return (
        sa.select(ModelReview)
        .where(ModelReview.org_id == org_id, ModelReview.status == status)
        .order_by(ModelReview.items.desc(), ModelReview.model, ModelReview.id)
    )


def resolve_review(session: Session, org_id: int, review_id: int, ref: str | None) -> int:
    """Settle a model review: ``ref`` (one of the catalogue's references) becomes the model reference of
    every item with that manufacturer and model; None dismisses the review (items keep their category's
    figures).  Returns how many items changed."""
    review = session.get(ModelReview, review_id)
    if review is None or review.org_id != org_id:
        raise NotFound(f"no model review {review_id}")
    if review.status != "open":
        raise InputError("this review is already settled", column="review", value=str(review_id))
    if ref is not None and ref not in {r.ref for r in matching.catalogue()}:
        raise InputError("not a reference of the model catalogue", column="ref", value=ref)
    review.status = "resolved" if ref else "dismissed"
    review.resolved_ref = ref
    if ref is None:
        return 0
    same = [Equipment.org_id == org_id, sa.func.coalesce(Equipment.model, "") == review.model]
    same.append(sa.func.coalesce(Equipment.manufacturer, "") == review.manufacturer)
    items = list(session.scalars(sa.select(Equipment).where(*same)))
    for item in items:
        item.model_ref, item.model_confidence = ref, 1.0
    return len(items)


def catalogue_search(text: str, limit: int = 20) -> list[str]:
    """References of the model catalogue whose text contains every word of ``text`` (case-insensitive)."""
    words = text.lower().split()
    if not words:
        return []
    out = [r.ref for r in matching.catalogue() if all(w in r.ref.lower() for w in words)]
    return out[:limit]


def dashboard_facts(session: Session, org_id: int) -> dict[str, Any]:
    """What the dashboard tells of the inventory, in one pass over the equipment: rows and items per data
    quality level, rows matched to a model reference, and the open model reviews."""
    rows = session.execute(
        sa.select(
            Equipment.data_quality,
            sa.func.count(),
            sa.func.sum(Equipment.quantity),
            sa.func.count(Equipment.model_ref),
        )
        .where(Equipment.org_id == org_id)
        .group_by(Equipment.data_quality)
    ).all()
    order = [q.value for q in DataQuality]
    by_quality = {
        str(level): {"rows": int(n), "quantity": float(q or 0)}
        for level, n, q, _ in sorted(rows, key=lambda r: order.index(r[0]) if r[0] in order else 9)
    }
    reviews = session.scalar(
        sa.select(sa.func.count())
        .select_from(ModelReview)
        .where(ModelReview.org_id == org_id, ModelReview.status == "open")
    )
    return {
        "equipment_by_quality": by_quality,
        "equipment": sum(int(r[1]) for r in rows),
        "equipment_with_model_ref": sum(int(r[3]) for r in rows),
        "open_model_reviews": int(reviews or 0),
    }
