"""Pages around an assessment's files and comparisons: declarations, XLSX export and import, evidence files,
the RGAA sample (pages and derogations), comparison of two assessments and history over time.

Downloads are produced by the use cases into a temporary folder and sent back; no path ever comes from the
request.
"""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import File, UploadFile
from fastapi import Form as F
from fastapi.responses import Response

from sobre.assessment import declarations, page_data, xlsx
from sobre.assessment import service as svc
from sobre.assessment.routes import ANSWER, MEDIA, VIEW, actor, attachment, org_name, render
from sobre.assessment.routes_assessments import field_of, overview_page
from sobre.assessment.views import safe_file_name
from sobre.core.errors import InputError, SobreError
from sobre.core.i18n import LANGUAGES
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form

#: A filled-in answers workbook is a few hundred kilobytes; refuse what cannot be one before reading it.
MAX_XLSX_BYTES = 20 * 1024 * 1024


def declaration_file(ctx: RequestContext, assessment_id: int, fmt: str, lang: str) -> Response:
    """The declaration (RGESN, RGAA) or the maturity summary as a download."""
    if fmt not in declarations.FORMATS:
        raise InputError(
            "unknown format", column="format", value=fmt, expected=", ".join(declarations.FORMATS)
        )
    if lang not in LANGUAGES:
        raise InputError("unsupported language", column="lang", value=lang, expected="fr or en")
    with tempfile.TemporaryDirectory() as tmp, ctx.session() as s:
        path = declarations.write(s, org_name(ctx), assessment_id, fmt, lang, Path(tmp))
        return attachment(path.read_bytes(), path.name, MEDIA[fmt])


def export_file(ctx: RequestContext, assessment_id: int, lang: str) -> Response:
    """The answers workbook (XLSX) to fill in offline."""
    if lang not in LANGUAGES:
        raise InputError("unsupported language", column="lang", value=lang, expected="fr or en")
    name = f"evaluation-{assessment_id}-{lang}.xlsx"
    with tempfile.TemporaryDirectory() as tmp, ctx.session() as s:
        path = xlsx.export(s, org_name(ctx), assessment_id, Path(tmp) / name, lang)
        return attachment(path.read_bytes(), name, MEDIA["xlsx"])


def evidence_download(ctx: RequestContext, assessment_id: int, evidence_id: int) -> Response:
    with ctx.session() as s:
        name, content = svc.evidence_file(s, org_name(ctx), assessment_id, evidence_id)
    # Whatever the file is, it is sent as bytes to save, never rendered by the browser.
    return attachment(content, safe_file_name(name), "application/octet-stream")


def read_upload(ctx: RequestContext, upload: UploadFile | None, limit: int) -> tuple[str, bytes] | str:
    """The uploaded file's safe name and bytes, or the message key of what is wrong with it."""
    if upload is None or not upload.filename:
        return "assessment.error.no_file"
    content = upload.file.read(limit + 1)
    if not content:
        return "assessment.error.no_file"
    if len(content) > limit:
        return "assessment.error.file_too_large"
    return safe_file_name(upload.filename), content


def import_upload(
    ctx: RequestContext, shown: str, content: bytes, *, into: int | None, new: bool
) -> tuple[Any, list[dict[str, str]]]:
    """Import a workbook (all rows or nothing): the report, or every problem found (sheet, row, column,
    value, error, expected) when nothing was imported."""
    by, role = actor(ctx)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / (shown if shown.lower().endswith(".xlsx") else shown + ".xlsx")
        path.write_bytes(content)
        rejects = Path(tmp) / "rejects"
        try:
            with ctx.session() as s:
                report = xlsx.import_file(
                    s, org_name(ctx), path, by=by, role=role, into=into, new=new, rejects_dir=rejects
                )
        except InputError as exc:
            listed = rejects / f"{path.stem}.rejects.csv"
            if listed.is_file():
                with listed.open(encoding="utf-8", newline="") as f:
                    return None, list(csv.DictReader(f))
            # Refused before any row was read (not a workbook, another organisation's assessment…).
            detail = str(exc).replace(str(path), shown)
            return None, [{"sheet": "", "row": "", "column": exc.column or "", "value": "", "error": detail}]
    return report, []


def register(registry: Any) -> None:
    route = registry.page

    @route("/assessments/{assessment_id:int}/declaration", permission=VIEW)
    def declaration(ctx: Ctx, assessment_id: int, format: str = "html", lang: str = "fr") -> Response:
        return declaration_file(ctx, assessment_id, format, lang)

    @route("/assessments/{assessment_id:int}/export", permission=VIEW)
    def export(ctx: Ctx, assessment_id: int, lang: str = "fr") -> Response:
        return export_file(ctx, assessment_id, lang)

    @route("/assessments/{assessment_id:int}/evidence/{evidence_id:int}", permission=VIEW)
    def evidence(ctx: Ctx, assessment_id: int, evidence_id: int) -> Response:
        return evidence_download(ctx, assessment_id, evidence_id)

    def imported(
        ctx: RequestContext, upload: UploadFile | None, into: int | None, new: bool, back: str
    ) -> Response:
        read = read_upload(ctx, upload, MAX_XLSX_BYTES)
        if isinstance(read, str):
            return render(ctx, "assessment/import.html", 422, problems=[], error=ctx.t(read), back=back)
        try:
            report, problems = import_upload(ctx, *read, into=into, new=new)
        except SobreError as exc:
            if type(exc) is not SobreError:
                raise
            error = ctx.t("assessment.error.workflow", detail=str(exc))
            return render(ctx, "assessment/import.html", 409, problems=[], error=error, back=back)
        if report is None:
            return render(ctx, "assessment/import.html", 422, problems=problems, error=None, back=back)
        return ctx.redirect(
            ctx.url("assessment.overview", assessment_id=report.assessment_id),
            notice="assessment.notice.imported",
        )

    @route("/assessments/import", permission=ANSWER, methods=("POST",), name="assessment.import_file")
    def import_file(
        ctx: Ctx, new: Annotated[str, F()] = "", file: Annotated[UploadFile | None, File()] = None
    ) -> Response:
        return imported(ctx, file, None, new == "1", ctx.url("assessment.assessments"))

    @route("/assessments/{assessment_id:int}/import", permission=ANSWER, methods=("POST",))
    def import_into(
        ctx: Ctx, assessment_id: int, file: Annotated[UploadFile | None, File()] = None
    ) -> Response:
        back = ctx.url("assessment.overview", assessment_id=assessment_id)
        return imported(ctx, file, assessment_id, False, back)

    # -- the sample of an RGAA audit ----------------------------------------------------------------------

    def sample_page(
        ctx: RequestContext, assessment_id: int, forms: dict[str, Form] | None = None, status: int = 200
    ) -> Response:
        org = org_name(ctx)
        with ctx.session() as s:
            view = svc.get(s, org, assessment_id)
            if view.kind != "rgaa":
                raise SobreError("only RGAA audits have a sample of pages")
            pages = svc.pages(s, org, assessment_id)
            derogations = svc.derogations(s, org, assessment_id)
        chosen = {"page": Form(), "derogation": Form({"kind": "burden"})}
        chosen.update(forms or {})
        return render(
            ctx,
            "assessment/sample.html",
            status,
            view=view,
            pages=pages,
            derogations=derogations,
            forms=chosen,
        )

    @route("/assessments/{assessment_id:int}/sample", permission=VIEW)
    def sample(ctx: Ctx, assessment_id: int) -> Response:
        return sample_page(ctx, assessment_id)

    def sample_change(
        ctx: RequestContext, assessment_id: int, which: str, form: Form, change: Any, notice: str
    ) -> Response:
        try:
            with ctx.session() as s:
                change(s)
        except InputError as exc:
            first = next(iter(form.values))
            field = field_of(exc, first)
            form.error(
                field if field in form.values else first, ctx.t("assessment.error.invalid", detail=str(exc))
            )
        except SobreError as exc:
            if type(exc) is not SobreError:
                raise
            return overview_page(
                ctx, assessment_id, status=409, error=ctx.t("assessment.error.workflow", detail=str(exc))
            )
        if not form.ok:
            return sample_page(ctx, assessment_id, {which: form}, 422)
        return ctx.redirect(ctx.url("assessment.sample", assessment_id=assessment_id), notice=notice)

    @route("/assessments/{assessment_id:int}/pages", permission=ANSWER, methods=("POST",))
    def page_add(
        ctx: Ctx,
        assessment_id: int,
        code: Annotated[str, F()] = "",
        title: Annotated[str, F()] = "",
        url: Annotated[str, F()] = "",
        process: Annotated[str, F()] = "",
    ) -> Response:
        by, role = actor(ctx)
        form = Form({"code": code, "title": title, "url": url, "process": process})
        for name, value in (("code", code), ("title", title)):
            if not value.strip():
                form.error(name, ctx.t("web.form.required"))
        if url.strip() and not url.strip().startswith(("http://", "https://")):
            form.error("url", ctx.t("assessment.error.link"))
        if not form.ok:
            return sample_page(ctx, assessment_id, {"page": form}, 422)
        return sample_change(
            ctx,
            assessment_id,
            "page",
            form,
            lambda s: svc.add_page(
                s,
                org_name(ctx),
                assessment_id,
                code[:20],
                title[:255],
                by=by,
                role=role,
                url=url.strip() or None,
                process=process[:120] or None,
            ),
            "assessment.notice.page",
        )

    @route("/assessments/{assessment_id:int}/derogations", permission=ANSWER, methods=("POST",))
    def derogation_add(
        ctx: Ctx,
        assessment_id: int,
        kind: Annotated[str, F()] = "",
        content: Annotated[str, F()] = "",
        criteria: Annotated[str, F()] = "",
        pages: Annotated[str, F()] = "",
        justification: Annotated[str, F()] = "",
        alternative: Annotated[str, F()] = "",
    ) -> Response:
        by, role = actor(ctx)
        form = Form(
            {
                "kind": kind,
                "content": content,
                "criteria": criteria,
                "pages": pages,
                "justification": justification,
                "alternative": alternative,
            }
        )
        if kind not in ("burden", "exempt"):
            form.error("kind", ctx.t("web.form.choose"))
        if not content.strip():
            form.error("content", ctx.t("web.form.required"))
        if kind == "burden" and not justification.strip():
            form.error("justification", ctx.t("assessment.error.justification"))
        if not form.ok:
            return sample_page(ctx, assessment_id, {"derogation": form}, 422)
        return sample_change(
            ctx,
            assessment_id,
            "derogation",
            form,
            lambda s: svc.add_derogation(
                s,
                org_name(ctx),
                assessment_id,
                kind,
                content,
                by=by,
                role=role,
                criteria=page_data.id_list(criteria),
                pages=page_data.id_list(pages),
                justification=justification.strip() or None,
                alternative=alternative.strip() or None,
            ),
            "assessment.notice.derogation",
        )

    # -- comparison and history ---------------------------------------------------------------------------

    @route("/assessments/compare", permission=VIEW)
    def compare(ctx: Ctx, first: str = "", second: str = "") -> Response:
        org = org_name(ctx)
        with ctx.session() as s:
            views = svc.list_assessments(s, org)
        ids = {str(v.id) for v in views}
        form = Form({"first": first, "second": second})
        data = package = None
        if first or second:
            for name, value in (("first", first), ("second", second)):
                if value not in ids:
                    form.error(name, ctx.t("web.form.choose"))
            if form.ok and first == second:
                form.error("second", ctx.t("assessment.error.same"))
            if form.ok:
                try:
                    with ctx.session() as s:
                        data = svc.compare(s, org, int(first), int(second))
                        package = svc.package_of(s, org, int(second))
                except SobreError as exc:
                    if type(exc) is not SobreError:
                        raise
                    form.error("second", ctx.t("assessment.error.compare_kinds"))
        rows = []
        if data is not None and package is not None:
            for code, theme in data["themes"].items():
                label = page_data.theme_label(package, code, theme["label"], ctx.lang)
                rows.append((label, theme))
        # The radar holds both rounds: "values" the first, "targets" the second.
        radar = page_data.Series(
            [label for label, _ in rows],
            [(th["before"] or {}).get("value") for _, th in rows],
            [],
            [],
            [(th["after"] or {}).get("value") for _, th in rows],
        )
        options = [(str(v.id), f"{v.title} · {v.assessed_on.isoformat()}") for v in views]
        return render(
            ctx,
            "assessment/compare.html",
            200 if form.ok else 422,
            form=form,
            options=options,
            data=data,
            rows=rows,
            radar=radar,
            package=package,
        )

    @route("/assessments/history", permission=VIEW)
    def history(ctx: Ctx, kind: str = "maturity", service: str = "") -> Response:
        from sobre.assessment.routes_assessments import service_names

        names = service_names(ctx)
        kind = kind if kind in svc.KINDS else "maturity"
        service = service if service in names else ""
        with ctx.session() as s:
            rows = svc.history(s, org_name(ctx), kind=kind, service=service or None)
        chart = page_data.history_chart(rows, ctx.lang)
        return render(
            ctx,
            "assessment/history.html",
            rows=rows,
            chart=chart,
            form=Form({"kind": kind, "service": service}),
            services=names,
        )
