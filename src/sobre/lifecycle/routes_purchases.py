"""Pages of purchasing: purchase lines (list, add, import, items received), tender criteria, suppliers, their
ESG questionnaire, assessments and ranking."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import File, Form, UploadFile
from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.core.i18n import format_number
from sobre.inventory.taxonomy import Category
from sobre.lifecycle import esg, purchasing, queries
from sobre.lifecycle.docparts import day, money
from sobre.lifecycle.routes_common import (
    MAX_TABLE_BYTES,
    PER_PAGE,
    Fields,
    category_label,
    document_response,
    explain,
    label,
    positive_id,
    present,
    saved_upload,
    text_download,
    where,
    year_of,
)
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form as FormState
from sobre.web.paging import PageRequest, paginate, parse_sort
from sobre.web.registry import CapabilityRegistry

F = Annotated[str, Form()]
Upload = Annotated[UploadFile | None, File()]
CONDITIONS = ("new", "refurbished", "reused")
PURCHASE_FIELDS = (
    "purchase_date",
    "supplier",
    "reference",
    "category",
    "manufacturer",
    "model",
    "quantity",
    "unit_price",
    "condition",
    "acquisition",
    "recycled_content_pct",
    "repairability_index",
    "durability_index",
    "warranty_years",
    "items",
    "notes",
)


def category_options(lang: str, blank: str | None = None) -> list[tuple[str, str]]:
    options = sorted(((c.value, category_label(c.value, lang)) for c in Category), key=lambda x: x[1])
    return ([("", blank)] if blank is not None else []) + options


def names_of(text: str) -> list[str]:
    """Item names typed one per line or separated by commas or semicolons."""
    return [n.strip() for n in text.replace(";", "\n").replace(",", "\n").splitlines() if n.strip()]


def purchase_row(p: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **p,
        "day": day(p["date"], lang),
        "category_label": category_label(p["category"], lang),
        "condition_label": label("lc.condition.", p["condition"], lang),
        "acquisition_label": label("lc.acquisition.", p["acquisition"], lang),
        "amount_text": money(p["amount"], lang),
        "unit_price_text": money(p["unit_price"], lang),
        "quantity_text": format_number(p["quantity"], lang, 0 if float(p["quantity"]).is_integer() else 1),
    }


def read_purchase(lang: str, values: dict[str, Any]) -> tuple[Fields, dict[str, Any], list[str]]:
    f = Fields(lang)
    d: dict[str, Any] = {
        "purchase_date": f.day("purchase_date", values.get("purchase_date"), required=True, past=True),
        "supplier": f.text("supplier", values.get("supplier")),
        "reference": f.text("reference", values.get("reference")),
        "category": f.choice("category", values.get("category"), [c.value for c in Category], required=True),
        "manufacturer": f.text("manufacturer", values.get("manufacturer")),
        "model": f.text("model", values.get("model")),
        "quantity": f.number("quantity", values.get("quantity"), required=True, positive=True, maximum=1e6),
        "unit_price": f.number("unit_price", values.get("unit_price"), required=True, minimum=0, maximum=1e8),
        "condition": f.choice("condition", values.get("condition"), CONDITIONS),
        "acquisition": f.choice(
            "acquisition", values.get("acquisition") or "purchase", ("purchase", "donation")
        ),
        "recycled_content_pct": f.number(
            "recycled_content_pct", values.get("recycled_content_pct"), minimum=0, maximum=100
        ),
        "repairability_index": f.number(
            "repairability_index", values.get("repairability_index"), minimum=0, maximum=10
        ),
        "durability_index": f.number(
            "durability_index", values.get("durability_index"), minimum=0, maximum=10
        ),
        "warranty_years": f.number("warranty_years", values.get("warranty_years"), minimum=0, maximum=30),
        "notes": f.text("notes", values.get("notes"), limit=2000),
    }
    labels = [x for x in values.get("ecolabels") or [] if x in purchasing.ECOLABELS]
    d["ecolabels"] = labels
    f.form.values["ecolabels"] = labels
    items = names_of(values.get("items") or "")
    f.form.values["items"] = values.get("items") or ""
    return f, d, items


def assessment_fields(
    lang: str, questions: list[esg.Question], form: dict[str, str]
) -> tuple[Fields, dict[str, dict[str, Any]]]:
    """The questionnaire's answers, each checked against its question (one message per question at fault)."""
    f = Fields(lang)
    answers: dict[str, dict[str, Any]] = {}
    for q in questions:
        answer = f.text(f"a_{q.code}", form.get(f"a_{q.code}"), limit=20) or ""
        evidence = f.text(f"e_{q.code}", form.get(f"e_{q.code}"), limit=500) or ""
        if answer:
            try:
                esg.answer_score(q, answer)
            except InputError as exc:
                f.fail(f"a_{q.code}", exc)
        answers[q.code] = {"answer": answer, "evidence": evidence}
    return f, answers


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    # -------------------------------------------------------------------------------------- purchases

    @page("/purchases", permission="lifecycle.view", name="lifecycle.purchases")
    def purchases(ctx: Ctx, page: int = 1) -> Response:
        assert ctx.org is not None
        q = ctx.request.query_params
        params = {k: q.get(k, "").strip()[:60] for k in ("year", "category", "condition", "supplier", "sort")}
        sort = parse_sort(params["sort"], queries.PURCHASE_SORTS, "-date")
        condition = params["condition"] if params["condition"] in (*CONDITIONS, "unknown") else None
        with ctx.session() as s:
            stmt = queries.purchases_query(
                ctx.org.id,
                year=year_of(params["year"]),
                category=params["category"] or None,
                condition=condition,
                supplier_id=positive_id(params["supplier"]),
                sort=sort.key,
                descending=sort.descending,
            )
            result = paginate(s, stmt, PageRequest(page, PER_PAGE))
            rows = [purchase_row(p, ctx.lang) for p in queries.purchase_views(s, result.items)]
            years = queries.purchase_years(s, ctx.org.id)
            categories = queries.purchase_categories(s, ctx.org.id)
            suppliers = queries.supplier_options(s, ctx.org.id)
        any_ = ctx.t("lc.page.any")
        return ctx.render(
            "lifecycle/purchases.html",
            form=FormState(dict(params)),
            result=result,
            rows=rows,
            sort=sort,
            params={k: v for k, v in params.items() if v},
            years=[("", any_)] + [(str(y), str(y)) for y in years],
            categories=[("", any_)] + [(c, category_label(c, ctx.lang)) for c in categories],
            conditions=[("", any_)]
            + [(c, label("lc.condition.", c, ctx.lang)) for c in (*CONDITIONS, "unknown")],
            suppliers=[("", any_)] + [(str(i), n) for i, n in suppliers],
        )

    def purchase_form(ctx: RequestContext, form: FormState | None = None, status: int = 200) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            suppliers = [n for _i, n in queries.supplier_options(s, ctx.org.id)]
        return ctx.render(
            "lifecycle/purchase_form.html",
            status,
            form=form or FormState({"purchase_date": date.today().isoformat(), "acquisition": "purchase"}),
            suppliers=suppliers,
            categories=category_options(ctx.lang, ctx.t("lc.page.choose")),
            conditions=[("", ctx.t("lc.condition.unknown"))]
            + [(c, label("lc.condition.", c, ctx.lang)) for c in CONDITIONS],
            acquisitions=[(a, label("lc.acquisition.", a, ctx.lang)) for a in ("purchase", "donation")],
            labels=list(purchasing.ECOLABELS),
        )

    @page("/purchases/new", permission="lifecycle.manage", name="lifecycle.purchase_form")
    def new_purchase(ctx: Ctx) -> Response:
        return purchase_form(ctx)

    @page("/purchases", permission="lifecycle.manage", methods=("POST",), name="lifecycle.purchase_add")
    def add_purchase(
        ctx: Ctx,
        purchase_date: F = "",
        supplier: F = "",
        reference: F = "",
        category: F = "",
        manufacturer: F = "",
        model: F = "",
        quantity: F = "",
        unit_price: F = "",
        condition: F = "",
        acquisition: F = "",
        recycled_content_pct: F = "",
        repairability_index: F = "",
        durability_index: F = "",
        warranty_years: F = "",
        ecolabels: Annotated[list[str] | None, Form()] = None,
        items: F = "",
        notes: F = "",
    ) -> Response:
        assert ctx.org is not None
        f, fields, names = read_purchase(ctx.lang, dict(locals()))
        if not f.ok:
            return purchase_form(ctx, f.form, 422)
        try:
            view = purchasing.add_purchase(ctx.database_url, ctx.org.name, names, **fields)
        except SobreError as exc:
            column = exc.column if isinstance(exc, InputError) else None
            f.fail(column if column in PURCHASE_FIELDS else "items", exc)
            return purchase_form(ctx, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.purchase", purchase_id=view["id"]), notice="lc.notice.saved")

    def purchase_page(
        ctx: RequestContext, purchase_id: int, form: FormState | None = None, status: int = 200
    ) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            found = purchase_row(queries.purchase(s, ctx.org.id, purchase_id), ctx.lang)
        return ctx.render("lifecycle/purchase.html", status, p=found, form=form or FormState())

    @page("/purchases/{purchase_id:int}", permission="lifecycle.view", name="lifecycle.purchase")
    def purchase(ctx: Ctx, purchase_id: int) -> Response:
        return purchase_page(ctx, purchase_id)

    @page(
        "/purchases/{purchase_id:int}/items",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.purchase_link",
    )
    def link_items(ctx: Ctx, purchase_id: int, items: F = "") -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        names = names_of(items)
        f.form.values["items"] = items
        if not names:
            f.error("items", "lc.err.required")
            return purchase_page(ctx, purchase_id, f.form, 422)
        with ctx.session() as s:
            queries.purchase(s, ctx.org.id, purchase_id)  # 404 before anything else
        try:
            purchasing.link_items(ctx.database_url, ctx.org.name, purchase_id, names)
        except (InputError, NotFound) as exc:
            f.fail("items", exc)
            return purchase_page(ctx, purchase_id, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.purchase", purchase_id=purchase_id), notice="lc.notice.linked")

    def purchase_import_page(
        ctx: RequestContext, form: FormState | None = None, status: int = 200, refusal: str | None = None
    ) -> Response:
        return ctx.render("lifecycle/purchase_import.html", status, form=form or FormState(), refusal=refusal)

    @page("/purchases/import", permission="lifecycle.manage", name="lifecycle.purchase_import_form")
    def purchase_import_form(ctx: Ctx) -> Response:
        return purchase_import_page(ctx)

    @page(
        "/purchases/import",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.purchase_import",
    )
    def purchase_import(ctx: Ctx, file: Upload = None) -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        upload = present(file)
        if upload is None:
            f.error("file", "lc.err.required")
            return purchase_import_page(ctx, f.form, 422)
        try:
            with saved_upload(upload, "file", MAX_TABLE_BYTES) as path:
                n = purchasing.import_purchases(ctx.database_url, ctx.org.name, path)
        except InputError as exc:
            f.fail("file", exc)
            refusal = ctx.t(
                "lc.import.refused", where=where(exc, ctx.lang, upload.filename), why=explain(exc, ctx.lang)
            )
            return purchase_import_page(ctx, f.form, 422, refusal)
        except SobreError as exc:
            f.fail("file", exc)
            return purchase_import_page(ctx, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.purchases") + f"?imported={n}", notice="lc.notice.imported")

    # --------------------------------------------------------------------------------------- criteria

    def criteria_category(ctx: RequestContext) -> str | None:
        raw = ctx.request.query_params.get("category", "")
        return raw if raw in {c.value for c in Category} else None

    @page("/purchases/criteria", permission="lifecycle.view", name="lifecycle.criteria")
    def criteria(ctx: Ctx) -> Response:
        code = criteria_category(ctx)
        doc = purchasing.criteria_document(code, ctx.lang)
        return ctx.render(
            "lifecycle/criteria.html",
            doc=doc,
            form=FormState({"category": code or ""}),
            categories=category_options(ctx.lang, ctx.t("lc.crit.all")),
            params={"category": code} if code else {},
        )

    @page("/purchases/criteria/export", permission="lifecycle.view", name="lifecycle.criteria_export")
    def criteria_export(ctx: Ctx, format: str = "xlsx") -> Response:
        doc = purchasing.criteria_document(criteria_category(ctx), ctx.lang)
        return document_response(doc, format, "criteres-achat")

    # -------------------------------------------------------------------------------------- suppliers

    def suppliers_page(ctx: RequestContext, form: FormState | None = None, status: int = 200) -> Response:
        assert ctx.org is not None
        year = year_of(ctx.request.query_params.get("year"))
        rows = purchasing.ranking(ctx.database_url, ctx.org.name, year)
        for r in rows:
            r["spend_text"] = money(r["spend"], ctx.lang)
            r["score_text"] = format_number(r["score"], ctx.lang, 1) if r["score"] is not None else None
            r["coverage_text"] = (
                format_number(100 * r["coverage"], ctx.lang, 0) if r["coverage"] is not None else None
            )
        scored = [r for r in rows if r["score"] is not None]
        return ctx.render(
            "lifecycle/suppliers.html",
            status,
            rows=rows,
            scored=scored,
            year=year,
            form=form or FormState(),
        )

    @page("/suppliers", permission="lifecycle.view", name="lifecycle.suppliers")
    def suppliers(ctx: Ctx) -> Response:
        return suppliers_page(ctx)

    @page("/suppliers", permission="lifecycle.manage", methods=("POST",), name="lifecycle.supplier_add")
    def add_supplier(ctx: Ctx, name: F = "", country: F = "", contact: F = "", notes: F = "") -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        fields = {
            "name": f.text("name", name, required=True),
            "country": f.text("country", country, limit=8),
            "contact": f.text("contact", contact),
            "notes": f.text("notes", notes, limit=2000),
        }
        if not f.ok:
            return suppliers_page(ctx, f.form, 422)
        try:
            purchasing.add_supplier(ctx.database_url, ctx.org.name, **fields)  # type: ignore[arg-type]
        except SobreError as exc:
            f.fail("name", exc)
            return suppliers_page(ctx, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.suppliers"), notice="lc.notice.saved")

    @page("/suppliers/questionnaire", permission="lifecycle.view", name="lifecycle.questionnaire")
    def questionnaire(ctx: Ctx) -> Response:
        assert ctx.org is not None
        rows = purchasing.builtin_questionnaire(ctx.lang)
        return text_download(purchasing.questionnaire_csv(rows), f"questionnaire-esg-{ctx.lang}.csv")

    @page("/suppliers/{supplier_id:int}", permission="lifecycle.view", name="lifecycle.supplier")
    def supplier(ctx: Ctx, supplier_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            found = queries.supplier(s, ctx.org.id, supplier_id)
        for a in found["assessments"]:
            a["day"] = day(a["date"], ctx.lang)
        for y in found["spend"]:
            y["amount_text"] = money(y["amount"], ctx.lang)
        latest = found["assessments"][-1] if found["assessments"] else None
        themes = list(latest["themes"]) if latest else []
        return ctx.render(
            "lifecycle/supplier.html",
            s=found,
            latest=latest,
            themes=themes,
            theme_labels=[ctx.t(f"lc.esg.theme.{k}") for k in themes],
            theme_values=[latest["themes"][k] for k in themes] if latest else [],
        )

    def assess_page(
        ctx: RequestContext, supplier_id: int, form: FormState | None = None, status: int = 200
    ) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            found = queries.supplier(s, ctx.org.id, supplier_id)
        questions = purchasing.builtin_questionnaire(ctx.lang)
        choices = {
            "yes_no": [
                ("", "—"),
                ("yes", ctx.t("lc.yes")),
                ("no", ctx.t("lc.no")),
                ("n/a", ctx.t("lc.esg.na")),
            ],
            "scale": [("", "—")]
            + [(str(i), ctx.t(f"lc.esg.scale.{i}")) for i in range(5)]
            + [("n/a", ctx.t("lc.esg.na"))],
        }
        assert ctx.user is not None
        return ctx.render(
            "lifecycle/assess.html",
            status,
            s=found,
            questions=questions,
            choices=choices,
            form=form or FormState({"date": date.today().isoformat(), "assessor": ctx.user.display}),
        )

    @page("/suppliers/{supplier_id:int}/assess", permission="lifecycle.manage", name="lifecycle.assess_form")
    def assess_form(ctx: Ctx, supplier_id: int) -> Response:
        return assess_page(ctx, supplier_id)

    @page(
        "/suppliers/{supplier_id:int}/assess",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.assess",
    )
    async def assess(ctx: Ctx, supplier_id: int) -> Response:
        from starlette.concurrency import run_in_threadpool

        submitted = {k: v for k, v in (await ctx.request.form()).items() if isinstance(v, str)}
        return await run_in_threadpool(_assess, ctx, supplier_id, submitted)

    def _assess(ctx: RequestContext, supplier_id: int, submitted: dict[str, str]) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            name = queries.supplier(s, ctx.org.id, supplier_id)["name"]
        questions = list(esg.builtin_questions())
        f, answers = assessment_fields(ctx.lang, questions, submitted)
        on = f.day("date", submitted.get("date"), required=True, past=True)
        assessor = f.text("assessor", submitted.get("assessor"))
        if not any(a["answer"] for a in answers.values()):
            f.error(f"a_{questions[0].code}", "lc.err.no_answer")
        if not f.ok or on is None:
            return assess_page(ctx, supplier_id, f.form, 422)
        purchasing.assess(ctx.database_url, ctx.org.name, name, answers, assessed_on=on, assessor=assessor)
        return ctx.redirect(
            ctx.url("lifecycle.supplier", supplier_id=supplier_id), notice="lc.notice.assessed"
        )

    @page(
        "/suppliers/{supplier_id:int}/assessments/{assessment_id:int}",
        permission="lifecycle.view",
        name="lifecycle.assessment",
    )
    def assessment(ctx: Ctx, supplier_id: int, assessment_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            found = queries.assessment(s, ctx.org.id, supplier_id, assessment_id)
        found["day"] = day(found["date"], ctx.lang)
        for q in found["questions"]:
            q["text"] = ctx.t(f"lc.esg.q.{q['code']}")
            q["theme_label"] = ctx.t(f"lc.esg.theme.{q['theme']}")
            q["scored_text"] = (
                ctx.t("lc.esg.na") if q["scored"] is None else format_number(100 * q["scored"], ctx.lang, 0)
            )
        return ctx.render("lifecycle/assessment.html", a=found)
