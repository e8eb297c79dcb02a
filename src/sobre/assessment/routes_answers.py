"""Answering: a theme's items at once (the grid), or one item in full with its texts and evidence files.

Both forms go through ``service.answer`` for every item that changed, in one transaction: if one answer is
refused (an RGESN criterion "Applicable à tous les services" marked N/A, "Validé" without evidence…),
nothing is saved and the form comes back with the submitted values and a message beside that item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sobre.assessment import page_data
from sobre.assessment import service as svc
from sobre.assessment.referentials import Item, Package
from sobre.assessment.routes import ANSWER, VIEW, actor, org_name, render
from sobre.assessment.routes_files import read_upload
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgesn as eco
from sobre.assessment.views import MAX_FILE_BYTES, AnswerView, EvidenceInput
from sobre.core.errors import InputError, NotFound
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form


class _Refused(Exception):
    """One answer was refused: roll the whole form back."""


@dataclass
class Sheet:
    """What an answer form is about: the assessment, its referential, the page of the sample (RGAA)."""

    view: svc.AssessmentView
    package: Package
    answers: dict[tuple[str, str], AnswerView]
    pages: list[Any]
    page: str

    @property
    def kind(self) -> str:
        return self.package.kind

    def answer(self, item_id: str) -> AnswerView | None:
        return self.answers.get((item_id, self.page))


def load_sheet(ctx: RequestContext, assessment_id: int, page: str) -> Sheet:
    org = org_name(ctx)
    with ctx.session() as s:
        view = svc.get(s, org, assessment_id)
        package = svc.package_of(s, org, assessment_id)
        answers = {(a.item_id, a.page): a for a in svc.answers(s, org, assessment_id)}
        pages = svc.pages(s, org, assessment_id) if package.kind == "rgaa" else []
    codes = [p.code for p in pages]
    chosen = (page if page in codes else codes[0]) if codes else ""
    return Sheet(view, package, answers, pages, chosen)


def current_values(sheet: Sheet, item: Item) -> dict[str, str]:
    a = sheet.answer(item.id)
    return {
        f"answer-{item.id}": page_data.answer_code(
            sheet.kind, a.status if a else None, a.level if a else None
        ),
        f"target-{item.id}": "" if a is None or a.target_level is None else str(a.target_level),
        f"comment-{item.id}": (a.comment or "") if a else "",
    }


def message(ctx: RequestContext, exc: InputError, item: Item, code: str, kind: str) -> tuple[str, str]:
    """The field and the message for an answer the use case refused."""
    if exc.column == "link":
        return f"link-{item.id}", ctx.t("assessment.error.link")
    if exc.column == "file":
        return f"file-{item.id}", ctx.t("assessment.error.file_too_large")
    if kind == "rgesn" and code == eco.NOT_APPLICABLE and item.always_applicable:
        return f"answer-{item.id}", ctx.t("assessment.error.na_forbidden")
    if kind == "rgesn" and code in (eco.VALIDATED, eco.NOT_APPLICABLE):
        return f"answer-{item.id}", ctx.t("assessment.error.evidence_required")
    return f"answer-{item.id}", ctx.t("assessment.error.invalid", detail=str(exc))


def answer_fields(kind: str, code: str, target: str) -> dict[str, Any]:
    """The use case's keyword arguments for a choice code and a target."""
    fields: dict[str, Any] = {}
    if kind == "maturity":
        if code == mat.NOT_APPLICABLE:
            fields["status"] = mat.NOT_APPLICABLE
        elif code:
            fields["level"] = int(code)
        if target:
            fields["target"] = int(target)
    else:
        fields["status"] = code
    return fields


@dataclass
class Change:
    item: Item
    code: str
    target: str
    comment: str | None
    evidence: list[EvidenceInput]


def read_change(sheet: Sheet, item: Item, submitted: Any, form: Form, ctx: RequestContext) -> Change | None:
    """The change the form asks for on one item (None when nothing changed); field messages go to ``form``."""
    now = current_values(sheet, item)
    code = str(submitted.get(f"answer-{item.id}", now[f"answer-{item.id}"]))
    target = str(submitted.get(f"target-{item.id}", now[f"target-{item.id}"]))
    comment = str(submitted.get(f"comment-{item.id}", now[f"comment-{item.id}"])).strip()
    text = str(submitted.get(f"evidence-{item.id}", "")).strip()
    link = str(submitted.get(f"link-{item.id}", "")).strip()
    form.values.update(
        {
            f"answer-{item.id}": code,
            f"target-{item.id}": target,
            f"comment-{item.id}": comment,
            f"evidence-{item.id}": text,
            f"link-{item.id}": link,
        }
    )
    allowed = [c for c, _ in page_data.choices(sheet.kind, ctx.lang, rated=False)]
    if code not in allowed:
        form.error(f"answer-{item.id}", ctx.t("web.form.choose"))
    if target not in ("", *[str(x) for x in mat.LEVELS]):
        form.error(f"target-{item.id}", ctx.t("web.form.choose"))
    if code == "" and now[f"answer-{item.id}"] != "":
        form.error(f"answer-{item.id}", ctx.t("assessment.error.cannot_unrate"))
    evidence = []
    if text:
        evidence.append(EvidenceInput("text", text=text))
    if link:
        evidence.append(EvidenceInput("link", url=link))
    upload = submitted.get(f"file-{item.id}")
    if upload is not None and not isinstance(upload, str) and upload.filename:
        read = read_upload(ctx, upload, MAX_FILE_BYTES)
        if isinstance(read, str):
            form.error(f"file-{item.id}", ctx.t(read))
        else:
            evidence.append(EvidenceInput.from_upload(*read))
    changed = (
        code != now[f"answer-{item.id}"]
        or (sheet.kind == "maturity" and target != now[f"target-{item.id}"])
        or comment != now[f"comment-{item.id}"]
        or evidence
    )
    if not changed:
        return None
    if sheet.kind == "maturity" and not code and not target:
        # A comment or evidence on a practice not rated yet: nothing to hang them on.
        form.error(f"answer-{item.id}", ctx.t("assessment.error.rate_first"))
        return None
    return Change(item, code, target, comment if comment != now[f"comment-{item.id}"] else None, evidence)


def save(ctx: RequestContext, sheet: Sheet, changes: list[Change], form: Form) -> None:
    """Record every change in one transaction, or none of them (messages go to ``form``)."""
    by, role = actor(ctx)
    org = org_name(ctx)
    try:
        with ctx.write_session() as s:
            for c in changes:
                try:
                    svc.answer(
                        s,
                        org,
                        sheet.view.id,
                        c.item.id,
                        by=by,
                        role=role,
                        comment=c.comment,
                        page=sheet.page or None,
                        evidence=c.evidence,
                        **answer_fields(sheet.kind, c.code, c.target),
                    )
                except InputError as exc:
                    form.error(*message(ctx, exc, c.item, c.code, sheet.kind))
            if not form.ok:
                raise _Refused
    except _Refused:
        pass


def grid_page(
    ctx: RequestContext,
    sheet: Sheet,
    theme: str,
    form: Form | None = None,
    status: int = 200,
    error: str | None = None,
) -> Response:
    package = sheet.package
    codes = [x.code for x in package.themes]
    chosen = theme if theme in codes else codes[0]
    items = package.items_of(chosen)
    if form is None:
        form = Form()
        for item in items:
            form.values.update(current_values(sheet, item))
    answered = {
        code: sum(1 for i in package.items_of(code) if sheet.answer(i.id) is not None) for code in codes
    }
    position = codes.index(chosen)
    return render(
        ctx,
        "assessment/answer.html",
        status,
        sheet=sheet,
        view=sheet.view,
        package=package,
        theme=package.theme(chosen),
        items=items,
        answered=answered,
        next_theme=codes[position + 1] if position + 1 < len(codes) else None,
        form=form,
        error=error,
        editable=sheet.view.status == "draft" and ctx.can(ANSWER) and (sheet.kind != "rgaa" or sheet.page),
        choices=lambda item: page_data.choices(
            sheet.kind, ctx.lang, rated=current_values(sheet, item)[f"answer-{item.id}"] != ""
        ),
        targets=lambda item: target_choices(ctx, sheet, item),
        source=page_data.attribution(package, ctx.lang),
    )


def target_choices(ctx: RequestContext, sheet: Sheet, item: Item) -> list[tuple[str, str]]:
    default = int(sheet.view.details.get("default_target", mat.DEFAULT_TARGET))
    levels = [(str(x), f"{x} – {ctx.t(f'assessment.level.{x}')}") for x in mat.LEVELS]
    if current_values(sheet, item)[f"target-{item.id}"]:
        return levels
    return [("", ctx.t("assessment.page.default_target", level=default)), *levels]


def item_page(
    ctx: RequestContext, sheet: Sheet, item_id: str, form: Form | None = None, status: int = 200
) -> Response:
    try:
        item = sheet.package.item(item_id)
    except KeyError:
        raise NotFound(f"no item {item_id} in {sheet.package.key}") from None
    org = org_name(ctx)
    with ctx.session() as s:
        trail = [
            e
            for e in svc.events(s, org, sheet.view.id)
            if e["item"] == item.id and (not sheet.page or e["page"] == sheet.page)
        ]
    if form is None:
        form = Form(dict(current_values(sheet, item)))
    return render(
        ctx,
        "assessment/item.html",
        status,
        sheet=sheet,
        view=sheet.view,
        package=sheet.package,
        item=item,
        answer=sheet.answer(item.id),
        texts=page_data.item_texts(item, ctx.lang),
        trail=trail[-20:],
        form=form,
        editable=sheet.view.status == "draft" and ctx.can(ANSWER) and (sheet.kind != "rgaa" or sheet.page),
        choices=page_data.choices(
            sheet.kind, ctx.lang, rated=current_values(sheet, item)[f"answer-{item.id}"] != ""
        ),
        targets=target_choices(ctx, sheet, item),
        source=page_data.attribution(sheet.package, ctx.lang),
    )


def save_grid(ctx: RequestContext, assessment_id: int, submitted: Any) -> Response:
    theme, page = str(submitted.get("theme", "")), str(submitted.get("page", ""))
    sheet = load_sheet(ctx, assessment_id, page)
    if sheet.view.status != "draft":
        return grid_page(ctx, sheet, theme, status=409, error=ctx.t("assessment.error.not_draft"))
    if sheet.kind == "rgaa" and (not sheet.page or sheet.page != page):
        return grid_page(ctx, sheet, theme, status=422, error=ctx.t("assessment.error.choose_page"))
    form = Form()
    items = sheet.package.items_of(theme) if theme in [x.code for x in sheet.package.themes] else []
    changes = [c for item in items if (c := read_change(sheet, item, submitted, form, ctx)) is not None]
    if form.ok and changes:
        save(ctx, sheet, changes, form)
    if not form.ok:
        return grid_page(ctx, sheet, theme, form, 422)
    target = theme
    if submitted.get("next") and (following := [x.code for x in sheet.package.themes]):
        position = following.index(theme) if theme in following else -1
        target = following[position + 1] if 0 <= position < len(following) - 1 else theme
    query = "?" + urlencode({"theme": target, **({"page": sheet.page} if sheet.page else {})})
    return ctx.redirect(
        ctx.url("assessment.answer_form", assessment_id=assessment_id) + query,
        notice="assessment.notice.saved" if changes else "assessment.notice.unchanged",
    )


def save_item(ctx: RequestContext, assessment_id: int, item_id: str, submitted: Any) -> Response:
    page = str(submitted.get("page", ""))
    sheet = load_sheet(ctx, assessment_id, page)
    try:
        item = sheet.package.item(item_id)
    except KeyError:
        raise NotFound(f"no item {item_id} in {sheet.package.key}") from None
    form = Form()
    if sheet.view.status != "draft":
        form.error(f"answer-{item.id}", ctx.t("assessment.error.not_draft"))
        return item_page(ctx, sheet, item.id, form, 409)
    if sheet.kind == "rgaa" and (not sheet.page or sheet.page != page):
        form.error(f"answer-{item.id}", ctx.t("assessment.error.choose_page"))
        return item_page(ctx, sheet, item.id, form, 422)
    change = read_change(sheet, item, submitted, form, ctx)
    if form.ok and change is not None:
        save(ctx, sheet, [change], form)
    if not form.ok:
        return item_page(ctx, sheet, item.id, form, 422)
    query = "?" + urlencode({"page": sheet.page}) if sheet.page else ""
    return ctx.redirect(
        ctx.url("assessment.item", assessment_id=assessment_id, item_id=item.id) + query,
        notice="assessment.notice.saved" if change else "assessment.notice.unchanged",
    )


def register(registry: Any) -> None:
    route = registry.page

    @route("/assessments/{assessment_id:int}/answer", permission=VIEW)
    def answer_form(ctx: Ctx, assessment_id: int, theme: str = "", page: str = "") -> Response:
        return grid_page(ctx, load_sheet(ctx, assessment_id, page), theme)

    @route("/assessments/{assessment_id:int}/answer", permission=ANSWER, methods=("POST",))
    async def answer_save(ctx: Ctx, assessment_id: int) -> Response:
        submitted = await ctx.request.form()
        return await run_in_threadpool(save_grid, ctx, assessment_id, submitted)

    @route("/assessments/{assessment_id:int}/items/{item_id}", permission=VIEW)
    def item(ctx: Ctx, assessment_id: int, item_id: str, page: str = "") -> Response:
        return item_page(ctx, load_sheet(ctx, assessment_id, page), item_id)

    @route("/assessments/{assessment_id:int}/items/{item_id}", permission=ANSWER, methods=("POST",))
    async def item_save(ctx: Ctx, assessment_id: int, item_id: str) -> Response:
        submitted = await ctx.request.form()
        return await run_in_threadpool(save_item, ctx, assessment_id, item_id, submitted)
