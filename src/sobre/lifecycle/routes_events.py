"""Pages of the equipment lifecycle: events (list, record), an item's history and its proofs, batches and
their certificates, bulk imports, and the repair-or-replace comparison."""

from __future__ import annotations

import csv
from datetime import date
from typing import Annotated, Any

from fastapi import File, Form, UploadFile
from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.lifecycle import service
from sobre.lifecycle.docparts import day
from sobre.lifecycle.events import REQUIRED, EventFacts, Kind, Reason
from sobre.lifecycle.routes_common import (
    MAX_TABLE_BYTES,
    PER_PAGE,
    Fields,
    category_label,
    check_proof,
    explain,
    label,
    positive_id,
    present,
    proof_response,
    saved_upload,
    shown,
    where,
    year_of,
)
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form as FormState
from sobre.web.paging import PageRequest, paginate, parse_sort
from sobre.web.registry import CapabilityRegistry

F = Annotated[str, Form()]
Upload = Annotated[UploadFile | None, File()]
#: Fields of the record form, in the order of ``EventFacts`` (their names are the service's columns).
EVENT_FIELDS = (
    "item",
    "kind",
    "date",
    "by",
    "counterpart",
    "reason",
    "cost",
    "parts",
    "price",
    "certificate",
    "weight_kg",
    "approved_body",
    "reuse_commitment",
    "restricted",
    "erasure_method",
    "notes",
)


def kind_options(lang: str, blank: str | None = None) -> list[tuple[str, str]]:
    options = [(k.value, label("lc.kind.", k.value, lang)) for k in Kind]
    return ([("", blank)] if blank is not None else []) + options


def event_row(v: service.EventView, lang: str) -> dict[str, Any]:
    return {
        "id": v.id,
        "day": day(date.fromisoformat(v.date), lang),
        "item": v.item,
        "equipment_id": v.equipment_id,
        "kind": label("lc.kind.", v.kind, lang),
        "by": v.by,
        "counterpart": v.counterpart,
        "batch": v.batch,
        "batch_id": v.batch_id,
        "certificate": v.certificate,
        "proof": v.attachment,
        "details": [detail_text(k, value, lang) for k, value in v.details.items()],
    }


def detail_text(name: str, value: Any, lang: str) -> str:
    """'Cost: 85.00 €' of an event's detail, in ``lang``."""
    from sobre.core.i18n import format_number, t
    from sobre.lifecycle.docparts import money

    if isinstance(value, bool):
        text = t("lc.yes" if value else "lc.no", lang)
    elif name == "reason":
        text = label("lc.reason.", value, lang)
    elif name in ("cost", "price"):
        text = money(value, lang)
    elif name == "weight_kg":
        text = f"{format_number(value, lang, 1)} kg"
    else:
        text = str(value)
    return t("lc.page.pair", lang, label=t(f"lc.f.{name}", lang), value=text)


def compare_view(result: dict[str, Any], lang: str) -> dict[str, Any]:
    """Both options with their footprint over the period (range, status), cost and notes in ``lang``."""
    from sobre.core.estimate import Estimate, Status
    from sobre.core.i18n import format_number, t
    from sobre.lifecycle.docparts import money

    facts = result["facts"]
    options = []
    for option in result["options"]:
        cc = option["climate_change"]
        estimate = (
            Estimate(cc["value"], "kgCO2e", cc["low"], cc["high"], Status.MODELLED)
            if cc["value"] is not None
            else Estimate.unknown("kgCO2e", t("lc.compare.unknown_stage", lang))
        )
        name = (
            t("lc.compare.repair", lang)
            if option["name"] == "repair"
            else t("lc.compare.replace", lang, condition=t(f"lc.condition.{facts['replacement']}", lang))
        )
        options.append({"name": name, "shown": shown(estimate, lang), "cost": money(option["cost"], lang)})
    n = lambda x, d=1: format_number(x, lang, d)  # noqa: E731
    notes = [
        t("lc.compare.note_period", lang, years=n(result["extension_years"]), age=n(result["age_years"])),
        t(
            "lc.compare.note_factors",
            lang,
            factors=facts["factor_set"],
            life=n(facts["replacement_lifetime"]),
        ),
    ]
    if not facts["parts_known"]:
        notes.append(t("lc.compare.note_parts", lang))
    if facts["price_lines"]:
        notes.append(t("lc.compare.note_price", lang, n=facts["price_lines"]))
    if facts["decision_kgco2e"] is not None:
        notes.append(t("lc.compare.note_decision", lang, kg=n(facts["decision_kgco2e"], 0)))
    return {"options": options, "notes": notes}


def read_event(ctx: RequestContext, values: dict[str, str]) -> tuple[Fields, EventFacts | None, str | None]:
    """The record form's fields checked as the service will check them, each problem on its field."""
    f = Fields(ctx.lang, FormState())
    item = f.text("item", values.get("item"), required=True)
    kind = f.choice("kind", values.get("kind"), [k.value for k in Kind], required=True)
    day = f.day("date", values.get("date"), required=True, past=True)
    by = f.text("by", values.get("by"), required=True)
    facts: dict[str, Any] = {
        "counterpart": f.text("counterpart", values.get("counterpart")),
        "reason": f.choice("reason", values.get("reason"), [r.value for r in Reason]),
        "cost": f.number("cost", values.get("cost"), minimum=0),
        "parts": f.text("parts", values.get("parts"), limit=2000),
        "price": f.number("price", values.get("price"), minimum=0),
        "certificate": f.text("certificate", values.get("certificate")),
        "weight_kg": f.number("weight_kg", values.get("weight_kg"), minimum=0),
        "approved_body": f.flag("approved_body", values.get("approved_body")),
        "reuse_commitment": f.flag("reuse_commitment", values.get("reuse_commitment")),
        "restricted": values.get("restricted") == "1",
        "erasure_method": f.text("erasure_method", values.get("erasure_method")),
        "notes": f.text("notes", values.get("notes"), limit=2000),
    }
    f.form.values["restricted"] = facts["restricted"]
    if kind is not None:
        for name in REQUIRED.get(Kind(kind), {}):
            if facts.get(name) is None and name not in f.form.errors:
                f.error(name, "lc.err.needed_for", kind=label("lc.kind.", kind, ctx.lang))
    if not f.ok or kind is None or day is None or by is None:
        return f, None, item
    return f, EventFacts(Kind(kind), day, by, **facts), item


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    # ----------------------------------------------------------------------------------------- events

    @page("/lifecycle", permission="lifecycle.view", name="lifecycle.events")
    def events(ctx: Ctx, page: int = 1) -> Response:
        assert ctx.org is not None
        q = ctx.request.query_params
        params = {k: q.get(k, "").strip()[:100] for k in ("item", "kind", "year", "sort")}
        sort = parse_sort(params["sort"], service.EVENT_SORTS, "-date")
        kind = params["kind"] if params["kind"] in {k.value for k in Kind} else None
        with ctx.session() as s:
            stmt = service.events_query(
                ctx.org.id,
                item=params["item"] or None,
                kind=kind,
                year=year_of(params["year"]),
                sort=sort.key,
                descending=sort.descending,
            )
            result = paginate(s, stmt, PageRequest(page, PER_PAGE))
            rows = [event_row(v, ctx.lang) for v in service.event_views(s, result.items)]
            years = service.event_years(s, ctx.org.id)
        return ctx.render(
            "lifecycle/events.html",
            form=FormState(dict(params)),
            result=result,
            rows=rows,
            sort=sort,
            params={k: v for k, v in params.items() if v},
            kinds=kind_options(ctx.lang, ctx.t("lc.page.any")),
            years=[("", ctx.t("lc.page.any"))] + [(str(y), str(y)) for y in years],
        )

    def event_form(ctx: RequestContext, fields: Fields | None = None, status: int = 200) -> Response:
        if fields is None:
            assert ctx.org is not None and ctx.user is not None
            values: dict[str, object] = {"date": date.today().isoformat(), "by": ctx.user.display}
            item_id = positive_id(ctx.request.query_params.get("item_id"))
            if item_id:
                with ctx.session() as s:
                    values["item"] = service.item_record(s, ctx.org.id, item_id)["name"]
            kind = ctx.request.query_params.get("kind", "")
            values["kind"] = kind if kind in {k.value for k in Kind} else "in_service"
            fields = Fields(ctx.lang, FormState(values))
        return ctx.render(
            "lifecycle/event_form.html",
            status,
            form=fields.form,
            kinds=kind_options(ctx.lang),
            reasons=[("", ctx.t("lc.page.none"))]
            + [(r.value, label("lc.reason.", r.value, ctx.lang)) for r in Reason],
            tristate=[("", ctx.t("lc.page.unknown")), ("yes", ctx.t("lc.yes")), ("no", ctx.t("lc.no"))],
        )

    @page("/lifecycle/events/new", permission="lifecycle.record", name="lifecycle.event_form")
    def new_event(ctx: Ctx) -> Response:
        return event_form(ctx)

    @page(
        "/lifecycle/events", permission="lifecycle.record", methods=("POST",), name="lifecycle.event_record"
    )
    def record_event(
        ctx: Ctx,
        item: F = "",
        kind: F = "",
        date_: Annotated[str, Form(alias="date")] = "",
        by: F = "",
        counterpart: F = "",
        reason: F = "",
        cost: F = "",
        parts: F = "",
        price: F = "",
        certificate: F = "",
        weight_kg: F = "",
        approved_body: F = "",
        reuse_commitment: F = "",
        restricted: F = "",
        erasure_method: F = "",
        notes: F = "",
        proof: Upload = None,
    ) -> Response:
        assert ctx.org is not None
        values = dict(locals())
        values["date"] = date_
        fields, facts, name = read_event(ctx, values)
        upload = present(proof)
        if upload is not None:
            check_proof(upload, fields, "proof")
        if facts is None or name is None or not fields.ok:
            return event_form(ctx, fields, 422)
        home = ctx.state.settings.home
        try:
            if upload is not None:
                with saved_upload(upload, "proof", MAX_TABLE_BYTES) as path:
                    view = service.record_event(
                        ctx.database_url, home, ctx.org.name, name, facts, attachment=path
                    )
            else:
                view = service.record_event(ctx.database_url, home, ctx.org.name, name, facts)
        except NotFound as exc:
            fields.fail("item", exc)
            return event_form(ctx, fields, 422)
        except InputError as exc:
            fields.fail(exc.column if exc.column in EVENT_FIELDS else "proof", exc)
            return event_form(ctx, fields, 422)
        target = (
            ctx.url("lifecycle.item", item_id=view.equipment_id)
            if view.equipment_id
            else ctx.url("lifecycle.events")
        )
        return ctx.redirect(target, notice="lc.notice.recorded")

    # ------------------------------------------------------------------------------------------- items

    @page("/lifecycle/items/{item_id:int}", permission="lifecycle.view", name="lifecycle.item")
    def item(ctx: Ctx, item_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            record = service.item_record(s, ctx.org.id, item_id)
            stmt = service.events_query(ctx.org.id, equipment_id=item_id)
            rows = [event_row(v, ctx.lang) for v in service.event_views(s, list(s.scalars(stmt)))]
        return ctx.render(
            "lifecycle/item.html",
            record=record,
            category=category_label(record["category"], ctx.lang),
            status=label("lc.item_status.", record["status"], ctx.lang),
            rows=rows,
            proof=any(r["proof"] for r in rows),
            form=FormState({"extension": "2", "replacement": "new"}),
            replacements=[
                ("new", ctx.t("lc.condition.new")),
                ("refurbished", ctx.t("lc.condition.refurbished")),
            ],
        )

    @page(
        "/lifecycle/items/{item_id:int}/certificate",
        permission="lifecycle.view",
        name="lifecycle.item_certificate",
    )
    def item_certificate(ctx: Ctx, item_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            stored = service.certificate_for_equipment(s, ctx.state.settings.home, ctx.org.id, item_id)
        return proof_response(stored)

    @page("/lifecycle/events/{event_id:int}/proof", permission="lifecycle.view", name="lifecycle.event_proof")
    def event_proof(ctx: Ctx, event_id: int) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            stored = service.proof_of_event(s, ctx.state.settings.home, ctx.org.id, event_id)
        return proof_response(stored)

    @page("/lifecycle/items/{item_id:int}/compare", permission="lifecycle.view", name="lifecycle.compare")
    def compare(ctx: Ctx, item_id: int) -> Response:
        from sobre.lifecycle import repair

        assert ctx.org is not None
        q = ctx.request.query_params
        f = Fields(ctx.lang, FormState())
        cost = f.number("repair_cost", q.get("repair_cost"), required=True, minimum=0, maximum=1e7)
        extension = f.number("extension", q.get("extension") or "2", positive=True, maximum=20)
        replacement = f.choice("replacement", q.get("replacement") or "new", ("new", "refurbished"))
        new_price = f.number("new_price", q.get("new_price"), minimum=0, maximum=1e7)
        parts = f.number("parts_kgco2e", q.get("parts_kgco2e"), minimum=0, maximum=1e6)
        with ctx.session() as s:
            record = service.item_record(s, ctx.org.id, item_id)
        result = None
        if f.ok and cost is not None and extension is not None:
            try:
                result = repair.compare(
                    ctx.database_url,
                    ctx.org.name,
                    record["name"],
                    repair_cost=cost,
                    extension_years=extension,
                    new_price=new_price,
                    replacement=replacement or "new",
                    parts_kgco2e=parts,
                )
            except InputError as exc:
                f.fail("repair_cost", exc)
        return ctx.render(
            "lifecycle/compare.html",
            200 if f.ok else 422,
            record=record,
            form=f.form,
            result=compare_view(result, ctx.lang) if result else None,
            replacements=[
                ("new", ctx.t("lc.condition.new")),
                ("refurbished", ctx.t("lc.condition.refurbished")),
            ],
        )

    # ------------------------------------------------------------------------------------- batches

    @page("/lifecycle/batches", permission="lifecycle.view", name="lifecycle.batches")
    def batches(ctx: Ctx, page: int = 1) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            result = paginate(
                s, service.batches_query(ctx.org.id), PageRequest(page, PER_PAGE), scalars=False
            )
        return ctx.render("lifecycle/batches.html", result=result, params={})

    def batch_page(
        ctx: RequestContext, batch_id: int, form: FormState | None = None, status: int = 200
    ) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            found = service.batch(s, ctx.org.id, batch_id)
        rows = [event_row(v, ctx.lang) for v in found["events"]]
        return ctx.render("lifecycle/batch.html", status, batch=found, rows=rows, form=form or FormState())

    @page("/lifecycle/batches/{batch_id:int}", permission="lifecycle.view", name="lifecycle.batch")
    def batch(ctx: Ctx, batch_id: int) -> Response:
        return batch_page(ctx, batch_id)

    @page(
        "/lifecycle/batches/{batch_id:int}/certificate",
        permission="lifecycle.record",
        methods=("POST",),
        name="lifecycle.batch_attach",
    )
    def batch_attach(ctx: Ctx, batch_id: int, certificate: Upload = None) -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        upload = present(certificate)
        if upload is None:
            f.error("certificate", "lc.err.required")
        else:
            check_proof(upload, f, "certificate")
        with ctx.session() as s:
            name = service.batch(s, ctx.org.id, batch_id)["name"]
        if upload is None or not f.ok:
            return batch_page(ctx, batch_id, f.form, 422)
        with saved_upload(upload, "certificate", MAX_TABLE_BYTES) as path:
            service.attach_certificate(ctx.database_url, ctx.state.settings.home, ctx.org.name, name, path)
        return ctx.redirect(ctx.url("lifecycle.batch", batch_id=batch_id), notice="lc.notice.attached")

    # -------------------------------------------------------------------------------------- imports

    def import_page(
        ctx: RequestContext,
        form: FormState | None = None,
        status: int = 200,
        problems: list[dict[str, str]] | None = None,
        refusal: str | None = None,
        summary: service.ImportSummary | None = None,
    ) -> Response:
        return ctx.render(
            "lifecycle/import.html",
            status,
            form=form or FormState({"by": ctx.user.display if ctx.user else ""}),
            problems=problems or [],
            refusal=refusal,
            summary=summary,
        )

    @page("/lifecycle/import", permission="lifecycle.record", name="lifecycle.import_form")
    def import_form(ctx: Ctx) -> Response:
        return import_page(ctx)

    @page(
        "/lifecycle/import", permission="lifecycle.record", methods=("POST",), name="lifecycle.import_batch"
    )
    def import_batch(
        ctx: Ctx,
        file: Upload = None,
        certificate: Upload = None,
        batch: F = "",
        by: F = "",
        dry_run: F = "",
    ) -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        name = f.text("batch", batch)
        default_by = f.text("by", by)
        f.form.values["dry_run"] = dry_run == "1"
        table, proof = present(file), present(certificate)
        if table is None:
            f.error("file", "lc.err.required")
        if proof is not None:
            check_proof(proof, f, "certificate")
        if table is None or not f.ok:
            return import_page(ctx, f.form, 422)
        shown_name = table.filename or "upload"
        try:
            with saved_upload(table, "file", MAX_TABLE_BYTES) as path:
                rejects = path.parent / "rejects.csv"
                try:
                    if proof is not None:
                        with saved_upload(proof, "certificate", MAX_TABLE_BYTES) as cert:
                            summary = _import(ctx, path, name, default_by, cert, dry_run == "1", rejects)
                    else:
                        summary = _import(ctx, path, name, default_by, None, dry_run == "1", rejects)
                except InputError as exc:
                    problems = _rejects(rejects, ctx.lang)
                    refusal = ctx.t(
                        "lc.import.refused",
                        where=where(exc, ctx.lang, shown_name),
                        why=explain(exc, ctx.lang),
                    )
                    f.error("file", "lc.import.refused_short", n=len(problems) or 1)
                    return import_page(ctx, f.form, 422, problems, refusal)
        except SobreError as exc:  # already imported, too large…
            f.fail("file", exc)
            return import_page(ctx, f.form, 422)
        if summary.dry_run:
            return import_page(ctx, f.form, 200, summary=summary)
        with ctx.session() as s:
            batch_id = service.batch_id(s, ctx.org.id, summary.batch or "")
        return ctx.redirect(ctx.url("lifecycle.batch", batch_id=batch_id), notice="lc.notice.imported")

    def _import(
        ctx: RequestContext, path: Any, name: Any, by: Any, cert: Any, dry: bool, rejects: Any
    ) -> Any:
        assert ctx.org is not None
        return service.import_events(
            ctx.database_url,
            ctx.state.settings.home,
            ctx.org.name,
            path,
            default_by=by,
            batch=name,
            certificate=cert,
            dry_run=dry,
            rejects=rejects,
        )

    def _rejects(path: Any, lang: str) -> list[dict[str, str]]:
        """Every problem of a refused file (the rejects file the service wrote), said in ``lang``."""
        if not path.is_file():
            return []
        with path.open(encoding="utf-8-sig", newline="") as fh:
            return [
                {
                    "line": r["line"],
                    "column": r["column"],
                    "value": r["value"],
                    "problem": explain(r["problem"], lang),
                }
                for r in csv.DictReader(fh, delimiter=";")
            ][:200]
