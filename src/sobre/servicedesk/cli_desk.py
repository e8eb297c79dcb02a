"""``sobre desk …``: settings (priority matrix, calendar, costs), groups, categories, SLA targets, message
templates and indicators."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors, print_json, settings
from sobre.core.errors import InputError
from sobre.servicedesk.cli_support import HOME, JSON, ORG, org_listing, org_session

desk_app = typer.Typer(
    help="Service desk settings, groups, categories, SLA targets, message templates and indicators.",
    no_args_is_help=True,
)
group_app = typer.Typer(help="Support groups.", no_args_is_help=True)
category_app = typer.Typer(help="Ticket categories.", no_args_is_help=True)
sla_app = typer.Typer(help="SLA targets per priority, with escalation levels.", no_args_is_help=True)
desk_app.add_typer(group_app, name="group")
desk_app.add_typer(category_app, name="category")
desk_app.add_typer(sla_app, name="sla")


def _dates(values: list[str] | None, column: str) -> list[date] | None:
    if values is None:
        return None
    try:
        return [date.fromisoformat(v) for v in values]
    except ValueError:
        raise InputError(
            "not a date", column=column, value=", ".join(values), expected="2026-05-15"
        ) from None


@desk_app.command("settings")
@friendly_errors
def settings_(
    ctx: typer.Context,
    org: str = ORG,
    hours: str = typer.Option(None, "--hours", help="Opening hours: 'mon-fri 08:30-12:30,13:30-17:30'."),
    timezone: str = typer.Option(None, "--timezone", help="e.g. Europe/Paris, America/Cayenne."),
    country: str = typer.Option(None, "--holidays", help="Country of the public holidays (FR)."),
    subdivision: str = typer.Option(None, "--subdivision", help="e.g. 57 (Moselle), 971 (Guadeloupe)."),
    closed: list[str] = typer.Option(None, "--closed", help="An extra closed day (repeatable; replaces)."),
    worked: list[str] = typer.Option(None, "--worked", help="A public holiday worked anyway (repeatable)."),
    matrix: Path = typer.Option(None, "--matrix", help="A JSON priority matrix (GLPI's layout)."),
    hourly_cost: float = typer.Option(None, "--hourly-cost", help="€ per user and hour of lost work."),
    cost_source: str = typer.Option(None, "--cost-source", help="Where the hourly cost comes from."),
    recovery_cost: float = typer.Option(
        None, "--recovery-cost", help="Default recovery cost of an incident, €."
    ),
    degraded_loss: float = typer.Option(
        None, "--degraded-loss", help="Share of work lost while degraded, 0–1."
    ),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Show or change the desk's settings."""
    from sobre.servicedesk import desk
    from sobre.servicedesk.businesstime import format_week
    from sobre.servicedesk.priority import Matrix

    with org_session(ctx, org, home) as (s, oid):
        m = Matrix.from_json(matrix.read_text(encoding="utf-8")) if matrix else None
        conf = desk.configure(
            s,
            oid,
            hours=hours,
            timezone=timezone,
            holiday_country=country,
            holiday_subdivision=subdivision,
            closed_days=_dates(closed, "--closed"),
            worked_days=_dates(worked, "--worked"),
            matrix=m,
            hourly_cost=hourly_cost,
            hourly_cost_source=cost_source,
            recovery_cost=recovery_cost,
            degraded_loss=degraded_loss,
        )
    cal = conf.calendar
    data = {
        "timezone": cal.timezone,
        "hours": format_week(cal.week),
        "weekly_hours": cal.weekly_hours(),
        "holidays": cal.country,
        "subdivision": cal.subdivision,
        "matrix": conf.matrix.rows(),
        "hourly_cost": {
            "value": conf.hourly_cost.value,
            "status": str(conf.hourly_cost.status),
            "source": conf.hourly_cost.source,
        },
        "recovery_cost": conf.recovery_cost,
        "degraded_loss": conf.degraded_loss,
    }
    if as_json:
        print_json(data)
        return
    for k, v in data.items():
        console.print(Text(f"{k}: {v}"))


@desk_app.command("holidays")
@friendly_errors
def holidays(
    ctx: typer.Context, org: str = ORG, year: int = typer.Option(..., "--year"), home: str = HOME
) -> None:
    """The public holidays that close the desk in a year (computed, not listed by hand)."""
    from sobre.servicedesk import desk

    with org_session(ctx, org, home) as (s, oid):
        cal = desk.settings(s, oid).calendar
    for day, name in sorted(cal.holidays(year).items()):
        console.print(Text(f"{day.isoformat()} {name}"))


@group_app.command("add")
@friendly_errors
def group_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = ORG,
    email: str = typer.Option(None, "--email"),
    manager: str = typer.Option(None, "--manager", help="Who escalations reach."),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import desk

    with org_session(ctx, org, home) as (s, oid):
        desk.add_group(s, oid, name, email=email, manager=manager)
        console.print(Text(f"Group {name} added"))


@group_app.command("list")
@friendly_errors
def group_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.servicedesk import desk

    def show(rows: Any) -> None:
        for g in rows:
            console.print(Text(f"{g['name']} {g['email'] or ''} {g['manager'] or ''}"))

    org_listing(ctx, org, home, lambda s, oid: desk.list_groups(s, oid), as_json=as_json, show=show)


@category_app.command("add")
@friendly_errors
def category_add(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="'Parent > Child'."),
    org: str = ORG,
    kind: str = typer.Option("both", "--kind", help="incident, request or both."),
    group: str = typer.Option(None, "--group", help="Default group of its tickets."),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import desk

    with org_session(ctx, org, home) as (s, oid):
        desk.add_category(s, oid, name, kind=kind, group=group)
        console.print(Text(f"Category {name} added"))


@category_app.command("list")
@friendly_errors
def category_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.servicedesk import desk

    def show(rows: Any) -> None:
        for c in rows:
            console.print(Text(f"{c['name']} ({c['kind']}) → {c['group'] or '-'}"))

    org_listing(ctx, org, home, lambda s, oid: desk.list_categories(s, oid), as_json=as_json, show=show)


@sla_app.command("set")
@friendly_errors
def sla_set(
    ctx: typer.Context,
    priority: int = typer.Argument(..., help="1 to 6."),
    kind: str = typer.Argument(..., help="own or resolve."),
    minutes: int = typer.Argument(..., help="Business minutes."),
    org: str = ORG,
    level: list[str] = typer.Option(
        None,
        "--level",
        help="OFFSET_MIN:ACTION[:TARGET], e.g. -60:notify:assignee, "
        "0:notify:group, 480:raise_priority (repeatable).",
    ),
    home: str = HOME,
) -> None:
    from sobre.servicedesk import desk
    from sobre.servicedesk.sla import Level

    levels = None
    if level:
        levels = []
        for text in level:
            parts = text.split(":")
            try:
                levels.append(
                    Level(
                        int(parts[0]),
                        parts[1] if len(parts) > 1 else "notify",
                        parts[2] if len(parts) > 2 else "",
                    )
                )
            except ValueError:
                raise InputError(
                    "expected OFFSET_MIN:ACTION[:TARGET]", column="--level", value=text
                ) from None
    with org_session(ctx, org, home) as (s, oid):
        desk.set_target(s, oid, priority, kind, minutes, levels)
        console.print(Text(f"Priority {priority}: time to {kind} {minutes} business minutes"))


@sla_app.command("list")
@friendly_errors
def sla_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.servicedesk import desk

    rows: list[dict[str, Any]] = []
    with org_session(ctx, org, home) as (s, oid):
        for p in range(6, 0, -1):
            own, resolve = desk.targets(s, oid, p)
            rows.append(
                {
                    "priority": p,
                    "own_minutes": own.minutes,
                    "resolve_minutes": resolve.minutes,
                    "levels": [f"{lv.offset_minutes:+d}:{lv.action}:{lv.target}" for lv in resolve.levels],
                }
            )
    if as_json:
        print_json(rows)
        return
    table = Table("priority", "own (min)", "resolve (min)", "escalation")
    for r in rows:
        table.add_row(
            str(r["priority"]), str(r["own_minutes"]), str(r["resolve_minutes"]), " ".join(r["levels"])
        )
    console.print(table)


@desk_app.command("template")
@friendly_errors
def template(
    ctx: typer.Context,
    org: str = ORG,
    audience: str = typer.Option(..., "--audience"),
    urgency: str = typer.Option(..., "--urgency"),
    channel: str = typer.Option("email", "--channel"),
    lang: str = typer.Option("fr", "--lang"),
    subject: str = typer.Option("", "--subject"),
    body: Path = typer.Option(..., "--body", help="A text file with {placeholders}."),
    home: str = HOME,
) -> None:
    """Replace a shipped message template with the organisation's own."""
    from sobre.servicedesk import comms

    with org_session(ctx, org, home) as (s, oid):
        warnings = comms.set_template(
            s,
            oid,
            audience=audience,
            urgency=urgency,
            channel=channel,
            lang=lang,
            subject=subject,
            body=body.read_text(encoding="utf-8"),
        )
    console.print(Text("Template saved"))
    for w in warnings:
        console.print(Text(f"Plain language: {w}"), style="yellow")


@desk_app.command("kpis")
@friendly_errors
def kpis(
    ctx: typer.Context,
    org: str = ORG,
    year: int = typer.Option(..., "--year"),
    month: int = typer.Option(None, "--month"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Backlog, time to own and resolve, SLA compliance, first-contact resolution, satisfaction, problems,
    incident energy and cost, overdue maintenance."""
    from sobre.servicedesk import indicators

    data = indicators.kpis(settings(ctx, home).database_url, org, year, month)
    if as_json:
        print_json(data)
        return
    table = Table("indicator", "value", "range", "unit", "on", "note")
    for code, k in data.items():
        if code == "monthly":
            continue
        value = "unknown" if k["value"] is None else f"{k['value']:.4g}"
        rng = "" if k["value"] is None else f"{k['low']:.4g}–{k['high']:.4g}"
        table.add_row(
            code, value, rng, k["unit"], f"{k['count']:g}", Text(k["reason"] or json.dumps(k["detail"])[:60])
        )
    console.print(table)
