"""``sobre action …``, ``sobre kpi …`` and ``sobre review …``: the action plan, its indicators and the
steering reviews."""

from __future__ import annotations

from datetime import date
from typing import Any

import typer
from rich.table import Table

from sobre.core.cli_support import console, friendly_errors, listing, print_listing
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.strategy.cli_common import BY, HOME, JSON, ORG, database_url, day, number

action_app = typer.Typer(help="The action plan.", no_args_is_help=True)
kpi_app = typer.Typer(help="Indicators and their measurements.", no_args_is_help=True)
review_app = typer.Typer(help="Steering reviews (plan, do, check, act).", no_args_is_help=True)


def _action_fields(**kw: Any) -> dict[str, Any]:
    out = {k: v for k, v in kw.items() if v is not None}
    for key in ("start_date", "due_date"):
        if key in out:
            out[key] = day(out[key], f"--{key.split('_')[0]}")
    if "kpis" in out:
        out["kpis"] = [c.strip() for c in out["kpis"].split(",") if c.strip()]
    return out


_FIELDS = {
    "description": typer.Option(None, "--description"),
    "capex_eur": typer.Option(None, "--capex", help="Investment (€)."),
    "opex_eur": typer.Option(None, "--opex", help="Running cost per year (€)."),
    "savings_eur": typer.Option(None, "--savings", help="Savings per year (€)."),
    "effort": typer.Option(None, "--effort", help="low, medium or high."),
    "horizon": typer.Option(None, "--horizon", help="short (< 1 y), medium (1–3 y) or long (> 3 y)."),
    "owner_role": typer.Option(None, "--owner", help="Owner role."),
    "stakeholders": typer.Option(None, "--stakeholders"),
    "commitment_level": typer.Option(None, "--level", help="proposed, planned or committed."),
    "start_date": typer.Option(None, "--start", help="YYYY-MM-DD."),
    "due_date": typer.Option(None, "--due", help="YYYY-MM-DD."),
    "status": typer.Option(None, "--status", help="planned, in_progress, done or cancelled."),
    "kpis": typer.Option(None, "--kpis", help="Indicator codes, comma-separated."),
}


@action_app.command("add")
@friendly_errors
def action_add(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    origin: str = typer.Option(
        "free", "--origin", help="gap, rgesn, hotspot, rot, incident, feedback, free."
    ),
    origin_ref: str = typer.Option(None, "--origin-ref", help="Which gap, hotspot, finding or incident."),
    from_scenario: str = typer.Option(None, "--from-scenario", help="Take the avoided impact of a scenario."),
    from_recommendation: str = typer.Option(
        None, "--from-recommendation", help="A diagnosis recommendation key."
    ),
    from_assessment: int = typer.Option(None, "--from-assessment", help="Assessment id (with --item)."),
    item: str = typer.Option(None, "--item", help="Practice or criterion id of the assessment's gap."),
    from_rot: str = typer.Option(
        None, "--from-rot", help="SCAN[:KIND]: what a data scan's plan deletes (avoided impact recomputed)."
    ),
    from_incident: str = typer.Option(None, "--from-incident", help="An incident's number."),
    volume: str = typer.Option(None, "--volume", help="--from-rot: the storage volume the data is on."),
    lang: str = typer.Option("fr", "--lang", help="Language of the pre-filled texts (fr, en)."),
    description: str = _FIELDS["description"],
    capex: float = _FIELDS["capex_eur"],
    opex: float = _FIELDS["opex_eur"],
    savings: float = _FIELDS["savings_eur"],
    effort: str = _FIELDS["effort"],
    horizon: str = _FIELDS["horizon"],
    owner: str = _FIELDS["owner_role"],
    stakeholders: str = _FIELDS["stakeholders"],
    level: str = _FIELDS["commitment_level"],
    start: str = _FIELDS["start_date"],
    due: str = _FIELDS["due_date"],
    status: str = _FIELDS["status"],
    kpis: str = _FIELDS["kpis"],
    home: str = HOME,
) -> None:
    """Add an action (``TITLE`` "-" takes the title of its scenario, recommendation, gap, ROT finding or
    incident)."""
    from sobre.strategy import steering

    url = database_url(ctx, home)
    fields = _action_fields(
        description=description,
        capex_eur=capex,
        opex_eur=opex,
        savings_eur=savings,
        effort=effort,
        horizon=horizon,
        owner_role=owner,
        stakeholders=stakeholders,
        commitment_level=level,
        start_date=start,
        due_date=due,
        status=status,
        kpis=kpis,
    )
    named = None if title == "-" else title
    if from_scenario:
        action_id = steering.action_from_scenario(url, org, from_scenario, named, **fields)
    elif from_recommendation:
        action_id = steering.action_from_recommendation(url, org, from_recommendation, title=named, **fields)
    elif from_assessment is not None:
        if not item:
            raise InputError("--from-assessment needs --item", column="--item", value="")
        action_id = steering.action_from_gap(url, org, from_assessment, item, title=named, **fields)
    elif from_rot or from_incident:
        from sobre.orgs import service as orgs
        from sobre.strategy import service

        origin, ref = ("rot", from_rot) if from_rot else ("incident", from_incident)
        with session_scope(url) as session:
            action = service.create_action_from(
                session,
                orgs.get(session, org).id,
                origin,
                ref,
                lang=lang,
                volume=volume,
                title=named,
                **fields,
            )
            action_id = action.id
    else:
        with session_scope(url) as session:
            action_id = steering.add_action(
                session, org, title, origin=origin, origin_ref=origin_ref, **fields
            )
    console.print(f"Action {action_id} added.")


@action_app.command("update")
@friendly_errors
def action_update(
    ctx: typer.Context,
    action_id: int = typer.Argument(...),
    org: str = ORG,
    status: str = _FIELDS["status"],
    due: str = _FIELDS["due_date"],
    level: str = _FIELDS["commitment_level"],
    owner: str = _FIELDS["owner_role"],
    home: str = HOME,
) -> None:
    from sobre.strategy import steering

    with session_scope(database_url(ctx, home)) as session:
        steering.update_action(
            session,
            org,
            action_id,
            **_action_fields(status=status, due_date=due, commitment_level=level, owner_role=owner),
        )
    console.print(f"Action {action_id} updated.")


@action_app.command("list")
@friendly_errors
def action_list(
    ctx: typer.Context,
    org: str = ORG,
    status: str = typer.Option(None, "--status"),
    horizon: str = typer.Option(None, "--horizon"),
    origin: str = typer.Option(None, "--origin"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    from sobre.strategy import steering

    def show(rows: list[dict[str, Any]]) -> None:
        table = Table("id", "title", "origin", "avoided kgCO2e/y", "effort", "horizon", "due", "status")
        for a in rows:
            avoided = ((a["avoided"] or {}).get("climate_change") or {}).get("value")
            table.add_row(
                str(a["id"]),
                a["title"],
                a["origin"],
                number(avoided),
                a["effort"],
                a["horizon"],
                a["due_date"] or "—",
                a["status"],
            )
        console.print(table)

    listing(
        ctx,
        home,
        lambda s: steering.list_actions(s, org, status=status, horizon=horizon, origin=origin),
        as_json=as_json,
        show=show,
    )


# ---------------------------------------------------------------------------------------------------- kpi


@kpi_app.command("add")
@friendly_errors
def kpi_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Short code of the indicator."),
    name: str = typer.Argument(..., help="Its name."),
    org: str = ORG,
    source: str = typer.Option(
        "manual", "--source", help="manual, or an automatic source (see 'kpi sources')."
    ),
    unit: str = typer.Option(None, "--unit"),
    direction: str = typer.Option(None, "--direction", help="down (lower is better) or up."),
    definition: str = typer.Option("", "--definition"),
    baseline: float = typer.Option(None, "--baseline"),
    baseline_date: str = typer.Option(None, "--baseline-date"),
    target: float = typer.Option(None, "--target"),
    target_date: str = typer.Option(None, "--target-date"),
    home: str = HOME,
) -> None:
    from sobre.strategy import steering

    with session_scope(database_url(ctx, home)) as session:
        steering.define_kpi(
            session,
            org,
            code,
            name,
            source=source,
            unit=unit,
            direction=direction,
            definition=definition,
            baseline_value=baseline,
            baseline_date=day(baseline_date, "--baseline-date"),
            target_value=target,
            target_date=day(target_date, "--target-date"),
        )
    console.print(f"Indicator {code!r} defined.")


@kpi_app.command("sources")
@friendly_errors
def kpi_sources_list() -> None:
    """The automatic sources the installed capabilities offer."""
    from sobre.strategy.sources import sources

    for code, s in sorted(sources().items()):
        console.print(f"{code}{':<' + s.parameter + '>' if s.parameter else ''}  {s.unit}  ({s.direction})")


@kpi_app.command("measure")
@friendly_errors
def kpi_measure(
    ctx: typer.Context,
    org: str = ORG,
    on: str = typer.Option(None, "--date", help="As of (default: today)."),
    by: str = BY,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Measure the automatic indicators and store their figures."""
    from sobre.strategy import steering

    def show(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            text = (
                number(r["value"], 3) + f" {r['unit']}"
                if r["value"] is not None
                else f"unknown ({r['reason']})"
            )
            console.print(f"{r['code']}: {text}")

    rows = steering.measure(database_url(ctx, home), org, day(on, "--date") or date.today(), by)
    print_listing(rows, as_json, show)


@kpi_app.command("record")
@friendly_errors
def kpi_record(
    ctx: typer.Context,
    code: str = typer.Argument(...),
    value: float = typer.Argument(...),
    org: str = ORG,
    on: str = typer.Option(None, "--date", help="Measured on (default: today)."),
    by: str = typer.Option(..., "--by", help="Who measured it."),
    note: str = typer.Option("", "--note"),
    home: str = HOME,
) -> None:
    """Record a manual measurement."""
    from sobre.strategy import steering

    with session_scope(database_url(ctx, home)) as session:
        steering.record(session, org, code, value, day(on, "--date") or date.today(), by, note=note)
    console.print(f"Recorded {value:g} for {code!r}.")


@kpi_app.command("list")
@friendly_errors
def kpi_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.strategy import steering

    def show(rows: list[dict[str, Any]]) -> None:
        table = Table("code", "name", "unit", "latest", "target", "on track", "measurements")
        for k in rows:
            latest = (k["latest"] or {}).get("value")
            table.add_row(
                k["code"],
                k["name"],
                k["unit"],
                number(latest, 2),
                number(k["target"], 2),
                {True: "yes", False: "no", None: "—"}[k["on_track"]],
                str(len(k["measurements"])),
            )
        console.print(table)

    listing(ctx, home, lambda s: steering.kpis(s, org), as_json=as_json, show=show)


# ------------------------------------------------------------------------------------------------- review


@review_app.command("add")
@friendly_errors
def review_add(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    on: str = typer.Option(None, "--date", help="Held on (default: today)."),
    notes: str = typer.Option("", "--notes"),
    decision: list[str] = typer.Option([], "--decision", help="A decision taken (repeat)."),
    adjust: list[str] = typer.Option(
        [], "--adjust", help="Adjust an action: ID:status=done or ID:due=2027-06-30 (repeat)."
    ),
    by: str = BY,
    home: str = HOME,
) -> None:
    """Record a review with a snapshot of the indicators."""
    from sobre.strategy import steering

    changes: dict[int, dict[str, Any]] = {}
    for text in adjust:
        head, _, assignment = text.partition(":")
        key, _, value = assignment.partition("=")
        fields = {"status": "status", "due": "due_date", "level": "commitment_level", "owner": "owner_role"}
        if not head.isdigit() or key not in fields or not value:
            raise InputError(
                "not an adjustment",
                column="--adjust",
                value=text,
                expected="ID:status=done, ID:due=YYYY-MM-DD, ID:level=committed or ID:owner=ROLE",
            )
        changes.setdefault(int(head), {})[fields[key]] = day(value, "--adjust") if key == "due" else value
    with session_scope(database_url(ctx, home)) as session:
        rid = steering.add_review(
            session,
            org,
            title,
            day(on, "--date") or date.today(),
            by,
            notes=notes,
            decisions=list(decision),
            adjust=changes,
        )
    console.print(f"Review {rid} recorded.")


@review_app.command("list")
@friendly_errors
def review_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    from sobre.strategy import steering

    def show(rows: list[dict[str, Any]]) -> None:
        for r in rows:
            console.print(f"{r['held_on']} {r['title']}: {len(r['decisions'])} decisions")

    listing(ctx, home, lambda s: steering.reviews(s, org), as_json=as_json, show=show)
