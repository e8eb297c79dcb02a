"""``sobre problem …``: problems behind recurring incidents (root cause, workaround, known error)."""

from __future__ import annotations

from typing import Any

import typer
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors
from sobre.servicedesk.cli_support import HOME, JSON, ORG, actor, org_listing, org_session

problem_app = typer.Typer(
    help="Problems behind recurring incidents: root cause, workaround, known error.", no_args_is_help=True
)


@problem_app.command("create")
@friendly_errors
def problem_create(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    description: str = typer.Option("", "--description"),
    tickets: list[int] = typer.Option(None, "--ticket", help="An incident it explains (repeatable)."),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import problems

    with org_session(ctx, org, home) as (s, oid):
        p = problems.create(s, oid, title, description=description, tickets=tickets or [])
        console.print(Text(f"Problem P{p.number} created"))


@problem_app.command("link")
@friendly_errors
def problem_link(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    ticket: int = typer.Argument(...),
    org: str = ORG,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import problems

    with org_session(ctx, org, home) as (s, oid):
        problems.link(s, oid, number, ticket)
        console.print(Text(f"#{ticket} linked to P{number}"))


@problem_app.command("update")
@friendly_errors
def problem_update(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    org: str = ORG,
    status: str = typer.Option(None, "--status", help="new, analysis, known_error, solved, closed."),
    cause: str = typer.Option(None, "--cause", help="The root cause."),
    workaround: str = typer.Option(None, "--workaround"),
    known_error: bool = typer.Option(None, "--known-error/--not-known-error"),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import problems

    with org_session(ctx, org, home) as (s, oid):
        p = problems.update(
            s, oid, number, status=status, root_cause=cause, workaround=workaround, known_error=known_error
        )
        console.print(Text(f"P{p.number}: {p.status}"))


@problem_app.command("diagnose")
@friendly_errors
def problem_diagnose(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    step: str = typer.Argument(...),
    text: str = typer.Argument(...),
    org: str = ORG,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import problems

    with org_session(ctx, org, home) as (s, oid):
        problems.diagnose(s, oid, number, step, text, author=actor())
        console.print(Text(f"P{number}: {step} noted"))


@problem_app.command("show")
@friendly_errors
def problem_show(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    org: str = ORG,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import problems

    def show(data: Any) -> None:
        console.print(Text(f"P{data['number']} {data['title']} ({data['status']})", style="bold"))
        for key in ("root_cause", "workaround"):
            if data[key]:
                console.print(Text(f"  {key}: {data[key]}"))
        for t in data["incidents"]:
            console.print(Text(f"  #{t['number']} {t['title']} ({t['status']})"))

    org_listing(ctx, org, home, lambda s, oid: problems.view(s, oid, number), as_json=as_json, show=show)


@problem_app.command("list")
@friendly_errors
def problem_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.servicedesk import problems

    def show(rows: Any) -> None:
        for p in rows:
            console.print(Text(f"P{p['number']} {p['title']} — {p['status']}, {p['incidents']} incident(s)"))

    org_listing(ctx, org, home, lambda s, oid: problems.list_problems(s, oid), as_json=as_json, show=show)


@problem_app.command("recurring")
@friendly_errors
def problem_recurring(
    ctx: typer.Context,
    org: str = ORG,
    days: int = typer.Option(30, "--days"),
    min_count: int = typer.Option(3, "--min"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Incidents that recur on the same item or category without a problem yet."""
    from sobre.servicedesk import problems

    def show(rows: Any) -> None:
        for g in rows:
            console.print(
                Text(
                    f"{g['kind']} {g['name']}: {g['count']} incidents ("
                    + ", ".join(f"#{n}" for n in g["tickets"])
                    + ")"
                )
            )

    org_listing(
        ctx,
        org,
        home,
        lambda s, oid: problems.recurring_since_days(s, oid, days, min_count=min_count),
        as_json=as_json,
        show=show,
    )
