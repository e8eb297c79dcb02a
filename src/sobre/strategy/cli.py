"""``sobre scenario …``, ``sobre action …``, ``sobre kpi …``, ``sobre review …`` and ``sobre strategy …``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sobre.core.cli_support import console, friendly_errors, print_json, settings
from sobre.core.db import session_scope
from sobre.core.errors import InputError

scenario_app = typer.Typer(help="What-if scenarios recomputed by the footprint engine.", no_args_is_help=True)
action_app = typer.Typer(help="The action plan.", no_args_is_help=True)
kpi_app = typer.Typer(help="Indicators and their measurements.", no_args_is_help=True)
review_app = typer.Typer(help="Steering reviews (plan, do, check, act).", no_args_is_help=True)
strategy_app = typer.Typer(
    help="Vision, commitments, objectives and the strategy document.", no_args_is_help=True
)

_ORG = typer.Option(..., "--org", help="Organisation name.")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_BY = typer.Option("cli", "--by", help="Who records it.")


def _url(ctx: typer.Context, home: str | None) -> str:
    return settings(ctx, home).database_url


def _date(text: str | None, column: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column=column, value=text, expected="YYYY-MM-DD") from None


def _n(value: float | None, digits: int = 1) -> str:
    return "unknown" if value is None else f"{value:,.{digits}f}"


# ----------------------------------------------------------------------------------------------- scenario


@scenario_app.command("create")
@friendly_errors
def scenario_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Scenario name."),
    org: str = _ORG,
    description: str = typer.Option("", "--description", help="What the scenario explores."),
    home: str = _HOME,
) -> None:
    from sobre.strategy import service

    with session_scope(_url(ctx, home)) as session:
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
    org: str = _ORG,
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
    home: str = _HOME,
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
    with session_scope(_url(ctx, home)) as session:
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
    org: str = _ORG,
    criterion: str = typer.Option(None, "--criterion", help="Show one criterion only."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Recompute the scenario with the footprint engine: the delta per criterion and stage, with ranges."""
    from sobre.strategy import service

    view = service.run_scenario(_url(ctx, home), org, name)
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
    org: str = _ORG,
    criterion: str = typer.Option(None, "--criterion", help="Show one criterion only."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """The scenarios side by side on the same baseline."""
    from sobre.strategy import service

    views = service.compare(_url(ctx, home), org, names)
    if as_json:
        print_json([v.to_dict() for v in views])
        return
    console.print(_effect_table(views, criterion))


@scenario_app.command("list")
@friendly_errors
def scenario_list(ctx: typer.Context, org: str = _ORG, as_json: bool = _JSON, home: str = _HOME) -> None:
    from sobre.strategy import service

    with session_scope(_url(ctx, home)) as session:
        views = service.list_scenarios(session, org)
        data = [v.to_dict() for v in views]
    if as_json:
        print_json(data)
        return
    for v in views:
        d = v.effect.delta("climate_change") if v.effect else None
        console.print(f"{v.name}: {len(v.changes)} changes, climate change delta {_n(d)}")


# ------------------------------------------------------------------------------------------------- action


def _action_fields(**kw: Any) -> dict[str, Any]:
    out = {k: v for k, v in kw.items() if v is not None}
    for key in ("start_date", "due_date"):
        if key in out:
            out[key] = _date(out[key], f"--{key.split('_')[0]}")
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
    org: str = _ORG,
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
    home: str = _HOME,
) -> None:
    """Add an action (``TITLE`` "-" takes the title of its scenario, recommendation, gap, ROT finding or
    incident)."""
    from sobre.strategy import steering

    url = _url(ctx, home)
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
    org: str = _ORG,
    status: str = _FIELDS["status"],
    due: str = _FIELDS["due_date"],
    level: str = _FIELDS["commitment_level"],
    owner: str = _FIELDS["owner_role"],
    home: str = _HOME,
) -> None:
    from sobre.strategy import steering

    with session_scope(_url(ctx, home)) as session:
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
    org: str = _ORG,
    status: str = typer.Option(None, "--status"),
    horizon: str = typer.Option(None, "--horizon"),
    origin: str = typer.Option(None, "--origin"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    from sobre.strategy import steering

    with session_scope(_url(ctx, home)) as session:
        rows = steering.list_actions(session, org, status=status, horizon=horizon, origin=origin)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "title", "origin", "avoided kgCO2e/y", "effort", "horizon", "due", "status")
    for a in rows:
        avoided = ((a["avoided"] or {}).get("climate_change") or {}).get("value")
        table.add_row(
            str(a["id"]),
            a["title"],
            a["origin"],
            _n(avoided),
            a["effort"],
            a["horizon"],
            a["due_date"] or "—",
            a["status"],
        )
    console.print(table)


# ---------------------------------------------------------------------------------------------------- kpi


@kpi_app.command("add")
@friendly_errors
def kpi_add(
    ctx: typer.Context,
    code: str = typer.Argument(..., help="Short code of the indicator."),
    name: str = typer.Argument(..., help="Its name."),
    org: str = _ORG,
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
    home: str = _HOME,
) -> None:
    from sobre.strategy import steering

    with session_scope(_url(ctx, home)) as session:
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
            baseline_date=_date(baseline_date, "--baseline-date"),
            target_value=target,
            target_date=_date(target_date, "--target-date"),
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
    org: str = _ORG,
    on: str = typer.Option(None, "--date", help="As of (default: today)."),
    by: str = _BY,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Measure the automatic indicators and store their figures."""
    from sobre.strategy import steering

    rows = steering.measure(_url(ctx, home), org, _date(on, "--date") or date.today(), by)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        text = _n(r["value"], 3) + f" {r['unit']}" if r["value"] is not None else f"unknown ({r['reason']})"
        console.print(f"{r['code']}: {text}")


@kpi_app.command("record")
@friendly_errors
def kpi_record(
    ctx: typer.Context,
    code: str = typer.Argument(...),
    value: float = typer.Argument(...),
    org: str = _ORG,
    on: str = typer.Option(None, "--date", help="Measured on (default: today)."),
    by: str = typer.Option(..., "--by", help="Who measured it."),
    note: str = typer.Option("", "--note"),
    home: str = _HOME,
) -> None:
    """Record a manual measurement."""
    from sobre.strategy import steering

    with session_scope(_url(ctx, home)) as session:
        steering.record(session, org, code, value, _date(on, "--date") or date.today(), by, note=note)
    console.print(f"Recorded {value:g} for {code!r}.")


@kpi_app.command("list")
@friendly_errors
def kpi_list(ctx: typer.Context, org: str = _ORG, as_json: bool = _JSON, home: str = _HOME) -> None:
    from sobre.strategy import steering

    with session_scope(_url(ctx, home)) as session:
        rows = steering.kpis(session, org)
    if as_json:
        print_json(rows)
        return
    table = Table("code", "name", "unit", "latest", "target", "on track", "measurements")
    for k in rows:
        latest = (k["latest"] or {}).get("value")
        table.add_row(
            k["code"],
            k["name"],
            k["unit"],
            _n(latest, 2),
            _n(k["target"], 2),
            {True: "yes", False: "no", None: "—"}[k["on_track"]],
            str(len(k["measurements"])),
        )
    console.print(table)


# ------------------------------------------------------------------------------------------------- review


@review_app.command("add")
@friendly_errors
def review_add(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = _ORG,
    on: str = typer.Option(None, "--date", help="Held on (default: today)."),
    notes: str = typer.Option("", "--notes"),
    decision: list[str] = typer.Option([], "--decision", help="A decision taken (repeat)."),
    adjust: list[str] = typer.Option(
        [], "--adjust", help="Adjust an action: ID:status=done or ID:due=2027-06-30 (repeat)."
    ),
    by: str = _BY,
    home: str = _HOME,
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
        changes.setdefault(int(head), {})[fields[key]] = _date(value, "--adjust") if key == "due" else value
    with session_scope(_url(ctx, home)) as session:
        rid = steering.add_review(
            session,
            org,
            title,
            _date(on, "--date") or date.today(),
            by,
            notes=notes,
            decisions=list(decision),
            adjust=changes,
        )
    console.print(f"Review {rid} recorded.")


@review_app.command("list")
@friendly_errors
def review_list(ctx: typer.Context, org: str = _ORG, as_json: bool = _JSON, home: str = _HOME) -> None:
    from sobre.strategy import steering

    with session_scope(_url(ctx, home)) as session:
        rows = steering.reviews(session, org)
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['held_on']} {r['title']}: {len(r['decisions'])} decisions")


# ----------------------------------------------------------------------------------------------- strategy


@strategy_app.command("vision")
@friendly_errors
def strategy_vision(
    ctx: typer.Context,
    org: str = _ORG,
    vision: str = typer.Option(None, "--vision"),
    scope: str = typer.Option(None, "--scope"),
    governance: str = typer.Option(None, "--governance"),
    home: str = _HOME,
) -> None:
    from sobre.strategy import service

    with session_scope(_url(ctx, home)) as session:
        service.set_vision(session, org, vision=vision, scope=scope, governance=governance)
    console.print("Vision saved.")


@strategy_app.command("commit")
@friendly_errors
def strategy_commit(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = _ORG,
    detail: str = typer.Option("", "--detail"),
    home: str = _HOME,
) -> None:
    """Add a commitment (the charter is made of them)."""
    from sobre.strategy import service

    with session_scope(_url(ctx, home)) as session:
        service.add_commitment(session, org, title, detail)
    console.print("Commitment added.")


@strategy_app.command("objective")
@friendly_errors
def strategy_objective(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = _ORG,
    criterion: str = typer.Option("climate_change", "--criterion"),
    reduction: float = typer.Option(..., "--reduction", help="0.3 for −30 %."),
    baseline_year: int = typer.Option(..., "--baseline-year"),
    target_year: int = typer.Option(..., "--target-year"),
    per: str = typer.Option("total", "--per", help="total or agent."),
    baseline: float = typer.Option(None, "--baseline", help="Baseline figure (default: the latest run's)."),
    home: str = _HOME,
) -> None:
    from sobre.strategy import service

    with session_scope(_url(ctx, home)) as session:
        service.add_objective(
            session,
            org,
            title,
            criterion=criterion,
            reduction=reduction,
            baseline_year=baseline_year,
            target_year=target_year,
            per=per,
            baseline_value=baseline,
        )
    console.print("Objective added.")


@strategy_app.command("check")
@friendly_errors
def strategy_check(ctx: typer.Context, org: str = _ORG, as_json: bool = _JSON, home: str = _HOME) -> None:
    """Is the plan enough to reach each objective?"""
    from sobre.strategy import service

    rows = service.check_objectives(_url(ctx, home), org)
    if as_json:
        print_json(rows)
        return
    for o in rows:
        verdict = {True: "reached", False: "not reached", None: "unknown"}[o["reached"]]
        console.print(
            f"{o['title']}: target {_n(o['target'])}, with the plan {_n(o['with_plan'])} → {verdict}"
        )


@strategy_app.command("export")
@friendly_errors
def strategy_export(
    ctx: typer.Context,
    org: str = _ORG,
    out: Path = typer.Option(Path("."), "--out", help="Folder written to."),
    lang: str = typer.Option("fr", "--lang", help="fr or en."),
    fmt: str = typer.Option("html", "--format", help="html or pdf."),
    document: str = typer.Option("strategy", "--document", help="strategy or charter."),
    home: str = _HOME,
) -> None:
    """Write the strategy document or the responsible-digital charter."""
    from sobre.strategy import documents

    path = documents.export(_url(ctx, home), org, out, lang=lang, fmt=fmt, document=document)
    console.print(f"Wrote {path}")


def register(app: typer.Typer) -> None:
    from sobre.strategy import cli_people

    cli_people.register(strategy_app)
    app.add_typer(scenario_app, name="scenario")
    app.add_typer(action_app, name="action")
    app.add_typer(kpi_app, name="kpi")
    app.add_typer(review_app, name="review")
    app.add_typer(strategy_app, name="strategy")
