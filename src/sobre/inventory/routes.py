"""Pages of the inventory: lists per kind (filtered, sorted and paginated in the database), an item's page
with its footprint and trace, the equipment form.  Imports and model reviews: ``routes_imports``; the JSON
API: ``routes_api``.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from sobre.core import i18n
from sobre.core.errors import InputError
from sobre.inventory import listing
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, parse_sort
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

VIEW = "inventory.view"
EDIT = "inventory.edit"
#: Rows per list page: 25 rows of 8 columns keep the page well within the EcoIndex budget.
LIST_PAGE = 25


def list_params(request: Request, k: listing.Kind) -> dict[str, str]:
    """The list's query parameters worth keeping in links (filters, search, sort)."""
    q = request.query_params
    params = {f: q.get(f, "").strip()[:255] for f in k.filters}
    params["q"] = q.get("q", "").strip()[:100]
    params["sort"] = q.get("sort", "name")[:40]
    params["kind"] = k.key
    return {name: value for name, value in params.items() if value}


def choice_key(field: str, value: str) -> str:
    """The message key of a choice's label (categories are named once, for pages and reports alike)."""
    if field == "category":
        return f"category.{value}"
    return f"inventory.choice.{field}.{value or 'none'}"


def choice_label(ctx: RequestContext, field: str, value: str) -> str:
    """A filter value as people read it (vocabularies translated, names as they are)."""
    key = choice_key(field, value)
    return ctx.t(key) if i18n.has(key) else value


def item_footprint(ctx: RequestContext, run_kind: str | None, item_id: int) -> dict[str, Any] | None:
    """The item's figures in the organisation's latest run, or None (no run, or not in it)."""
    if run_kind is None or ctx.org is None:
        return None
    from sobre.footprint.runs import queries

    return queries.latest_item_figures(ctx.database_url, ctx.org.id, run_kind, item_id)


def register(registry: CapabilityRegistry) -> None:
    from sobre.inventory import routes_api, routes_imports

    registry.permission(VIEW, ROLES, "inventory.perm.view")
    registry.permission(EDIT, ("admin", "manager", "technician"), "inventory.perm.edit")
    registry.menu("inventory.menu.items", "inventory.items", permission=VIEW, order=20)
    page = registry.page

    @page("/inventory", permission=VIEW)
    def items(ctx: Ctx, request: Request, kind: str = "equipment", page: int = 1) -> Response:
        assert ctx.org is not None
        k = listing.kind(kind)
        params = list_params(request, k)
        sort = parse_sort(params.get("sort"), k.sortable, "name")
        filters = {f: params.get(f, "") for f in k.filters}
        with ctx.session() as s:
            result = listing.items_page(
                s,
                ctx.org.id,
                k.key,
                PageRequest(page, LIST_PAGE),
                filters=filters,
                search=params.get("q", ""),
                sort=sort.key,
                descending=sort.descending,
            )
            choices = listing.filter_choices(s, ctx.org.id, k.key)
        return ctx.render(
            "inventory/items.html",
            k=k,
            kinds=listing.KINDS,
            result=result,
            params=params,
            sort=sort,
            choices=choices,
            filters=filters,
            choice=lambda field, value: choice_label(ctx, field, value),
        )

    @page("/inventory/{kind}/{item_id:int}", permission=VIEW)
    def item(ctx: Ctx, kind: str, item_id: int) -> Response:
        assert ctx.org is not None
        k = listing.kind(kind)
        with ctx.session() as s:
            row = listing.get_item(s, ctx.org.id, k.key, item_id)
        figures = item_footprint(ctx, k.run_kind, item_id)
        return ctx.render("inventory/item.html", k=k, row=row, figures=figures)

    def form_page(ctx: RequestContext, form: Form, item_id: int | None, status: int = 200) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            names = listing.filter_choices(s, ctx.org.id, "equipment")
        choices = {
            field: [(v, ctx.t(choice_key(field, v))) for v in values]
            for field, values in listing.CHOICES.items()
        }
        for field in ("site", "department"):
            choices[field] = [("", "—"), *((n, n) for n in names[field])]
        return ctx.render(
            "inventory/equipment_form.html",
            status,
            form=form,
            item_id=item_id,
            fields=listing.EQUIPMENT_FIELDS,
            choices=choices,
        )

    async def submitted(ctx: RequestContext, item_id: int | None) -> Response:
        assert ctx.org is not None
        raw = await ctx.request.form()
        values = {f: str(raw.get(f, "")) for f in listing.EQUIPMENT_FIELDS}
        checked, errors = listing.check_equipment(values)
        form = Form(dict(values), {f: ctx.t(key) for f, key in errors.items()})
        if form.ok:
            try:
                with ctx.session() as s:
                    item_id = listing.save_equipment(s, ctx.org.id, item_id, checked)
            except InputError as exc:
                field, key = exc.column or "name", f"inventory.form.bad_{exc.column}"
                form.error(field, ctx.t(key) if i18n.has(key) else str(exc))
        if not form.ok:
            return form_page(ctx, form, item_id, 422)
        assert item_id is not None
        return ctx.redirect(
            ctx.url("inventory.item", kind="equipment", item_id=item_id), notice="inventory.notice.saved"
        )

    @page("/inventory/equipment/new", permission=EDIT)
    def equipment_new(ctx: Ctx) -> Response:
        return form_page(ctx, Form({"quantity": "1", "status": "in_use", "data_quality": "medium"}), None)

    @page("/inventory/equipment/new", permission=EDIT, methods=("POST",))
    async def equipment_create(ctx: Ctx) -> Response:
        return await submitted(ctx, None)

    @page("/inventory/equipment/{item_id:int}/edit", permission=EDIT)
    def equipment_edit(ctx: Ctx, item_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            row = listing.get_item(s, ctx.org.id, "equipment", item_id)
        values: dict[str, object] = {
            f: "" if row.get(f) is None else str(row[f]) for f in listing.EQUIPMENT_FIELDS
        }
        return form_page(ctx, Form(values), item_id)

    @page("/inventory/equipment/{item_id:int}/edit", permission=EDIT, methods=("POST",))
    async def equipment_update(ctx: Ctx, item_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            listing.get_item(s, ctx.org.id, "equipment", item_id)  # 404 before reading the form
        return await submitted(ctx, item_id)

    routes_imports.register(registry)
    routes_api.register(registry)
