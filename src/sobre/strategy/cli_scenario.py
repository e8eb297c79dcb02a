"""``sobre scenario …``: what-if scenarios, their changes, and their effect recomputed by the footprint
engine."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from sobre.core.cli_support import console, friendly_errors, print_json
from sobre.core.db import session_scope
from sobre.strategy.cli_common import HOME, JSON, ORG, database_url, number

scenario_app = typer.Typer(help="What-if scenarios recomputed by the footprint engine.", no_args_is_help=True)


@scenario_app.command("create")
@friendly_errors
def scenario_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    org: str = ORG,
    description: str = typer.Option("", "--description", help="What the scenario explores."),
    home: str = HOME,
) -> None:
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        service.create_scenario(session, org, name, description)
    console.print(f"Scenario {name!r} created.")


@scenario_app.command("add-change")
@friendly_errors
def scenario_add_change(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    kind: str = typer.Argument(
        ...,
        help="extend_lifetime, refurbished, fewer_devices, consolidate_hosts, "
        "retire_idle_hosts, switch_off, reuse, electricity_factor, move_to_site or delete_data.",
    ),
    org: str = ORG,
    category: str = typer.Option(None, "--category", help="Equipment category acted on (laptop, monitor…)."),
    years: float = typer.Option(None, "--years", help="extend_lifetime: years added."),
    to_years: float = typer.Option(None, "--to-years", help="extend_lifetime: lifetime reached."),
    share: float = typer.Option(
        None,
        "--share",
        help="Share 0–1 (refurbished, fewer_devices, reuse; delete_data: of the stored data).",
    ),
    target_load: float = typer.Option(None, "--target-load", help="consolidate_hosts: load 0–1 aimed at."),
    hours: float = typer.Option(None, "--hours-per-day", help="switch_off: hours on per day."),
    days: float = typer.Option(None, "--days-per-year", help="switch_off: days on per year."),
    site: str = typer.Option(None, "--site", help="electricity_factor: the site's name."),
    factor: float = typer.Option(None, "--kgco2e-per-kwh", help="electricity_factor: the contract's factor."),
    to_site: str = typer.Option(None, "--to-site", help="move_to_site: the site they move to."),
    from_site: str = typer.Option(
        None, "--from-site", help="move_to_site: move every VM hosted at this site."
    ),
    vms: str = typer.Option(None, "--vms", help="move_to_site: VM names, comma-separated."),
    applications: str = typer.Option(
        None,
        "--applications",
        help="move_to_site: application names (their VMs and servers), comma-separated.",
    ),
    gb: float = typer.Option(None, "--gb", help="delete_data: GB of data deleted (one copy)."),
    tb: float = typer.Option(None, "--tb", help="delete_data: TB of data deleted (1 TB = 1,000 GB)."),
    volume: str = typer.Option(None, "--volume", help="delete_data: storage volume names, comma-separated."),
    application: str = typer.Option(None, "--application", help="delete_data: the application's volumes."),
    rot_scan: int = typer.Option(None, "--rot-scan", help="delete_data: what this data scan's plan deletes."),
    finding: str = typer.Option(None, "--finding", help="delete_data: one finding kind of that plan."),
    home: str = HOME,
) -> None:
    from sobre.strategy import service

    params = {
        "category": category,
        "years": years,
        "to_years": to_years,
        "share": share,
        "target_load": target_load,
        "hours_per_day": hours,
        "days_per_year": days,
        "site": site,
        "kgco2e_per_kwh": factor,
        "to_site": to_site,
        "from_site": from_site,
        "vms": vms,
        "applications": applications,
        "gb": gb,
        "tb": tb,
        "volume": volume,
        "application": application,
        "rot_scan": rot_scan,
        "rot_finding": finding,
    }
    with session_scope(database_url(ctx, home)) as session:
        spec = service.add_change(
            session, org, name, kind, {k: v for k, v in params.items() if v is not None}
        )
    console.print(f"Added {spec.kind} {spec.params} to {name!r}.")


def _effect_table(views: list[Any], criterion: str | None) -> Table:
    first = next((v.effect for v in views if v.effect), None)
    codes = [criterion] if criterion else (list(first.units) if first else [])
    table = Table(title="Delta per year (after − before); range in brackets")
    table.add_column("Criterion / stage")
    for v in views:
        table.add_column(v.name, justify="right")
    for code in codes:
        for stage in ("total", "manufacturing", "distribution", "use", "end_of_life"):
            row = [f"{code} ({first.units.get(code, '')})" if stage == "total" else f"  {stage}"]  # type: ignore[union-attr]
            for v in views:
                cell = v.effect.cells.get(code, {}).get(stage) if v.effect else None
                if cell is None or cell.delta is None:
                    row.append("unknown")
                    continue
                text = f"{cell.delta:+,.2f} [{cell.low:+,.2f} … {cell.high:+,.2f}]"
                if stage == "total" and v.effect.relative(code) is not None:
                    text += f" ({100 * v.effect.relative(code):+.1f} %)"
                row.append(text)
            table.add_row(*row)
    return table


@scenario_app.command("run")
@friendly_errors
def scenario_run(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    org: str = ORG,
    criterion: str = typer.Option(None, "--criterion", help="Show one criterion only."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Recompute the scenario with the footprint engine: the delta per criterion and stage, with ranges."""
    from sobre.strategy import service

    view = service.run_scenario(database_url(ctx, home), org, name)
    if as_json:
        print_json(view.to_dict())
        return
    for change in view.effect.changes if view.effect else []:
        console.print(
            f"- {change['kind']} {change['params']}: {change['rows']} rows, {change['units']:g} units"
        )
    console.print(_effect_table([view], criterion))


@scenario_app.command("compare")
@friendly_errors
def scenario_compare(
    ctx: typer.Context,
    names: list[str] = typer.Argument(..., help="Scenario names."),
    org: str = ORG,
    criterion: str = typer.Option(None, "--criterion", help="Show one criterion only."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """The scenarios side by side on the same baseline."""
    from sobre.strategy import service

    views = service.compare(database_url(ctx, home), org, names)
    if as_json:
        print_json([v.to_dict() for v in views])
        return
    console.print(_effect_table(views, criterion))


@scenario_app.command("list")
@friendly_errors
def scenario_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        views = service.list_scenarios(session, org)
        data = [v.to_dict() for v in views]
    if as_json:
        print_json(data)
        return
    for v in views:
        d = v.effect.delta("climate_change") if v.effect else None
        console.print(f"{v.name}: {len(v.changes)} changes, climate change delta {number(d)}")


@scenario_app.command("show")
@friendly_errors
def scenario_show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    org: str = ORG,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """The scenario's changes, numbered as 'remove-change' takes them, and its last computed effect."""
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        view = service.get_scenario(session, org, name)
    if as_json:
        print_json(view.to_dict())
        return
    console.print(f"{view.name}: {view.description}" if view.description else view.name)
    for i, change in enumerate(view.changes, start=1):
        console.print(f"{i}. {change.kind} {change.params}")
    if view.effect is None:
        console.print("Not computed since its last change: run 'sobre scenario run'.")
    else:
        console.print(_effect_table([view], None))


@scenario_app.command("remove-change")
@friendly_errors
def scenario_remove_change(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    position: int = typer.Argument(..., min=1, help="Which change: 1 for the first ('scenario show')."),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Remove one change; the later ones move up and the scenario is to be run again."""
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        spec = service.remove_change(session, org, name, position - 1)
    console.print(f"Removed {spec.kind} {spec.params} from {name!r}.")


@scenario_app.command("delete")
@friendly_errors
def scenario_delete(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Delete a scenario and its changes (actions made from it keep their avoided impact)."""
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        service.delete_scenario(session, org, name)
    console.print(f"Scenario {name!r} deleted.")
