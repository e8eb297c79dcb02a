"""``sobre scenario …``: what-if scenarios, their changes, and their effect recomputed by the footprint
engine."""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import typer
from rich.table import Table

from sobre.core.cli_support import console, friendly_errors, listing, print_listing
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


# The options of 'add-change', declared once: (the change's parameter, option, type, help). The command's
# signature is built from them and each given one is passed on under its parameter name.
_CHANGE_OPTIONS: tuple[tuple[str, str, type, str], ...] = (
    ("category", "--category", str, "Equipment category acted on (laptop, monitor…)."),
    ("years", "--years", float, "extend_lifetime: years added."),
    ("to_years", "--to-years", float, "extend_lifetime: lifetime reached."),
    (
        "share",
        "--share",
        float,
        "Share 0–1 (refurbished, fewer_devices, reuse; delete_data: of the stored data).",
    ),
    ("target_load", "--target-load", float, "consolidate_hosts: load 0–1 aimed at."),
    ("hours_per_day", "--hours-per-day", float, "switch_off: hours on per day."),
    ("days_per_year", "--days-per-year", float, "switch_off: days on per year."),
    ("site", "--site", str, "electricity_factor: the site's name."),
    ("kgco2e_per_kwh", "--kgco2e-per-kwh", float, "electricity_factor: the contract's factor."),
    ("to_site", "--to-site", str, "move_to_site: the site they move to."),
    ("from_site", "--from-site", str, "move_to_site: move every VM hosted at this site."),
    ("vms", "--vms", str, "move_to_site: VM names, comma-separated."),
    (
        "applications",
        "--applications",
        str,
        "move_to_site: application names (their VMs and servers), comma-separated.",
    ),
    ("gb", "--gb", float, "delete_data: GB of data deleted (one copy)."),
    ("tb", "--tb", float, "delete_data: TB of data deleted (1 TB = 1,000 GB)."),
    ("volume", "--volume", str, "delete_data: storage volume names, comma-separated."),
    ("application", "--application", str, "delete_data: the application's volumes."),
    ("rot_scan", "--rot-scan", int, "delete_data: what this data scan's plan deletes."),
    ("rot_finding", "--finding", str, "delete_data: one finding kind of that plan."),
)


def _with_change_options(func: Callable[..., None]) -> Callable[..., None]:
    """``func`` (which takes ``**change``) with one keyword option per change parameter, before ``--home``."""
    signature = inspect.signature(func, eval_str=True)
    *fixed, home, _change = signature.parameters.values()
    options = [
        inspect.Parameter(
            key,
            inspect.Parameter.KEYWORD_ONLY,
            default=typer.Option(None, flag, help=help_text),
            annotation=kind,
        )
        for key, flag, kind, help_text in _CHANGE_OPTIONS
    ]
    home = home.replace(kind=inspect.Parameter.KEYWORD_ONLY)
    parameters = [*fixed, *options, home]
    func.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]
    func.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return func


@scenario_app.command("add-change")
@friendly_errors
@_with_change_options
def scenario_add_change(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    kind: str = typer.Argument(
        ...,
        help="extend_lifetime, refurbished, fewer_devices, consolidate_hosts, "
        "retire_idle_hosts, switch_off, reuse, electricity_factor, move_to_site or delete_data.",
    ),
    org: str = ORG,
    home: str = HOME,
    **change: Any,
) -> None:
    from sobre.strategy import service

    params = {k: v for k, v in change.items() if v is not None}
    with session_scope(database_url(ctx, home)) as session:
        spec = service.add_change(session, org, name, kind, params)
    console.print(f"Added {spec.kind} {spec.params} to {name!r}.")


def _as_dict(view: Any) -> Any:
    return view.to_dict()


def _as_dicts(views: list[Any]) -> list[Any]:
    return [v.to_dict() for v in views]


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

    def show(view: Any) -> None:
        for change in view.effect.changes if view.effect else []:
            console.print(
                f"- {change['kind']} {change['params']}: {change['rows']} rows, {change['units']:g} units"
            )
        console.print(_effect_table([view], criterion))

    print_listing(service.run_scenario(database_url(ctx, home), org, name), as_json, show, _as_dict)


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

    print_listing(
        service.compare(database_url(ctx, home), org, names),
        as_json,
        lambda views: console.print(_effect_table(views, criterion)),
        _as_dicts,
    )


@scenario_app.command("list")
@friendly_errors
def scenario_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.strategy import service

    def show(views: list[Any]) -> None:
        for v in views:
            d = v.effect.delta("climate_change") if v.effect else None
            console.print(f"{v.name}: {len(v.changes)} changes, climate change delta {number(d)}")

    listing(
        ctx, home, lambda s: service.list_scenarios(s, org), as_json=as_json, show=show, to_json=_as_dicts
    )


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

    def show(view: Any) -> None:
        console.print(f"{view.name}: {view.description}" if view.description else view.name)
        for i, change in enumerate(view.changes, start=1):
            console.print(f"{i}. {change.kind} {change.params}")
        if view.effect is None:
            console.print("Not computed since its last change: run 'sobre scenario run'.")
        else:
            console.print(_effect_table([view], None))

    listing(
        ctx, home, lambda s: service.get_scenario(s, org, name), as_json=as_json, show=show, to_json=_as_dict
    )


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
