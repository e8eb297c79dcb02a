"""The lifecycle JSON API of purchasing and the watch: purchase lines, suppliers and their ESG
assessments, watch entries and feeds (see :mod:`sobre.lifecycle.routes_api`)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Query, Request

from sobre.core.errors import InputError
from sobre.lifecycle import purchasing, queries, watch
from sobre.lifecycle.api_models import (
    AssessmentIn,
    EntryIn,
    EntryOut,
    EntryUpdate,
    FetchOut,
    ItemsIn,
    PurchaseIn,
    PurchaseOut,
    QuestionOut,
    SourceIn,
    SourceOut,
    SupplierIn,
    SupplierRank,
)
from sobre.lifecycle.routes_api import Lang, Sort, Upload, uploaded_name
from sobre.lifecycle.routes_common import MAX_TABLE_BYTES, saved_upload
from sobre.web.api import Page, Paging, list_page, page_of
from sobre.web.context import Ctx, Refused
from sobre.web.paging import parse_sort
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry


def register(registry: CapabilityRegistry) -> None:
    api = registry.api

    # ------------------------------------------------------------------------------------- purchases

    @api(
        "/purchases",
        permission="lifecycle.view",
        name="lifecycle.api_purchases",
        response_model=Page[PurchaseOut],
    )
    def purchases(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
        category: Annotated[str | None, Query(max_length=24)] = None,
        condition: Annotated[str | None, Query(pattern="^(new|refurbished|reused|unknown)$")] = None,
        supplier_id: Id | None = None,
        sort: Sort = None,
    ) -> dict[str, Any]:
        """Purchase lines (sort: date, category, supplier, quantity, amount)."""
        assert ctx.org is not None
        order = parse_sort(sort, queries.PURCHASE_SORTS, "-date")
        stmt = queries.purchases_query(
            ctx.org.id,
            year=year,
            category=category,
            condition=condition,
            supplier_id=supplier_id,
            sort=order.key,
            descending=order.descending,
        )
        return list_page(ctx, request, paging, stmt, queries.purchase_views)

    @api(
        "/purchases",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.api_purchase_add",
        response_model=PurchaseOut,
        status_code=201,
    )
    def purchase_add(ctx: Ctx, body: PurchaseIn) -> dict[str, Any]:
        """Record a purchase line (or a donation received) and the inventory items it delivered."""
        assert ctx.org is not None
        if body.purchase_date > date.today():
            raise InputError(
                "the date is in the future", column="purchase_date", value=body.purchase_date.isoformat()
            )
        fields = body.model_dump(exclude={"items"})
        view = purchasing.add_purchase(ctx.database_url, ctx.org.name, body.items, **fields)
        return purchase(ctx, view["id"])

    @api(
        "/purchases/{purchase_id}",
        permission="lifecycle.view",
        name="lifecycle.api_purchase",
        response_model=PurchaseOut,
    )
    def purchase(ctx: Ctx, purchase_id: Id) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            return queries.purchase(s, ctx.org.id, purchase_id)

    @api(
        "/purchases/{purchase_id}/items",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.api_purchase_link",
        response_model=PurchaseOut,
    )
    def purchase_link(ctx: Ctx, purchase_id: Id, body: ItemsIn) -> dict[str, Any]:
        """Link inventory items (by name) to the purchase line that delivered them."""
        assert ctx.org is not None
        purchase(ctx, purchase_id)
        purchasing.link_items(ctx.database_url, ctx.org.name, purchase_id, body.items)
        return purchase(ctx, purchase_id)

    @api(
        "/purchases/imports",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.api_purchase_import",
        response_model=dict[str, int],
        status_code=201,
    )
    def purchase_import(ctx: Ctx, file: Upload) -> dict[str, int]:
        """Import purchase lines from an accounting export (CSV or XLSX): all rows or none."""
        assert ctx.org is not None
        try:
            with saved_upload(file, "file", MAX_TABLE_BYTES) as path:
                return {"imported": purchasing.import_purchases(ctx.database_url, ctx.org.name, path)}
        except InputError as exc:
            raise uploaded_name(exc, file.filename or "upload") from None

    @api(
        "/purchasing/criteria",
        permission="lifecycle.view",
        name="lifecycle.api_criteria",
        response_model=list[dict[str, Any]],
    )
    def criteria(
        ctx: Ctx, category: Annotated[str | None, Query(max_length=24)] = None
    ) -> list[dict[str, Any]]:
        """Purchasing criteria for a tender (requirements, weighted award criteria) with their references."""
        return purchasing.criteria(purchasing.category(category) if category else None)

    # ------------------------------------------------------------------------------------- suppliers

    @api(
        "/suppliers",
        permission="lifecycle.view",
        name="lifecycle.api_suppliers",
        response_model=Page[SupplierRank],
    )
    def suppliers(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
    ) -> dict[str, Any]:
        """Suppliers ranked by their latest ESG score, then coverage, then spend (of ``year``)."""
        from sobre.lifecycle.routes_common import rows_of

        assert ctx.org is not None
        result = rows_of(
            purchasing.ranking(ctx.database_url, ctx.org.name, year), paging.page, paging.per_page
        )
        return page_of(request, result, result.items)

    @api(
        "/suppliers",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.api_supplier_add",
        response_model=dict[str, Any],
        status_code=201,
    )
    def supplier_add(ctx: Ctx, body: SupplierIn) -> dict[str, Any]:
        assert ctx.org is not None
        purchasing.add_supplier(
            ctx.database_url, ctx.org.name, body.name.strip(), **body.model_dump(exclude={"name"})
        )
        with ctx.session() as s:
            found = next(i for i, n in queries.supplier_options(s, ctx.org.id) if n == body.name.strip())
            return queries.supplier(s, ctx.org.id, found)

    @api(
        "/suppliers/questionnaire",
        permission="lifecycle.view",
        name="lifecycle.api_questionnaire",
        response_model=list[QuestionOut],
    )
    def questionnaire(ctx: Ctx, lang: Lang = "fr") -> list[dict[str, Any]]:
        """Sobre's ESG questionnaire for IT suppliers: questions, themes, weights, kinds, evidence asked."""
        return purchasing.builtin_questionnaire(lang)

    @api(
        "/suppliers/{supplier_id}",
        permission="lifecycle.view",
        name="lifecycle.api_supplier",
        response_model=dict[str, Any],
    )
    def supplier(ctx: Ctx, supplier_id: Id) -> dict[str, Any]:
        """A supplier, its ESG assessments with the score of each theme, and its spend by year."""
        assert ctx.org is not None
        with ctx.session() as s:
            return queries.supplier(s, ctx.org.id, supplier_id)

    @api(
        "/suppliers/{supplier_id}/assessments",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.api_assess",
        response_model=dict[str, Any],
        status_code=201,
    )
    def assess(ctx: Ctx, supplier_id: Id, body: AssessmentIn) -> dict[str, Any]:
        """Score a supplier's answers (weighted; evidence required where asked) and keep them."""
        assert ctx.org is not None
        if body.assessed_on > date.today():
            raise InputError(
                "the date is in the future", column="assessed_on", value=body.assessed_on.isoformat()
            )
        name = supplier(ctx, supplier_id)["name"]
        answers = {code: a.model_dump() for code, a in body.answers.items()}
        return purchasing.assess(
            ctx.database_url,
            ctx.org.name,
            name,
            answers,
            assessed_on=body.assessed_on,
            assessor=body.assessor,
        )

    @api(
        "/suppliers/{supplier_id}/assessments/{assessment_id}",
        permission="lifecycle.view",
        name="lifecycle.api_assessment",
        response_model=dict[str, Any],
    )
    def assessment(ctx: Ctx, supplier_id: Id, assessment_id: Id) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            return queries.assessment(s, ctx.org.id, supplier_id, assessment_id)

    # ----------------------------------------------------------------------------------------- watch

    @api(
        "/watch/entries",
        permission="lifecycle.view",
        name="lifecycle.api_watch",
        response_model=Page[EntryOut],
    )
    def entries(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        since: date | None = None,
        decision: Annotated[str | None, Query(max_length=12)] = None,
        kind: Annotated[str | None, Query(max_length=12)] = None,
        tag: Annotated[str | None, Query(max_length=40)] = None,
        min_relevance: Annotated[int | None, Query(ge=1, le=5)] = None,
        sort: Sort = None,
    ) -> dict[str, Any]:
        """Watch entries, most relevant first (sort: relevance, published, title, due)."""
        assert ctx.org is not None
        order = parse_sort(sort, queries.ENTRY_SORTS, "-relevance")
        stmt = queries.entries_query(
            ctx.org.id,
            since=since,
            decision=decision,
            kind=kind,
            tag=tag,
            min_relevance=min_relevance,
            sort=order.key,
            descending=order.descending,
        )
        return list_page(ctx, request, paging, stmt, queries.entry_views)

    @api(
        "/watch/entries",
        permission="watch.contribute",
        methods=("POST",),
        name="lifecycle.api_watch_add",
        response_model=EntryOut,
        status_code=201,
    )
    def entry_add(ctx: Ctx, body: EntryIn) -> dict[str, Any]:
        """An entry written by hand; only those who may decide (watch.manage) set its assessment."""
        assert ctx.org is not None
        fields = body.model_dump(exclude={"title"}, exclude_none=True)
        decided = {"relevance", "impact", "decision", "action", "owner", "due"} & set(fields)
        if decided and not ctx.can("watch.manage"):
            raise Refused(403, "lc.error.decide")
        row = watch.add_entry(ctx.database_url, ctx.org.name, body.title.strip(), **fields)
        return entry(ctx, row["id"])

    @api(
        "/watch/entries/{entry_id}",
        permission="lifecycle.view",
        name="lifecycle.api_watch_entry",
        response_model=EntryOut,
    )
    def entry(ctx: Ctx, entry_id: Id) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            return queries.entry(s, ctx.org.id, entry_id)

    @api(
        "/watch/entries/{entry_id}",
        permission="watch.manage",
        methods=("PATCH",),
        name="lifecycle.api_watch_assess",
        response_model=EntryOut,
    )
    def entry_assess(ctx: Ctx, entry_id: Id, body: EntryUpdate) -> dict[str, Any]:
        """Assess an entry: relevance, expected impact, decision, follow-up action, owner, due date."""
        assert ctx.org is not None
        entry(ctx, entry_id)
        watch.update_entry(ctx.database_url, ctx.org.name, entry_id, **body.model_dump(exclude_unset=True))
        return entry(ctx, entry_id)

    @api(
        "/watch/sources",
        permission="lifecycle.view",
        name="lifecycle.api_watch_sources",
        response_model=list[SourceOut],
    )
    def sources(ctx: Ctx) -> list[dict[str, Any]]:
        assert ctx.org is not None
        with ctx.session() as s:
            return queries.sources(s, ctx.org.id)

    @api(
        "/watch/sources",
        permission="watch.manage",
        methods=("POST",),
        name="lifecycle.api_watch_source_add",
        response_model=SourceOut,
        status_code=201,
    )
    def source_add(ctx: Ctx, body: SourceIn) -> dict[str, Any]:
        """Follow an RSS or Atom feed (fetched only by POST /watch/fetch)."""
        assert ctx.org is not None
        watch.add_source(ctx.database_url, ctx.org.name, body.name.strip(), body.url, body.tags)
        return next(x for x in sources(ctx) if x["name"] == body.name.strip())

    @api(
        "/watch/fetch",
        permission="watch.manage",
        methods=("POST",),
        name="lifecycle.api_watch_fetch",
        response_model=FetchOut,
    )
    def fetch(ctx: Ctx) -> dict[str, int]:
        """Fetch every active feed the organisation follows; a failing feed keeps its error."""
        assert ctx.org is not None
        return watch.fetch(ctx.database_url, ctx.org.name)
