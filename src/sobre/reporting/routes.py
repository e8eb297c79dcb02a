"""Pages of the diagnosis report: generate it for a run, read it in the browser, download its PDF and the
exports of its figures (CSV, XLSX, JSON); and the same through the JSON API.

Reports are written once per run and language under the home's ``reports/org<id>/run<id>/`` by the CLI's
use cases (``service.build_report_data``, ``service.write_report``, ``exports.export``) and served from
there.  The report's HTML is self-contained (its stylesheet inline): it is served with a policy of its own
that allows that one stylesheet by its hash and nothing else (no script at all).
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Form as F
from fastapi import Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from pydantic import BaseModel

from sobre.core.errors import InputError, NotFound
from sobre.core.i18n import LANGUAGES
from sobre.reporting import exports, render, service
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.params import Id
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

VIEW = "reporting.view"
WRITE = "reporting.write"
DOWNLOADS = ("pdf", *exports.FORMATS)
MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json",
}
_STYLE = re.compile(r"<style[^>]*>(.*?)</style>", re.S)


def folder(ctx: RequestContext, run_id: int) -> Path:
    assert ctx.org is not None
    return ctx.state.settings.reports_dir / f"org{ctx.org.id}" / f"run{run_id}"


def file_of(ctx: RequestContext, run_id: int, fmt: str, lang: str) -> Path:
    name = f"diagnostic-{lang}.{fmt}" if fmt in ("html", "pdf") else f"figures.{fmt}"
    return folder(ctx, run_id) / name


def generated(ctx: RequestContext) -> list[dict[str, Any]]:
    """The runs with a report, newest first, and what was written for each."""
    assert ctx.org is not None
    root = ctx.state.settings.reports_dir / f"org{ctx.org.id}"
    out = []
    for path in root.glob("run*"):
        if path.name[3:].isdigit():
            files = sorted(p.name for p in path.iterdir() if p.is_file())
            out.append({"run_id": int(path.name[3:]), "files": files})
    return sorted(out, key=lambda r: -r["run_id"])


def generate(ctx: RequestContext, run_id: int | None, lang: str) -> int:
    """Write the report (HTML and PDF in ``lang``) and the three exports of a run; returns the run's id."""
    assert ctx.org is not None
    service.checked_language(lang)
    render.warm_pdf([lang])  # the first PDF of the process: WeasyPrint and fonts while the data is read
    data = service.build_report_data(ctx.database_url, ctx.org.name, run_id, compute_if_missing=False)
    if data.run.run_id is None:
        raise NotFound("the organisation has no stored footprint run; launch one first")
    run_id = data.run.run_id
    target = folder(ctx, run_id)
    target.mkdir(parents=True, exist_ok=True)
    for fmt in ("html", "pdf"):
        service.write_report(data, fmt, lang, file_of(ctx, run_id, fmt, lang))
    for fmt in exports.FORMATS:
        exports.export(data, fmt, file_of(ctx, run_id, fmt, lang))
    return run_id


def report_html(path: Path) -> HTMLResponse:
    """The stored report with a policy allowing exactly its inline stylesheets."""
    html = path.read_text(encoding="utf-8")
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(css.encode("utf-8")).digest()).decode("ascii") + "'"
        for css in _STYLE.findall(html)
    )
    policy = (
        f"default-src 'none'; style-src {hashes or chr(39) + 'none' + chr(39)}; img-src data:; "
        "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"
    )
    return HTMLResponse(html, headers={"content-security-policy": policy})


class ReportOut(BaseModel):
    run_id: int
    files: list[str]


class GenerateIn(BaseModel):
    run_id: int | None = None
    lang: Literal["fr", "en"] = "fr"


def register(registry: CapabilityRegistry) -> None:
    registry.permission(VIEW, ROLES, "reporting.perm.view")
    registry.permission(WRITE, ("admin", "manager"), "reporting.perm.write")
    registry.menu("reporting.menu.reports", "reporting.reports", permission=VIEW, order=40)
    page, api = registry.page, registry.api

    def reports_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        from sobre.footprint.runs import service as runs

        assert ctx.org is not None
        done = [m for m in runs.list_runs(ctx.database_url, ctx.org.name) if m.status == "done"]
        return ctx.render(
            "reporting/reports.html",
            status,
            reports=generated(ctx),
            done=done,
            languages=LANGUAGES,
            downloads=DOWNLOADS,
            form=form or Form({"lang": ctx.lang, "run_id": done[0].id if done else ""}),
        )

    @page("/reports", permission=VIEW)
    def reports(ctx: Ctx) -> Response:
        return reports_page(ctx)

    @page("/reports", permission=WRITE, methods=("POST",))
    def report_generate(
        ctx: Ctx, run_id: Annotated[str, F()] = "", lang: Annotated[str, F()] = "fr"
    ) -> Response:
        form = Form({"run_id": run_id, "lang": lang})
        if lang not in LANGUAGES:
            form.error("lang", ctx.t("web.form.choose"))
        chosen = int(run_id) if run_id.strip().isdigit() else None
        if run_id.strip() and chosen is None:
            form.error("run_id", ctx.t("web.form.choose"))
        if form.ok:
            try:
                done = generate(ctx, chosen, lang)
            except (InputError, NotFound) as exc:
                form.error("run_id", str(exc))
        if not form.ok:
            return reports_page(ctx, form, 422)
        return ctx.redirect(
            ctx.url("reporting.report_view", run_id=done) + f"?lang={lang}",
            notice="reporting.notice.generated",
        )

    @page("/reports/{run_id:int}", permission=VIEW)
    def report_view(ctx: Ctx, run_id: int, lang: str = "fr") -> Response:
        path = file_of(ctx, run_id, "html", lang if lang in LANGUAGES else "fr")
        if not path.is_file():
            raise NotFound(f"no report for run {run_id} in {lang}; generate it first")
        return report_html(path)

    @page("/reports/{run_id:int}/download/{fmt}", permission=VIEW)
    def report_download(ctx: Ctx, run_id: int, fmt: str, lang: str = "fr") -> Response:
        if fmt not in DOWNLOADS or lang not in LANGUAGES:
            raise NotFound(f"no {fmt} download")
        path = file_of(ctx, run_id, fmt, lang)
        if not path.is_file():
            raise NotFound(f"run {run_id} has no {fmt} report yet")
        return FileResponse(path, media_type=MEDIA[fmt], filename=f"sobre-run{run_id}-{path.name}")

    @api("/reports", permission=VIEW, response_model=list[ReportOut])
    def api_reports(ctx: Ctx) -> list[dict[str, Any]]:
        return generated(ctx)

    @api("/reports", permission=WRITE, methods=("POST",), response_model=ReportOut, status_code=201)
    def api_report_generate(ctx: Ctx, body: GenerateIn) -> dict[str, Any]:
        run_id = generate(ctx, body.run_id, body.lang)
        return next(r for r in generated(ctx) if r["run_id"] == run_id)

    @api(
        "/reports/{run_id}/{fmt}",
        permission=VIEW,
        responses={200: {"content": {m: {} for m in MEDIA.values()}}},
    )
    def api_report_file(
        ctx: Ctx,
        request: Request,
        run_id: Id,
        fmt: Literal["html", "pdf", "csv", "xlsx", "json"],
        lang: Literal["fr", "en"] = "fr",
    ) -> Response:
        """One file of a generated report (the HTML, the PDF or an export)."""
        path = file_of(ctx, run_id, fmt, lang)
        if not path.is_file():
            raise NotFound(f"run {run_id} has no {fmt} report in {lang}")
        return FileResponse(path, media_type=MEDIA[fmt], filename=path.name)
