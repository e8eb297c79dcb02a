"""The agents' pages: the queue, a ticket with its actions, problems, the knowledge base editor, the
technical documentation (with audited reveals of confidential fields) and the indicators; the JSON API."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Form as F
from fastapi import Request
from fastapi.responses import Response

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.params import Id
from sobre.web.registry import CapabilityRegistry

ACTIONS = ("assign", "status", "followup", "task", "solve", "diagnose", "impact", "publish", "close")


def _float(value: str, column: str) -> float | None:
    value = (value or "").strip().replace(",", ".")
    if not value:
        return None
    try:
        return float(value)
    except ValueError:
        raise InputError("not a number", column=column, value=value) from None


def _instant(ctx: RequestContext, value: str, column: str) -> Any:
    from sobre.servicedesk.cli_support import desk_zone, instant

    if not (value or "").strip():
        return None
    assert ctx.org is not None
    with ctx.session() as s:
        zone = desk_zone(s, ctx.org.id)
    return instant(value.strip(), column, zone)


def act(ctx: RequestContext, number: Id, action: str, f: dict[str, str]) -> str:
    """Carry out one action of the ticket page; returns the notice key."""
    from sobre.servicedesk import comms, incidents, kb, service

    assert ctx.org is not None
    who = ctx.user.display if ctx.user else ctx.actor.label
    oid = ctx.org.id
    with ctx.write_session() as s:
        if action == "assign":
            service.assign(
                s, oid, number, assignee=f.get("assignee") or None, group=f.get("group") or None, actor=who
            )
        elif action == "status":
            service.set_status(s, oid, number, f.get("status", ""), actor=who)
        elif action == "followup":
            service.follow_up(s, oid, number, f.get("body", ""), author=who, private=f.get("private") == "1")
        elif action == "task":
            minutes = _float(f.get("minutes", ""), "minutes")
            service.add_task(s, oid, number, f.get("body", ""), author=who, minutes=int(minutes or 0))
        elif action == "diagnose":
            service.diagnose(s, oid, number, f.get("step", ""), f.get("body", ""), author=who)
        elif action == "solve":
            article = int(f["article"]) if f.get("article", "").isdigit() else None
            if article is not None:
                kb.by_id(s, oid, article)
            service.solve(s, oid, number, f.get("body", ""), actor=who, article_id=article)
        elif action == "close":
            service.close(s, oid, number, actor=who)
        elif action == "impact":
            host = (f.get("host") or "").strip()
            hosts = None
            if host:
                hosts = [
                    {
                        "name": host,
                        "observed_w": _float(f.get("observed_w", ""), "observed_w"),
                        "baseline_w": _float(f.get("baseline_w", ""), "baseline_w"),
                        "hours": _float(f.get("hours", ""), "hours"),
                    }
                ]
            users = _float(f.get("users", ""), "users")
            incidents.assess(
                s,
                oid,
                number,
                outage_start=_instant(ctx, f.get("outage_start", ""), "outage_start"),
                outage_end=_instant(ctx, f.get("outage_end", ""), "outage_end"),
                users=int(users) if users is not None else None,
                recovery_cost=_float(f.get("recovery_cost", ""), "recovery_cost"),
                penalties=_float(f.get("penalties", ""), "penalties"),
                hosts=hosts,
            )
        elif action == "publish":
            comms.publish(
                s,
                oid,
                number,
                audience=f.get("audience", "end_user"),
                channel=f.get("channel", "email"),
                lang=f.get("lang") or None,
                actor=who,
                eta=f.get("eta", ""),
                workaround=f.get("workaround", ""),
                cause=f.get("cause", ""),
            )
        else:
            raise InputError("unknown action", column="action", value=action, expected=", ".join(ACTIONS))
    return f"sd.notice.{action}"


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    @page("/desk", permission="servicedesk.agent", name="servicedesk.queue")
    def queue(ctx: Ctx, status: str = "open", group: str = "", assignee: str = "") -> Response:
        from sobre.servicedesk import desk, views

        assert ctx.org is not None
        if status not in ("open", "all", "new", "assigned", "planned", "pending", "solved", "closed"):
            status = "open"
        with ctx.session() as s:
            rows = views.queue(
                s, ctx.org.id, status=status, group=group or None, assignee=assignee or None, limit=200
            )
            groups = desk.list_groups(s, ctx.org.id)
        return ctx.render(
            "servicedesk/queue.html",
            rows=rows,
            groups=groups,
            form=Form({"status": status, "group": group, "assignee": assignee}),
        )

    def ticket_page(ctx: RequestContext, number: Id, form: Form | None = None, status: int = 200) -> Response:
        from sobre.servicedesk import comms, desk, kb, views

        assert ctx.org is not None
        with ctx.session() as s:
            data = views.view(s, ctx.org.id, number)
            suggestions = kb.suggest(
                s, ctx.org.id, f"{data['title']} {data['description']}", lang=data["lang"]
            )
            articles = kb.list_articles(s, ctx.org.id, status="published")
            groups = desk.list_groups(s, ctx.org.id)
            published = comms.publications(s, ctx.org.id, number)
        return ctx.render(
            "servicedesk/ticket.html",
            status,
            ticket=data,
            suggestions=suggestions,
            articles=articles,
            groups=groups,
            publications=published,
            form=form or Form(),
        )

    @page("/desk/tickets/{number:int}", permission="servicedesk.agent", name="servicedesk.ticket")
    def ticket(ctx: Ctx, number: Id) -> Response:
        return ticket_page(ctx, number)

    @page(
        "/desk/tickets/{number:int}",
        permission="servicedesk.work",
        methods=("POST",),
        name="servicedesk.ticket_act",
    )
    async def ticket_act(ctx: Ctx, request: Request, number: Id) -> Response:
        data = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
        action = data.pop("action", "")
        try:
            notice = act(ctx, number, action, data)
        except NotFound:
            raise
        except SobreError as exc:
            column = getattr(exc, "column", None) or "body"
            return ticket_page(ctx, number, Form(dict(data), {column: str(exc)}), 422)
        return ctx.redirect(ctx.url("servicedesk.ticket", number=number), notice=notice)

    # ------------------------------------------------------------ problems

    def problems_page(ctx: RequestContext, form: Form | None = None, status: int = 200) -> Response:
        from sobre.servicedesk import problems

        assert ctx.org is not None
        with ctx.session() as s:
            rows = problems.list_problems(s, ctx.org.id)
            recurring = problems.recurring_since_days(s, ctx.org.id, 90)
        return ctx.render(
            "servicedesk/problems.html", status, rows=rows, recurring=recurring, form=form or Form()
        )

    @page("/desk/problems", permission="servicedesk.agent", name="servicedesk.problems")
    def problem_list(ctx: Ctx) -> Response:
        return problems_page(ctx)

    @page(
        "/desk/problems", permission="servicedesk.work", methods=("POST",), name="servicedesk.problem_create"
    )
    def problem_create(
        ctx: Ctx, title: Annotated[str, F()] = "", tickets: Annotated[str, F()] = ""
    ) -> Response:
        from sobre.servicedesk import problems

        assert ctx.org is not None
        numbers = [int(n) for n in tickets.replace("#", " ").replace(",", " ").split() if n.isdigit()]
        try:
            with ctx.write_session() as s:
                p = problems.create(s, ctx.org.id, title, tickets=numbers)
                number = p.number
        except SobreError as exc:
            return problems_page(ctx, Form({"title": title, "tickets": tickets}, {"title": str(exc)}), 422)
        return ctx.redirect(ctx.url("servicedesk.problem", number=number), notice="sd.notice.problem_created")

    def problem_page(
        ctx: RequestContext, number: Id, form: Form | None = None, status: int = 200
    ) -> Response:
        from sobre.servicedesk import problems

        assert ctx.org is not None
        with ctx.session() as s:
            data = problems.view(s, ctx.org.id, number)
        return ctx.render(
            "servicedesk/problem.html",
            status,
            problem=data,
            statuses=problems.STATUSES,
            form=form or Form(data),
        )

    @page("/desk/problems/{number:int}", permission="servicedesk.agent", name="servicedesk.problem")
    def problem(ctx: Ctx, number: Id) -> Response:
        return problem_page(ctx, number)

    @page(
        "/desk/problems/{number:int}",
        permission="servicedesk.work",
        methods=("POST",),
        name="servicedesk.problem_update",
    )
    def problem_update(
        ctx: Ctx,
        number: Id,
        status: Annotated[str, F()] = "",
        root_cause: Annotated[str, F()] = "",
        workaround: Annotated[str, F()] = "",
        known_error: Annotated[str, F()] = "",
        link: Annotated[str, F()] = "",
    ) -> Response:
        from sobre.servicedesk import problems

        assert ctx.org is not None
        try:
            with ctx.write_session() as s:
                problems.update(
                    s,
                    ctx.org.id,
                    number,
                    status=status or None,
                    root_cause=root_cause,
                    workaround=workaround,
                    known_error=known_error == "1",
                )
                if link.strip().lstrip("#").isdigit():
                    problems.link(s, ctx.org.id, number, int(link.strip().lstrip("#")))
        except NotFound:
            raise
        except SobreError as exc:
            column = getattr(exc, "column", None) or "status"
            values = {"status": status, "root_cause": root_cause, "workaround": workaround, "link": link}
            return problem_page(ctx, number, Form(dict[str, object](values), {column: str(exc)}), 422)
        return ctx.redirect(ctx.url("servicedesk.problem", number=number), notice="sd.notice.saved")

    # ------------------------------------------------------------ knowledge base editor

    @page("/kb/edit", permission="servicedesk.agent", name="servicedesk.kb_editor")
    def kb_editor(ctx: Ctx) -> Response:
        from sobre.servicedesk import kb

        assert ctx.org is not None
        with ctx.session() as s:
            rows = kb.list_articles(s, ctx.org.id)
            due = kb.due_for_review(s, ctx.org.id, date.today())
        return ctx.render("servicedesk/kb_editor.html", rows=rows, due=due)

    def article_form(
        ctx: RequestContext, article_id: int | None, form: Form | None = None, status: int = 200
    ) -> Response:
        from sobre.servicedesk import kb

        assert ctx.org is not None
        history: list[dict[str, Any]] = []
        if form is None:
            values: dict[str, object] = {
                "lang": ctx.lang,
                "kind": "faq",
                "audience": "end_user",
                "status": "draft",
            }
            if article_id is not None:
                with ctx.session() as s:
                    a = kb.by_id(s, ctx.org.id, article_id)
                    values = {**kb.card(a), "body": a.body}
            form = Form(values)
        if article_id is not None:
            with ctx.session() as s:
                a = kb.by_id(s, ctx.org.id, article_id)
                history = kb.history(s, ctx.org.id, a.slug, a.lang)
        return ctx.render(
            "servicedesk/kb_form.html",
            status,
            form=form,
            article_id=article_id,
            history=history,
            kinds=kb.KINDS,
            audiences=kb.AUDIENCES,
            statuses=kb.STATUSES,
        )

    @page("/kb/edit/new", permission="servicedesk.agent", name="servicedesk.kb_new")
    def kb_new(ctx: Ctx) -> Response:
        return article_form(ctx, None)

    @page("/kb/edit/{article_id:int}", permission="servicedesk.agent", name="servicedesk.kb_edit")
    def kb_edit(ctx: Ctx, article_id: Id) -> Response:
        return article_form(ctx, article_id)

    @page("/kb/edit", permission="servicedesk.work", methods=("POST",), name="servicedesk.kb_save")
    async def kb_save(ctx: Ctx, request: Request) -> Response:
        from sobre.servicedesk import kb

        assert ctx.org is not None
        f = {k: str(v) for k, v in (await request.form()).items() if k != "csrf_token"}
        article_id = int(f["article_id"]) if f.get("article_id", "").isdigit() else None
        try:
            review = date.fromisoformat(f["review_on"]) if f.get("review_on") else None
        except ValueError:
            return article_form(
                ctx, article_id, Form(dict[str, object](f), {"review_on": ctx.t("sd.form.date")}), 422
            )
        try:
            with ctx.write_session() as s:
                a = kb.save(
                    s,
                    ctx.org.id,
                    slug=f.get("slug", "").strip(),
                    lang=f.get("lang", ""),
                    title=f.get("title", ""),
                    body=f.get("body", ""),
                    summary=f.get("summary", ""),
                    kind=f.get("kind") or None,
                    audience=f.get("audience") or None,
                    status=f.get("status") or None,
                    review_on=review,
                    source_title=f.get("source_title") or None,
                    source_url=f.get("source_url") or None,
                    note=f.get("note") or None,
                    author=ctx.user.display if ctx.user else ctx.actor.label,
                )
                saved = a.id
        except SobreError as exc:
            column = getattr(exc, "column", None) or "body"
            return article_form(ctx, article_id, Form(dict[str, object](f), {column: str(exc)}), 422)
        return ctx.redirect(ctx.url("servicedesk.kb_edit", article_id=saved), notice="sd.notice.saved")

    # ------------------------------------------------------------ technical documentation

    @page("/docs", permission="servicedesk.agent", name="servicedesk.docs")
    def docs(ctx: Ctx) -> Response:
        from sobre.servicedesk import techdoc

        assert ctx.org is not None
        with ctx.session() as s:
            rows = techdoc.records(s, ctx.org.id)
            due = techdoc.due(s, ctx.org.id, date.today(), within_days=30)
        return ctx.render("servicedesk/docs.html", rows=rows, due=due)

    def record_page(
        ctx: RequestContext,
        record_id: Id,
        kind: str,
        name: str,
        revealed: dict[str, Any] | None = None,
        status: int = 200,
    ) -> Response:
        from sobre.servicedesk import techdoc

        assert ctx.org is not None
        with ctx.session() as s:
            data = techdoc.view(s, ctx.org.id, kind, name)
        return ctx.render("servicedesk/doc.html", status, doc=data, doc_id=record_id, revealed=revealed)

    def _record_key(ctx: RequestContext, record_id: Id) -> tuple[str, str]:
        from sobre.servicedesk import techdoc

        assert ctx.org is not None
        with ctx.session() as s:
            for r in techdoc.records(s, ctx.org.id):
                if r["id"] == record_id:
                    return r["kind"], r["name"]
        raise NotFound(f"no documentation record {record_id}")

    @page("/docs/{record_id:int}", permission="servicedesk.agent", name="servicedesk.doc")
    def doc(ctx: Ctx, record_id: Id) -> Response:
        kind, name = _record_key(ctx, record_id)
        return record_page(ctx, record_id, kind, name)

    @page(
        "/docs/{record_id:int}/reveal",
        permission="servicedesk.work",
        methods=("POST",),
        name="servicedesk.doc_reveal",
    )
    def doc_reveal(ctx: Ctx, record_id: Id, field: Annotated[str, F()] = "") -> Response:
        from sobre.servicedesk import techdoc
        from sobre.servicedesk.vault import Vault

        assert ctx.org is not None
        kind, name = _record_key(ctx, record_id)
        vault = Vault.for_home(ctx.state.settings.home)
        with ctx.write_session() as s:
            result = techdoc.reveal(
                s, vault, ctx.org.id, kind, name, field, actor=ctx.actor.label, role=ctx.role
            )
        revealed = {"field": field, "value": result.value, "granted": result.granted}
        response = record_page(ctx, record_id, kind, name, revealed, 200 if result.granted else 403)
        response.headers["cache-control"] = "no-store"
        return response

    # ------------------------------------------------------------ indicators

    @page("/desk/indicators", permission="servicedesk.agent", name="servicedesk.indicators")
    def indicators(ctx: Ctx, year: int = 0) -> Response:
        from sobre.servicedesk import indicators as desk_indicators

        assert ctx.org is not None
        year = year or date.today().year
        if not 2000 <= year <= 2100:
            raise InputError("not a year", column="year", value=year)
        data = desk_indicators.kpis(ctx.database_url, ctx.org.name, year)
        monthly = data.pop("monthly")
        labels = list(monthly)
        opened = [monthly[m]["sd.opened"]["value"] for m in labels]
        solved = [monthly[m]["sd.solved"]["value"] for m in labels]
        return ctx.render(
            "servicedesk/indicators.html", year=year, kpis=data, labels=labels, opened=opened, solved=solved
        )

    # ------------------------------------------------------------ API

    api = registry.api

    @api("/tickets", permission="servicedesk.agent")
    def api_tickets(ctx: Ctx, status: str = "open") -> list[dict[str, Any]]:
        from sobre.servicedesk import views

        assert ctx.org is not None
        with ctx.session() as s:
            return views.queue(s, ctx.org.id, status=status, limit=500)

    @api("/tickets/{number}", permission="servicedesk.agent")
    def api_ticket(ctx: Ctx, number: Id) -> dict[str, Any]:
        from sobre.servicedesk import views

        assert ctx.org is not None
        with ctx.session() as s:
            return views.view(s, ctx.org.id, number)

    @api("/kb/search", permission="servicedesk.portal")
    def api_kb_search(ctx: Ctx, q: str = "", lang: str | None = None) -> list[dict[str, Any]]:
        from sobre.servicedesk import kb

        assert ctx.org is not None
        with ctx.session() as s:
            return kb.search(s, ctx.org.id, q[:200], lang=lang, limit=20)

    @api("/servicedesk/kpis", permission="servicedesk.agent")
    def api_kpis(ctx: Ctx, year: int = 0) -> dict[str, Any]:
        from sobre.servicedesk import indicators as desk_indicators

        assert ctx.org is not None
        return desk_indicators.kpis(ctx.database_url, ctx.org.name, year or date.today().year)
