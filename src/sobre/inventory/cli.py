"""``sobre import``, ``sobre import glpi``, ``sobre export`` and ``sobre inventory stats|list``.

Heavy libraries (Polars, SQLAlchemy, openpyxl, rapidfuzz, httpx, Rich's progress bars) are imported inside
the commands, so that ``sobre import --help`` or ``sobre inventory stats --help`` start at once.
"""

from __future__ import annotations

import functools
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from sobre.core.cli_support import (
    console,
    err_console,
    friendly_errors,
    literal,
    print_json,
    safe_text,
    settings,
    writable_file,
)
from sobre.core.errors import InputError, SobreError

if TYPE_CHECKING:
    from sobre.inventory.summary import ImportSummary

KINDS = ("equipment", "vm", "cloud", "application", "site", "storage", "department")
ITEM_TYPES = "Computer, Monitor, NetworkEquipment, Phone, Printer, Peripheral"

inventory_app = typer.Typer(
    help="The inventory of an organisation's information system.", no_args_is_help=True
)

_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_ORG = typer.Option(..., "--org", help="Organisation name.")


def _print_summary(s: ImportSummary) -> None:
    out = functools.partial(console.print, soft_wrap=True)
    verb = "Would import" if s.dry_run else "Imported"
    if s.refused:
        out(Text(f"Refused (--strict): {s.rejected} of {s.rows_read} rows rejected; nothing imported."))
    else:
        out(
            literal(
                f"{verb} {s.kind} ({s.format}{', ' + s.item_type if s.item_type else ''}) from {s.file}: "
                f"{s.rows_read} rows read, {s.inserted} inserted, {s.updated} updated, "
                f"{s.unchanged} unchanged, {s.rejected} rejected."
            )
        )
    if s.changed_fields:
        changes = ", ".join(f"{name} ({n})" for name, n in sorted(s.changed_fields.items()))
        out(literal(f"  fields changed: {changes}"))
    for kind, counts in s.by_kind.items():
        if kind != s.kind:
            out(
                Text(
                    f"  including {kind}: {counts['inserted']} inserted, {counts['updated']} updated, "
                    f"{counts['unchanged']} unchanged"
                )
            )
    if s.match_rate is not None:
        out(
            Text(
                f"Catalogue match: {s.models_matched} of {s.models_total} rows with a model "
                f"({100 * s.match_rate:.1f} %)."
            )
        )
    if s.created_sites:
        out(literal(f"Sites created: {', '.join(sorted(set(s.created_sites)))}"))
    if s.rejects_path:
        out(literal(f"Rejected rows and reasons: {s.rejects_path}"))
    if s.review_count:
        out(Text(f"{s.review_count} ambiguous model(s) to review: see 'sobre inventory stats'."))
    for w in s.warnings:
        if not w.startswith("sites created"):
            out(literal(f"Warning: {w}"), style="yellow")


def _waiting(seconds: float) -> None:
    err_console.print(
        Text(
            "Another Sobre command is writing to the database; waiting for it to finish "
            f"(up to {seconds:g} s)…"
        ),
        style="yellow",
    )


def _reference(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column="--reference-date", value=text, expected="YYYY-MM-DD") from None


def _with_progress(label: str, run: Any) -> Any:
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        TextColumn("{task.percentage:>3.0f}%"),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
    ) as bar:
        task = bar.add_task(safe_text(label).replace("[", "\\["), total=None)
        return run(lambda done, total: bar.update(task, completed=done, total=total))


def import_command(
    ctx: typer.Context,
    path: str = typer.Argument(
        ..., help="CSV or XLSX file; or the word glpi with --url to read from the GLPI API (./glpi: a file)."
    ),
    org: str = _ORG,
    kind: str = typer.Option(None, "--kind", help=f"One of {', '.join(KINDS)} (default: detected)."),
    fmt: str = typer.Option("auto", "--format", help="auto, glpi, numecoeval or sobre."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Validate and show what would happen; write nothing."
    ),
    strict: bool = typer.Option(False, "--strict", help="Refuse the whole file if any row is rejected."),
    rejects: Path = typer.Option(None, "--rejects", help="Where to write rejected rows (CSV)."),
    sheet: str = typer.Option(None, "--sheet", help="XLSX sheet to read (default: the first)."),
    item_type: str = typer.Option(
        None, "--item-type", help=f"What a GLPI export holds when its name does not say: {ITEM_TYPES}."
    ),
    site_level: int = typer.Option(
        1, "--site-level", help="How many levels of a location 'A > B > C' name the site (the rest is kept)."
    ),
    reference_date: str = typer.Option(
        None, "--reference-date", help="Date the plausible-date window counts from (default: today)."
    ),
    url: str = typer.Option(None, "--url", help="GLPI: the server's address (…/apirest.php)."),
    app_token: str = typer.Option(
        None, "--app-token", envvar="SOBRE_GLPI_APP_TOKEN", help="GLPI: the API client's App-Token."
    ),
    user_token: str = typer.Option(
        None, "--user-token", envvar="SOBRE_GLPI_USER_TOKEN", help="GLPI: your remote access key."
    ),
    entity: str = typer.Option(
        None, "--entity", help="GLPI: the entity (id or name) to read, with its children."
    ),
    full: bool = typer.Option(
        False, "--full", help="GLPI: read everything, not only what changed since last time."
    ),
    item_types: str = typer.Option(
        None, "--item-types", help=f"GLPI: the item types to read (default: all of {ITEM_TYPES})."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
    home: str = _HOME,
) -> None:
    """Import an inventory file (GLPI export, NumEcoEval/G4IT template or Sobre format), or GLPI's API."""
    from_api = path == "glpi" and url is not None
    try:
        cfg = settings(ctx, home)
        if rejects is not None:
            writable_file(rejects, "rejects")
        if from_api:
            summaries = _import_glpi(
                cfg,
                org,
                url,
                app_token,
                user_token,
                entity,
                full,
                item_types,
                site_level,
                _reference(reference_date),
                dry_run,
                strict,
                as_json,
            )
        else:
            if path == "glpi" and not Path(path).exists():
                raise InputError(
                    "no file named glpi: to read from the GLPI API give --url, --app-token and --user-token",
                    expected="sobre import glpi --url URL --app-token T --user-token U",
                )
            summaries = [
                _import_path(
                    cfg,
                    org,
                    Path(path),
                    kind,
                    fmt,
                    dry_run,
                    strict,
                    rejects,
                    sheet,
                    item_type,
                    site_level,
                    _reference(reference_date),
                    as_json,
                )
            ]
    except SobreError as exc:
        if as_json:
            print_json({"error": safe_text(exc), "exit_code": exc.exit_code})
            raise typer.Exit(exc.exit_code) from None
        raise
    if as_json:
        # One summary per item type read from the API (a list); one for a file.
        print_json([s.to_dict() for s in summaries] if from_api else summaries[0].to_dict())
    else:
        for summary in summaries:
            _print_summary(summary)
    codes = [s.exit_code for s in summaries] or [0]
    raise typer.Exit(2 if all(c == 2 for c in codes) else max(codes))


def _import_path(
    cfg: Any,
    org: str,
    path: Path,
    kind: str | None,
    fmt: str,
    dry_run: bool,
    strict: bool,
    rejects: Path | None,
    sheet: str | None,
    item_type: str | None,
    site_level: int,
    reference_date: date | None,
    as_json: bool,
) -> ImportSummary:
    from sobre.inventory.importer import import_file

    def run(progress: Any) -> ImportSummary:
        return import_file(
            cfg.database_url,
            org,
            path,
            kind=kind,
            fmt=fmt,
            dry_run=dry_run,
            strict=strict,
            rejects=rejects,
            rejects_dir=cfg.rejects_dir,
            sheet=sheet,
            progress=progress,
            item_type=item_type,
            site_level=site_level,
            reference_date=reference_date,
            on_wait=_waiting,
        )

    return run(None) if as_json else _with_progress(f"Importing {path.name}", run)


def _import_glpi(
    cfg: Any,
    org: str,
    url: str,
    app_token: str | None,
    user_token: str | None,
    entity: str | None,
    full: bool,
    item_types: str | None,
    site_level: int,
    reference_date: date | None,
    dry_run: bool,
    strict: bool,
    as_json: bool,
) -> list[ImportSummary]:
    from sobre.inventory import glpi_sync

    if not user_token:
        raise InputError(
            "the GLPI API needs your remote access key",
            column="--user-token",
            expected="--user-token TOKEN (or SOBRE_GLPI_USER_TOKEN)",
        )
    types = [t.strip() for t in item_types.split(",") if t.strip()] if item_types else None

    def notice(text: str) -> None:
        if not as_json:
            err_console.print(literal(text))

    return glpi_sync.sync(
        cfg.database_url,
        org,
        glpi_sync.GlpiClient(url, app_token=app_token, user_token=user_token),
        entity=entity,
        full=full,
        item_types=types,
        site_level=site_level,
        reference_date=reference_date,
        dry_run=dry_run,
        strict=strict,
        rejects_dir=cfg.rejects_dir,
        on_wait=_waiting,
        notice=notice,
    )


def export_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="File to write."),
    org: str = _ORG,
    kind: str = typer.Option("equipment", "--kind", help=f"One of {', '.join(KINDS)}."),
    fmt: str = typer.Option(
        "csv", "--format", help="csv, xlsx or json; ansible (an Ansible inventory) with the service desk."
    ),
    home: str = _HOME,
) -> None:
    """Export one kind of inventory rows in Sobre's format (re-importable as is), or another format that a
    capability provides as ``inventory.export.<format>(database_url, org, path) -> count``."""
    from sobre.inventory import exporter

    cfg = settings(ctx, home)
    writable_file(path, "export")
    if fmt not in exporter.EXPORT_FORMATS:
        from sobre.core.capabilities import provider

        other = provider(f"inventory.export.{fmt}")
        if other is None:
            raise InputError(
                "unknown export format",
                column="--format",
                value=fmt,
                expected=", ".join(exporter.EXPORT_FORMATS),
            )
        n = other(cfg.database_url, org, path)
        console.print(literal(f"Exported {n} entries ({fmt}) to {path}"))
        return
    n = exporter.export(cfg.database_url, org, kind, fmt, path)
    console.print(literal(f"Exported {n} {kind} rows to {path}"))


@inventory_app.command("stats")
@friendly_errors
def stats_command(
    ctx: typer.Context,
    org: str = _ORG,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """Counts of the inventory: tables, categories, statuses, data quality, model reviews."""
    from rich.table import Table

    from sobre.inventory import service

    data = service.stats(settings(ctx, home).database_url, org)
    if as_json:
        print_json(data)
        return
    table = Table("table", "rows", title=literal(f"Inventory of {org}"))
    for name, n in data["counts"].items():
        table.add_row(name, str(n))
    console.print(table)
    cats = Table("category", "rows", "quantity", title="Equipment by category")
    for cat, v in data["equipment_by_category"].items():
        cats.add_row(literal(cat), str(v["rows"]), f"{v['quantity']:g}")
    console.print(cats)
    quality = ", ".join(f"{k}: {v['rows']}" for k, v in data["equipment_by_quality"].items())
    console.print(literal(f"Data quality: {quality or '-'}"))
    console.print(
        Text(
            f"Matched to a known model: {data['equipment_with_model_ref']}; "
            f"open model reviews: {data['open_model_reviews']}"
        )
    )


@inventory_app.command("list")
@friendly_errors
def list_command(
    ctx: typer.Context,
    org: str = _ORG,
    category: str = typer.Option(None, "--category", help="Only this category."),
    limit: int = typer.Option(None, "--limit", min=1, help="At most this many rows (1 or more)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """List equipment.  Names are printed literally (no markup, no control characters)."""
    from rich.console import Console
    from rich.table import Table

    from sobre.inventory import service

    rows = service.list_equipment(settings(ctx, home).database_url, org, category=category, limit=limit)
    if as_json:
        print_json(rows)
        return
    columns = [
        "name",
        "category",
        "manufacturer",
        "model",
        "quantity",
        "status",
        "site",
        "department",
        "data_quality",
    ]
    table = Table(*columns)
    for r in rows:
        # literal() never interprets Rich markup and drops escape sequences: "[red]x[/]" shows as written.
        table.add_row(*(literal("" if r[c] is None else r[c]) for c in columns))
    # Piped output is read by scripts and people alike: never cut names to a guessed 80-column width.
    out = Console(file=sys.stdout, width=None if sys.stdout.isatty() else 250)
    out.print(table)


def register(app: typer.Typer) -> None:
    """Add this capability's commands to the root app."""
    app.command("import")(friendly_errors(import_command))
    app.command("export")(friendly_errors(export_command))
    app.add_typer(inventory_app, name="inventory")
    from sobre.inventory.services_cli import service_app

    app.add_typer(service_app, name="service")
