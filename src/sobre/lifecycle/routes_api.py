"""The lifecycle JSON API under ``/api/v1/orgs/{org}``: the same use cases as the pages, for scripts and
other tools (token auth; lists paginated in the database; errors as RFC 9457 problem documents)."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Annotated, Any

from fastapi import File, Form, Query, Request, UploadFile
from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound
from sobre.lifecycle import service
from sobre.lifecycle.api_models import (
    BatchDetail,
    BatchOut,
    EventIn,
    EventOut,
    ImportOut,
    ItemOut,
    ParameterIn,
    ParameterOut,
)
from sobre.lifecycle.events import EventFacts, Kind, check
from sobre.lifecycle.routes_common import MAX_TABLE_BYTES, present, proof_response, saved_upload
from sobre.web.api import Page, Paging, list_page, page_of
from sobre.web.context import Ctx
from sobre.web.paging import paginate, parse_sort
from sobre.web.params import Id, Sort
from sobre.web.registry import CapabilityRegistry

Year = Annotated[int, Query(ge=2000, le=2100, description="Reporting year")]
Lang = Annotated[str, Query(pattern="^(fr|en)$", description="Language of the texts")]
Upload = Annotated[UploadFile, File()]
OptionalUpload = Annotated[UploadFile | None, File()]


def _event(v: service.EventView) -> dict[str, Any]:
    return v.to_dict()


def uploaded_name(exc: InputError, shown: str) -> InputError:
    """The same refusal naming the uploaded file as the caller called it (never the temporary path)."""
    return InputError(
        str(exc).split(": ", 1)[-1] if exc.file or exc.row is not None or exc.column else str(exc),
        file=shown,
        row=exc.row,
        column=exc.column,
        value=exc.value,
    )


def register(registry: CapabilityRegistry) -> None:
    api = registry.api

    # ----------------------------------------------------------------------------------------- events

    @api(
        "/lifecycle/events",
        permission="lifecycle.view",
        name="lifecycle.api_events",
        response_model=Page[EventOut],
    )
    def list_events(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        item: Annotated[str | None, Query(max_length=255)] = None,
        kind: Annotated[str | None, Query(max_length=20)] = None,
        year: Annotated[int | None, Query(ge=1990, le=2200)] = None,
        batch_id: Id | None = None,
        sort: Sort = None,
    ) -> dict[str, Any]:
        """Lifecycle events, newest first (sort: date, item, kind, by)."""
        assert ctx.org is not None
        order = parse_sort(sort, service.EVENT_SORTS, "-date")
        stmt = service.events_query(
            ctx.org.id,
            item=item,
            kind=kind,
            year=year,
            batch_id=batch_id,
            sort=order.key,
            descending=order.descending,
        )
        return list_page(
            ctx, request, paging, stmt, lambda s, rows: [_event(v) for v in service.event_views(s, rows)]
        )

    @api(
        "/lifecycle/events",
        permission="lifecycle.record",
        methods=("POST",),
        name="lifecycle.api_event_record",
        response_model=EventOut,
        status_code=201,
    )
    def record_event(ctx: Ctx, body: EventIn) -> dict[str, Any]:
        """Record one event of an inventory item (named); the item's status follows its events."""
        assert ctx.org is not None and ctx.user is not None
        if body.date > date.today():
            raise InputError("the date is in the future", column="date", value=body.date.isoformat())
        fields = body.model_dump(exclude={"item", "kind", "date", "by"})
        facts = EventFacts(Kind(body.kind), body.date, body.by or ctx.user.email, **fields)
        check(facts)
        view = service.record_event(ctx.database_url, ctx.state.settings.home, ctx.org.name, body.item, facts)
        return _event(view)

    @api(
        "/lifecycle/items/{item_id}",
        permission="lifecycle.view",
        name="lifecycle.api_item",
        response_model=ItemOut,
    )
    def item(ctx: Ctx, item_id: Id) -> dict[str, Any]:
        """An inventory item and its lifecycle events, newest first."""
        assert ctx.org is not None
        with ctx.session() as s:
            record = service.item_record(s, ctx.org.id, item_id)
            events = service.event_views(
                s, list(s.scalars(service.events_query(ctx.org.id, equipment_id=item_id)))
            )
        return {**record, "events": [_event(v) for v in events]}

    @api(
        "/lifecycle/items/{item_id}/certificate",
        permission="lifecycle.view",
        name="lifecycle.api_item_certificate",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
    )
    def item_certificate(ctx: Ctx, item_id: Id) -> Response:
        """The proof of an item's end of life: its own, else its batch's WEEE certificate."""
        assert ctx.org is not None
        with ctx.session() as s:
            stored = service.certificate_for_equipment(s, ctx.state.settings.home, ctx.org.id, item_id)
        return proof_response(stored)

    @api(
        "/lifecycle/events/{event_id}/proof",
        permission="lifecycle.view",
        name="lifecycle.api_event_proof",
        response_class=Response,
        responses={200: {"content": {"application/pdf": {}, "image/png": {}, "image/jpeg": {}}}},
    )
    def event_proof(ctx: Ctx, event_id: Id) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            stored = service.proof_of_event(s, ctx.state.settings.home, ctx.org.id, event_id)
        return proof_response(stored)

    @api(
        "/lifecycle/items/{item_id}/compare",
        permission="lifecycle.view",
        name="lifecycle.api_compare",
        response_model=dict[str, Any],
    )
    def compare(
        ctx: Ctx,
        item_id: Id,
        repair_cost: Annotated[float, Query(ge=0, le=1e7, allow_inf_nan=False)],
        extension: Annotated[float, Query(gt=0, le=20, allow_inf_nan=False)] = 2.0,
        replacement: Annotated[str, Query(pattern="^(new|refurbished)$")] = "new",
        new_price: Annotated[float | None, Query(ge=0, le=1e7, allow_inf_nan=False)] = None,
        parts_kgco2e: Annotated[float | None, Query(ge=0, le=1e6, allow_inf_nan=False)] = None,
    ) -> dict[str, Any]:
        """Repair or replace: footprint (climate change, kgCO2e, from the engine) and cost of both options."""
        from sobre.lifecycle import repair

        assert ctx.org is not None
        with ctx.session() as s:
            name = service.item_record(s, ctx.org.id, item_id)["name"]
        return repair.compare(
            ctx.database_url,
            ctx.org.name,
            name,
            repair_cost=repair_cost,
            extension_years=extension,
            new_price=new_price,
            replacement=replacement,
            parts_kgco2e=parts_kgco2e,
        )

    @api(
        "/lifecycle/batches",
        permission="lifecycle.view",
        name="lifecycle.api_batches",
        response_model=Page[BatchOut],
    )
    def batches(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            result = paginate(s, service.batches_query(ctx.org.id), paging, scalars=False)
            items = [
                {
                    "id": b.id,
                    "name": b.name,
                    "source_file": b.source_file,
                    "created_at": b.created_at,
                    "certificate": cert,
                    "events": n,
                }
                for b, n, cert in result.items
            ]
        return page_of(request, result, items)

    @api(
        "/lifecycle/batches/{batch_id}",
        permission="lifecycle.view",
        name="lifecycle.api_batch",
        response_model=BatchDetail,
    )
    def batch(ctx: Ctx, batch_id: Id) -> dict[str, Any]:
        """A batch and its events (each item's certificate is at /lifecycle/items/{id}/certificate)."""
        assert ctx.org is not None
        with ctx.session() as s:
            found = service.batch(s, ctx.org.id, batch_id)
        events = found.pop("events")
        return {**found, "events": len(events), "items": [_event(v) for v in events]}

    @api(
        "/lifecycle/batches/{batch_id}/certificate",
        permission="lifecycle.record",
        methods=("POST",),
        name="lifecycle.api_batch_attach",
        response_model=BatchDetail,
    )
    def batch_attach(ctx: Ctx, batch_id: Id, certificate: Upload) -> dict[str, Any]:
        """Attach a certificate (PDF, PNG or JPEG) to a batch: every item of the batch then offers it."""
        assert ctx.org is not None
        with ctx.session() as s:
            name = service.batch(s, ctx.org.id, batch_id)["name"]
        shown = certificate.filename or "certificate"
        try:
            with saved_upload(certificate, "certificate", MAX_TABLE_BYTES) as path:
                service.attach_certificate(
                    ctx.database_url, ctx.state.settings.home, ctx.org.name, name, path
                )
        except InputError as exc:
            raise uploaded_name(exc, shown) from None
        return batch(ctx, batch_id)

    @api(
        "/lifecycle/imports",
        permission="lifecycle.record",
        methods=("POST",),
        name="lifecycle.api_import",
        response_model=ImportOut,
        status_code=201,
    )
    def import_events(
        ctx: Ctx,
        file: Upload,
        certificate: OptionalUpload = None,
        batch: Annotated[str | None, Form(max_length=255)] = None,
        by: Annotated[str | None, Form(max_length=255)] = None,
        dry_run: Annotated[bool, Form()] = False,
    ) -> dict[str, Any]:
        """Import a batch of events (CSV or XLSX, French or English headers): all rows or none."""
        assert ctx.org is not None and ctx.user is not None
        shown = file.filename or "upload"
        proof = present(certificate)
        try:
            with saved_upload(file, "file", MAX_TABLE_BYTES) as path:
                rejects = path.parent / "rejects.csv"
                if proof is not None:
                    with saved_upload(proof, "certificate", MAX_TABLE_BYTES) as cert:
                        summary = service.import_events(
                            ctx.database_url,
                            ctx.state.settings.home,
                            ctx.org.name,
                            path,
                            default_by=by or ctx.user.email,
                            batch=batch or None,
                            certificate=cert,
                            dry_run=dry_run,
                            rejects=rejects,
                        )
                else:
                    summary = service.import_events(
                        ctx.database_url,
                        ctx.state.settings.home,
                        ctx.org.name,
                        path,
                        default_by=by or ctx.user.email,
                        batch=batch or None,
                        dry_run=dry_run,
                        rejects=rejects,
                    )
        except InputError as exc:
            raise uploaded_name(exc, shown) from None
        out = asdict(summary) | {"file": shown, "batch_id": None}
        if not summary.dry_run and summary.batch:
            with ctx.session() as s:
                out["batch_id"] = service.batch_id(s, ctx.org.id, summary.batch)
        return out

    @api(
        "/lifecycle/kpis",
        permission="lifecycle.view",
        name="lifecycle.api_kpis",
        response_model=dict[str, Any],
    )
    def kpis(ctx: Ctx, year: Year) -> dict[str, Any]:
        """The year's lifecycle KPIs, each with its range, unit, status and what it rests on."""
        assert ctx.org is not None
        return service.kpis(ctx.database_url, ctx.org.name, year)

    @api(
        "/lifecycle/parameters",
        permission="lifecycle.view",
        name="lifecycle.api_parameters",
        response_model=Page[ParameterOut],
    )
    def parameters(
        ctx: Ctx, request: Request, paging: Paging, prefix: Annotated[str, Query(max_length=120)] = ""
    ) -> dict[str, Any]:
        """Dated regulatory parameters: the organisation's own rows, then the built-in table."""
        from sobre.lifecycle.routes_common import rows_of

        assert ctx.org is not None
        rows = service.parameters(ctx.database_url, ctx.org.name, prefix)
        result = rows_of(rows, paging.page, paging.per_page)
        return page_of(request, result, result.items)

    @api(
        "/lifecycle/parameters",
        permission="lifecycle.manage",
        methods=("POST",),
        name="lifecycle.api_parameter_add",
        response_model=ParameterOut,
        status_code=201,
    )
    def parameter_add(ctx: Ctx, body: ParameterIn) -> dict[str, Any]:
        assert ctx.org is not None
        return service.set_parameter(
            ctx.database_url,
            ctx.org.name,
            body.key,
            body.value,
            unit=body.unit,
            valid_from=body.valid_from,
            valid_to=body.valid_to,
            source=body.source,
            note=body.note,
        )

    # ------------------------------------------------------------------------------- reports (JSON)

    @api(
        "/reports/agec", permission="lifecycle.view", name="lifecycle.api_agec", response_model=dict[str, Any]
    )
    def agec(ctx: Ctx, year: Year, lang: Lang = "en") -> dict[str, Any]:
        """AGEC art. 58 shares and REEN art. 16 rate of a year: targets, rules and explain trails."""
        from sobre.lifecycle.reports import agec_document

        assert ctx.org is not None
        return agec_document(ctx.database_url, ctx.org.name, year, lang).data

    @api(
        "/reports/reen", permission="lifecycle.view", name="lifecycle.api_reen", response_model=dict[str, Any]
    )
    def reen(ctx: Ctx, year: Year, lang: Lang = "en") -> dict[str, Any]:
        """The REEN strategy's figures and the blocks still to write."""
        from sobre.lifecycle.reports_reen import reen_document

        assert ctx.org is not None
        return reen_document(ctx.database_url, ctx.org.name, year, lang).data

    @api(
        "/reports/csrd", permission="lifecycle.view", name="lifecycle.api_csrd", response_model=dict[str, Any]
    )
    def csrd(ctx: Ctx, run: Id | None = None, lang: Lang = "en") -> dict[str, Any]:
        """ESRS E1-5 / E1-6 datapoints and BEGES lines of a footprint run (default: the latest)."""
        from sobre.lifecycle.reports import csrd_document

        assert ctx.org is not None
        try:
            return csrd_document(ctx.database_url, ctx.org.name, run, lang).data
        except NotFound as exc:
            raise InputError(str(exc), column="run", value=run) from None

    @api(
        "/reports/lifecycle",
        permission="lifecycle.view",
        name="lifecycle.api_report",
        response_model=dict[str, Any],
    )
    def yearly(ctx: Ctx, year: Year, lang: Lang = "en") -> dict[str, Any]:
        """The yearly lifecycle and purchasing report's figures."""
        from sobre.lifecycle.reports_reen import yearly_document

        assert ctx.org is not None
        return yearly_document(ctx.database_url, ctx.org.name, year, lang, chart=False).data
