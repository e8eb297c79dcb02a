"""``sobre org``: create and list organisations."""

from __future__ import annotations

import typer

from sobre.core.cli_support import console, friendly_errors, literal, print_json, settings

org_app = typer.Typer(help="Organisations (one installation serves several).", no_args_is_help=True)


@org_app.command("create")
@friendly_errors
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Organisation name."),
    employees: int = typer.Option(None, help="Headcount, for per-employee figures."),
    inhabitants: int = typer.Option(None, help="Population served (local authorities, REEN)."),
    country: str = typer.Option(None, help="Main country (name or ISO code)."),
) -> None:
    """Create an organisation."""
    from sobre.core.db import session_scope
    from sobre.orgs import service

    with session_scope(settings(ctx).database_url) as session:
        org = service.create(session, name, employees=employees, inhabitants=inhabitants, country=country)
        console.print(literal(f"Created organisation {org.name} (id {org.id})."), highlight=False)


@org_app.command("list")
@friendly_errors
def list_(ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """List organisations."""
    from rich.table import Table

    from sobre.core.db import session_scope
    from sobre.orgs import service

    with session_scope(settings(ctx).database_url) as session:
        orgs = service.list_all(session)
        rows = [
            {
                "id": o.id,
                "name": o.name,
                "employees": o.employees,
                "inhabitants": o.inhabitants,
                "country": o.country,
            }
            for o in orgs
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "name", "employees", "inhabitants", "country")
    for r in rows:
        table.add_row(*(literal("" if v is None else v) for v in r.values()))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(org_app, name="org")
