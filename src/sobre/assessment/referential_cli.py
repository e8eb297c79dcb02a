"""``sobre referential``: install the official files, list and show referentials, map versions."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from sobre.assessment.cli_support import _HOME, _JSON, _LANG, _lang, _url
from sobre.core.cli_support import console, friendly_errors, print_json
from sobre.core.db import session_scope
from sobre.core.errors import InputError

referential_app = typer.Typer(
    help="Referentials of assessments (versioned, with their licence).", no_args_is_help=True
)


@referential_app.command("install")
@friendly_errors
def referential_install(
    ctx: typer.Context,
    name: str = typer.Argument(
        ..., help="rgesn, gbpnr (DINUM guide), rgaa, or sobre (a Sobre package file)."
    ),
    path: Path = typer.Option(..., "--from", help="The official file (JSON) to install."),
    version: str = typer.Option(None, "--version", help="Version to record (default: from the file)."),
    replace: bool = typer.Option(
        False, "--replace", help="Replace another file installed under this version."
    ),
    home: str = _HOME,
) -> None:
    """Install a referential from a copy of its official file (all items or nothing)."""
    from sobre.assessment import store

    with session_scope(_url(ctx, home)) as session:
        package = store.install_file(session, name, path, version=version, replace=replace)
    console.print(
        Text(
            f"Installed {package.key}: {len(package.items)} items in {len(package.themes)} themes. "
            f"Licence: {package.licence}. {package.attribution['en']}"
        )
    )


@referential_app.command("list")
@friendly_errors
def referential_list(ctx: typer.Context, lang: str = _LANG, as_json: bool = _JSON, home: str = _HOME) -> None:
    """List the installed referentials (the built-in maturity model included)."""
    from sobre.assessment import store

    with session_scope(_url(ctx, home)) as session:
        rows = store.list_referentials(session, _lang(lang))
    if as_json:
        print_json(rows)
        return
    table = Table("code", "version", "kind", "items", "themes", "licence", "title")
    for r in rows:
        table.add_row(
            r["code"],
            r["version"],
            r["kind"],
            str(r["items"]),
            str(r["themes"]),
            Text(r["licence"]),
            Text(r["title"]),
        )
    console.print(table)
    for r in rows:
        console.print(Text(f"{r['code']} {r['version']}: {r['attribution']}"))


@referential_app.command("show")
@friendly_errors
def referential_show(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Referential code, e.g. rgesn, gbpnr, rgaa, sobre-maturity."),
    version: str = typer.Option(None, "--version", help="Version (default: the newest installed)."),
    theme: str = typer.Option(None, "--theme", help="Only this theme."),
    item: str = typer.Option(None, "--item", help="Show one item in full."),
    lang: str = _LANG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Show a referential: metadata, licence, themes and items."""
    from sobre.assessment import store
    from sobre.assessment.referentials import text

    lang = _lang(lang)
    with session_scope(_url(ctx, home)) as session:
        package = store.load(session, store.referential_row(session, code, version).id)
    if item:
        try:
            found = package.item(item)
        except KeyError:
            raise InputError(f"no item in {package.key}", column="--item", value=item) from None
        if as_json:
            print_json({"id": found.id, "theme": found.theme, **found.to_data()})
            return
        console.print(Text(f"{found.id} — {text(found.question, lang)}", style="bold"))
        for key, value in found.to_data().items():
            if key not in ("question", "texts") and value not in (None, [], {}, ()):
                console.print(Text(f"{key}: {value}"))
        for name, texts in found.texts.items():
            console.print(Text(f"\n{name}:\n{text(texts, lang)}"))
        console.print(Text(f"\n{text(package.attribution, lang)}", style="dim"))
        return
    items = [i for i in package.items if theme is None or i.theme == theme]
    if as_json:
        print_json(
            {
                "code": package.code,
                "version": package.version,
                "kind": package.kind,
                **package.meta(),
                "items": [{"id": i.id, "theme": i.theme, **i.to_data()} for i in items],
            }
        )
        return
    console.print(Text(f"{text(package.title, lang)} ({package.key}, {package.kind})", style="bold"))
    console.print(
        Text(
            f"Publisher: {package.publisher}; published {package.published or '-'}; "
            f"licence: {package.licence} {package.licence_url or ''}"
        )
    )
    console.print(Text(f"Source: {package.source}"))
    table = Table("id", "theme", "priority", "difficulty", "applicability", "question")
    for i in items:
        table.add_row(
            i.id,
            i.theme,
            i.priority_label or i.priority or "",
            i.difficulty_label or i.difficulty or "",
            Text("all" if i.always_applicable else (i.applicability or "")[:40]),
            Text(text(i.question, lang)),
        )
    console.print(table)
    console.print(Text(text(package.attribution, lang), style="dim"))


@referential_app.command("map")
@friendly_errors
def referential_map(
    ctx: typer.Context,
    source: str = typer.Option(
        ..., "--from", help="CODE@VERSION whose answers are carried, e.g. rgesn@2022."
    ),
    target: str = typer.Option(..., "--to", help="CODE@VERSION they go to, e.g. rgesn@2024."),
    csv_file: Path = typer.Option(None, "--csv", help="A CSV of from_item,to_item pairs (your own table)."),
    suggest: bool = typer.Option(False, "--suggest", help="Match items whose questions say the same thing."),
    min_score: float = typer.Option(85.0, "--min-score", help="Similarity (0–100) a suggested match needs."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Show the mapping without recording it."),
    home: str = _HOME,
) -> None:
    """Record which items of one referential version correspond to which of another (to carry answers)."""
    from sobre.assessment import mapping

    with session_scope(_url(ctx, home)) as session:
        found = mapping.build(
            session, source, target, csv_file=csv_file, suggest_text=suggest, min_score=min_score
        )
        added = 0 if dry_run else mapping.record(session, found)
    table = Table("from", "to", "method", "score")
    for m in found:
        table.add_row(m.from_item, m.to_item, m.method, "" if m.score is None else f"{m.score:.0f}")
    console.print(table)
    console.print(Text(f"{len(found)} correspondences; {added} recorded" + (" (dry run)" if dry_run else "")))
