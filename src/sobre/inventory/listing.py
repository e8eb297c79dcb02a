"""Listing, reading and editing inventory items for the pages and the API.

Every list is one ``SELECT`` filtered, sorted and paginated by the database (``sobre.web.paging``), with
the site and department names joined; filters accept only the columns a kind declares, sorting only its
sortable columns.  Model reviews are resolved here too: the chosen reference goes to every item that
carries the reviewed manufacturer and model.
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
from sobre.inventory.taxonomy import Category, Criticality, DataQuality, Status


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


def _joined(k: Kind) -> sa.Select[Any]:
    model = k.model
    columns = [model.id, model.name, *(_column(k, c).label(c) for c in k.columns)]
    stmt = sa.select(*columns)
    if "site" in k.columns:
        stmt = stmt.outerjoin(Site, Site.id == model.site_id)
    if "department" in k.columns:
        stmt = stmt.outerjoin(Department, Department.id == model.department_id)
    return stmt


def items_query(
    org_id: int,
    key: str,
    *,
    filters: dict[str, str] | None = None,
    search: str = "",
    sort: str = "name",
    descending: bool = False,
) -> sa.Select[Any]:
    """The list of one kind for an organisation: exact filters, a name search (case-insensitive), a sort
    among the kind's sortable columns (ties broken by id); rows carry ``id``, ``name`` and the columns."""
    k = kind(key)
    stmt = _joined(k).where(k.model.org_id == org_id)
    for name, value in (filters or {}).items():
        if not value:
            continue
        if name not in k.filters:
            raise InputError("unknown filter", column=name, value=value, expected=", ".join(k.filters))
        if value == "-":  # the "none" choice: items with no value
            stmt = stmt.where(_column(k, name).is_(None))
        else:
            stmt = stmt.where(_column(k, name) == value)
    if search:
        pattern = "%" + search.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        stmt = stmt.where(sa.func.lower(k.model.name).like(pattern, escape="\\"))
    if sort not in k.sortable:
        sort = "name"
    column = _column(k, sort)
    return stmt.order_by(column.desc() if descending else column.asc(), k.model.id)


def filter_choices(session: Session, org_id: int, key: str) -> dict[str, list[str]]:
    """The values each filter of a kind can take in this organisation (distinct, sorted)."""
    k = kind(key)
    out: dict[str, list[str]] = {}
    for name in k.filters:
        if name == "site":
            q = sa.select(Site.name).where(Site.org_id == org_id)
        elif name == "department":
            q = sa.select(Department.name).where(Department.org_id == org_id)
        else:
            column = getattr(k.model, name)
            q = sa.select(column).where(k.model.org_id == org_id, column.is_not(None)).distinct()
        out[name] = sorted(str(v) for v in session.scalars(q) if v is not None)[:200]
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
    """Create (``item_id`` None) or update one item from checked values (names need not be unique: the
    item keeps its source key); sites and departments are found by name (an unknown name is an error: sites carry their kind and PUE, so they are imported, not typed).
    The model is matched to the catalogue again when it changed.  Returns the item's id."""
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
