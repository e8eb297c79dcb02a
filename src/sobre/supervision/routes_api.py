"""Supervision's JSON API under ``/api/v1/orgs/{org}/supervision``: the same use cases as its pages.

Every figure comes as a :class:`FigureOut` (value, range, unit, status, source); an unknown value is
``null`` with a reason, never 0.  Lists are paginated by the database (``page``, ``per_page``).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import Request, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool

from sobre.core.errors import InputError
from sobre.supervision import alerting, listing, service, views
from sobre.supervision.api_models import (
    AlertDetailOut,
    AlertOut,
    CommentIn,
    DiskOut,
    DoneIn,
    EnergyHostOut,
    EvaluationOut,
    GradeName,
    HostChanges,
    HostChartsOut,
    HostIn,
    HostOut,
    LatestOut,
    OverviewOut,
    RuleIn,
    RuleOut,
    Search,
    SecurityOut,
    SilenceIn,
    SilenceOut,
    StepIO,
)
from sobre.supervision.grading import Grade
from sobre.supervision.routes_common import CONFIGURE, OPERATE, VIEW, actor, org
from sobre.supervision.routing import Step
from sobre.web.api import Page, Paging, list_page, page_of
from sobre.web.context import Ctx, RequestContext
from sobre.web.paging import paginate, parse_sort, sorted_by
from sobre.web.params import Id, Sort


def _figure(
    value: float | None, low: float | None, high: float | None, unit: str, status: str, source: str = ""
) -> dict[str, Any]:
    if value is None:
        return {
            "value": None,
            "low": None,
            "high": None,
            "unit": unit,
            "status": "unknown",
            "source": source,
            "reason": "no data",
        }
    return {"value": value, "low": low, "high": high, "unit": unit, "status": status, "source": source}


def _host_out(h: dict[str, Any]) -> dict[str, Any]:
    return {**h, "last_seen": h.get("last_seen_at")}


def register(registry: Any) -> None:  # noqa: C901  (one function per endpoint, registered together)
    api = registry.api
    tag = "/supervision"

    @api(f"{tag}/overview", permission=VIEW, name="supervision.api_overview", response_model=OverviewOut)
    def api_overview(ctx: Ctx) -> dict[str, Any]:
        """Hosts by state, firing alerts by grade, open security events, disks at risk, 7 days of energy."""
        oid, name = org(ctx)
        counts = listing.overview(ctx.database_url, name)
        last = datetime.now(UTC).date()
        e = listing.energy_totals(ctx.database_url, oid, last - timedelta(days=6), last)
        status = "measured" if e["kwh"] and e["measured_kwh"] == e["kwh"] else "modelled"
        counts["energy_7d"] = _figure(e["kwh"], e["low"], e["high"], "kWh", status, "supervision energy days")
        return counts

    # ------------------------------------------------------------ hosts

    @api(f"{tag}/hosts", permission=VIEW, name="supervision.api_hosts", response_model=Page[HostOut])
    def api_hosts(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        state: Literal["up", "down", "unknown"] | None = None,
        q: Search = None,
        sort: Sort = None,
    ) -> dict[str, Any]:
        oid, name = org(ctx)
        now = time.time()
        order = parse_sort(sort, list(listing.host_sorts(now)), "name")
        stmt = sorted_by(
            listing.hosts_query(oid, now=now, state=state, search=q),
            order,
            listing.host_sorts(now),
            listing.Host.id,
        )
        with ctx.session() as s:
            result = paginate(s, stmt, paging, scalars=False)
        rows = listing.host_rows(ctx.database_url, name, result.items, now)
        return page_of(request, result, [_host_out(h) for h in rows])

    @api(
        f"{tag}/hosts",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.api_host_add",
        response_model=HostOut,
        status_code=201,
    )
    def api_host_add(ctx: Ctx, body: HostIn) -> dict[str, Any]:
        """Declare a host (linked to the inventory item of its name unless ``equipment`` or ``vm`` says)."""
        oid, name = org(ctx)
        fields = body.model_dump(exclude_unset=True, exclude={"name"})
        created = service.add_host(ctx.database_url, name, body.name.strip(), **fields)
        return _host_out(listing.host_by_id(ctx.database_url, name, created["id"]))

    @api(f"{tag}/hosts/{{host_id}}", permission=VIEW, name="supervision.api_host", response_model=HostOut)
    def api_host(ctx: Ctx, host_id: Id) -> dict[str, Any]:
        _, name = org(ctx)
        return _host_out(listing.host_by_id(ctx.database_url, name, host_id))

    @api(
        f"{tag}/hosts/{{host_id}}",
        permission=CONFIGURE,
        methods=("PATCH",),
        name="supervision.api_host_change",
        response_model=HostOut,
    )
    def api_host_change(ctx: Ctx, host_id: Id, body: HostChanges) -> dict[str, Any]:
        _, name = org(ctx)
        h = listing.host_by_id(ctx.database_url, name, host_id)
        fields = body.model_dump(exclude_unset=True)
        if fields.get("host_class", "") is None:
            raise InputError("a host needs a class", column="host_class", value=None, expected="server or vm")
        service.update_host(ctx.database_url, name, h["name"], **fields)
        return _host_out(listing.host_by_id(ctx.database_url, name, host_id))

    @api(
        f"{tag}/hosts/{{host_id}}",
        permission=CONFIGURE,
        methods=("DELETE",),
        name="supervision.api_host_remove",
        status_code=204,
    )
    def api_host_remove(ctx: Ctx, host_id: Id) -> Response:
        _, name = org(ctx)
        service.remove_host(
            ctx.database_url, name, listing.host_by_id(ctx.database_url, name, host_id)["name"]
        )
        return Response(status_code=204)

    @api(
        f"{tag}/hosts/{{host_id}}/charts",
        permission=VIEW,
        name="supervision.api_host_charts",
        response_model=HostChartsOut,
    )
    def api_host_charts(ctx: Ctx, host_id: Id, span: Literal["24h", "7d", "30d"] = "24h") -> dict[str, Any]:
        """The host page's series: utilisation (%) and power (W) per bucket, and daily energy."""
        _, name = org(ctx)
        v = views.host_view(ctx.database_url, name, host_id, span=span)
        return {
            "host": _host_out(v.host),
            "span": v.span,
            "starts": v.starts,
            "utilisation": [{"name": k, "unit": "%", "values": vals} for k, vals in v.utilisation.items()],
            "power": vars(v.power),
            "energy": [
                {
                    "day": str(d["day"]),
                    "energy": _figure(d["kwh"], d["low"], d["high"], "kWh", d["status"], d["source"]),
                    "method": d["method"],
                    "coverage": d["coverage"],
                    "pue": d["pue"],
                    "facility_kwh": d["facility_kwh"],
                    "warnings": list(d["warnings"] or []),
                }
                for d in v.energy
            ],
        }

    @api(
        f"{tag}/hosts/{{host_id}}/metrics",
        permission=VIEW,
        name="supervision.api_host_metrics",
        response_model=list[LatestOut],
    )
    def api_host_metrics(ctx: Ctx, host_id: Id) -> list[dict[str, Any]]:
        """The latest value of each of the host's series."""
        _, name = org(ctx)
        h = listing.host_by_id(ctx.database_url, name, host_id)
        return service.latest_metrics(ctx.database_url, name, h["name"])

    # ------------------------------------------------------------ alerts

    @api(f"{tag}/alerts", permission=VIEW, name="supervision.api_alerts", response_model=Page[AlertOut])
    def api_alerts(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        state: Literal["open", "firing", "pending", "resolved", "all"] = "open",
        grade: GradeName | None = None,
        source: Literal["rule", "alertmanager", "smart", "capacity", "security", "anomaly"] | None = None,
        host_id: Id | None = None,
        q: Search = None,
        sort: Sort = None,
    ) -> dict[str, Any]:
        oid, _ = org(ctx)
        order = parse_sort(sort, list(listing.ALERT_SORTS), "-grade")
        stmt = listing.alerts_query(
            oid,
            state=None if state == "all" else state,
            grade=grade,
            host_id=host_id,
            source=source,
            search=q,
        )
        stmt = sorted_by(stmt, order, listing.ALERT_SORTS, listing.Alert.started_at.desc())
        return list_page(ctx, request, paging, stmt, lambda _s, rows: listing.alert_rows(rows))

    def detail(ctx: Any, alert_id: int) -> dict[str, Any]:
        _, name = org(ctx)
        a = alerting.alert_detail(ctx.database_url, name, alert_id)
        a["timeline"] = [
            {
                "at": e["at"],
                "kind": e["kind"],
                "detail": {k: v for k, v in e.items() if k not in ("at", "kind")},
            }
            for e in a["timeline"]
        ]
        return a

    @api(
        f"{tag}/alerts/{{alert_id}}",
        permission=VIEW,
        name="supervision.api_alert",
        response_model=AlertDetailOut,
    )
    def api_alert(ctx: Ctx, alert_id: Id) -> dict[str, Any]:
        """An alert with its timeline (fired, graded, muted, notified, acknowledged, resolved…)."""
        return detail(ctx, alert_id)

    @api(
        f"{tag}/alerts/{{alert_id}}/ack",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.api_alert_ack",
        response_model=AlertDetailOut,
    )
    def api_alert_ack(ctx: Ctx, alert_id: Id, body: CommentIn | None = None) -> dict[str, Any]:
        """Acknowledge an alert: escalation stops (409 when it is already resolved)."""
        return change_alert(ctx, alert_id, body, alerting.acknowledge)

    @api(
        f"{tag}/alerts/{{alert_id}}/resolve",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.api_alert_resolve",
        response_model=AlertDetailOut,
    )
    def api_alert_resolve(ctx: Ctx, alert_id: Id, body: CommentIn | None = None) -> dict[str, Any]:
        """Resolve an alert by hand (409 when it is already resolved)."""
        return change_alert(ctx, alert_id, body, alerting.resolve)

    def change_alert(
        ctx: RequestContext, alert_id: int, body: CommentIn | None, action: Callable[..., Any]
    ) -> dict[str, Any]:
        """Acknowledge or resolve, in the caller's name with its comment; the alert as it now is."""
        _, name = org(ctx)
        action(ctx.database_url, name, alert_id, by=actor(ctx), comment=body.comment if body else None)
        return detail(ctx, alert_id)

    @api(
        f"{tag}/evaluate",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.api_evaluate",
        response_model=EvaluationOut,
    )
    async def api_evaluate(ctx: Ctx) -> dict[str, Any]:
        """Evaluate the organisation's rules now and route what changed."""
        _, name = org(ctx)
        r = await run_in_threadpool(lambda: alerting.evaluate(ctx.database_url, name, lang=ctx.lang))
        return {
            "at": r.at,
            "transitions": r.transitions,
            "firing": r.firing,
            "muted": len(r.muted),
            "notifications": len(r.notifications),
            "incidents": r.incidents,
        }

    # ------------------------------------------------------------ rules

    @api(f"{tag}/rules", permission=VIEW, name="supervision.api_rules", response_model=Page[RuleOut])
    def api_rules(ctx: Ctx, request: Request, paging: Paging, sort: Sort = None) -> dict[str, Any]:
        oid, _ = org(ctx)
        order = parse_sort(sort, list(listing.RULE_SORTS), "name")
        stmt = sorted_by(listing.rules_query(oid), order, listing.RULE_SORTS, listing.AlertRule.id)
        return list_page(ctx, request, paging, stmt, lambda _s, rows: [listing.rule_row(r) for r in rows])

    @api(
        f"{tag}/rules",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.api_rule_set",
        response_model=RuleOut,
        status_code=201,
    )
    def api_rule_set(ctx: Ctx, body: RuleIn) -> dict[str, Any]:
        """Add a rule, or replace the one of the same name."""
        return save_rule(ctx, body, None)

    @api(
        f"{tag}/rules/{{rule_id}}",
        permission=CONFIGURE,
        methods=("PUT",),
        name="supervision.api_rule_update",
        response_model=RuleOut,
    )
    def api_rule_update(ctx: Ctx, rule_id: Id, body: RuleIn) -> dict[str, Any]:
        """Change a rule, renaming it when the name differs (422 when another rule has that name)."""
        _, name = org(ctx)
        return save_rule(ctx, body, listing.rule_by_id(ctx.database_url, name, rule_id)["name"])

    def save_rule(ctx: RequestContext, body: RuleIn, rename_from: str | None) -> dict[str, Any]:
        oid, name = org(ctx)
        alerting.add_rule(
            ctx.database_url,
            name,
            body.name,
            body.metric,
            body.op,
            body.threshold,
            for_=body.for_,
            keep_firing_for=body.keep_firing_for,
            clear=body.clear,
            severity=body.severity,
            labels=body.labels or None,
            summary=body.summary,
            rename_from=rename_from,
        )
        with ctx.session() as s:
            row = s.scalar(listing.rules_query(oid).where(listing.AlertRule.name == body.name))
            return listing.rule_row(row)

    @api(
        f"{tag}/rules/{{rule_id}}",
        permission=CONFIGURE,
        methods=("DELETE",),
        name="supervision.api_rule_remove",
        status_code=204,
    )
    def api_rule_remove(ctx: Ctx, rule_id: Id) -> Response:
        _, name = org(ctx)
        alerting.remove_rule(
            ctx.database_url, name, listing.rule_by_id(ctx.database_url, name, rule_id)["name"]
        )
        return Response(status_code=204)

    # ------------------------------------------------------------ silences, escalation

    @api(f"{tag}/silences", permission=VIEW, name="supervision.api_silences", response_model=Page[SilenceOut])
    def api_silences(
        ctx: Ctx, request: Request, paging: Paging, show: Literal["current", "expired", "all"] = "current"
    ) -> dict[str, Any]:
        oid, _ = org(ctx)
        stmt = listing.silences_query(oid, show=show).order_by(
            listing.Silence.starts_at.desc(), listing.Silence.id
        )
        return list_page(ctx, request, paging, stmt, lambda _s, rows: listing.silence_rows(rows))

    @api(
        f"{tag}/silences",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.api_silence_add",
        response_model=SilenceOut,
        status_code=201,
    )
    def api_silence_add(ctx: Ctx, body: SilenceIn) -> dict[str, Any]:
        """A silence, or a maintenance window (weekly when ``weekdays`` are given, in ``timezone``)."""
        from sobre.supervision.rules import parse_duration

        oid, name = org(ctx)
        starts = body.starts_at or datetime.now(UTC)
        if body.ends_at is not None:
            ends = body.ends_at
        else:
            seconds = parse_duration(body.duration or "")
            if seconds <= 0 or seconds > 366 * 86400:
                raise InputError(
                    "a silence lasts more than 0 s and at most 366 days",
                    column="duration",
                    value=body.duration,
                )
            ends = starts + timedelta(seconds=seconds)
        silence_id = alerting.add_silence(
            ctx.database_url,
            name,
            body.matchers,
            starts=starts,
            ends=ends,
            kind="maintenance" if body.weekdays else body.kind,
            weekdays=body.weekdays,
            timezone=body.timezone,
            until=body.until,
            by=actor(ctx),
            comment=body.comment,
        )
        with ctx.session() as s:
            return listing.silence_rows([s.get(listing.Silence, silence_id)])[0]  # type: ignore[list-item]

    @api(
        f"{tag}/silences/{{silence_id}}/expire",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.api_silence_expire",
        status_code=204,
    )
    def api_silence_expire(ctx: Ctx, silence_id: Id) -> Response:
        _, name = org(ctx)
        alerting.expire_silence(ctx.database_url, name, silence_id)
        return Response(status_code=204)

    @api(f"{tag}/escalation", permission=VIEW, name="supervision.api_escalation", response_model=list[StepIO])
    def api_escalation(ctx: Ctx) -> list[dict[str, Any]]:
        _, name = org(ctx)
        return [
            {
                "after_minutes": s.after_minutes,
                "channel": s.channel,
                "target": s.target,
                "min_grade": s.min_grade.value,
            }
            for s in alerting.escalation(ctx.database_url, name)
        ]

    @api(
        f"{tag}/escalation",
        permission=CONFIGURE,
        methods=("PUT",),
        name="supervision.api_escalation_set",
        response_model=list[StepIO],
    )
    def api_escalation_set(
        ctx: Ctx, body: Annotated[list[StepIO], Field(max_length=50)]
    ) -> list[dict[str, Any]]:
        """Replace the escalation policy (steps sorted by delay)."""
        _, name = org(ctx)
        alerting.set_escalation(
            ctx.database_url,
            name,
            [Step(s.after_minutes, s.channel, s.target, Grade(s.min_grade)) for s in body],
        )
        return api_escalation(ctx)

    # ------------------------------------------------------------ security, disks, energy

    @api(
        f"{tag}/security", permission=VIEW, name="supervision.api_security", response_model=Page[SecurityOut]
    )
    def api_security(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        status: Literal["open", "done", "dismissed", "all"] = "open",
        grade: GradeName | None = None,
        source: Literal["wazuh", "syslog", "advisory"] | None = None,
        q: Search = None,
        sort: Sort = None,
    ) -> dict[str, Any]:
        oid, _ = org(ctx)
        order = parse_sort(sort, list(listing.SECURITY_SORTS), "-grade")
        stmt = listing.security_query(
            oid, status=None if status == "all" else status, grade=grade, source=source, search=q
        )
        stmt = sorted_by(stmt, order, listing.SECURITY_SORTS, listing.SecurityEvent.at.desc())
        return list_page(ctx, request, paging, stmt, lambda _s, rows: [listing.security_row(r) for r in rows])

    @api(
        f"{tag}/security/{{event_id}}",
        permission=VIEW,
        name="supervision.api_security_event",
        response_model=SecurityOut,
    )
    def api_security_event(ctx: Ctx, event_id: Id) -> dict[str, Any]:
        """A security event; ``measure_*`` are message keys of the measures its category calls for."""
        _, name = org(ctx)
        return listing.security_by_id(ctx.database_url, name, event_id)

    @api(
        f"{tag}/security/{{event_id}}/done",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.api_security_done",
        response_model=SecurityOut,
    )
    def api_security_done(ctx: Ctx, event_id: Id, body: DoneIn) -> dict[str, Any]:
        """Record what was done about the event (``dismiss``: why it needs nothing)."""
        from sobre.supervision import triage

        _, name = org(ctx)
        triage.security_done(
            ctx.database_url, name, event_id, action=body.action, by=actor(ctx), dismiss=body.dismiss
        )
        return listing.security_by_id(ctx.database_url, name, event_id)

    @api(f"{tag}/disks", permission=VIEW, name="supervision.api_disks", response_model=Page[DiskOut])
    def api_disks(
        ctx: Ctx, request: Request, paging: Paging, risk: GradeName | None = None, sort: Sort = None
    ) -> dict[str, Any]:
        """The latest SMART reading of every disk with its failure risk (``info``: healthy)."""
        oid, _ = org(ctx)
        order = parse_sort(sort, list(listing.SMART_SORTS), "-risk")
        stmt = sorted_by(
            listing.smart_query(oid, risk=risk), order, listing.SMART_SORTS, listing.SmartReadingRow.id
        )
        return list_page(ctx, request, paging, stmt, lambda _s, rows: listing.smart_rows(rows), scalars=False)

    @api(f"{tag}/energy", permission=VIEW, name="supervision.api_energy", response_model=Page[EnergyHostOut])
    def api_energy(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        days: Literal[7, 30, 90, 365] = 7,
        sort: Sort = None,
    ) -> dict[str, Any]:
        """Energy per host over the last ``days`` (stored days: measured where a meter says so)."""
        oid, _ = org(ctx)
        last = datetime.now(UTC).date()
        first = last - timedelta(days=days - 1)
        order = parse_sort(sort, list(listing.ENERGY_SORTS), "-kwh")
        stmt = sorted_by(
            listing.energy_query(oid, first, last), order, listing.ENERGY_SORTS, listing.Host.name
        )
        with ctx.session() as s:
            result = paginate(s, stmt, paging, scalars=False)
        rows = [dict(r._mapping) for r in result.items]
        methods = listing.energy_methods(ctx.database_url, [r["host_id"] for r in rows], first, last)
        items = []
        for r in rows:
            measured_all = r["kwh"] and abs(r["measured_kwh"] - r["kwh"]) < 1e-9
            items.append(
                {
                    "host_id": r["host_id"],
                    "host": r["host"],
                    "energy": _figure(
                        r["kwh"],
                        r["low"],
                        r["high"],
                        "kWh",
                        "measured" if measured_all else "modelled",
                        ", ".join(methods.get(r["host_id"], [])),
                    ),
                    "measured_kwh": r["measured_kwh"] or 0.0,
                    "facility_kwh": r["facility_kwh"] or 0.0,
                    "days": r["days"],
                    "methods": methods.get(r["host_id"], []),
                }
            )
        return page_of(request, result, items)
