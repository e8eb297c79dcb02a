"""Pages of the service desk: the users' portal and the knowledge base; ``routes_desk`` adds the agents'
pages (queue, ticket, problems, KB editor, documentation, indicators) and the JSON API.

Permissions (roles of the organisation):

- ``servicedesk.portal`` — everyone: the portal, the status of incidents, the published knowledge base;
- ``servicedesk.request`` — everyone but viewers (who change nothing): open a request, answer, rate it;
- ``servicedesk.agent`` — admin, manager, technician: the queue and the tickets, problems, the KB editor,
  the technical documentation (confidential fields stay behind their own roles, each reveal audited);
- ``servicedesk.work`` — the same roles: act on tickets and problems, write articles and documentation.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form as F
from fastapi.responses import Response

from sobre.core.errors import NotFound
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form
from sobre.web.params import Id
from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry

AGENTS = ("admin", "manager", "technician")
PORTAL_AUDIENCES = ("end_user", "all")
MAX_TEXT = 20_000


def is_agent(ctx: RequestContext) -> bool:
    return ctx.can("servicedesk.agent")


def category_options(session: Any, org_id: int, blank: str) -> list[tuple[str, str]]:
    from sobre.servicedesk import desk

    return [("", blank)] + [(c["name"], c["name"]) for c in desk.list_categories(session, org_id)]


def level_options(ctx: RequestContext) -> list[tuple[str, str]]:
    return [(str(n), ctx.t(f"sd.level.{n}")) for n in range(1, 6)]


def _text(
    form: Form, name: str, value: str, ctx: RequestContext, *, required: bool = True, limit: int = 255
) -> str:
    value = (value or "").strip()
    if required and not value:
        form.error(name, ctx.t("sd.form.required"))
    elif len(value) > limit:
        form.error(name, ctx.t("sd.form.too_long", limit=limit))
    return value


def register(registry: CapabilityRegistry) -> None:
    registry.permission("servicedesk.portal", ROLES, "sd.perm.portal")
    registry.permission(
        "servicedesk.request", ("admin", "manager", "technician", "referent"), "sd.perm.request"
    )
    registry.permission("servicedesk.agent", AGENTS, "sd.perm.agent")
    registry.permission("servicedesk.work", AGENTS, "sd.perm.work")
    registry.menu("sd.menu.portal", "servicedesk.portal", permission="servicedesk.portal", order=60)
    registry.menu("sd.menu.kb", "servicedesk.kb", permission="servicedesk.portal", order=61)
    registry.menu("sd.menu.queue", "servicedesk.queue", permission="servicedesk.agent", order=62)
    page = registry.page

    # ------------------------------------------------------------ portal

    def portal_page(
        ctx: Ctx, form: Form | None = None, status: int = 200, suggestions: Any = None
    ) -> Response:
        from sobre.servicedesk import comms, kb, views

        assert ctx.org is not None and ctx.user is not None
        with ctx.session() as s:
            mine = views.queue(s, ctx.org.id, status="all", requester_user_id=ctx.user.id, limit=50)
            board = comms.status_board(s, ctx.org.id, ctx.lang)
            faq = [
                a
                for a in kb.list_articles(s, ctx.org.id, lang=ctx.lang, status="published")
                if a["audience"] in PORTAL_AUDIENCES
            ][:12]
            categories = category_options(s, ctx.org.id, ctx.t("sd.portal.no_category"))
        return ctx.render(
            "servicedesk/portal.html",
            status,
            form=form or Form({"kind": "request", "urgency": "3"}),
            mine=mine,
            board=board,
            faq=faq,
            categories=categories,
            levels=level_options(ctx),
            suggestions=suggestions or [],
        )

    @page("/portal", permission="servicedesk.portal")
    def portal(ctx: Ctx) -> Response:
        return portal_page(ctx)

    @page("/portal", permission="servicedesk.request", methods=("POST",), name="servicedesk.portal_open")
    def portal_open(
        ctx: Ctx,
        title: Annotated[str, F()] = "",
        description: Annotated[str, F()] = "",
        kind: Annotated[str, F()] = "request",
        urgency: Annotated[str, F()] = "3",
        category: Annotated[str, F()] = "",
    ) -> Response:
        from sobre.servicedesk import kb, service

        assert ctx.org is not None and ctx.user is not None
        form = Form(
            {
                "title": title,
                "description": description,
                "kind": kind,
                "urgency": urgency,
                "category": category,
            }
        )
        title = _text(form, "title", title, ctx)
        description = _text(form, "description", description, ctx, required=False, limit=MAX_TEXT)
        if kind not in ("incident", "request"):
            form.error("kind", ctx.t("sd.form.choose"))
        if urgency not in {"1", "2", "3", "4", "5"}:
            form.error("urgency", ctx.t("sd.form.choose"))
        if not form.ok:
            return portal_page(ctx, form, 422)
        with ctx.write_session() as s:
            t = service.open_ticket(
                s,
                ctx.org.id,
                title=title,
                description=description,
                kind=kind,
                urgency=int(urgency),
                impact=3,
                category=category or None,
                requester=ctx.user.display,
                requester_email=ctx.user.email,
                requester_user_id=ctx.user.id,
                lang=ctx.lang,
                source="portal",
                actor=ctx.actor.label,
            )
            number = t.number
            found = kb.suggest(
                s,
                ctx.org.id,
                f"{title} {description}",
                lang=ctx.lang,
                category_id=t.category_id,
                audience="end_user",
            )
        target = ctx.url("servicedesk.portal_ticket", number=number)
        if found:
            target += "?suggest=1"
        return ctx.redirect(target, notice="sd.notice.opened")

    def own_ticket(ctx: RequestContext, number: Id) -> dict[str, Any]:
        from sobre.servicedesk import service, views

        assert ctx.org is not None and ctx.user is not None
        with ctx.session() as s:
            t = service.get(s, ctx.org.id, number)
            if t.requester_user_id != ctx.user.id and not is_agent(ctx):
                raise NotFound(f"no ticket #{number}")
            return views.view(s, ctx.org.id, number, agent=False)

    def portal_ticket_page(ctx: Ctx, number: Id, form: Form | None = None, status: int = 200) -> Response:
        from sobre.servicedesk import kb

        assert ctx.org is not None
        data = own_ticket(ctx, number)
        suggestions: list[dict[str, Any]] = []
        if ctx.request.query_params.get("suggest") and data["status"] not in ("solved", "closed"):
            with ctx.session() as s:
                suggestions = kb.suggest(
                    s,
                    ctx.org.id,
                    f"{data['title']} {data['description']}",
                    lang=ctx.lang,
                    audience="end_user",
                )
        return ctx.render(
            "servicedesk/portal_ticket.html",
            status,
            ticket=data,
            form=form or Form(),
            suggestions=suggestions,
        )

    @page("/portal/{number:int}", permission="servicedesk.portal", name="servicedesk.portal_ticket")
    def portal_ticket(ctx: Ctx, number: Id) -> Response:
        return portal_ticket_page(ctx, number)

    @page(
        "/portal/{number:int}",
        permission="servicedesk.request",
        methods=("POST",),
        name="servicedesk.portal_answer",
    )
    def portal_answer(
        ctx: Ctx,
        number: Id,
        action: Annotated[str, F()] = "reply",
        body: Annotated[str, F()] = "",
        score: Annotated[str, F()] = "",
    ) -> Response:
        from sobre.servicedesk import service

        assert ctx.org is not None and ctx.user is not None
        data = own_ticket(ctx, number)
        form = Form({"body": body, "score": score})
        with ctx.write_session() as s:
            if action == "rate":
                if score not in {"1", "2", "3", "4", "5"}:
                    form.error("score", ctx.t("sd.form.choose"))
                else:
                    service.rate(s, ctx.org.id, number, int(score), body.strip() or None)
            else:
                text = _text(form, "body", body, ctx, limit=MAX_TEXT)
                if form.ok and data["status"] == "solved" and action == "reopen":
                    service.reopen(s, ctx.org.id, number, text, actor=ctx.user.display)
                elif form.ok:
                    service.follow_up(s, ctx.org.id, number, text, author=ctx.user.display, agent=False)
        if not form.ok:
            return portal_ticket_page(ctx, number, form, 422)
        notice = {"rate": "sd.notice.rated", "reopen": "sd.notice.reopened"}.get(action, "sd.notice.answered")
        return ctx.redirect(ctx.url("servicedesk.portal_ticket", number=number), notice=notice)

    # ------------------------------------------------------------ knowledge base

    @page("/kb", permission="servicedesk.portal")
    def kb(ctx: Ctx, q: str = "", kind: str = "") -> Response:
        from sobre.servicedesk import kb as knowledge

        assert ctx.org is not None
        audience = None if is_agent(ctx) else "end_user"
        kinds = [k for k in knowledge.KINDS if k == kind] or None
        with ctx.session() as s:
            if q.strip():
                rows = knowledge.search(s, ctx.org.id, q[:200], lang=ctx.lang, audience=audience, limit=30)
            else:
                rows = knowledge.list_articles(
                    s, ctx.org.id, lang=ctx.lang, status="published", audience=audience
                )
        if kinds:
            rows = [r for r in rows if r["kind"] in kinds]
        return ctx.render(
            "servicedesk/kb.html",
            rows=rows,
            q=q,
            kind=kind,
            kinds=knowledge.KINDS,
            form=Form({"q": q, "kind": kind}),
        )

    def visible_article(ctx: RequestContext, article_id: Id) -> Any:
        from sobre.servicedesk import kb as knowledge

        assert ctx.org is not None
        with ctx.session() as s:
            a = knowledge.by_id(s, ctx.org.id, article_id)
            if not is_agent(ctx) and (a.status != "published" or a.audience not in PORTAL_AUDIENCES):
                raise NotFound(f"no article {article_id}")
            knowledge.viewed(s, ctx.org.id, a.id)
            return a

    @page("/kb/{article_id:int}", permission="servicedesk.portal", name="servicedesk.kb_article")
    def kb_article(ctx: Ctx, article_id: Id) -> Response:
        from sobre.servicedesk import kb as knowledge

        a = visible_article(ctx, article_id)
        return ctx.render(
            "servicedesk/kb_article.html",
            article=knowledge.rendered(a),
            article_id=a.id,
            status_word=a.status,
        )

    @page("/kb/{article_id:int}/pdf", permission="servicedesk.portal", name="servicedesk.kb_pdf")
    def kb_pdf(ctx: Ctx, article_id: Id) -> Response:
        import tempfile
        from pathlib import Path

        from sobre.servicedesk import kb as knowledge

        a = visible_article(ctx, article_id)
        with tempfile.TemporaryDirectory() as folder:
            data = knowledge.export_pdf(a, Path(folder) / "article.pdf").read_bytes()
        return Response(
            data,
            media_type="application/pdf",
            headers={"content-disposition": f'attachment; filename="{a.slug}-{a.lang}.pdf"'},
        )

    from sobre.servicedesk import routes_desk

    routes_desk.register(registry)
