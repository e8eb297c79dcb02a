"""Pages of imports: upload a file (or preview it as a dry run), an import's result, its rejects file, and the
review list of ambiguous model matches where a person accepts a candidate or picks another reference.

The upload is written to the home's ``uploads/`` folder and imported with ``importer.import_file`` (the CLI's
use case): valid rows in one transaction, rejects beside in ``rejects/org<id>/`` with their reasons.
"""

from __future__ import annotations

import csv
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

from fastapi import File, UploadFile
from fastapi import Form as F
from fastapi.responses import FileResponse, Response

from sobre.core.errors import InputError, NotFound
from sobre.inventory import importer, listing
from sobre.inventory.mappings import KINDS
from sobre.inventory.models import ImportBatch
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate
from sobre.web.registry import CapabilityRegistry

VIEW = "inventory.view"
IMPORT = "inventory.import"
REVIEW = "inventory.review"
FORMATS = ("auto", "sobre", "glpi", "numecoeval")
#: Largest file accepted by upload (bigger ones go through ``sobre import``).
MAX_UPLOAD = 256 * 1024 * 1024
#: Rejected rows shown in a preview or a result (the file holds them all).
REJECTS_SHOWN = 20
SUFFIXES = (".csv", ".txt", ".xlsx", ".tsv")


def rejects_dir(ctx: RequestContext) -> Path:
    assert ctx.org is not None
    return ctx.state.settings.rejects_dir / f"org{ctx.org.id}"


def save_upload(ctx: RequestContext, upload: UploadFile) -> Path:
    """Copy the upload under the home (a safe name, the original suffix), refusing what is too large."""
    assert ctx.org is not None
    name = Path(upload.filename or "inventory.csv").name
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        raise InputError("not a CSV or XLSX file", column="file", value=name, expected=", ".join(SUFFIXES))
    folder = ctx.state.settings.home / "uploads" / f"org{ctx.org.id}"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S-%f")
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in Path(name).stem)[:80] or "inventory"
    target = folder / f"{stamp}-{safe}{suffix}"
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out, 1 << 20)
    if target.stat().st_size > MAX_UPLOAD:
        target.unlink()
        raise InputError("file too large for an upload; use 'sobre import'", column="file", value=name)
    return target


def read_rejects(path: Path | None, limit: int = REJECTS_SHOWN) -> tuple[list[str], list[list[str]]]:
    """The header and first rows of a rejects file (as the importer wrote it)."""
    if path is None or not path.is_file():
        return [], []
    with path.open(encoding="utf-8-sig", newline="") as f:
        # Written with the source file's separator.
        dialect = csv.Sniffer().sniff(f.readline(), delimiters=";,\t|")
        f.seek(0)
        reader = csv.reader(f, dialect)
        header = next(reader, [])
        rows = [row for _, row in zip(range(limit), reader, strict=False)]
    return header, rows


def register(registry: CapabilityRegistry) -> None:
    registry.permission(IMPORT, ("admin", "manager", "technician"), "inventory.perm.import")
    registry.permission(REVIEW, ("admin", "manager", "technician"), "inventory.perm.review")
    registry.menu("inventory.menu.imports", "inventory.imports", permission=VIEW, order=21)
    registry.menu("inventory.menu.reviews", "inventory.reviews", permission=VIEW, order=22)
    page = registry.page

    def imports_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, page_no: int = 1
    ) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            result = paginate(s, listing.imports_query(ctx.org.id), PageRequest(page_no, 20))
        return ctx.render(
            "inventory/imports.html",
            status,
            result=result,
            params={},
            form=form or Form({"format": "auto", "kind": ""}),
            kinds=KINDS,
            formats=FORMATS,
        )

    @page("/imports", permission=VIEW)
    def imports(ctx: Ctx, page: int = 1) -> Response:
        return imports_page(ctx, page_no=page)

    @page("/imports", permission=IMPORT, methods=("POST",))
    def import_upload(
        ctx: Ctx,
        file: Annotated[UploadFile | None, File()] = None,
        kind: Annotated[str, F()] = "",
        format: Annotated[str, F()] = "auto",
        dry_run: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.org is not None
        form = Form({"kind": kind, "format": format, "dry_run": dry_run})
        if kind and kind not in KINDS:
            form.error("kind", ctx.t("web.form.choose"))
        if format not in FORMATS:
            form.error("format", ctx.t("web.form.choose"))
        if file is None or not file.filename:
            form.error("file", ctx.t("inventory.import.no_file"))
        if not form.ok or file is None:
            return imports_page(ctx, form, 422)
        try:
            path = save_upload(ctx, file)
            preview = path.with_suffix(".rejects.csv") if dry_run else None
            summary = importer.import_file(
                ctx.database_url,
                ctx.org.name,
                path,
                kind=kind or None,
                fmt=format,
                dry_run=bool(dry_run),
                rejects=preview,
                rejects_dir=rejects_dir(ctx),
            )
        except InputError as exc:
            form.error("file", str(exc))
            return imports_page(ctx, form, 422)
        if summary.dry_run:
            header, rows = read_rejects(summary.rejects_path)
            if summary.rejects_path:
                summary.rejects_path.unlink(missing_ok=True)
            path.unlink(missing_ok=True)
            return ctx.render(
                "inventory/import_result.html", summary=summary, batch=None, header=header, rows=rows
            )
        with ctx.session() as s:
            # The stored name is unique (stamped): it finds this import's record.
            batch = s.scalars(
                listing.imports_query(ctx.org.id).where(ImportBatch.file_name == path.name)
            ).first()
            batch_id = batch.id if batch is not None else None
        if batch_id is None:  # refused as a whole (strict): nothing recorded but the refusal
            return imports_page(ctx, Form(errors={"file": ctx.t("inventory.import.refused")}), 422)
        return ctx.redirect(
            ctx.url("inventory.import_result", import_id=batch_id), notice="inventory.notice.imported"
        )

    @page("/imports/{import_id:int}", permission=VIEW)
    def import_result(ctx: Ctx, import_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            batch = listing.get_import(s, ctx.org.id, import_id)
            s.expunge(batch)
        path = Path(batch.rejects_path) if batch.rejects_path else None
        header, rows = read_rejects(path)
        return ctx.render("inventory/import_result.html", summary=None, batch=batch, header=header, rows=rows)

    @page("/imports/{import_id:int}/rejects", permission=VIEW)
    def import_rejects(ctx: Ctx, import_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            batch = listing.get_import(s, ctx.org.id, import_id)
            stored = batch.rejects_path
        path = Path(stored) if stored else None
        # Only files the importer wrote for this organisation's web imports (never an arbitrary path).
        if path is None or not path.is_file() or rejects_dir(ctx).resolve() not in path.resolve().parents:
            raise NotFound(f"import {import_id} has no rejects file")
        return FileResponse(path, media_type="text/csv; charset=utf-8", filename=f"rejects-{import_id}.csv")

    @page("/reviews", permission=VIEW)
    def reviews(ctx: Ctx, page: int = 1, status: str = "open") -> Response:
        assert ctx.org is not None
        if status not in ("open", "resolved", "dismissed"):
            status = "open"
        with ctx.session() as s:
            result = paginate(s, listing.reviews_query(ctx.org.id, status), PageRequest(page, 20))
            for r in result.items:
                s.expunge(r)
        return ctx.render("inventory/reviews.html", result=result, params={"status": status}, shown=status)

    @page("/reviews/{review_id:int}", permission=REVIEW, methods=("POST",))
    def review_resolve(
        ctx: Ctx,
        review_id: int,
        ref: Annotated[str, F()] = "",
        other: Annotated[str, F()] = "",
        action: Annotated[str, F()] = "accept",
    ) -> Response:
        assert ctx.org is not None
        choice = (other or ref).strip() or None
        if action != "dismiss" and choice is None:
            raise InputError("choose a candidate or type a reference", column="ref", value="")
        with ctx.session() as s:
            listing.resolve_review(s, ctx.org.id, review_id, None if action == "dismiss" else choice)
        notice = "inventory.notice.dismissed" if action == "dismiss" else "inventory.notice.resolved"
        return ctx.redirect(ctx.url("inventory.reviews"), notice=notice)
