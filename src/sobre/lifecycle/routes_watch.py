"""Pages of the technology and regulatory watch: entries (list, propose, assess), the feeds followed and
their fetching, and the digest with its downloads."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import Form
from fastapi.responses import Response

from sobre.core.errors import SobreError
from sobre.lifecycle import queries, watch
from sobre.lifecycle.docparts import day
from sobre.lifecycle.routes_common import PER_PAGE, Fields, document_response, label
from sobre.web.context import Ctx, RequestContext
from sobre.web.forms import Form as FormState
from sobre.web.paging import PageRequest, paginate, parse_sort
from sobre.web.registry import CapabilityRegistry

F = Annotated[str, Form()]
DECISIONS = tuple(d.value for d in watch.Decision)
DIGEST_DAYS = 90


def tags_of(text: str | None) -> list[str]:
    return sorted({x.strip()[:40] for x in (text or "").replace(";", ",").split(",") if x.strip()})


def entry_row(e: dict[str, Any], lang: str) -> dict[str, Any]:
    return {
        **e,
        "published_text": day(e["published"], lang) if e["published"] else "—",
        "due_text": day(e["due"], lang) if e["due"] else "—",
        "kind_label": label("lc.watch.kind.", e["kind"], lang),
        "decision_label": label("lc.watch.decision.", e["decision"], lang),
    }


def since_of(ctx: RequestContext) -> date:
    from sobre.lifecycle.importer import _date

    raw = ctx.request.query_params.get("since", "").strip()
    try:
        return _date(raw) if raw else date.today() - timedelta(days=DIGEST_DAYS)
    except ValueError:
        return date.today() - timedelta(days=DIGEST_DAYS)


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    def options(ctx: RequestContext) -> dict[str, list[tuple[str, str]]]:
        return {
            "kinds": [(k, label("lc.watch.kind.", k, ctx.lang)) for k in watch.KINDS],
            "decisions": [(d, label("lc.watch.decision.", d, ctx.lang)) for d in DECISIONS],
            "relevances": [("", ctx.t("lc.page.unknown"))]
            + [(str(i), ctx.t(f"lc.wa.relevance.{i}")) for i in range(1, 6)],
        }

    @page("/watch", permission="lifecycle.view", name="lifecycle.watch")
    def entries(ctx: Ctx, page: int = 1) -> Response:
        assert ctx.org is not None
        q = ctx.request.query_params
        params = {k: q.get(k, "").strip()[:60] for k in ("kind", "decision", "tag", "relevance", "sort")}
        sort = parse_sort(params["sort"], queries.ENTRY_SORTS, "-relevance")
        relevance = params["relevance"]
        with ctx.session() as s:
            stmt = queries.entries_query(
                ctx.org.id,
                kind=params["kind"] if params["kind"] in watch.KINDS else None,
                decision=params["decision"] if params["decision"] in DECISIONS else None,
                tag=params["tag"] or None,
                min_relevance=int(relevance) if relevance in {"1", "2", "3", "4", "5"} else None,
                sort=sort.key,
                descending=sort.descending,
            )
            result = paginate(s, stmt, PageRequest(page, PER_PAGE))
            rows = [entry_row(e, ctx.lang) for e in queries.entry_views(s, result.items)]
            tags = queries.entry_tags(s, ctx.org.id)
        any_ = ctx.t("lc.page.any")
        o = options(ctx)
        return ctx.render(
            "lifecycle/watch.html",
            form=FormState(dict(params)),
            result=result,
            rows=rows,
            sort=sort,
            params={k: v for k, v in params.items() if v},
            kinds=[("", any_)] + o["kinds"],
            decisions=[("", any_)] + o["decisions"],
            tags=[("", any_)] + [(x, x) for x in tags],
            relevances=[("", any_)] + [(str(i), ctx.t("lc.wa.at_least", n=i)) for i in range(1, 6)],
        )

    def entry_form(ctx: RequestContext, form: FormState | None = None, status: int = 200) -> Response:
        return ctx.render(
            "lifecycle/watch_form.html",
            status,
            form=form or FormState({"kind": "technology", "decision": "to_assess"}),
            **options(ctx),
        )

    def read_assessment(f: Fields, values: dict[str, str]) -> dict[str, Any]:
        return {
            "relevance": f.integer("relevance", values.get("relevance"), low=1, high=5),
            "impact": f.text("impact", values.get("impact"), limit=2000),
            "decision": f.choice("decision", values.get("decision") or "to_assess", DECISIONS),
            "action": f.text("action", values.get("action"), limit=2000),
            "owner": f.text("owner", values.get("owner")),
            "due": f.day("due", values.get("due")),
        }

    @page("/watch/new", permission="watch.contribute", name="lifecycle.watch_form")
    def new_entry(ctx: Ctx) -> Response:
        return entry_form(ctx)

    @page("/watch/entries", permission="watch.contribute", methods=("POST",), name="lifecycle.watch_add")
    def add_entry(
        ctx: Ctx,
        title: F = "",
        url: F = "",
        kind: F = "",
        published: F = "",
        tags: F = "",
        summary: F = "",
        relevance: F = "",
        impact: F = "",
        decision: F = "",
        action: F = "",
        owner: F = "",
        due: F = "",
    ) -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        fields: dict[str, Any] = {
            "url": f.text("url", url, limit=1000),
            "kind": f.choice("kind", kind or "technology", watch.KINDS),
            "published": f.day("published", published),
            "summary": f.text("summary", summary, limit=4000),
            "tags": tags_of(tags),
        }
        f.form.values["tags"] = tags
        name = f.text("title", title, required=True, limit=500)
        if fields["url"] and not fields["url"].startswith(("http://", "https://")):
            f.error("url", "lc.err.url")
        if ctx.can("watch.manage"):
            # Only those who decide set the assessment; a referent's proposal waits to be assessed.
            fields.update(read_assessment(f, dict(locals())))
        if not f.ok or name is None:
            return entry_form(ctx, f.form, 422)
        try:
            row = watch.add_entry(ctx.database_url, ctx.org.name, name, **fields)
        except SobreError as exc:
            f.fail("title", exc)
            return entry_form(ctx, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.watch_entry", entry_id=row["id"]), notice="lc.notice.saved")

    def entry_page(
        ctx: RequestContext, entry_id: int, form: FormState | None = None, status: int = 200
    ) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            e = entry_row(queries.entry(s, ctx.org.id, entry_id), ctx.lang)
        values = {k: e[k] for k in ("impact", "decision", "action", "owner")}
        values["relevance"] = str(e["relevance"] or "")
        values["due"] = e["due"].isoformat() if e["due"] else ""
        return ctx.render(
            "lifecycle/watch_entry.html", status, e=e, form=form or FormState(values), **options(ctx)
        )

    @page("/watch/entries/{entry_id:int}", permission="lifecycle.view", name="lifecycle.watch_entry")
    def entry(ctx: Ctx, entry_id: int) -> Response:
        return entry_page(ctx, entry_id)

    @page(
        "/watch/entries/{entry_id:int}",
        permission="watch.manage",
        methods=("POST",),
        name="lifecycle.watch_assess",
    )
    def assess_entry(
        ctx: Ctx,
        entry_id: int,
        relevance: F = "",
        impact: F = "",
        decision: F = "",
        action: F = "",
        owner: F = "",
        due: F = "",
    ) -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        fields = read_assessment(f, dict(locals()))
        if not f.ok:
            return entry_page(ctx, entry_id, f.form, 422)
        watch.update_entry(ctx.database_url, ctx.org.name, entry_id, clear=True, **fields)
        return ctx.redirect(ctx.url("lifecycle.watch_entry", entry_id=entry_id), notice="lc.notice.saved")

    # ------------------------------------------------------------------------------------- sources

    def sources_page(ctx: RequestContext, form: FormState | None = None, status: int = 200) -> Response:
        assert ctx.org is not None
        with ctx.session() as s:
            rows = queries.sources(s, ctx.org.id)
        return ctx.render("lifecycle/watch_sources.html", status, rows=rows, form=form or FormState())

    @page("/watch/sources", permission="lifecycle.view", name="lifecycle.watch_sources")
    def sources(ctx: Ctx) -> Response:
        return sources_page(ctx)

    @page("/watch/sources", permission="watch.manage", methods=("POST",), name="lifecycle.watch_source_add")
    def add_source(ctx: Ctx, name: F = "", url: F = "", tags: F = "") -> Response:
        assert ctx.org is not None
        f = Fields(ctx.lang)
        n = f.text("name", name, required=True)
        u = f.text("url", url, required=True, limit=1000)
        f.form.values["tags"] = tags
        if u and not u.startswith(("http://", "https://")):
            f.error("url", "lc.err.url")
        if not f.ok or n is None or u is None:
            return sources_page(ctx, f.form, 422)
        try:
            watch.add_source(ctx.database_url, ctx.org.name, n, u, tags_of(tags))
        except SobreError as exc:
            f.fail("name", exc)
            return sources_page(ctx, f.form, 422)
        return ctx.redirect(ctx.url("lifecycle.watch_sources"), notice="lc.notice.saved")

    @page("/watch/fetch", permission="watch.manage", methods=("POST",), name="lifecycle.watch_fetch")
    def fetch(ctx: Ctx) -> Response:
        assert ctx.org is not None
        counts = watch.fetch(ctx.database_url, ctx.org.name)
        notice = "lc.notice.fetched_failed" if counts["failed"] else "lc.notice.fetched"
        return ctx.redirect(ctx.url("lifecycle.watch_sources") + f"?new={counts['new']}", notice=notice)

    # -------------------------------------------------------------------------------------- digest

    @page("/watch/digest", permission="lifecycle.view", name="lifecycle.watch_digest")
    def digest(ctx: Ctx) -> Response:
        from sobre.lifecycle.routes_reports import document_page

        assert ctx.org is not None
        since = since_of(ctx)
        doc = watch.digest_document(ctx.database_url, ctx.org.name, since, ctx.lang)
        return document_page(
            ctx,
            doc,
            "digest",
            picker="since",
            params={"since": since.isoformat()},
            export=ctx.url("lifecycle.watch_digest_export"),
        )

    @page("/watch/digest/export", permission="lifecycle.view", name="lifecycle.watch_digest_export")
    def digest_export(ctx: Ctx, format: str = "pdf") -> Response:
        assert ctx.org is not None
        doc = watch.digest_document(ctx.database_url, ctx.org.name, since_of(ctx), ctx.lang)
        return document_response(doc, format, "veille")
