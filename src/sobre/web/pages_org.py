"""Pages of one organisation: its home, its members, its audit log."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from datetime import datetime, time, timedelta
from typing import Annotated, Any

from fastapi import Form as F
from fastapi.responses import Response, StreamingResponse

from sobre.core import audit, capabilities
from sobre.core.errors import InputError, NotFound
from sobre.orgs import service as orgs
from sobre.web import service
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

#: Entries per page: 25 keeps the page light (EcoIndex A) even with every change shown.
AUDIT_PAGE = 25


def _day(value: str, field: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(datetime.strptime(value, "%Y-%m-%d").date(), time())
    except ValueError:
        raise InputError("not a date", column=field, value=value, expected="YYYY-MM-DD") from None


def audit_filters(ctx: RequestContext) -> dict[str, str]:
    q = ctx.request.query_params
    return {k: q.get(k, "").strip()[:100] for k in ("entity", "action", "actor", "since", "until", "org_id")}


def audit_statement(filters: dict[str, str], org_id: int | None, all_orgs: bool) -> Any:
    """The audit query of the page's filters (dates as YYYY-MM-DD, ``until`` inclusive)."""
    until = _day(filters["until"], "until")
    if all_orgs and filters.get("org_id"):
        try:
            org_id, all_orgs = int(filters["org_id"]), False
        except ValueError:
            raise InputError("not an organisation id", column="org_id", value=filters["org_id"]) from None
    return audit.query(
        org_id=org_id,
        all_orgs=all_orgs,
        entity=filters["entity"] or None,
        action=filters["action"] or None,
        actor=filters["actor"] or None,
        since=_day(filters["since"], "since"),
        until=until + timedelta(days=1) if until else None,
    )


def change_text(entry: audit.AuditEntry, limit: int = 160) -> str:
    """One line for the list: ``role: viewer → manager``; the entry's page shows every value."""
    if entry.action == "update" and entry.after:
        before = entry.before or {}
        text = "; ".join(f"{k}: {before.get(k)} → {v}" for k, v in entry.after.items())
    elif entry.after:
        text = ", ".join(f"{k}={v}" for k, v in entry.after.items() if v is not None and k != "id")
    elif entry.before:
        text = ", ".join(f"{k}={v}" for k, v in entry.before.items() if v is not None and k != "id")
    else:
        text = ""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def audit_entry_page(ctx: Ctx, entry_id: int, *, org_id: int | None, all_orgs: bool, back: str) -> Response:
    with ctx.session() as s:
        entry = s.get(audit.AuditEntry, entry_id)
        if entry is None or (not all_orgs and entry.org_id != org_id):
            raise NotFound(f"no audit entry {entry_id}")
    keys = list(dict.fromkeys([*(entry.before or {}), *(entry.after or {})]))
    return ctx.render("web/audit_entry.html", entry=entry, keys=keys, back=back)


def audit_page(
    ctx: Ctx, *, org_id: int | None, all_orgs: bool, export_route: str, entry_route: str, page: int
) -> Response:
    filters = audit_filters(ctx)
    form = Form(dict(filters))
    try:
        stmt = audit_statement(filters, org_id, all_orgs)
    except InputError as exc:
        form.error(exc.column or "since", ctx.t("web.audit.bad_filter"))
        stmt = audit.query(org_id=org_id, all_orgs=all_orgs)
    with ctx.session() as s:
        result = paginate(s, stmt, PageRequest(page, AUDIT_PAGE))
        entities = audit.entities(s, org_id, all_orgs)
        names = orgs.names(s, {e.org_id for e in result.items if e.org_id}) if all_orgs else {}
    export = ctx.url(export_route)
    params = {k: v for k, v in filters.items() if v}
    return ctx.render(
        "web/audit.html",
        422 if not form.ok else 200,
        form=form,
        result=result,
        entities=entities,
        actions=audit.ACTIONS,
        all_orgs=all_orgs,
        org_names=names,
        params=params,
        export=export,
        changes=change_text,
        detail_url=lambda entry_id: ctx.url(entry_route, entry_id=entry_id),
    )


def audit_export(ctx: Ctx, *, org_id: int | None, all_orgs: bool, fmt: str) -> Response:
    if fmt not in ("csv", "json"):
        raise InputError("unknown export format", column="format", value=fmt, expected="csv or json")
    stmt = audit_statement(audit_filters(ctx), org_id, all_orgs)
    with ctx.write_session() as s:
        # Exporting the log is itself on the record.
        audit.record(
            s, action="event", entity="audit_log", org_id=org_id, summary=f"audit log exported ({fmt})"
        )

    def rows() -> Iterator[str]:
        with ctx.session() as s:
            if fmt == "json":
                yield "[\n"
                for i, entry in enumerate(audit.iter_export(s, stmt)):
                    yield ("," if i else "") + json.dumps(entry, ensure_ascii=False) + "\n"
                yield "]\n"
                return
            buffer = io.StringIO()
            writer = csv.DictWriter(buffer, fieldnames=audit.EXPORT_COLUMNS)
            writer.writeheader()
            for entry in audit.iter_export(s, stmt):
                entry["before"] = (
                    json.dumps(entry["before"], ensure_ascii=False) if entry["before"] is not None else ""
                )
                entry["after"] = (
                    json.dumps(entry["after"], ensure_ascii=False) if entry["after"] is not None else ""
                )
                writer.writerow(entry)
                if buffer.tell() > 1 << 16:
                    yield buffer.getvalue()
                    buffer.seek(0)
                    buffer.truncate()
            yield buffer.getvalue()

    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    scope = f"org{org_id}" if org_id else "all"
    media = "application/json" if fmt == "json" else "text/csv; charset=utf-8"
    return StreamingResponse(
        rows(),
        media_type=media,
        headers={"content-disposition": f'attachment; filename="sobre-audit-{scope}-{stamp}.{fmt}"'},
    )


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    @page("/", permission="org.view", name="web.org_home")
    def org_home(ctx: Ctx) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            org = orgs.get_by_id(s, ctx.org.id)
            facts = {"employees": org.employees, "inhabitants": org.inhabitants, "country": org.country}
        # The dashboard panel belongs to the capability that provides it (the footprint's).
        panel = capabilities.provider("web.dashboard")
        return ctx.render("web/org_home.html", facts=facts, dashboard=panel(ctx) if panel else None)

    def members_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            rows = service.members(s, ctx.org.id)
        return ctx.render(
            "web/members.html", status, rows=rows, roles=ROLES, form=form or Form({"role": "viewer"})
        )

    @page("/members", permission="members.view", name="web.members")
    def members(ctx: Ctx) -> Response:
        return members_page(ctx)

    @page("/members", permission="members.manage", methods=("POST",), name="web.member_grant")
    def member_grant(ctx: Ctx, email: Annotated[str, F()] = "", role: Annotated[str, F()] = "") -> Response:
        assert ctx.org is not None and ctx.user is not None
        form = Form({"email": email, "role": role})
        if role not in ROLES:
            form.error("role", ctx.t("web.form.choose"))
        with ctx.write_session() as s:
            try:
                user = service.get_user(s, email)
            except NotFound:
                form.error("email", ctx.t("web.members.unknown_user"))
            else:
                if user.id == ctx.user.id:
                    form.error("email", ctx.t("web.members.not_yourself"))
                if form.ok:
                    service.grant(s, user, ctx.org.id, role)
        if not form.ok:
            return members_page(ctx, form, 422)
        return ctx.redirect(ctx.url("web.members"), notice="web.notice.role_granted")

    @page(
        "/members/{user_id}/revoke", permission="members.manage", methods=("POST",), name="web.member_revoke"
    )
    def member_revoke(ctx: Ctx, user_id: int) -> Response:
        assert ctx.org is not None and ctx.user is not None
        if user_id == ctx.user.id:
            return members_page(ctx, Form(errors={"email": ctx.t("web.members.not_yourself")}), 422)
        with ctx.write_session() as s:
            service.revoke(s, service.user_by_id(s, user_id), ctx.org.id)
        return ctx.redirect(ctx.url("web.members"), notice="web.notice.role_revoked")

    @page("/audit", permission="audit.view", name="web.audit")
    def audit_log(ctx: Ctx, page: int = 1) -> Response:
        assert ctx.org is not None
        return audit_page(
            ctx,
            org_id=ctx.org.id,
            all_orgs=False,
            export_route="web.audit_export",
            entry_route="web.audit_entry",
            page=page,
        )

    @page("/audit/{entry_id:int}", permission="audit.view", name="web.audit_entry")
    def audit_entry(ctx: Ctx, entry_id: int) -> Response:
        assert ctx.org is not None
        return audit_entry_page(ctx, entry_id, org_id=ctx.org.id, all_orgs=False, back=ctx.url("web.audit"))

    @page("/audit/export", permission="audit.export", name="web.audit_export")
    def audit_log_export(ctx: Ctx, format: str = "csv") -> Response:
        assert ctx.org is not None
        return audit_export(ctx, org_id=ctx.org.id, all_orgs=False, fmt=format)
