"""The JSON API of assessments (``/api/v1/orgs/{org}/…``): the same use cases as the pages and the CLI.

Scores are figures with value, range, unit, status and source; an unknown score has ``value: null`` and a
reason, never 0.  Downloads (declarations, XLSX, evidence files) answer with the file itself.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from sobre.assessment import page_data, store
from sobre.assessment import service as svc
from sobre.assessment.api_models import (
    AnswerIn,
    AnswerOut,
    AssessmentOut,
    Code,
    CompareOut,
    DerogationIn,
    DerogationOut,
    DetailsIn,
    EventOut,
    HistoryOut,
    ImportOut,
    ItemOut,
    Kind,
    Lang,
    PageIn,
    PageOut,
    RecommendationOut,
    ReferentialDetail,
    ReferentialOut,
    ReturnIn,
    ScoreOut,
    Sort,
    StartIn,
    State,
    ValidateIn,
)
from sobre.assessment.routes import ANSWER, DELETE, VALIDATE, VIEW, actor, org_name
from sobre.assessment.routes_files import (
    MAX_XLSX_BYTES,
    declaration_file,
    evidence_download,
    export_file,
    import_upload,
    read_upload,
)
from sobre.assessment.views import MAX_FILE_BYTES, EvidenceInput
from sobre.core.errors import InputError, NotFound
from sobre.web.api import Page, Paging, page_of, problem
from sobre.web.context import Ctx
from sobre.web.paging import PageResult, paginate
from sobre.web.params import Id


def _assessment_out(view: svc.AssessmentView, overall: dict[str, Any] | None = None) -> dict[str, Any]:
    data = view.to_dict()
    data.pop("org", None)
    data["overall"] = overall
    return data


def register(registry: Any) -> None:
    api = registry.api

    # -- referentials ---------------------------------------

    @api(
        "/referentials",
        permission=VIEW,
        name="assessment.api_referentials",
        response_model=Page[ReferentialOut],
    )
    def referentials(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """Installed referentials (the built-in maturity model included), with licence and attribution."""
        with ctx.session() as s:
            rows = store.list_referentials(s, ctx.lang)
        chunk = rows[paging.offset : paging.offset + paging.per_page]
        return page_of(request, PageResult([], len(rows), paging.page, paging.per_page), chunk)

    @api(
        "/referentials/{code}/{version}",
        permission=VIEW,
        name="assessment.api_referential",
        response_model=ReferentialDetail,
    )
    def referential(ctx: Ctx, code: Code, version: Code) -> dict[str, Any]:
        from sobre.assessment.routes_referentials import package_or_404

        with ctx.session() as s:
            package = package_or_404(s, code, version)
            row = next(
                r
                for r in store.list_referentials(s, ctx.lang)
                if (r["code"], r["version"]) == (code, version)
            )
        credit = page_data.attribution(package, ctx.lang)
        return {
            **row,
            "licence_url": package.licence_url,
            "source": package.source,
            "modified": credit["modified"],
            "theme_list": [{"code": t.code, "label": t.label} for t in package.themes],
        }

    @api(
        "/referentials/{code}/{version}/items",
        permission=VIEW,
        name="assessment.api_referential_items",
        response_model=Page[ItemOut],
    )
    def referential_items(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        code: Code,
        version: Code,
        theme: Annotated[str | None, Query(max_length=40)] = None,
    ) -> dict[str, Any]:
        from sobre.assessment.routes_referentials import package_or_404

        with ctx.session() as s:
            package = package_or_404(s, code, version)
        items = [i for i in package.items if theme is None or i.theme == theme]
        chunk = items[paging.offset : paging.offset + paging.per_page]
        out = [{"id": i.id, "theme": i.theme, "position": i.position, **i.to_data()} for i in chunk]
        return page_of(request, PageResult([], len(items), paging.page, paging.per_page), out)

    # -- assessments ---------------------------------------

    @api(
        "/assessments", permission=VIEW, name="assessment.api_assessments", response_model=Page[AssessmentOut]
    )
    def assessments(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        kind: Kind | None = None,
        status: State | None = None,
        service: Annotated[str | None, Query(max_length=200)] = None,
        sort: Sort = "-date",
    ) -> dict[str, Any]:
        """The organisation's assessments, newest first (filtered and paginated by the database)."""
        with ctx.session() as s:
            if service is not None:
                from sobre.inventory import services

                if service not in {v.name for v in services.list_services(s, org_name(ctx))}:
                    raise NotFound(f"no digital service {service!r}")
            stmt = svc.assessments_query(
                s,
                org_name(ctx),
                kind=kind,
                status=status,
                service=service,
                sort=sort.lstrip("-"),
                descending=sort.startswith("-"),
            )
            result = paginate(s, stmt, paging)
            items = [_assessment_out(v, overall) for v, overall in svc.views_of(s, result.items)]
        return page_of(request, result, items)

    @api(
        "/assessments",
        permission=ANSWER,
        methods=("POST",),
        name="assessment.api_start",
        response_model=AssessmentOut,
        status_code=201,
    )
    def start(ctx: Ctx, body: StartIn) -> dict[str, Any]:
        """Start a draft assessment (``from_assessment`` carries an earlier one's answers over)."""
        by, role = actor(ctx)
        with ctx.session() as s:
            view = svc.start(
                s,
                org_name(ctx),
                body.kind,
                by=by,
                role=role,
                referential=body.referential,
                version=body.version,
                service=body.service,
                title=body.title,
                assessed_on=body.assessed_on,
                from_assessment=body.from_assessment,
                details=body.details.fields() if body.details else None,
            )
            return _assessment_out(view, svc.scores(s, org_name(ctx), view.id)["overall"])

    def one(ctx: Ctx, assessment_id: int) -> dict[str, Any]:
        with ctx.session() as s:
            view = svc.get(s, org_name(ctx), assessment_id)
            return _assessment_out(view, svc.scores(s, org_name(ctx), assessment_id)["overall"])

    @api(
        "/assessments/{assessment_id:int}",
        permission=VIEW,
        name="assessment.api_assessment",
        response_model=AssessmentOut,
    )
    def assessment(ctx: Ctx, assessment_id: Id) -> dict[str, Any]:
        return one(ctx, assessment_id)

    @api(
        "/assessments/{assessment_id:int}",
        permission=DELETE,
        methods=("DELETE",),
        name="assessment.api_delete",
        status_code=204,
    )
    def delete(ctx: Ctx, assessment_id: Id) -> Response:
        """Delete an assessment with its answers, evidence and trail."""
        with ctx.session() as s:
            svc.delete(s, org_name(ctx), assessment_id)
        return Response(status_code=204)

    @api(
        "/assessments/{assessment_id:int}/details",
        permission=ANSWER,
        methods=("PATCH",),
        name="assessment.api_details",
        response_model=AssessmentOut,
    )
    def details(ctx: Ctx, assessment_id: Id, body: DetailsIn) -> dict[str, Any]:
        """Set scope and declaration details (fields left out keep their value)."""
        by, role = actor(ctx)
        with ctx.write_session() as s:
            svc.set_details(s, org_name(ctx), assessment_id, by=by, role=role, **body.fields())
        return one(ctx, assessment_id)

    @api(
        "/assessments/{assessment_id:int}/answers",
        permission=VIEW,
        name="assessment.api_answers",
        response_model=Page[AnswerOut],
    )
    def answers(ctx: Ctx, request: Request, paging: Paging, assessment_id: Id) -> dict[str, Any]:
        """Every answer with its evidence, in the referential's order (then the sample's page order)."""
        with ctx.session() as s:
            rows = svc.answers(s, org_name(ctx), assessment_id)
        chunk = [a.to_dict() for a in rows[paging.offset : paging.offset + paging.per_page]]
        return page_of(request, PageResult([], len(rows), paging.page, paging.per_page), chunk)

    @api(
        "/assessments/{assessment_id:int}/answers/{item_id}",
        permission=ANSWER,
        methods=("PUT",),
        name="assessment.api_answer",
        response_model=AnswerOut,
    )
    def answer(ctx: Ctx, assessment_id: Id, item_id: Code, body: AnswerIn) -> dict[str, Any]:
        """Record or change one answer; evidence texts and links are added to the item's evidence."""
        by, role = actor(ctx)
        evidence = [EvidenceInput("text", text=x) for x in body.evidence]
        evidence += [EvidenceInput("link", url=x) for x in body.links]
        with ctx.write_session() as s:
            view = svc.answer(
                s,
                org_name(ctx),
                assessment_id,
                item_id,
                by=by,
                role=role,
                status=body.status,
                level=body.level,
                target=body.target,
                comment=body.comment,
                page=body.page,
                evidence=evidence,
            )
        return view.to_dict()

    @api(
        "/assessments/{assessment_id:int}/answers/{item_id}/files",
        permission=ANSWER,
        methods=("POST",),
        name="assessment.api_answer_file",
        response_model=AnswerOut,
        status_code=201,
    )
    def answer_file(
        ctx: Ctx,
        assessment_id: Id,
        item_id: Code,
        file: Annotated[UploadFile, File(description="The evidence file (at most 20 MB)")],
        page: Annotated[str | None, Form(max_length=20)] = None,
    ) -> dict[str, Any]:
        """Attach a file as evidence to an answer (the answer is created if the item had none)."""
        by, role = actor(ctx)
        read = read_upload(ctx, file, MAX_FILE_BYTES)
        if isinstance(read, str):
            raise InputError(ctx.t(read), column="file")
        with ctx.write_session() as s:
            org = org_name(ctx)
            current = next(
                (
                    a
                    for a in svc.answers(s, org, assessment_id)
                    if a.item_id == item_id and a.page == (page or "")
                ),
                None,
            )
            package = svc.package_of(s, org, assessment_id)
            keep: dict[str, Any] = {}
            if current is not None:
                keep = {"status": current.status, "level": current.level}
            elif package.kind != "maturity":
                keep = {"status": page_data.UNANSWERED[package.kind]}
            else:
                raise InputError("rate the practice before attaching evidence", column="level")
            view = svc.answer(
                s,
                org,
                assessment_id,
                item_id,
                by=by,
                role=role,
                page=page,
                evidence=[EvidenceInput.from_upload(*read)],
                **keep,
            )
        return view.to_dict()

    @api(
        "/assessments/{assessment_id:int}/evidence/{evidence_id:int}",
        permission=VIEW,
        name="assessment.api_evidence",
    )
    def evidence(ctx: Ctx, assessment_id: Id, evidence_id: Id) -> Response:
        """An attached evidence file, as bytes to save."""
        return evidence_download(ctx, assessment_id, evidence_id)

    @api(
        "/assessments/{assessment_id:int}/score",
        permission=VIEW,
        name="assessment.api_score",
        response_model=ScoreOut,
    )
    def score(ctx: Ctx, assessment_id: Id) -> dict[str, Any]:
        """Overall and per-theme scores (frozen at validation), counts, RGAA pages and state."""
        with ctx.session() as s:
            return svc.scores(s, org_name(ctx), assessment_id, ctx.lang)

    @api(
        "/assessments/{assessment_id:int}/recommendations",
        permission=VIEW,
        name="assessment.api_recommendations",
        response_model=Page[RecommendationOut],
    )
    def recommendations(ctx: Ctx, request: Request, paging: Paging, assessment_id: Id) -> dict[str, Any]:
        """Proposed actions ordered by gap, priority and difficulty, each with its KPIs and owner role."""
        with ctx.session() as s:
            actions = svc.recommendations(s, org_name(ctx), assessment_id)
        chunk = [a.to_dict() for a in actions[paging.offset : paging.offset + paging.per_page]]
        return page_of(request, PageResult([], len(actions), paging.page, paging.per_page), chunk)

    @api(
        "/assessments/{assessment_id:int}/trail",
        permission=VIEW,
        name="assessment.api_trail",
        response_model=Page[EventOut],
    )
    def trail(ctx: Ctx, request: Request, paging: Paging, assessment_id: Id) -> dict[str, Any]:
        """Who did what and when, newest first."""
        with ctx.session() as s:
            result = paginate(s, svc.events_query(s, org_name(ctx), assessment_id), paging)
            items = [
                {
                    "at": e.at,
                    "by": e.by,
                    "role": e.role,
                    "action": e.action,
                    "item_id": e.item_id,
                    "page": e.page,
                    "before": e.before,
                    "after": e.after,
                }
                for e in result.items
            ]
        return page_of(request, result, items)

    def workflow(ctx: Ctx, assessment_id: int, action: str, **options: Any) -> dict[str, Any]:
        by, role = actor(ctx)
        org = org_name(ctx)
        with ctx.write_session() as s:
            if action == "submit":
                svc.submit(s, org, assessment_id, by=by, role=role)
            elif action == "validate":
                svc.validate(s, org, assessment_id, by=by, role=role, **options)
            else:
                svc.send_back(s, org, assessment_id, by=by, role=role, **options)
        return one(ctx, assessment_id)

    @api(
        "/assessments/{assessment_id:int}/submit",
        permission=ANSWER,
        methods=("POST",),
        name="assessment.api_submit",
        response_model=AssessmentOut,
    )
    def submit(ctx: Ctx, assessment_id: Id) -> dict[str, Any]:
        """A referent hands the draft to a manager for review."""
        return workflow(ctx, assessment_id, "submit")

    @api(
        "/assessments/{assessment_id:int}/validate",
        permission=VALIDATE,
        methods=("POST",),
        name="assessment.api_validate",
        response_model=AssessmentOut,
    )
    def validate(ctx: Ctx, assessment_id: Id, body: ValidateIn) -> dict[str, Any]:
        """A manager validates a submitted assessment; its scores are frozen."""
        return workflow(ctx, assessment_id, "validate", allow_incomplete=body.allow_incomplete)

    @api(
        "/assessments/{assessment_id:int}/return",
        permission=VALIDATE,
        methods=("POST",),
        name="assessment.api_return",
        response_model=AssessmentOut,
    )
    def send_back(ctx: Ctx, assessment_id: Id, body: ReturnIn) -> dict[str, Any]:
        """A manager sends a submitted assessment back to its referent, saying why."""
        return workflow(ctx, assessment_id, "return", reason=body.reason)

    # -- the RGAA sample ---------------------------------------

    @api(
        "/assessments/{assessment_id:int}/pages",
        permission=VIEW,
        name="assessment.api_pages",
        response_model=list[PageOut],
    )
    def pages(ctx: Ctx, assessment_id: Id) -> list[dict[str, Any]]:
        with ctx.session() as s:
            return [vars(p) for p in svc.pages(s, org_name(ctx), assessment_id)]

    @api(
        "/assessments/{assessment_id:int}/pages",
        permission=ANSWER,
        methods=("POST",),
        name="assessment.api_page_add",
        response_model=PageOut,
        status_code=201,
    )
    def page_add(ctx: Ctx, assessment_id: Id, body: PageIn) -> dict[str, Any]:
        """Add (or update, by code) a page of an RGAA audit's sample."""
        by, role = actor(ctx)
        with ctx.session() as s:
            added = svc.add_page(
                s,
                org_name(ctx),
                assessment_id,
                body.code,
                body.title,
                by=by,
                role=role,
                url=body.url,
                process=body.process,
            )
        return vars(added)

    @api(
        "/assessments/{assessment_id:int}/derogations",
        permission=VIEW,
        name="assessment.api_derogations",
        response_model=list[DerogationOut],
    )
    def derogations(ctx: Ctx, assessment_id: Id) -> list[dict[str, Any]]:
        with ctx.session() as s:
            return svc.derogations(s, org_name(ctx), assessment_id)

    @api(
        "/assessments/{assessment_id:int}/derogations",
        permission=ANSWER,
        methods=("POST",),
        name="assessment.api_derogation_add",
        response_model=DerogationOut,
        status_code=201,
    )
    def derogation_add(ctx: Ctx, assessment_id: Id, body: DerogationIn) -> dict[str, Any]:
        """Record a derogation for disproportionate burden, or content exempt from the obligation."""
        by, role = actor(ctx)
        with ctx.session() as s:
            return svc.add_derogation(
                s,
                org_name(ctx),
                assessment_id,
                body.kind,
                body.content,
                by=by,
                role=role,
                criteria=body.criteria,
                pages=body.pages,
                justification=body.justification,
                alternative=body.alternative,
            )

    # -- documents and files ---------------------------------------

    @api("/assessments/{assessment_id:int}/declaration", permission=VIEW, name="assessment.api_declaration")
    def declaration(
        ctx: Ctx, assessment_id: Id, format: Literal["html", "pdf", "docx"] = "html", lang: Lang = "fr"
    ) -> Response:
        """The eco-design (RGESN) or accessibility (RGAA) declaration, or the maturity summary."""
        return declaration_file(ctx, assessment_id, format, lang)

    @api("/assessments/{assessment_id:int}/export", permission=VIEW, name="assessment.api_export")
    def export(ctx: Ctx, assessment_id: Id, lang: Lang = "fr") -> Response:
        """The answers as an XLSX workbook to fill in offline and import back."""
        return export_file(ctx, assessment_id, lang)

    @api(
        "/assessments/import",
        permission=ANSWER,
        methods=("POST",),
        name="assessment.api_import",
        response_model=ImportOut,
    )
    def import_(
        ctx: Ctx,
        request: Request,
        file: Annotated[UploadFile, File(description="A workbook written by the export, filled in")],
        into: Annotated[Id | None, Form()] = None,
        new: Annotated[bool, Form()] = False,
    ) -> Any:
        """Import answers from XLSX: all rows or nothing; a refusal lists every problem (sheet, row…)."""
        read = read_upload(ctx, file, MAX_XLSX_BYTES)
        if isinstance(read, str):
            raise InputError(ctx.t(read), column="file")
        report, problems = import_upload(ctx, *read, into=into, new=new)
        if report is None:
            errors = [
                {
                    "location": f"{p.get('sheet') or 'file'}" + (f" row {p['row']}" if p.get("row") else ""),
                    "field": p.get("column") or "",
                    "message": p.get("error", "")
                    + (f" (expected: {p['expected']})" if p.get("expected") else ""),
                }
                for p in problems
            ]
            return problem(request, 422, "The workbook was refused; nothing was imported.", errors=errors)
        return vars(report)

    # -- comparison and history ---------------------------------------

    @api("/assessments/compare", permission=VIEW, name="assessment.api_compare", response_model=CompareOut)
    def compare(
        ctx: Ctx,
        first: Id,
        second: Id,
    ) -> dict[str, Any]:
        """What changed from assessment ``first`` to ``second``: overall, per theme and per item."""
        with ctx.session() as s:
            data = svc.compare(s, org_name(ctx), first, second)
        for key in ("first", "second"):
            data[key].pop("org", None)
        return data

    @api(
        "/assessments/history",
        permission=VIEW,
        name="assessment.api_history",
        response_model=list[HistoryOut],
    )
    def history(
        ctx: Ctx, kind: Kind | None = None, service: Annotated[str | None, Query(max_length=200)] = None
    ) -> list[dict[str, Any]]:
        """Assessments over time (oldest first) with their overall score."""
        with ctx.session() as s:
            if service is not None:
                from sobre.inventory import services

                if service not in {v.name for v in services.list_services(s, org_name(ctx))}:
                    raise NotFound(f"no digital service {service!r}")
            return svc.history(s, org_name(ctx), kind=kind, service=service)
