"""The inventory's JSON API (``/api/v1/orgs/{org}/…``): items per kind, one item, imports, model reviews."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import File, Query, Request, UploadFile
from fastapi import Form as F
from pydantic import BaseModel

from sobre.core.errors import InputError
from sobre.inventory import importer, listing
from sobre.inventory.mappings import KINDS as IMPORT_KINDS
from sobre.inventory.routes_imports import FORMATS, rejects_dir, save_upload
from sobre.web.api import Page, Paging, page_of
from sobre.web.context import Ctx
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry

ListKind = Literal["equipment", "vms", "cloud", "applications", "storage", "services", "sites", "departments"]
Scalar = str | float | int | bool | date | datetime | None


class ItemOut(BaseModel):
    id: int
    name: str
    kind: str
    fields: dict[str, Scalar]


class ImportOut(BaseModel):
    id: int
    file_name: str
    kind: str
    format: str
    rows_read: int
    inserted: int
    updated: int
    rejected: int
    has_rejects: bool
    created_at: datetime


class ImportSummaryOut(BaseModel):
    kind: str
    format: str
    dry_run: bool
    rows_read: int
    inserted: int
    updated: int
    rejected: int
    review_count: int
    warnings: list[str]


class ReviewOut(BaseModel):
    id: int
    manufacturer: str
    model: str
    items: int
    status: str
    candidates: list[dict[str, Any]]
    resolved_ref: str | None


class ResolveIn(BaseModel):
    #: The chosen reference; omit (or null) to dismiss the review.
    ref: str | None = None


class ResolveOut(BaseModel):
    id: int
    status: str
    items_changed: int


def _review(r: Any) -> dict[str, Any]:
    return {
        "id": r.id,
        "manufacturer": r.manufacturer,
        "model": r.model,
        "items": r.items,
        "status": r.status,
        "candidates": list(r.candidates or []),
        "resolved_ref": r.resolved_ref,
    }


def register(registry: CapabilityRegistry) -> None:
    from sobre.web.paging import paginate

    api = registry.api

    @api("/items", permission="inventory.view", response_model=Page[ItemOut])
    def api_items(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        kind: ListKind = "equipment",
        q: Annotated[str, Query(max_length=100)] = "",
        sort: Annotated[str, Query(max_length=40)] = "name",
    ) -> dict[str, Any]:
        assert ctx.org is not None
        k = listing.kind(kind)
        filters = {f: request.query_params.get(f, "")[:255] for f in k.filters}
        with ctx.session() as s:
            result = listing.items_page(
                s,
                ctx.org.id,
                kind,
                paging,
                filters=filters,
                search=q,
                sort=sort.lstrip("-"),
                descending=sort.startswith("-"),
            )
        items = [
            {"id": r.id, "name": r.name, "kind": kind, "fields": {c: r._mapping[c] for c in k.columns}}
            for r in result.items
        ]
        return page_of(request, result, items)

    @api("/items/{kind}/{item_id}", permission="inventory.view", response_model=ItemOut)
    def api_item(ctx: Ctx, kind: ListKind, item_id: Id) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            row = listing.get_item(s, ctx.org.id, kind, item_id)
        fields = {k: v for k, v in row.items() if k not in ("id", "name", "org_id")}
        return {"id": row["id"], "name": row["name"], "kind": kind, "fields": fields}

    @api("/imports", permission="inventory.view", response_model=Page[ImportOut])
    def api_imports(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            result = paginate(s, listing.imports_query(ctx.org.id), paging)
            items = [
                {
                    **{c: getattr(b, c) for c in ImportOut.model_fields if c != "has_rejects"},
                    "has_rejects": bool(b.rejects_path),
                }
                for b in result.items
            ]
        return page_of(request, result, items)

    @api("/imports", permission="inventory.import", methods=("POST",), response_model=ImportSummaryOut)
    def api_import(
        ctx: Ctx,
        file: Annotated[UploadFile, File()],
        kind: Annotated[str, F()] = "",
        format: Annotated[str, F()] = "auto",
        dry_run: Annotated[bool, F()] = False,
    ) -> dict[str, Any]:
        assert ctx.org is not None
        if kind and kind not in IMPORT_KINDS:
            raise InputError("unknown kind", column="kind", value=kind, expected=", ".join(IMPORT_KINDS))
        if format not in FORMATS:
            raise InputError("unknown format", column="format", value=format, expected=", ".join(FORMATS))
        path = save_upload(ctx, file)
        try:
            summary = importer.import_file(
                ctx.database_url,
                ctx.org.name,
                path,
                kind=kind or None,
                fmt=format,
                dry_run=dry_run,
                rejects_dir=rejects_dir(ctx),
            )
        finally:
            if dry_run:
                path.unlink(missing_ok=True)
        return {c: getattr(summary, c) for c in ImportSummaryOut.model_fields}

    @api("/reviews", permission="inventory.view", response_model=Page[ReviewOut])
    def api_reviews(
        ctx: Ctx, request: Request, paging: Paging, status: Literal["open", "resolved", "dismissed"] = "open"
    ) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            result = paginate(s, listing.reviews_query(ctx.org.id, status), paging)
            items = [_review(r) for r in result.items]
        return page_of(request, result, items)

    @api("/reviews/{review_id}", permission="inventory.review", methods=("POST",), response_model=ResolveOut)
    def api_review_resolve(ctx: Ctx, review_id: Id, body: ResolveIn) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            changed = listing.resolve_review(s, ctx.org.id, review_id, body.ref)
        return {"id": review_id, "status": "resolved" if body.ref else "dismissed", "items_changed": changed}
