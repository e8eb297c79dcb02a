"""Pages of referentials: the installed list, one referential by theme, one item in full, and installing one.

Every page that shows a referential's content shows its licence and attribution with it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated

from fastapi import File, UploadFile
from fastapi import Form as F
from fastapi.responses import Response
from sqlalchemy.orm import Session

from sobre.assessment import importers, page_data, store
from sobre.assessment.referentials import Package
from sobre.assessment.routes import VIEW, render
from sobre.assessment.views import safe_file_name
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.web.context import Ctx
from sobre.web.forms import Form
from sobre.web.permissions import INSTALLATION_ADMIN
from sobre.web.registry import CapabilityRegistry

#: Importers a person may choose when installing (``sobre referential install NAME``).
INSTALLABLE = tuple(importers.READERS)
#: Official files are a few hundred kilobytes; anything much larger is not one of them.
MAX_REFERENTIAL_BYTES = 10 * 1024 * 1024


def package_or_404(session: Session, code: str, version: str) -> Package:
    """An installed referential by code and version (NotFound, hence 404, when it is not installed)."""
    return store.load(session, store.referential_row(session, code, version).id)


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    @page("/referentials", permission=VIEW)
    def referentials(ctx: Ctx) -> Response:
        with ctx.session() as s:
            rows = store.list_referentials(s, ctx.lang)
        return ctx.render("assessment/referentials.html", rows=rows)

    @page("/referentials/{code}/{version}", permission=VIEW)
    def referential(ctx: Ctx, code: str, version: str, theme: str = "") -> Response:
        with ctx.session() as s:
            package = package_or_404(s, code, version)
        codes = [x.code for x in package.themes]
        chosen = theme if theme in codes else codes[0]
        return render(
            ctx,
            "assessment/referential.html",
            package=package,
            theme=package.theme(chosen),
            items=package.items_of(chosen),
            counts={c: len(package.items_of(c)) for c in codes},
            source=page_data.attribution(package, ctx.lang),
        )

    @page("/referentials/{code}/{version}/items/{item_id}", permission=VIEW)
    def referential_item(ctx: Ctx, code: str, version: str, item_id: str) -> Response:
        with ctx.session() as s:
            package = package_or_404(s, code, version)
        try:
            item = package.item(item_id)
        except KeyError:
            raise NotFound(f"no item {item_id} in {package.key}") from None
        return render(
            ctx,
            "assessment/referential_item.html",
            package=package,
            item=item,
            texts=page_data.item_texts(item, ctx.lang),
            source=page_data.attribution(package, ctx.lang),
        )

    # -- installing (installation-wide: every organisation reads the same referentials) -----------------

    def install_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
        with ctx.session() as s:
            rows = store.list_referentials(s, ctx.lang)
        return ctx.render(
            "assessment/install.html",
            status,
            rows=rows,
            names=[(n, ctx.t(f"assessment.install.name_{n}")) for n in INSTALLABLE],
            form=form or Form({"name": "rgesn"}),
        )

    @page("/admin/referentials", permission=INSTALLATION_ADMIN, org=False, name="assessment.install_form")
    def install_form(ctx: Ctx) -> Response:
        return install_page(ctx)

    @page(
        "/admin/referentials",
        permission=INSTALLATION_ADMIN,
        org=False,
        methods=("POST",),
        name="assessment.install",
    )
    def install(
        ctx: Ctx,
        name: Annotated[str, F()] = "",
        version: Annotated[str, F()] = "",
        replace: Annotated[str, F()] = "",
        file: Annotated[UploadFile | None, File()] = None,
    ) -> Response:
        form = Form({"name": name, "version": version, "replace": replace})
        if name not in INSTALLABLE:
            form.error("name", ctx.t("web.form.choose"))
        content = file.file.read(MAX_REFERENTIAL_BYTES + 1) if file is not None and file.filename else b""
        if not content:
            form.error("file", ctx.t("assessment.install.file_missing"))
        elif len(content) > MAX_REFERENTIAL_BYTES:
            form.error("file", ctx.t("assessment.install.file_too_large"))
        if not form.ok:
            return install_page(ctx, form, 422)
        assert file is not None
        shown = safe_file_name(file.filename or "referential.json")
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / shown
            path.write_bytes(content)
            try:
                with ctx.session() as s:
                    store.install_file(s, name, path, version=version.strip() or None, replace=replace == "1")
            except SobreError as exc:
                # The message names the file; name it as the person sent it, not by its temporary path.
                detail = str(exc).replace(str(path), shown)
                key = "bad_file" if isinstance(exc, InputError) else "refused"
                form.error("file", ctx.t(f"assessment.install.{key}", detail=detail))
        if not form.ok:
            return install_page(ctx, form, 422)
        return ctx.redirect("/admin/referentials", notice="assessment.notice.installed")
