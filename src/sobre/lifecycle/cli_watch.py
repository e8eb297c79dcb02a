"""``sobre watch source add|list``, ``watch fetch``, ``watch add``, ``watch list``, ``watch update``,
``watch digest``: nothing is fetched unless a source is configured."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors, print_listing, settings
from sobre.lifecycle.cli import HOME, JSON, LANG, ORG, _lang, parse_day

watch_app = typer.Typer(
    help="Technology and regulatory watch: feeds, entries, decisions and digest.", no_args_is_help=True
)
source_app = typer.Typer(help="Feeds to follow (RSS or Atom).", no_args_is_help=True)
watch_app.add_typer(source_app, name="source")


def _tags(text: str | None) -> list[str] | None:
    return [x.strip() for x in text.split(",") if x.strip()] if text else None


@source_app.command("add")
@friendly_errors
def source_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    url: str = typer.Argument(...),
    org: str = ORG,
    tags: str = typer.Option(None, help="Comma-separated tags."),
    home: str = HOME,
) -> None:
    """Follow a feed (fetched only by 'sobre watch fetch')."""
    from sobre.lifecycle import watch

    watch.add_source(settings(ctx, home).database_url, org, name, url, _tags(tags))
    console.print(Text(f"Source {name!r} added; run 'sobre watch fetch' to read it."))


@source_app.command("list")
@friendly_errors
def source_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.lifecycle import watch

    def show(rows: Any) -> None:
        for r in rows:
            console.print(
                Text(
                    f"{r['name']}: {r['url']} (last read {r['last_fetched_at'] or 'never'})"
                    + (f" — error: {r['last_error']}" if r["last_error"] else "")
                )
            )

    rows = watch.list_sources(settings(ctx, home).database_url, org)
    print_listing(rows, as_json, show)


@watch_app.command("fetch")
@friendly_errors
def fetch(
    ctx: typer.Context,
    org: str = ORG,
    source: str = typer.Option(None, help="Only this source."),
    home: str = HOME,
) -> None:
    """Read the configured feeds and add the new entries."""
    from sobre.lifecycle import watch

    counts = watch.fetch(settings(ctx, home).database_url, org, source=source)
    console.print(
        Text(f"{counts['sources']} sources read, {counts['new']} new entries, {counts['failed']} failed.")
    )


@watch_app.command("add")
@friendly_errors
def add(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    url: str = typer.Option(None),
    kind: str = typer.Option("technology", help="technology or regulation."),
    published: str = typer.Option(None, "--published"),
    tags: str = typer.Option(None, help="Comma-separated tags."),
    relevance: int = typer.Option(None, help="1 (low) … 5 (high)."),
    impact: str = typer.Option(None, help="Expected impact on the information system."),
    decision: str = typer.Option("to_assess", help="to_assess, monitor, adopt, comply, reject, done."),
    action: str = typer.Option(None, help="Follow-up action."),
    owner: str = typer.Option(None),
    due: str = typer.Option(None),
    summary: str = typer.Option(None),
    home: str = HOME,
) -> None:
    """Add an entry by hand (works offline)."""
    from sobre.lifecycle import watch

    row = watch.add_entry(
        settings(ctx, home).database_url,
        org,
        title,
        url=url,
        kind=kind,
        published=parse_day(published, "--published"),
        tags=_tags(tags) or [],
        relevance=relevance,
        impact=impact,
        decision=decision,
        action=action,
        owner=owner,
        due=parse_day(due, "--due"),
        summary=summary,
    )
    console.print(Text(f"Entry {row['id']} added."))


@watch_app.command("update")
@friendly_errors
def update(
    ctx: typer.Context,
    entry: int = typer.Argument(...),
    org: str = ORG,
    relevance: int = typer.Option(None),
    impact: str = typer.Option(None),
    decision: str = typer.Option(None),
    action: str = typer.Option(None),
    owner: str = typer.Option(None),
    due: str = typer.Option(None),
    tags: str = typer.Option(None),
    home: str = HOME,
) -> None:
    """Assess an entry: relevance, expected impact, decision, follow-up action."""
    from sobre.lifecycle import watch

    watch.update_entry(
        settings(ctx, home).database_url,
        org,
        entry,
        relevance=relevance,
        impact=impact,
        decision=decision,
        action=action,
        owner=owner,
        due=parse_day(due, "--due"),
        tags=_tags(tags),
    )
    console.print(Text(f"Entry {entry} updated."))


@watch_app.command("list")
@friendly_errors
def list_command(
    ctx: typer.Context,
    org: str = ORG,
    since: str = typer.Option(None),
    decision: str = typer.Option(None),
    tag: str = typer.Option(None),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """List entries, most relevant first."""
    from sobre.lifecycle import watch

    def show(rows: Any) -> None:
        table = Table("id", "published", "title", "tags", "relevance", "decision", "action")
        for r in rows:
            table.add_row(
                str(r["id"]),
                r["published"] or "",
                r["title"],
                ", ".join(r["tags"]),
                str(r["relevance"] or ""),
                r["decision"],
                r["action"] or "",
            )
        console.print(table)

    rows = watch.list_entries(
        settings(ctx, home).database_url, org, since=parse_day(since, "--since"), decision=decision, tag=tag
    )
    print_listing(rows, as_json, show)


@watch_app.command("digest")
@friendly_errors
def digest(
    ctx: typer.Context,
    org: str = ORG,
    since: str = typer.Option(None, help="Default: 30 days ago."),
    fmt: str = typer.Option("html", "--format", help="html, pdf, xlsx or json."),
    lang: str = LANG,
    out: Path = typer.Option(None, "--out"),
    home: str = HOME,
) -> None:
    """The watch digest (entries by kind with decisions and actions)."""
    from sobre.lifecycle import watch
    from sobre.lifecycle.document import write

    cfg = settings(ctx, home)
    start = parse_day(since, "--since") or date.today() - timedelta(days=30)
    doc = watch.digest_document(cfg.database_url, org, start, _lang(lang))
    path = write(doc, fmt, out or cfg.reports_dir, "veille")
    console.print(f"Written: {path.resolve().as_uri()}", highlight=False, soft_wrap=True)
