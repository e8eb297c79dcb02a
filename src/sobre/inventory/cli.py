"""``sobre import``, ``sobre export`` and ``sobre inventory stats|list``."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, err_console, friendly_errors, print_json, settings
from sobre.core.errors import SobreError
from sobre.inventory import exporter, service
from sobre.inventory.importer import ImportSummary, import_file
from sobre.inventory.mappings import KINDS

inventory_app = typer.Typer(
    help="The inventory of an organisation's information system.", no_args_is_help=True
)

_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_ORG = typer.Option(..., "--org", help="Organisation name.")


def _print_summary(s: ImportSummary) -> None:
    verb = "Would import" if s.dry_run else "Imported"
    if s.refused:
        console.print(
            Text(f"Refused (--strict): {s.rejected} of {s.rows_read} rows rejected; nothing imported.")
        )
    else:
        console.print(
            Text(
                f"{verb} {s.kind} ({s.format}): {s.rows_read} rows read, {s.inserted} inserted, "
                f"{s.updated} updated, {s.rejected} rejected."
            )
        )
    for kind, counts in s.by_kind.items():
        if kind != s.kind:
            console.print(
                Text(f"  including {kind}: {counts['inserted']} inserted, {counts['updated']} updated")
            )
    if s.rejects_path:
        console.print(Text(f"Rejected rows and reasons: {s.rejects_path}"))
    if s.review_count:
        console.print(Text(f"{s.review_count} ambiguous model(s) to review: see 'sobre inventory stats'."))
    for w in s.warnings:
        console.print(Text(f"Warning: {w}"), style="yellow")


def import_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="CSV or XLSX file."),
    org: str = _ORG,
    kind: str = typer.Option(None, "--kind", help=f"One of {', '.join(KINDS)} (default: detected)."),
    fmt: str = typer.Option("auto", "--format", help="auto, glpi, numecoeval or sobre."),
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Validate and show what would happen; write nothing."
    ),
    strict: bool = typer.Option(False, "--strict", help="Refuse the whole file if any row is rejected."),
    rejects: Path = typer.Option(None, "--rejects", help="Where to write rejected rows (CSV)."),
    sheet: str = typer.Option(None, "--sheet", help="XLSX sheet to read (default: the first)."),
    as_json: bool = typer.Option(False, "--json", help="Print a machine-readable summary."),
    home: str = _HOME,
) -> None:
    """Import an inventory file (GLPI export, NumEcoEval/G4IT template or Sobre format)."""
    cfg = settings(ctx, home)
    try:
        if as_json:
            summary = import_file(
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
            )
        else:
            with Progress(
                TextColumn("[progress.description]{task.description}"),
                BarColumn(),
                TextColumn("{task.percentage:>3.0f}%"),
                TimeElapsedColumn(),
                console=err_console,
                transient=True,
            ) as bar:
                task = bar.add_task(f"Importing {path.name}", total=None)
                summary = import_file(
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
                    progress=lambda done, total: bar.update(task, completed=done, total=total),
                )
    except SobreError as exc:
        if as_json:
            print_json({"error": str(exc), "exit_code": exc.exit_code})
            raise typer.Exit(exc.exit_code) from None
        raise
    if as_json:
        print_json(summary.to_dict())
    else:
        _print_summary(summary)
    raise typer.Exit(summary.exit_code)


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
    if fmt not in exporter.EXPORT_FORMATS:
        from sobre.core.capabilities import provider

        other = provider(f"inventory.export.{fmt}")
        if other is None:
            known = ", ".join(exporter.EXPORT_FORMATS)
            raise SobreError(f"unknown export format {fmt!r} (expected: {known})")
        n = other(settings(ctx, home).database_url, org, path)
        console.print(Text(f"Exported {n} entries ({fmt}) to {path}"))
        return
    n = exporter.export(settings(ctx, home).database_url, org, kind, fmt, path)
    console.print(Text(f"Exported {n} {kind} rows to {path}"))


@inventory_app.command("stats")
@friendly_errors
def stats_command(
    ctx: typer.Context,
    org: str = _ORG,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """Counts of the inventory: tables, categories, statuses, data quality, model reviews."""
    data = service.stats(settings(ctx, home).database_url, org)
    if as_json:
        print_json(data)
        return
    table = Table("table", "rows", title=Text(f"Inventory of {org}"))
    for name, n in data["counts"].items():
        table.add_row(name, str(n))
    console.print(table)
    cats = Table("category", "rows", "quantity", title="Equipment by category")
    for cat, v in data["equipment_by_category"].items():
        cats.add_row(cat, str(v["rows"]), f"{v['quantity']:g}")
    console.print(cats)
    quality = ", ".join(f"{k}: {v['rows']}" for k, v in data["equipment_by_quality"].items())
    console.print(Text(f"Data quality: {quality or '-'}"))
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
    limit: int = typer.Option(None, "--limit", help="At most this many rows."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """List equipment.  Names are printed literally (no markup is interpreted)."""
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
        # Text() never interprets Rich markup: a name like "[red]x[/]" or "<script>" shows as written.
        table.add_row(*(Text("" if r[c] is None else str(r[c])) for c in columns))
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
