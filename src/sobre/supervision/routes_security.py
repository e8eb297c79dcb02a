"""Pages of diagnosis: security events with their measures and what was done, disks (SMART) and capacity
forecasts, imports of files (meters, smartctl, Wazuh, syslog, advisories, Alertmanager), agent tokens."""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path as FilePath
from typing import Any

from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from sobre.core.errors import SobreError
from sobre.supervision import alerting, listing, service, triage
from sobre.supervision.routes_common import CONFIGURE, OPERATE, VIEW, PageNo, actor, clean, org
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate, parse_sort, sorted_by
from sobre.web.params import Id

PER_PAGE = 25
#: Hosts per page of capacity forecasts (each reads a month of filesystem series).
FORECAST_HOSTS = 10
IMPORT_KINDS = ("smart", "pdu", "bmc", "wazuh", "syslog", "advisories", "alertmanager")
MAX_UPLOAD = 20 * 1024 * 1024
_SUFFIX = {"pdu": ".csv", "bmc": ".csv", "advisories": ".csv", "syslog": ".log"}


async def read_upload(upload: Any) -> bytes | None:
    """The uploaded file's bytes, or None when there is none or it is larger than :data:`MAX_UPLOAD`."""
    if not isinstance(upload, UploadFile):
        return None
    data = await upload.read(MAX_UPLOAD + 1)
    return data if 0 < len(data) <= MAX_UPLOAD else None


def run_import(
    ctx: RequestContext, kind: str, data: bytes, filename: str, host: str | None, year: int | None
) -> dict[str, Any]:
    """Import one uploaded file through the same use cases as ``sobre supervise import``."""
    _, name = org(ctx)
    stem = "".join(c for c in FilePath(filename).stem if c.isalnum() or c in "-_.")[:60] or "upload"
    with tempfile.TemporaryDirectory(prefix="sobre-import-") as folder:
        suffix = (
            FilePath(filename).suffix.lower() if FilePath(filename).suffix else _SUFFIX.get(kind, ".json")
        )
        path = FilePath(folder) / f"{stem}{suffix[:10]}"
        path.write_bytes(data)
        if kind in ("pdu", "bmc"):
            done = triage.import_meter(
                ctx.database_url,
                name,
                path,
                method=kind,
                host=host,
                rejects_dir=ctx.state.settings.rejects_dir,
            )
            reasons = []
            if done["rejects"]:
                lines = FilePath(done["rejects"]).read_text(encoding="utf-8").splitlines()[1:11]
                reasons = [line.rsplit(",", 1)[-1] if "," in line else line for line in lines]
            return {"kind": kind, "points": done["points"], "rejected": done["rejected"], "reasons": reasons}
        if kind == "smart":
            if not host:
                raise SobreError("SMART readings need a host")
            return {"kind": kind, "disks": triage.import_smart(ctx.database_url, name, host, path)}
        if kind == "alertmanager":
            try:
                payload = json.loads(data.decode("utf-8-sig"))
            except (UnicodeDecodeError, json.JSONDecodeError) as exc:
                raise SobreError(f"{filename}: not a JSON Alertmanager payload ({exc})") from None
            return {"kind": kind, "alerts": alerting.receive_alertmanager(ctx.database_url, name, payload)}
        return {"kind": kind, **triage.import_security(ctx.database_url, name, path, kind, year=year)}


def register(registry: Any) -> None:  # noqa: C901  (one function per page, registered together)
    page = registry.page

    # ------------------------------------------------------------ security events

    @page("/supervision/security", permission=VIEW, name="supervision.security")
    def security(ctx: Ctx, page: PageNo = 1) -> Response:
        oid, _ = org(ctx)
        q = ctx.request.query_params
        params = {
            "status": clean(q.get("status"), 10) or "open",
            "grade": clean(q.get("grade"), 10),
            "source": clean(q.get("source"), 10),
            "q": clean(q.get("q"), 100),
            "sort": clean(q.get("sort"), 20),
        }
        sort = parse_sort(params["sort"], list(listing.SECURITY_SORTS), "-grade")
        stmt = listing.security_query(
            oid,
            status=None if params["status"] == "all" else params["status"],
            grade=params["grade"] or None,
            source=params["source"] or None,
            search=params["q"] or None,
        )
        stmt = sorted_by(stmt, sort, listing.SECURITY_SORTS, listing.SecurityEvent.at.desc())
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page, PER_PAGE))
            rows = [listing.security_row(r) for r in result.items]
        return ctx.render(
            "supervision/security.html",
            result=result,
            rows=rows,
            sort=sort,
            params={k: v for k, v in params.items() if v},
            filters=Form(dict(params)),
            statuses=(*listing.SECURITY_STATUSES, "all"),
            grades=listing.GRADES,
            sources=listing.SECURITY_SOURCES,
        )

    def event_page(
        ctx: RequestContext, event_id: int, form: Form | None = None, status: int = 200
    ) -> Response:
        _, name = org(ctx)
        e = listing.security_by_id(ctx.database_url, name, event_id)
        return ctx.render("supervision/security_event.html", status, e=e, form=form or Form())

    @page("/supervision/security/{event_id:int}", permission=VIEW, name="supervision.security_event")
    def security_event(ctx: Ctx, event_id: Id) -> Response:
        return event_page(ctx, event_id)

    def event_done(ctx: RequestContext, event_id: int, form: Form) -> Response:
        _, name = org(ctx)
        action = clean(str(form.value("action")), 2000)
        if not action:
            form.error("action", ctx.t("sup.security.say_what"))
            return event_page(ctx, event_id, form, 422)
        triage.security_done(
            ctx.database_url,
            name,
            event_id,
            action=action,
            by=actor(ctx),
            dismiss=form.value("dismiss") == "1",
        )
        return ctx.redirect(
            ctx.url("supervision.security_event", event_id=event_id), notice="sup.notice.recorded"
        )

    @page(
        "/supervision/security/{event_id:int}/done",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.security_done",
    )
    async def security_done(ctx: Ctx, event_id: Id) -> Response:
        """Record what was done about an event (or why it was dismissed)."""
        data = await ctx.request.form()
        form = Form({k: v for k, v in data.items() if isinstance(v, str)})
        return await run_in_threadpool(event_done, ctx, event_id, form)

    # ------------------------------------------------------------ disks and capacity

    @page("/supervision/disks", permission=VIEW, name="supervision.disks")
    def disks(ctx: Ctx, page: PageNo = 1, hosts_page: PageNo = 1) -> Response:
        """Disks by failure risk (SMART) and days until each filesystem is full."""
        oid, name = org(ctx)
        q = ctx.request.query_params
        risk = clean(q.get("risk"), 10)
        sort = parse_sort(clean(q.get("sort"), 20), list(listing.SMART_SORTS), "-risk")
        stmt = sorted_by(
            listing.smart_query(oid, risk=risk or None), sort, listing.SMART_SORTS, listing.SmartReadingRow.id
        )
        now = time.time()
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page, PER_PAGE), scalars=False)
            rows = listing.smart_rows(result.items)
            hosts = paginate(
                s,
                listing.filesystem_hosts_query(oid).order_by(listing.Host.name),
                PageRequest(hosts_page, FORECAST_HOSTS),
            )
            host_names = [(h.id, h.name) for h in hosts.items]
        forecasts = [
            (host_id, host_name, f)
            for host_id, host_name in host_names
            for f in triage.forecasts(ctx.database_url, name, host_name, now=now, alert=False)
        ]
        return ctx.render(
            "supervision/disks.html",
            result=result,
            rows=rows,
            sort=sort,
            risk=risk,
            params={
                k: v for k, v in {"risk": risk, "sort": sort.param, "hosts_page": hosts_page}.items() if v
            },
            hosts=hosts,
            host_params={k: v for k, v in {"risk": risk, "sort": sort.param, "page": page}.items() if v},
            forecasts=forecasts,
            grades=listing.GRADES,
        )

    # ------------------------------------------------------------ imports

    def imports_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, done: dict[str, Any] | None = None
    ) -> Response:
        _, name = org(ctx)
        hosts = [h["name"] for h in service.list_hosts(ctx.database_url, name)]
        return ctx.render(
            "supervision/imports.html",
            status,
            form=form or Form({"kind": "smart"}),
            kinds=IMPORT_KINDS,
            hosts=hosts,
            done=done,
            limit_mb=MAX_UPLOAD // (1024 * 1024),
        )

    @page("/supervision/imports", permission=OPERATE, name="supervision.imports")
    def imports(ctx: Ctx) -> Response:
        return imports_page(ctx)

    @page("/supervision/imports", permission=OPERATE, methods=("POST",), name="supervision.import_file")
    async def import_file(ctx: Ctx) -> Response:
        """Import an uploaded file; all valid rows or nothing, the rejected ones listed."""
        data = await ctx.request.form()
        form = Form({k: v for k, v in data.items() if isinstance(v, str)})
        kind = clean(str(form.value("kind")), 15)
        if kind not in IMPORT_KINDS:
            form.error("kind", ctx.t("web.form.choose"))
        upload = data.get("file")
        content = await read_upload(upload)
        if content is None:
            form.error("file", ctx.t("sup.imports.no_file", mb=MAX_UPLOAD // (1024 * 1024)))
        host = clean(str(form.value("host")), 255) or None
        if kind == "smart" and not host:
            form.error("host", ctx.t("sup.imports.need_host"))
        year_raw = clean(str(form.value("year")), 4)
        year = int(year_raw) if year_raw.isdigit() and 1990 <= int(year_raw) <= 2100 else None
        if year_raw and year is None:
            form.error("year", ctx.t("sup.form.between", low="1990", high="2100"))
        if not form.ok or content is None:
            return await run_in_threadpool(imports_page, ctx, form, 422)
        filename = getattr(upload, "filename", None) or "upload"
        try:
            done = await run_in_threadpool(run_import, ctx, kind, content, filename, host, year)
        except SobreError as exc:
            form.error("file", ctx.t("sup.imports.refused", reason=str(exc)))
            return await run_in_threadpool(imports_page, ctx, form, 422)
        return await run_in_threadpool(imports_page, ctx, Form({"kind": kind, "host": host or ""}), 200, done)

    # ------------------------------------------------------------ agent tokens

    def tokens_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, created: str | None = None
    ) -> Response:
        _, name = org(ctx)
        return ctx.render(
            "supervision/tokens.html",
            status,
            tokens=service.list_tokens(ctx.database_url, name),
            form=form or Form(),
            created=created,
            base=str(ctx.request.base_url).rstrip("/"),
        )

    @page("/supervision/tokens", permission=CONFIGURE, name="supervision.tokens")
    def tokens(ctx: Ctx) -> Response:
        return tokens_page(ctx)

    @page("/supervision/tokens", permission=CONFIGURE, methods=("POST",), name="supervision.token_create")
    async def token_create(ctx: Ctx) -> Response:
        data = await ctx.request.form()
        label = clean(str(data.get("name") or ""), 100)
        if not label:
            return await run_in_threadpool(
                tokens_page, ctx, Form({"name": ""}, {"name": ctx.t("web.form.required")}), 422
            )
        _, name = org(ctx)
        token = await run_in_threadpool(service.create_token, ctx.database_url, name, label)
        return await run_in_threadpool(tokens_page, ctx, None, 200, token)

    @page(
        "/supervision/tokens/{token_id:int}/revoke",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.token_revoke",
    )
    def token_revoke(ctx: Ctx, token_id: Id) -> Response:
        _, name = org(ctx)
        service.revoke_token(ctx.database_url, name, token_id)
        return ctx.redirect(ctx.url("supervision.tokens"), notice="sup.notice.token_revoked")
