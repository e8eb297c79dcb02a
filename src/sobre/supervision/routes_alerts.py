"""Pages of alerting: alerts with their timeline, acknowledge and resolve, rules, silences and maintenance
windows, the escalation policy."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from fastapi.responses import Response
from starlette.concurrency import run_in_threadpool

from sobre.core.errors import InputError, SobreError
from sobre.supervision import alerting, listing
from sobre.supervision.grading import Grade
from sobre.supervision.routes_common import CONFIGURE, OPERATE, VIEW, PageNo, actor, clean, number, org
from sobre.supervision.routing import Step, parse_matchers
from sobre.supervision.rules import format_duration, parse_duration
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.paging import PageRequest, paginate, parse_sort, sorted_by
from sobre.web.params import Id

PER_PAGE = 25
OPS = (">", ">=", "<", "<=", "==", "!=")
SEVERITIES = alerting.SEVERITIES
#: Longest ``for`` / ``keep_firing_for`` of a rule and longest silence: past these a typo is likelier.
MAX_RULE_DURATION = 7 * 86400
MAX_SILENCE = 366 * 86400
WEEKDAYS = range(7)
#: Escalation steps the policy form offers (the existing ones, then blank rows to add).
BLANK_STEPS = 2


async def form_of(ctx: RequestContext) -> Form:
    data = await ctx.request.form()
    return Form(
        {k: v for k, v in data.items() if isinstance(v, str)} | {"_lists": {k: data.getlist(k) for k in data}}
    )


def duration(form: Form, name: str, ctx: RequestContext, limit: int) -> int:
    """A duration field (``90``, ``5m``, ``1h30m``), at most ``limit`` seconds; a message when wrong."""
    raw = clean(str(form.value(name)), 20)
    try:
        seconds = parse_duration(raw)
    except ValueError:
        form.error(name, ctx.t("sup.form.duration"))
        return 0
    if seconds > limit:
        form.error(name, ctx.t("sup.form.duration_max", max=format_duration(limit)))
        return 0
    return seconds


def silence_times(
    form: Form, ctx: RequestContext
) -> tuple[datetime | None, datetime | None, str, list[int], datetime | None]:
    """(starts, ends, time zone, weekdays, until) of a silence form; local times are in its time zone."""
    zone_name = clean(str(form.value("timezone")), 60) or "UTC"
    try:
        zone = ZoneInfo(zone_name)
    except (KeyError, ValueError):
        form.error("timezone", ctx.t("sup.silence.bad_zone"))
        zone = ZoneInfo("UTC")

    def local(name: str) -> datetime | None:
        raw = clean(str(form.value(name)), 40)
        if not raw:
            return None
        try:
            at = datetime.fromisoformat(raw)
        except ValueError:
            form.error(name, ctx.t("sup.form.datetime"))
            return None
        return at if at.tzinfo else at.replace(tzinfo=zone)

    starts = local("starts") or datetime.now(UTC)
    ends = local("ends")
    if ends is None:
        seconds = duration(form, "duration", ctx, MAX_SILENCE)
        if seconds <= 0 and "duration" not in form.errors:
            form.error("duration", ctx.t("sup.silence.need_end"))
        ends = starts + timedelta(seconds=seconds) if seconds > 0 else None
    elif ends <= starts:
        form.error("ends", ctx.t("sup.silence.end_before_start"))
    elif ends - starts > timedelta(seconds=MAX_SILENCE):
        form.error("ends", ctx.t("sup.form.duration_max", max=format_duration(MAX_SILENCE)))
    lists = form.values.get("_lists")
    chosen = lists.get("weekday", []) if isinstance(lists, dict) else []
    weekdays = sorted({int(d) for d in chosen if isinstance(d, str) and len(d) == 1 and d in "0123456"})
    until = local("until")
    return starts, ends, zone_name, weekdays, until


def register(registry: Any) -> None:  # noqa: C901  (one function per page, registered together)
    page = registry.page

    # ------------------------------------------------------------ alerts

    @page("/supervision/alerts", permission=VIEW, name="supervision.alerts")
    def alerts(ctx: Ctx, page: PageNo = 1) -> Response:
        oid, _ = org(ctx)
        q = ctx.request.query_params
        params = {
            "state": clean(q.get("state"), 10) or "open",
            "grade": clean(q.get("grade"), 10),
            "source": clean(q.get("source"), 15),
            "q": clean(q.get("q"), 100),
            "sort": clean(q.get("sort"), 20),
        }
        sort = parse_sort(params["sort"], list(listing.ALERT_SORTS), "-grade")
        stmt = listing.alerts_query(
            oid,
            state=None if params["state"] == "all" else params["state"],
            grade=params["grade"] or None,
            source=params["source"] or None,
            search=params["q"] or None,
        )
        stmt = sorted_by(stmt, sort, listing.ALERT_SORTS, listing.Alert.started_at.desc())
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page, PER_PAGE))
            rows = listing.alert_rows(result.items)
        return ctx.render(
            "supervision/alerts.html",
            result=result,
            rows=rows,
            sort=sort,
            params={k: v for k, v in params.items() if v},
            filters=Form(dict(params)),
            states=(*listing.ALERT_STATES, "all"),
            grades=listing.GRADES,
            sources=listing.ALERT_SOURCES,
        )

    def alert_page(
        ctx: RequestContext, alert_id: int, form: Form | None = None, status: int = 200
    ) -> Response:
        _, name = org(ctx)
        a = alerting.alert_detail(ctx.database_url, name, alert_id)
        silence = ",".join(
            f"{k}={v}"
            for k, v in sorted(a["labels"].items())
            if k in ("alertname", "host", "mount", "device")
        )
        return ctx.render(
            "supervision/alert.html",
            status,
            a=a,
            timeline=[{**e, "at": datetime.fromisoformat(e["at"])} for e in a["timeline"]],
            form=form or Form(),
            silence=silence,
        )

    @page("/supervision/alerts/{alert_id:int}", permission=VIEW, name="supervision.alert")
    def alert(ctx: Ctx, alert_id: Id) -> Response:
        return alert_page(ctx, alert_id)

    async def alert_action(ctx: RequestContext, alert_id: int, use_case: Any, notice: str) -> Response:
        form = await form_of(ctx)
        comment = clean(str(form.value("comment")), 500) or None
        _, name = org(ctx)
        try:
            await run_in_threadpool(
                lambda: use_case(ctx.database_url, name, alert_id, by=actor(ctx), comment=comment)
            )
        except SobreError as exc:
            if "no alert" in str(exc):
                raise
            form.error("comment", ctx.t("sup.alert.already_resolved"))
            return await run_in_threadpool(alert_page, ctx, alert_id, form, 409)
        return ctx.redirect(ctx.url("supervision.alert", alert_id=alert_id), notice=notice)

    @page(
        "/supervision/alerts/{alert_id:int}/ack",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.alert_ack",
    )
    async def alert_ack(ctx: Ctx, alert_id: Id) -> Response:
        """Acknowledge: someone is on it, escalation stops."""
        return await alert_action(ctx, alert_id, alerting.acknowledge, "sup.notice.acknowledged")

    @page(
        "/supervision/alerts/{alert_id:int}/resolve",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.alert_resolve",
    )
    async def alert_resolve(ctx: Ctx, alert_id: Id) -> Response:
        return await alert_action(ctx, alert_id, alerting.resolve, "sup.notice.resolved")

    # ------------------------------------------------------------ rules

    def rules_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, page_no: int = 1
    ) -> Response:
        oid, _ = org(ctx)
        sort = parse_sort(clean(ctx.request.query_params.get("sort"), 20), list(listing.RULE_SORTS), "name")
        stmt = sorted_by(listing.rules_query(oid), sort, listing.RULE_SORTS, listing.AlertRule.id)
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page_no, PER_PAGE))
            rows = [listing.rule_row(r) for r in result.items]
        return ctx.render(
            "supervision/rules.html",
            status,
            result=result,
            rows=rows,
            sort=sort,
            params={"sort": sort.param},
            form=form or Form({"op": ">", "severity": "warning"}),
            ops=OPS,
            severities=SEVERITIES,
            defaults=[r.name for r in alerting.DEFAULT_RULES],
            fmt=format_duration,
        )

    @page("/supervision/rules", permission=VIEW, name="supervision.rules")
    def rules(ctx: Ctx, page: PageNo = 1) -> Response:
        return rules_page(ctx, page_no=page)

    def rule_fields(ctx: RequestContext, form: Form) -> dict[str, Any]:
        name = clean(str(form.value("name")), 120)
        if not name:
            form.error("name", ctx.t("web.form.required"))
        metric = clean(str(form.value("metric")), 64)
        if not metric:
            form.error("metric", ctx.t("web.form.required"))
        op = clean(str(form.value("op")), 2)
        if op not in OPS:
            form.error("op", ctx.t("web.form.choose"))
        severity = clean(str(form.value("severity")), 12)
        if severity not in SEVERITIES:
            form.error("severity", ctx.t("web.form.choose"))
        threshold = number(form, "threshold", ctx, low=-1e12, high=1e12, required=True)
        clear = number(form, "clear", ctx, low=-1e12, high=1e12)
        labels: dict[str, str] = {}
        raw_labels = clean(str(form.value("labels")), 255)
        for part in (p for p in raw_labels.split(",") if p.strip()):
            key, sep, value = part.partition("=")
            if not sep or not key.strip():
                form.error("labels", ctx.t("sup.rule.bad_labels"))
                break
            labels[key.strip()] = value.strip()
        return {
            "name": name,
            "metric": metric,
            "op": op,
            "threshold": threshold,
            "for_": duration(form, "for", ctx, MAX_RULE_DURATION),
            "keep_firing_for": duration(form, "keep_firing_for", ctx, MAX_RULE_DURATION),
            "clear": clear,
            "severity": severity,
            "labels": labels or None,
            "summary": clean(str(form.value("summary")), 500) or None,
        }

    def save_rule(ctx: RequestContext, form: Form, rule_id: int | None) -> Response:
        _, name = org(ctx)
        fields = rule_fields(ctx, form)
        if form.ok:
            try:
                before = listing.rule_by_id(ctx.database_url, name, rule_id) if rule_id is not None else None
                alerting.add_rule(
                    ctx.database_url,
                    name,
                    fields.pop("name"),
                    fields.pop("metric"),
                    fields.pop("op"),
                    fields.pop("threshold"),
                    rename_from=before["name"] if before is not None else None,
                    **fields,
                )
            except InputError as exc:
                field = {"labels": "labels", "severity": "severity", "name": "name"}.get(
                    exc.column or "", "clear"
                )
                form.error(field, ctx.t("sup.rule.name_taken") if field == "name" else str(exc))
            else:
                return ctx.redirect(ctx.url("supervision.rules"), notice="sup.notice.rule_saved")
        if rule_id is not None:
            return rule_page(ctx, rule_id, form, 422)
        return rules_page(ctx, form, 422)

    @page("/supervision/rules", permission=CONFIGURE, methods=("POST",), name="supervision.rule_add")
    async def rule_add(ctx: Ctx) -> Response:
        form = await form_of(ctx)
        return await run_in_threadpool(save_rule, ctx, form, None)

    def rule_page(ctx: RequestContext, rule_id: int, form: Form | None = None, status: int = 200) -> Response:
        _, name = org(ctx)
        r = listing.rule_by_id(ctx.database_url, name, rule_id)
        if form is None:
            form = Form(
                {
                    "name": r["name"],
                    "metric": r["metric"],
                    "op": r["op"],
                    "threshold": f"{r['threshold']:g}",
                    "clear": "" if r["clear"] is None else f"{r['clear']:g}",
                    "for": format_duration(r["for_s"]) if r["for_s"] else "",
                    "keep_firing_for": format_duration(r["keep_firing_for_s"])
                    if r["keep_firing_for_s"]
                    else "",
                    "severity": r["severity"],
                    "labels": ",".join(f"{k}={v}" for k, v in sorted(r["labels"].items())),
                    "summary": r["summary"] or "",
                }
            )
        return ctx.render("supervision/rule.html", status, r=r, form=form, ops=OPS, severities=SEVERITIES)

    @page("/supervision/rules/{rule_id:int}", permission=CONFIGURE, name="supervision.rule")
    def rule(ctx: Ctx, rule_id: Id) -> Response:
        return rule_page(ctx, rule_id)

    @page(
        "/supervision/rules/{rule_id:int}",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.rule_save",
    )
    async def rule_save(ctx: Ctx, rule_id: Id) -> Response:
        form = await form_of(ctx)
        return await run_in_threadpool(save_rule, ctx, form, rule_id)

    @page(
        "/supervision/rules/{rule_id:int}/delete",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.rule_delete",
    )
    def rule_delete(ctx: Ctx, rule_id: Id) -> Response:
        _, name = org(ctx)
        r = listing.rule_by_id(ctx.database_url, name, rule_id)
        alerting.remove_rule(ctx.database_url, name, r["name"])
        return ctx.redirect(ctx.url("supervision.rules"), notice="sup.notice.rule_removed")

    @page(
        "/supervision/rules/defaults",
        permission=CONFIGURE,
        methods=("POST",),
        name="supervision.rule_defaults",
    )
    def rule_defaults(ctx: Ctx) -> Response:
        _, name = org(ctx)
        added = alerting.install_default_rules(ctx.database_url, name)
        return ctx.redirect(
            ctx.url("supervision.rules"),
            notice="sup.notice.defaults_added" if added else "sup.notice.defaults_there",
        )

    @page("/supervision/rules/export", permission=VIEW, name="supervision.rules_export")
    def rules_export(ctx: Ctx) -> Response:
        """The rules as a Prometheus rule file over node_exporter metrics (checked by promtool)."""
        _, name = org(ctx)
        text = alerting.export_rules(ctx.database_url, name)
        return Response(
            text,
            media_type="application/yaml",
            headers={"content-disposition": 'attachment; filename="sobre-rules.yml"'},
        )

    # ------------------------------------------------------------ silences

    def silences_page(
        ctx: RequestContext, form: Form | None = None, status: int = 200, page_no: int = 1
    ) -> Response:
        oid, _ = org(ctx)
        q = ctx.request.query_params
        show = clean(q.get("show"), 10)
        show = show if show in listing.SILENCE_SHOW else "current"
        sort = parse_sort(clean(q.get("sort"), 20), list(listing.SILENCE_SORTS), "-starts")
        stmt = sorted_by(
            listing.silences_query(oid, show=show), sort, listing.SILENCE_SORTS, listing.Silence.id
        )
        with ctx.session() as s:
            result = paginate(s, stmt, PageRequest(page_no, PER_PAGE))
            rows = listing.silence_rows(result.items)
        if form is None:
            form = Form(
                {
                    "kind": "silence",
                    "matchers": clean(q.get("matchers"), 500),
                    "duration": "2h",
                    "timezone": "Europe/Paris" if ctx.lang == "fr" else "UTC",
                    "_lists": {},
                }
            )
        return ctx.render(
            "supervision/silences.html",
            status,
            result=result,
            rows=rows,
            sort=sort,
            show=show,
            params={"show": show, "sort": sort.param},
            form=form,
            weekdays=WEEKDAYS,
        )

    @page("/supervision/silences", permission=VIEW, name="supervision.silences")
    def silences(ctx: Ctx, page: PageNo = 1) -> Response:
        return silences_page(ctx, page_no=page)

    def silence_added(ctx: RequestContext, form: Form) -> Response:
        _, name = org(ctx)
        matchers = clean(str(form.value("matchers")), 500)
        try:
            parse_matchers(matchers)
        except ValueError:
            form.error("matchers", ctx.t("sup.silence.bad_matchers"))
        kind = clean(str(form.value("kind")), 12)
        if kind not in ("silence", "maintenance"):
            form.error("kind", ctx.t("web.form.choose"))
        starts, ends, zone, weekdays, until = silence_times(form, ctx)
        if form.ok and starts is not None and ends is not None:
            alerting.add_silence(
                ctx.database_url,
                name,
                matchers,
                starts=starts,
                ends=ends,
                kind="maintenance" if weekdays else kind,
                weekdays=weekdays,
                timezone=zone,
                until=until,
                by=actor(ctx),
                comment=clean(str(form.value("comment")), 500) or None,
            )
            return ctx.redirect(ctx.url("supervision.silences"), notice="sup.notice.silence_added")
        return silences_page(ctx, form, 422)

    @page("/supervision/silences", permission=OPERATE, methods=("POST",), name="supervision.silence_add")
    async def silence_add(ctx: Ctx) -> Response:
        form = await form_of(ctx)
        return await run_in_threadpool(silence_added, ctx, form)

    @page(
        "/supervision/silences/{silence_id:int}/expire",
        permission=OPERATE,
        methods=("POST",),
        name="supervision.silence_expire",
    )
    def silence_expire(ctx: Ctx, silence_id: Id) -> Response:
        _, name = org(ctx)
        alerting.expire_silence(ctx.database_url, name, silence_id)
        return ctx.redirect(ctx.url("supervision.silences"), notice="sup.notice.silence_expired")

    # ------------------------------------------------------------ escalation

    def escalation_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        _, name = org(ctx)
        steps = alerting.escalation(ctx.database_url, name)
        if form is None:
            values: dict[str, object] = {}
            for i, s in enumerate(steps):
                values |= {
                    f"after_{i}": f"{s.after_minutes:g}",
                    f"channel_{i}": s.channel,
                    f"target_{i}": s.target,
                    f"grade_{i}": s.min_grade.value,
                }
            form = Form(values)
        rows = max(len(steps), int(str(form.value("rows", 0)) or 0)) + BLANK_STEPS
        return ctx.render(
            "supervision/escalation.html",
            status,
            steps=steps,
            form=form,
            rows=range(rows),
            grades=listing.GRADES,
        )

    @page("/supervision/escalation", permission=VIEW, name="supervision.escalation")
    def escalation(ctx: Ctx) -> Response:
        return escalation_page(ctx)

    def escalation_saved(ctx: RequestContext, form: Form) -> Response:
        _, name = org(ctx)
        steps = []
        count = min(int(n) if (n := clean(str(form.value("rows")), 3)).isdigit() else 0, 50)
        for i in range(count):
            target = clean(str(form.value(f"target_{i}")), 500)
            after_raw = clean(str(form.value(f"after_{i}")), 10)
            if not target and not after_raw:
                continue  # a blank row
            after = number(form, f"after_{i}", ctx, low=0, high=10080, required=True)
            channel = clean(str(form.value(f"channel_{i}")), 10)
            if channel not in ("email", "webhook"):
                form.error(f"channel_{i}", ctx.t("web.form.choose"))
            if not target:
                form.error(f"target_{i}", ctx.t("web.form.required"))
            elif channel == "email" and ("@" not in target or " " in target):
                form.error(f"target_{i}", ctx.t("sup.escalation.bad_email"))
            elif channel == "webhook" and not target.startswith(("https://", "http://")):
                form.error(f"target_{i}", ctx.t("sup.escalation.bad_url"))
            grade = clean(str(form.value(f"grade_{i}")), 10)
            if grade not in listing.GRADES:
                form.error(f"grade_{i}", ctx.t("web.form.choose"))
            if form.ok and after is not None:
                steps.append(Step(after, channel, target, Grade(grade)))
        if not form.ok:
            return escalation_page(ctx, form, 422)
        alerting.set_escalation(ctx.database_url, name, steps)
        return ctx.redirect(ctx.url("supervision.escalation"), notice="sup.notice.escalation_saved")

    @page(
        "/supervision/escalation", permission=CONFIGURE, methods=("POST",), name="supervision.escalation_save"
    )
    async def escalation_save(ctx: Ctx) -> Response:
        form = await form_of(ctx)
        return await run_in_threadpool(escalation_saved, ctx, form)
