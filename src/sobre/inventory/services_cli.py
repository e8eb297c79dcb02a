"""``sobre service``: digital services (other capabilities add subcommands through ``extends``)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import typer
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors, print_json, settings

if TYPE_CHECKING:
    from sobre.inventory import services


def _services() -> Any:
    """The use cases, imported when a command runs (SQLAlchemy is not needed for --help)."""
    from sobre.inventory import services

    return services


@contextmanager
def _session(ctx: typer.Context, home: str | None) -> Iterator[Any]:
    from sobre.core.db import session_scope

    with session_scope(settings(ctx, home).database_url) as session:
        yield session


service_app = typer.Typer(
    help="Digital services (websites, online procedures, internal tools).", no_args_is_help=True
)

_ORG = typer.Option(..., "--org", help="Organisation name.")
_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_JSON = typer.Option(False, "--json", help="Print JSON.")


def _show(view: services.ServiceView, as_json: bool) -> None:
    if as_json:
        print_json(view.to_dict())
        return
    for key, value in view.to_dict().items():
        if key == "applications":
            value = ", ".join(f"{a['name']} ({a['environment']})" for a in view.applications) or "-"
        console.print(Text(f"{key}: {'-' if value is None else value}"))


def _fields(**values: object) -> dict[str, object]:
    return {k: v for k, v in values.items() if v is not None}


@service_app.command("create")
@friendly_errors
def create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    url: str = typer.Option(None, help="Address of the service (http or https)."),
    owner: str = typer.Option(None, help="Person or role answerable for the service."),
    audience: str = typer.Option(None, help="Who uses it (public, agents, schools…)."),
    users: int = typer.Option(None, help="Users per year."),
    status: str = typer.Option(None, help="idea, planned, build, live (default) or retired."),
    criticality: str = typer.Option(None, help="low, medium, high or critical."),
    department: str = typer.Option(None, help="Department in charge."),
    description: str = typer.Option(None, help="What the service does."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Create a digital service."""
    with _session(ctx, home) as session:
        view = _services().create(
            session,
            org,
            name,
            **_fields(
                url=url,
                owner=owner,
                audience=audience,
                users=users,
                status=status,
                criticality=criticality,
                department=department,
                description=description,
            ),
        )
    _show(view, as_json)


@service_app.command("update")
@friendly_errors
def update(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    url: str = typer.Option(None),
    owner: str = typer.Option(None),
    audience: str = typer.Option(None),
    users: int = typer.Option(None),
    status: str = typer.Option(None),
    criticality: str = typer.Option(None),
    department: str = typer.Option(None),
    description: str = typer.Option(None),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Change fields of a digital service."""
    with _session(ctx, home) as session:
        view = _services().update(
            session,
            org,
            name,
            **_fields(
                url=url,
                owner=owner,
                audience=audience,
                users=users,
                status=status,
                criticality=criticality,
                department=department,
                description=description,
            ),
        )
    _show(view, as_json)


@service_app.command("list")
@friendly_errors
def list_(
    ctx: typer.Context,
    org: str = _ORG,
    status: str = typer.Option(None, help="Only services with this status."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """List the organisation's digital services."""
    from rich.table import Table

    with _session(ctx, home) as session:
        views = _services().list_services(session, org, status=status)
    if as_json:
        print_json([v.to_dict() for v in views])
        return
    table = Table("name", "status", "url", "owner", "applications")
    for v in views:
        table.add_row(
            Text(v.name), v.status, Text(v.url or "-"), Text(v.owner or "-"), str(len(v.applications))
        )
    console.print(table)


@service_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Show one digital service and the applications it runs on."""
    with _session(ctx, home) as session:
        view = _services().get(session, org, name)
    _show(view, as_json)


@service_app.command("link")
@friendly_errors
def link(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    application: str = typer.Option(..., "--application", help="Application the service runs on."),
    environment: str = typer.Option("production", "--environment", help="Environment of the application."),
    unlink: bool = typer.Option(False, "--remove", help="Remove the link instead."),
    home: str = _HOME,
) -> None:
    """Link a service to an application it runs on (or remove the link)."""
    with _session(ctx, home) as session:
        if unlink:
            _services().unlink_application(session, org, name, application, environment)
        else:
            _services().link_application(session, org, name, application, environment)
    console.print(Text(f"{'Unlinked' if unlink else 'Linked'} {name} and {application} ({environment})."))


@service_app.command("delete")
@friendly_errors
def delete(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    home: str = _HOME,
) -> None:
    """Delete a digital service (its assessments and reviews go with it)."""
    with _session(ctx, home) as session:
        _services().delete(session, org, name)
    console.print(Text(f"Deleted digital service {name}."))
