"""CLI of the report: ``sobre demo``, ``sobre report diagnosis`` and ``sobre report export``."""

from __future__ import annotations

from pathlib import Path

import typer

from sobre.core.cli_support import console, friendly_errors, settings, writable_file
from sobre.core.errors import InputError

report_app = typer.Typer(
    help="Diagnosis report (HTML, PDF) and exports of results (CSV, XLSX, JSON).", no_args_is_help=True
)

_LANG_HELP = "Language of the report: fr or en."


@friendly_errors
def demo(
    home: Path = typer.Option(
        Path("sobre-demo/home"), "--home", help="Demo data folder (rebuilt on each run)."
    ),
    out: Path = typer.Option(Path("sobre-demo"), "--out", help="Where the report, exports and inputs go."),
    lang: str = typer.Option("fr", "--lang", help=_LANG_HELP),
    seed: int = typer.Option(2026, "--seed", help="Seed of the generated organisation."),
) -> None:
    """Create the demo town, import it, compute its footprint and write its diagnosis report and exports."""
    from sobre.demo.run import run_demo

    with console.status("Building the demo organisation…") as status:
        result = run_demo(home, out, lang, seed=seed, step=lambda text: status.update(f"Demo: {text}…"))
    console.print(
        f"[bold]{result.organisation}[/]: footprint run {result.run_id}, "
        f"{sum(i.inserted for i in result.imports)} rows imported, {result.rejected} rejected "
        f"(rejects in {result.home / 'rejects'}).",
        highlight=False,
    )
    console.print(f"Report (HTML): {result.html[0].as_uri()}", highlight=False, soft_wrap=True)
    for path in result.html[1:] + result.pdf + result.exports + result.documents:
        console.print(f"  {path}", highlight=False, soft_wrap=True)
    console.print(f"Inputs: {result.out / 'inputs'}   Data: {result.home}", highlight=False, soft_wrap=True)
    for note in result.notes:
        console.print(note, highlight=False, markup=False, soft_wrap=True)


@report_app.command("diagnosis")
@friendly_errors
def diagnosis(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="Organisation name."),
    fmt: str = typer.Option("html", "--format", help="html or pdf."),
    lang: str = typer.Option("fr", "--lang", help=_LANG_HELP),
    out: Path = typer.Option(None, "--out", help="File or folder to write (default: <home>/reports/)."),
    run: int = typer.Option(None, "--run", help="Footprint run id (default: the latest; computed if none)."),
    author: str = typer.Option(None, "--author", help="Author shown on the cover page."),
    home: str = typer.Option(None, "--home", help="Data folder."),
) -> None:
    """Write the diagnosis report of an organisation."""
    from sobre.orgs.service import slug
    from sobre.reporting.service import build_report_data, write_report

    cfg = settings(ctx, home)
    target = out or cfg.reports_dir
    if out is None or out.is_dir():
        # The organisation's slug in the name: reports of several organisations never overwrite each other.
        target.mkdir(parents=True, exist_ok=True)
        target = target / f"diagnostic-{slug(org)}-{lang}.{fmt}"
    writable_file(target, "report")
    if fmt == "pdf":
        from sobre.reporting import render

        render.warm_pdf([lang])  # WeasyPrint's import and fonts while the data is read
    with console.status("Building the report…"):
        data = build_report_data(cfg.database_url, org, run, author=author)
        written = write_report(data, fmt, lang, target)
    console.print(f"Report written: {written.path.resolve().as_uri()}", highlight=False, soft_wrap=True)


@report_app.command("export")
@friendly_errors
def export(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="Organisation name."),
    fmt: str = typer.Option(..., "--format", help="csv, xlsx or json."),
    out: Path = typer.Option(..., "--out", help="File (or folder) to write."),
    run: int = typer.Option(None, "--run", help="Footprint run id (default: the latest; computed if none)."),
    items: bool = typer.Option(
        False, "--items", help="Every item's figures per stage and criterion with status and source (CSV)."
    ),
    home: str = typer.Option(None, "--home", help="Data folder."),
) -> None:
    """Export the report's figures (totals, breakdowns, hotspots, idle hosts, recommendations), or with
    --items every item's figures."""
    from sobre.orgs.service import slug
    from sobre.reporting import exports
    from sobre.reporting.service import build_report_data, report_inputs

    cfg = settings(ctx, home)
    if items:
        if fmt != "csv":
            raise InputError("the item-level export is CSV", column="--format", value=fmt, expected="csv")
        target = out / f"diagnostic-elements-{slug(org)}.csv" if out.is_dir() else out
        writable_file(target, "export")
        path = exports.write_items(report_inputs(cfg.database_url, org, run, ahead=False), target)
        console.print(f"Exported: {path}", highlight=False, soft_wrap=True)
        return
    if out.is_dir():
        out = out / f"diagnostic-results-{slug(org)}.{fmt}"
    writable_file(out, "export")
    data = build_report_data(cfg.database_url, org, run)
    path = exports.export(data, fmt, out)
    console.print(f"Exported: {path}", highlight=False, soft_wrap=True)


def register(app: typer.Typer) -> None:
    """Add ``demo`` and the ``report`` group to the root app."""
    app.command("demo")(demo)
    app.add_typer(report_app, name="report")
