"""``sobre kb …``: write, publish, search and export knowledge base articles."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.markdown import Markdown
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors
from sobre.core.errors import InputError
from sobre.servicedesk.cli_support import HOME, JSON, ORG, actor, org_listing, org_session

kb_app = typer.Typer(
    help="Knowledge base: procedures, FAQ, guides, tutorials and eco-gestures; search and PDF.",
    no_args_is_help=True,
)
LANG = typer.Option("fr", "--lang", help="fr or en.")


def _day(text: str | None, column: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column=column, value=text, expected="2026-06-30") from None


@kb_app.command("init")
@friendly_errors
def init(
    ctx: typer.Context,
    org: str = ORG,
    review: str = typer.Option(None, "--review", help="Review date of the starter articles."),
    home: str = HOME,
) -> None:
    """Add Sobre's starter set (eco-gestures, security, accessibility), each citing its public source."""
    from sobre.servicedesk import kb

    with org_session(ctx, org, home) as (s, oid):
        n = kb.install_starter(s, oid, review_on=_day(review, "--review"))
        console.print(Text(f"{n} starter article(s) added or updated"))


@kb_app.command("write")
@friendly_errors
def write(
    ctx: typer.Context,
    slug: str = typer.Argument(..., help="Its address: lower-case letters, digits, dashes."),
    org: str = ORG,
    lang: str = LANG,
    title: str = typer.Option(..., "--title"),
    body_file: Path = typer.Option(None, "--file", help="Markdown file of the body."),
    body: str = typer.Option(None, "--body", help="The body, in Markdown."),
    kind: str = typer.Option(None, "--kind", help="procedure, faq, guide, tutorial, eco_gesture."),
    audience: str = typer.Option(None, "--audience", help="end_user, manager, technical, all."),
    summary: str = typer.Option(None, "--summary"),
    category: str = typer.Option(None, "--category"),
    review: str = typer.Option(None, "--review", help="Date to review it (2026-06-30)."),
    source_title: str = typer.Option(None, "--source-title"),
    source_url: str = typer.Option(None, "--source-url"),
    note: str = typer.Option(None, "--note", help="What this version changes."),
    publish: bool = typer.Option(False, "--publish", help="Publish it now."),
    home: str = HOME,
) -> None:
    """Create an article or write its next version."""
    from sobre.servicedesk import kb

    if (body is None) == (body_file is None):
        raise InputError("give the body with --body or --file", column="--body")
    text = body if body is not None else body_file.read_text(encoding="utf-8")
    with org_session(ctx, org, home) as (s, oid):
        a = kb.save(
            s,
            oid,
            slug=slug,
            lang=lang,
            title=title,
            body=text,
            author=actor(),
            kind=kind,
            summary=summary,
            audience=audience,
            category=category,
            review_on=_day(review, "--review"),
            source_title=source_title,
            source_url=source_url,
            note=note,
            status="published" if publish else None,
        )
        console.print(Text(f"{a.slug} ({a.lang}) version {a.version}, {a.status}"))


@kb_app.command("publish")
@friendly_errors
def publish(
    ctx: typer.Context,
    slug: str = typer.Argument(...),
    org: str = ORG,
    lang: str = LANG,
    archive: bool = typer.Option(False, "--archive", help="Archive it instead."),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import kb

    with org_session(ctx, org, home) as (s, oid):
        a = kb.set_status(s, oid, slug, lang, "archived" if archive else "published")
        console.print(Text(f"{a.slug} ({a.lang}): {a.status}"))


@kb_app.command("list")
@friendly_errors
def list_(
    ctx: typer.Context,
    org: str = ORG,
    lang: str = typer.Option(None, "--lang"),
    kind: str = typer.Option(None, "--kind"),
    status: str = typer.Option(None, "--status"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import kb

    def show(rows: Any) -> None:
        table = Table("slug", "lang", "kind", "title", "status", "v", "review")
        for r in rows:
            table.add_row(
                r["slug"],
                r["lang"],
                r["kind"],
                Text(r["title"]),
                r["status"],
                str(r["version"]),
                r["review_on"] or "",
            )
        console.print(table)

    org_listing(
        ctx,
        org,
        home,
        lambda s, oid: kb.list_articles(s, oid, lang=lang, kind=kind, status=status),
        as_json=as_json,
        show=show,
    )


@kb_app.command("search")
@friendly_errors
def search(
    ctx: typer.Context,
    query: str = typer.Argument(...),
    org: str = ORG,
    lang: str = typer.Option(None, "--lang"),
    drafts: bool = typer.Option(False, "--drafts"),
    limit: int = typer.Option(10, "--limit"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Full-text search (every word, as a prefix; accents do not matter)."""
    from sobre.servicedesk import kb

    def show(rows: Any) -> None:
        for r in rows:
            console.print(Text(f"{r['slug']} ({r['lang']}) — {r['title']}", style="bold"))
            console.print(Text(f"   {r['excerpt']}"))
        if not rows:
            console.print(Text("No article found."))

    org_listing(
        ctx,
        org,
        home,
        lambda s, oid: kb.search(s, oid, query, lang=lang, published_only=not drafts, limit=limit),
        as_json=as_json,
        show=show,
    )


@kb_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context, slug: str = typer.Argument(...), org: str = ORG, lang: str = LANG, home: str = HOME
) -> None:
    from sobre.servicedesk import kb

    with org_session(ctx, org, home) as (s, oid):
        a = kb.get(s, oid, slug, lang)
        kb.viewed(s, oid, a.id)
        console.print(Text(a.title, style="bold"))
        console.print(Markdown(a.body))
        if a.source_title:
            console.print(Text(f"Source: {a.source_title} {a.source_url or ''}"))


@kb_app.command("history")
@friendly_errors
def history(
    ctx: typer.Context,
    slug: str = typer.Argument(...),
    org: str = ORG,
    lang: str = LANG,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import kb

    def show(rows: Any) -> None:
        for v in rows:
            console.print(Text(f"v{v['version']} {v['at']} {v['author']}: {v['note'] or ''}"))

    org_listing(ctx, org, home, lambda s, oid: kb.history(s, oid, slug, lang), as_json=as_json, show=show)


@kb_app.command("restore")
@friendly_errors
def restore(
    ctx: typer.Context,
    slug: str = typer.Argument(...),
    version: int = typer.Argument(...),
    org: str = ORG,
    lang: str = LANG,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import kb

    with org_session(ctx, org, home) as (s, oid):
        a = kb.restore(s, oid, slug, lang, version, author=actor())
        console.print(Text(f"{slug}: version {version} restored as version {a.version}"))


@kb_app.command("export")
@friendly_errors
def export(
    ctx: typer.Context,
    slug: str = typer.Argument(...),
    path: Path = typer.Argument(...),
    org: str = ORG,
    lang: str = LANG,
    home: str = HOME,
) -> None:
    """Write an article as an accessible HTML page (.html) or a tagged PDF (.pdf)."""
    from sobre.servicedesk import kb

    if path.suffix.lower() not in (".pdf", ".html"):
        raise InputError("the file must end in .pdf or .html", column="path", value=str(path))
    with org_session(ctx, org, home) as (s, oid):
        a = kb.get(s, oid, slug, lang)
        if path.suffix.lower() == ".pdf":
            kb.export_pdf(a, path)
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(kb.export_html(a), encoding="utf-8")
    console.print(Text(f"Wrote {path}"))


@kb_app.command("review")
@friendly_errors
def review(
    ctx: typer.Context,
    org: str = ORG,
    on: str = typer.Option(None, "--on", help="Default: today."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Published articles whose review date has come."""
    from sobre.servicedesk import kb

    def show(rows: Any) -> None:
        for r in rows:
            console.print(Text(f"{r['review_on']} {r['slug']} ({r['lang']}) {r['title']}"))

    org_listing(
        ctx,
        org,
        home,
        lambda s, oid: kb.due_for_review(s, oid, _day(on, "--on") or date.today()),
        as_json=as_json,
        show=show,
    )


@kb_app.command("reindex")
@friendly_errors
def reindex(ctx: typer.Context, home: str = HOME) -> None:
    """Remake the full-text index of the knowledge base from the articles."""
    from sobre.core.cli_support import settings
    from sobre.core.db import session_scope
    from sobre.servicedesk import search

    with session_scope(settings(ctx, home).database_url) as s:
        search.rebuild(s)
    console.print(Text("Search index rebuilt"))
