"""``sobre factors``: list, show and import factor sets; set an organisation's overrides."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from sobre.core.cli_support import console, friendly_errors, print_json, settings
from sobre.core.db import session_scope
from sobre.core.errors import InputError

factors_app = typer.Typer(help="Factor sets (versioned emission and resource factors).", no_args_is_help=True)


@factors_app.command("list")
@friendly_errors
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List the stored factor sets (the built-in default included)."""
    from sobre.footprint.factors.store import list_factor_sets

    with session_scope(settings(ctx).database_url) as session:
        sets = list_factor_sets(session)
    if as_json:
        print_json(sets)
        return
    table = Table("id", "version", "publisher", "year", "impacts", "electricity", "builtin")
    for s in sets:
        table.add_row(
            s["id"],
            s["version"],
            s["publisher"],
            str(s["year"]),
            str(s["counts"]["impacts"]),
            str(s["counts"]["electricity"]),
            "yes" if s["builtin"] else "",
        )
    console.print(table)


@factors_app.command("check")
@friendly_errors
def check(
    ctx: typer.Context,
    set_id: str = typer.Argument(None, help="Factor-set id (default: the built-in set)."),
    version: str = typer.Option(None, "--version", help="Version (default: the newest)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Check a set's criteria for consistency: ranges, signs, fossil resources within primary energy, stages
    partly missing.  Exit code 1 when an error is found (partial stages are listed, not errors)."""
    from sobre.footprint.factors.consistency import ERRORS, check_factor_set
    from sobre.footprint.factors.store import load_factor_set

    with session_scope(settings(ctx).database_url) as session:
        fs = load_factor_set(session, set_id, version)
    problems = check_factor_set(fs)
    if as_json:
        print_json([p.__dict__ for p in problems])
    else:
        table = Table(
            "problem", "table", "ref / country", "criterion", "stage", "detail", title=f"{fs.id} {fs.version}"
        )
        for p in problems:
            table.add_row(p.code, p.table, p.key, p.criterion, p.stage or "", p.message)
        console.print(table if problems else "No problem found.")
    if any(p.code in ERRORS for p in problems):
        raise typer.Exit(1)


@factors_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    set_id: str = typer.Argument(..., help="Factor-set id, e.g. sobre-default."),
    version: str = typer.Option(None, "--version", help="Version (default: the newest)."),
    criterion: str = typer.Option(None, "--criterion", help="Only rows of this criterion code."),
    ref: str = typer.Option(
        None, "--ref", help="Only impact/default rows of this ref (or electricity of this country)."
    ),
    limit: int = typer.Option(40, "--limit", help="Rows shown per table (text output)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON (all matching rows)."),
) -> None:
    """Show a factor set: metadata, row counts and rows with their sources."""
    from sobre.footprint.factors.store import load_factor_set

    with session_scope(settings(ctx).database_url) as session:
        fs = load_factor_set(session, set_id, version)
    impacts, electricity, defaults = fs.impacts, fs.electricity, fs.defaults
    if criterion:
        impacts = impacts.filter(pl.col("criterion") == criterion)
        electricity = electricity.filter(pl.col("criterion") == criterion)
    if ref:
        impacts = impacts.filter(pl.col("ref") == ref)
        defaults = defaults.filter(pl.col("ref") == ref)
        electricity = electricity.filter(pl.col("country") == ref.upper())
    counts = {
        "criteria": fs.criteria.height,
        "impacts": fs.impacts.height,
        "electricity": fs.electricity.height,
        "defaults": fs.defaults.height,
        "model_matching": fs.model_matching.height,
        "item_types": fs.item_types.height,
    }
    meta: dict[str, object] = {
        "id": fs.id,
        "version": fs.version,
        "publisher": fs.publisher,
        "year": fs.year,
        "licence": fs.licence,
        "description": fs.description,
        "counts": counts,
        "hypotheses": fs.hypotheses,
        "cloud_pue": fs.cloud_pue,
    }
    if as_json:
        print_json(
            {
                **meta,
                "criteria": fs.criteria.to_dicts(),
                "impacts": impacts.to_dicts(),
                "electricity": electricity.to_dicts(),
                "defaults": defaults.to_dicts(),
            }
        )
        return
    console.print(f"[bold]{fs.id}[/] {fs.version} — {fs.publisher}, {fs.year}", highlight=False)
    console.print(f"Licence: {fs.licence}", highlight=False)
    console.print("Rows: " + ", ".join(f"{k} {v}" for k, v in counts.items()), highlight=False)
    console.print("Hypotheses: " + ", ".join(f"{k} {v}" for k, v in fs.hypotheses.items()), highlight=False)
    if fs.cloud_pue:
        console.print("Cloud PUE: " + ", ".join(f"{k} {v}" for k, v in fs.cloud_pue.items()), highlight=False)
    for title, frame, cols in (
        ("Impacts", impacts, ["ref", "stage", "criterion", "value", "low", "high", "source"]),
        ("Electricity (per kWh)", electricity, ["country", "criterion", "value", "year", "source"]),
        ("Defaults", defaults, ["ref", "lifetime_years", "annual_kwh", "power_w", "source"]),
    ):
        if frame.height == 0:
            continue
        table = Table(
            *cols,
            title=f"{title} ({frame.height} rows{', first ' + str(limit) if frame.height > limit else ''})",
        )
        for row in frame.head(limit).iter_rows(named=True):
            table.add_row(*("" if row[c] is None else str(row[c]) for c in cols))
        console.print(table)


@factors_app.command("import")
@friendly_errors
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder of the referential (G4IT: referential/ or ref/)."),
    set_id: str = typer.Option(..., "--id", help="Id to give the set, e.g. g4it."),
    version: str = typer.Option(..., "--version", help="Version to give the set, e.g. 2025.04."),
    fmt: str = typer.Option("g4it", "--format", help="Input format (g4it)."),
    licence: str = typer.Option(None, "--licence", help="Licence of the data (default: from the source)."),
) -> None:
    """Import a factor set from files (all rows or nothing)."""
    from sobre.footprint.factors.g4it import import_g4it_referential

    if fmt != "g4it":
        raise InputError("unknown format", column="--format", value=fmt, expected="g4it")
    with session_scope(settings(ctx).database_url) as session:
        fs = import_g4it_referential(session, path, set_id, version, licence=licence)
    console.print(
        f"Imported factor set [bold]{fs.id}[/] {fs.version}: {fs.impacts.height} impact rows, "
        f"{fs.electricity.height} electricity rows, {fs.item_types.height} item types.",
        highlight=False,
    )


def _org_id(session, name: str) -> int:  # type: ignore[no-untyped-def]
    from sobre.orgs import service

    return service.get(session, name).id


@factors_app.command("override")
@friendly_errors
def override(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="Organisation name."),
    ref: str = typer.Option(..., "--ref", help="Category code (e.g. laptop) or model ref."),
    stage: str = typer.Option(..., "--stage", help="manufacturing, distribution, use or end_of_life."),
    criterion: str = typer.Option(..., "--criterion", help="Criterion code, e.g. climate_change."),
    value: float = typer.Option(..., "--value", help="Value per item, in the criterion's unit."),
    low: float = typer.Option(None, "--low", help="Low bound (default: the value)."),
    high: float = typer.Option(None, "--high", help="High bound (default: the value)."),
    source: str = typer.Option(None, "--source", help="Where the figure comes from."),
    note: str = typer.Option(None, "--note", help="Free note."),
) -> None:
    """Set the organisation's own impact factor for a category or model."""
    from sobre.footprint.factors.store import set_override

    with session_scope(settings(ctx).database_url) as session:
        row = set_override(
            session,
            _org_id(session, org),
            ref,
            stage,
            criterion,
            value,
            low=low,
            high=high,
            source=source,
            note=note,
        )
        console.print(
            f"Override set for {org}: {row.ref} {row.stage} {row.criterion} = {row.value} "
            f"[{row.low}..{row.high}]",
            highlight=False,
        )


@factors_app.command("override-default")
@friendly_errors
def override_default(
    ctx: typer.Context,
    org: str = typer.Option(..., "--org", help="Organisation name."),
    ref: str = typer.Option(..., "--ref", help="Category code (e.g. laptop) or model ref."),
    lifetime: float = typer.Option(None, "--lifetime", help="Lifetime in years."),
    power_w: float = typer.Option(None, "--power-w", help="Average power in W."),
    annual_kwh: float = typer.Option(None, "--annual-kwh", help="Yearly energy in kWh."),
    hours_per_day: float = typer.Option(None, "--hours-per-day", help="Hours of use per day."),
    days_per_year: float = typer.Option(None, "--days-per-year", help="Days of use per year."),
    source: str = typer.Option(None, "--source", help="Where the figures come from."),
) -> None:
    """Set the organisation's own lifetime or usage profile for a category or model."""
    from sobre.footprint.factors.store import set_default_override

    with session_scope(settings(ctx).database_url) as session:
        row = set_default_override(
            session,
            _org_id(session, org),
            ref,
            lifetime_years=lifetime,
            power_w=power_w,
            annual_kwh=annual_kwh,
            hours_per_day=hours_per_day,
            days_per_year=days_per_year,
            source=source,
        )
        console.print(f"Default override set for {org}: {row.ref}", highlight=False)
