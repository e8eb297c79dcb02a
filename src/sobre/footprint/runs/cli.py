"""``sobre footprint``: run the engine, show, explain and compare results."""

from __future__ import annotations

import csv
import io
import sys
from datetime import date
from typing import Any

import polars as pl
import typer
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from sobre.core.cli_support import console, friendly_errors, print_json, settings
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.footprint.boavizta import HttpBoaviztClient
from sobre.footprint.runs import queries, service
from sobre.orgs import service as orgs

footprint_app = typer.Typer(help="Environmental footprint of the information system.", no_args_is_help=True)

_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME, else a per-user folder).")
_ORG = typer.Option(..., "--org", help="Organisation name.")
_FORMATS = ("table", "json", "csv")
_STEPS = {
    "load": "Loading inventory and factors",
    "boavizta": "Asking BoaviztAPI for servers and cloud instances",
    "compute": "Computing",
    "store": "Storing results",
    "done": "Done",
}


def fmt(value: float | None) -> str:
    """A figure for a table: thousands grouped, about four significant digits; unknown is never '0'."""
    if value is None:
        return "unknown"
    size = abs(value)
    if size >= 100:
        return f"{value:,.1f}"
    if size == 0:
        return "0"
    return f"{value:.4g}"


def _with_range(value: float | None, low: float | None, high: float | None) -> str:
    if value is None:
        return "unknown"
    if low is None or high is None or (low == value == high):
        return fmt(value)
    return f"{fmt(value)} [{fmt(low)} – {fmt(high)}]"


def _check_format(fmt_: str) -> None:
    if fmt_ not in _FORMATS:
        raise InputError("unknown output format", column="--format", value=fmt_, expected=", ".join(_FORMATS))


def _write_csv(rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    sys.stdout.write(out.getvalue())


def _parse_date(text: str | None) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column="--reference-date", value=text, expected="YYYY-MM-DD") from None


@footprint_app.command("run")
@friendly_errors
def run(
    ctx: typer.Context,
    org: str = _ORG,
    factor_set: str = typer.Option(None, "--factor-set", help="Factor set id (default: the default set)."),
    version: str = typer.Option(None, "--version", help="Factor set version (default: its newest)."),
    profile: str = typer.Option(
        "sobre", "--profile", help="Methodology: sobre or g4it (NumEcoEval-compatible)."
    ),
    reference_date: str = typer.Option(None, "--reference-date", help="Date of the assessment (YYYY-MM-DD)."),
    boavizta_url: str = typer.Option(
        None,
        "--boavizta-url",
        help="A BoaviztAPI server (e.g. http://127.0.0.1:5000): servers and cloud instances use its figures.",
    ),
    measured_energy: bool = typer.Option(
        True,
        "--measured-energy/--no-measured-energy",
        help="Use supervision's measured yearly energy where it exists (default).",
    ),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """Compute the organisation's footprint and store it as a new run."""
    url = settings(ctx, home).database_url
    when = _parse_date(reference_date)
    client = HttpBoaviztClient(boavizta_url) if boavizta_url else None
    if as_json:
        summary = service.run_footprint(
            url,
            org,
            factor_set=factor_set,
            version=version,
            profile=profile,
            reference_date=when,
            boavizta=client,
            measured_energy=measured_energy,
        )
        print_json(summary.to_dict())
        return
    with Progress(
        SpinnerColumn(),
        TextColumn("{task.description}"),
        TimeElapsedColumn(),
        console=console,
        transient=True,
    ) as bar:
        task = bar.add_task("Starting", total=None)
        summary = service.run_footprint(
            url,
            org,
            factor_set=factor_set,
            version=version,
            profile=profile,
            reference_date=when,
            progress=lambda step: bar.update(task, description=_STEPS.get(step, step)),
            boavizta=client,
            measured_energy=measured_energy,
        )
    console.print(
        f"Run [bold]{summary.id}[/] for {summary.org_name}: {summary.item_count} items, "
        f"profile {summary.profile} ({summary.methodology_version}), factor set "
        f"{summary.factor_set_id} {summary.factor_set_version}, {summary.duration_s or 0:.1f} s.",
        highlight=False,
    )
    _print_totals(summary)


def _print_totals(meta: service.RunMeta) -> None:
    table = Table("criterion", "total (range)", "unit", "items unknown", title="Annual footprint")
    for code, row in meta.totals.items():
        table.add_row(
            row.get("label_en") or code,
            _with_range(row["value"], row["low"], row["high"]),
            row.get("unit") or "",
            str(row["unknown"]),
        )
    console.print(table)
    from sobre.footprint.engine.messages import describe

    for warning in meta.warnings[:20]:
        console.print(f"[yellow]warning:[/] {describe(warning, 'en')}", highlight=False)
    if len(meta.warnings) > 20:
        console.print(f"… and {len(meta.warnings) - 20} more warnings (see --json)", highlight=False)


@footprint_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    org: str = _ORG,
    by: str = typer.Option(
        "stage",
        "--by",
        help="stage, category, site, department, application, criterion, item, or any item column "
        "(data_quality, country, lifetime_method…).",
    ),
    criterion: str = typer.Option(None, "--criterion", help="Criterion code (default: climate change)."),
    stage: str = typer.Option(None, "--stage", help="manufacturing, distribution, use or end_of_life."),
    per: str = typer.Option(None, "--per", help="unit, user (applications) or employee."),
    run_id: int = typer.Option(None, "--run", help="Run id (default: the latest successful run)."),
    where: list[str] = typer.Option(
        None, "--where", help="Keep items whose COLUMN has VALUE: --where site_id=3 (repeatable)."
    ),
    limit: int = typer.Option(None, "--limit", min=1, help="Only the largest N rows."),
    output: str = typer.Option("table", "--format", help="table, json or csv."),
    home: str = _HOME,
) -> None:
    """Break the footprint down by stage, category, site, department, application, criterion or item."""
    _check_format(output)
    rows = queries.breakdown(
        settings(ctx, home).database_url,
        org,
        by,
        criterion=criterion,
        stage=stage,
        run_id=run_id,
        per=per,
        where=_where(where),
        limit=limit,
    )
    if output == "json":
        print_json(rows)
        return
    if output == "csv":
        _write_csv(rows)
        return
    if not rows:
        console.print("No item in this breakdown (the run has no result in scope).")
        return
    first = rows[0]
    title = (
        f"Run {first.get('run_id', '')}: by {by}"
        + (f", {first['criterion']}" if by != "criterion" and first else "")
        + (f", {stage}" if stage else "")
    )
    table = Table(by, "value (range)", "unit", "share", "items", "unknown", title=title)
    for row in rows:
        share = "" if row["share"] is None else f"{row['share']:.1%}"
        table.add_row(
            str(row["label"]),
            _with_range(row["value"], row["low"], row["high"]),
            row["unit"],
            share,
            str(row["items"]),
            str(row["unknown"]),
        )
    console.print(table)


def _where(pairs: list[str] | None) -> dict[str, Any]:
    """``COLUMN=VALUE`` options → filters (the value is read as the column's type, ``-`` is a missing
    value); one column given twice keeps either value."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        column, sep, text = pair.partition("=")
        if not sep or not column.strip():
            raise InputError("not a filter", column="--where", value=pair, expected="COLUMN=VALUE")
        value: Any = None if text == "-" else text
        key = column.strip()
        if key in out:
            previous = out[key] if isinstance(out[key], list) else [out[key]]
            out[key] = [*previous, value]
        else:
            out[key] = value
    return out


@footprint_app.command("explain")
@friendly_errors
def explain(
    ctx: typer.Context,
    item: str = typer.Argument(..., help="Item name, or KIND:ID (e.g. equipment:12, vm:3, application:7)."),
    org: str = _ORG,
    run_id: int = typer.Option(None, "--run", help="Run id (default: the latest successful run)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """Explain one item's figures: formula, inputs, factor rows and assumptions."""
    data = service.explain_item(settings(ctx, home).database_url, org, item, run_id)
    if as_json:
        print_json(data)
        return
    it = data["item"]
    console.print(
        f"[bold]{it['item_kind']}:{it['item_id']} {it['name'] or ''}[/] (run {data['run']['id']}, "
        f"{data['run']['profile']})",
        highlight=False,
    )
    trace = Table("field", "value", title="Inputs and methods")
    for key, value in it.items():
        if value is not None and key not in ("item_kind", "item_id", "name"):
            trace.add_row(key, str(value))
    console.print(trace)
    impacts = Table("criterion", "stage", "value (range)", title="Impacts")
    for row in data["impacts"]:
        impacts.add_row(row["criterion"], row["stage"], _with_range(row["value"], row["low"], row["high"]))
    console.print(impacts)
    console.print("[bold]Explanation[/]")
    print_json(data["explanation"])
    for warning in data["warnings"] + data["explanation"].get("warnings_text", []):
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)


@footprint_app.command("compare")
@friendly_errors
def compare(
    ctx: typer.Context,
    run_a: int = typer.Argument(..., help="First run id."),
    run_b: int = typer.Argument(..., help="Second run id."),
    org: str = _ORG,
    output: str = typer.Option("table", "--format", help="table, json or csv."),
    show_all: bool = typer.Option(False, "--all", help="Table: also show the rows that agree."),
    by: str = typer.Option(
        None, "--by", help="Compare one breakdown instead of every item (category, site, department…)."
    ),
    criterion: str = typer.Option(None, "--criterion", help="With --by: criterion code (default: climate)."),
    stage: str = typer.Option(None, "--stage", help="With --by: one stage."),
    home: str = _HOME,
) -> None:
    """Compare two runs item by item (e.g. a Sobre run and a G4IT-profile run) and say why they differ."""
    _check_format(output)
    url = settings(ctx, home).database_url
    if by is not None:
        _compare_breakdown(url, org, run_a, run_b, by, criterion, stage, output)
        return
    with session_scope(url) as session:
        organisation = orgs.get(session, org)
        for rid in (run_a, run_b):
            service.resolve_run(session, organisation, rid)
    frame = service.compare_runs(url, run_a, run_b)
    if output == "json":
        print_json(frame.to_dicts())
        return
    if output == "csv":
        sys.stdout.write(frame.write_csv())
        return
    a, b = pl.col("value_a"), pl.col("value_b")
    differs = (a.is_null() != b.is_null()) | (
        a.is_not_null() & b.is_not_null() & ((a - b).abs() > 1e-9 * pl.max_horizontal(a.abs(), b.abs()))
    )
    shown = frame if show_all else frame.filter(differs)
    table = Table(
        "item",
        "criterion",
        "stage",
        f"run {run_a}",
        f"run {run_b}",
        "difference",
        "why",
        title=f"Run {run_a} vs run {run_b}: {shown.height} of {frame.height} rows"
        + ("" if show_all else " differ"),
    )
    for r in shown.iter_rows(named=True):
        rel = "" if r["relative_difference"] is None else f" ({r['relative_difference']:+.1%})"
        diff = "" if r["difference"] is None else fmt(r["difference"]) + rel
        table.add_row(
            f"{r['item_kind']}:{r['item_id']} {r['name'] or ''}",
            r["criterion"],
            r["stage"],
            fmt(r["value_a"]),
            fmt(r["value_b"]),
            diff,
            r["why"] or "",
        )
    console.print(table)


def _compare_breakdown(
    url: str, org: str, run_a: int, run_b: int, by: str, criterion: str | None, stage: str | None, output: str
) -> None:
    rows = queries.compare_breakdown(url, org, run_a, run_b, by, criterion=criterion, stage=stage)
    if output == "json":
        print_json(rows)
        return
    if output == "csv":
        _write_csv(rows)
        return
    title = f"Run {run_a} vs run {run_b} by {by}" + (f", {rows[0]['criterion']}" if rows else "")
    table = Table(by, f"run {run_a}", f"run {run_b}", "difference", "unit", title=title)
    for r in rows:
        rel = "" if r["relative_difference"] is None else f" ({r['relative_difference']:+.1%})"
        diff = "" if r["difference"] is None else fmt(r["difference"]) + rel
        table.add_row(str(r["label"]), fmt(r["value_a"]), fmt(r["value_b"]), diff, r["unit"] or "")
    console.print(table)


@footprint_app.command("delete")
@friendly_errors
def delete(
    ctx: typer.Context,
    run_id: int = typer.Argument(..., help="Run id (see 'sobre footprint runs')."),
    org: str = typer.Option(None, "--org", help="Only if the run belongs to this organisation."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """Delete a footprint run: its record, aggregates and stored results."""
    meta = service.delete_run(settings(ctx, home).database_url, run_id, org)
    if as_json:
        print_json(meta.to_dict())
        return
    size = ""
    if meta.dataset_bytes is not None:
        amount = meta.dataset_bytes
        size = f", {amount / 1e6:,.1f} MB" if amount >= 1e6 else f", {amount / 1e3:,.1f} kB"
        size += " of results freed"
    console.print(
        f"Deleted run {meta.id} of {meta.org_name} ({meta.status}, "
        f"{meta.created_at:%Y-%m-%d %H:%M}, {meta.item_count or 0} items{size}).",
        highlight=False,
        markup=False,
        soft_wrap=True,
    )


@footprint_app.command("runs")
@friendly_errors
def runs(
    ctx: typer.Context,
    org: str = _ORG,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """List the organisation's footprint runs, newest first."""
    metas = service.list_runs(settings(ctx, home).database_url, org)
    if as_json:
        print_json([m.to_dict() for m in metas])
        return
    table = Table(
        "id",
        "created",
        "reference date",
        "profile",
        "factor set",
        "status",
        "items",
        "seconds",
        title=f"Footprint runs of {org}",
    )
    for m in metas:
        table.add_row(
            str(m.id),
            m.created_at.strftime("%Y-%m-%d %H:%M"),
            m.reference_date.isoformat(),
            m.profile,
            f"{m.factor_set_id} {m.factor_set_version}",
            m.status + (f" ({m.error})" if m.error else ""),
            "" if m.item_count is None else str(m.item_count),
            "" if m.duration_s is None else f"{m.duration_s:.1f}",
        )
    console.print(table)
