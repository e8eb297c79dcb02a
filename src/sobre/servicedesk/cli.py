"""``sobre ticket …``; ``register`` also adds ``sobre problem``, ``sobre kb``, ``sobre doc`` and
``sobre desk`` (their modules)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors, print_json, settings
from sobre.core.errors import InputError
from sobre.servicedesk.cli_support import (
    HOME,
    JSON,
    ORG,
    actor,
    desk_zone,
    instant,
    item,
    org_listing,
    org_session,
)

ticket_app = typer.Typer(
    help="Incidents and requests: open, assign, follow up, solve; SLAs, impact, GLPI import.",
    no_args_is_help=True,
)


def _print_ticket(data: dict) -> None:
    console.print(Text(f"#{data['number']} [{data['kind']}] {data['title']}", style="bold"))
    for key in (
        "status",
        "priority",
        "urgency",
        "impact",
        "category",
        "requester",
        "assignee",
        "group",
        "opened_at",
        "solved_at",
    ):
        if data.get(key) is not None:
            console.print(Text(f"  {key}: {data[key]}"))
    for kind, clock in (data.get("sla") or {}).items():
        console.print(
            Text(
                f"  time to {kind}: {clock['state']}, due {clock['due'] or 'suspended (pending)'}, "
                f"{clock['elapsed_minutes']:g} of {clock['target_minutes']:g} business minutes"
            )
        )


@ticket_app.command("open")
@friendly_errors
def open_(
    ctx: typer.Context,
    title: str = typer.Argument(..., help="What is wrong, or what is asked."),
    org: str = ORG,
    requester: str = typer.Option(..., "--requester", help="Who asks."),
    kind: str = typer.Option("incident", "--kind", help="incident or request."),
    description: str = typer.Option("", "--description"),
    urgency: int = typer.Option(3, "--urgency", help="1 (very low) to 5 (very high)."),
    impact: int = typer.Option(3, "--impact", help="1 (very low) to 5 (very high)."),
    category: str = typer.Option(None, "--category", help="A category, 'Parent > Child'."),
    items: list[str] = typer.Option(None, "--item", help="An item it is about, KIND:NAME (repeatable)."),
    assignee: str = typer.Option(None, "--assignee"),
    group: str = typer.Option(None, "--group"),
    source: str = typer.Option("cli", "--source", help="portal, phone, email, walk_in, cli…"),
    lang: str = typer.Option("fr", "--lang", help="The requester's language: fr or en."),
    email: str = typer.Option(None, "--email", help="The requester's e-mail."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Open a ticket; prints its priority, SLA due dates and knowledge base articles that may answer it."""
    from sobre.servicedesk import kb, service, views

    with org_session(ctx, org, home) as (s, oid):
        t = service.open_ticket(
            s,
            oid,
            title=title,
            requester=requester,
            kind=kind,
            description=description,
            urgency=urgency,
            impact=impact,
            category=category,
            assignee=assignee,
            group=group,
            items=[item(i) for i in items or ()],
            source=source,
            lang=lang,
            requester_email=email,
            actor=actor(),
        )
        data = views.view(s, oid, t.number)
        data["suggestions"] = kb.suggest(
            s, oid, f"{title} {description}", lang=lang, category_id=t.category_id
        )
    if as_json:
        print_json(data)
        return
    _print_ticket(data)
    for a in data["suggestions"]:
        console.print(Text(f"  may help: {a['title']} (sobre kb show {a['slug']} --lang {a['lang']})"))


@ticket_app.command("list")
@friendly_errors
def list_(
    ctx: typer.Context,
    org: str = ORG,
    status: str = typer.Option("open", "--status", help="open, all, or one status."),
    group: str = typer.Option(None, "--group"),
    assignee: str = typer.Option(None, "--assignee"),
    limit: int = typer.Option(None, "--limit"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """The queue, the most urgent first."""
    from sobre.servicedesk import views

    def show(rows: Any) -> None:
        table = Table("#", "P", "status", "title", "assignee", "due", "SLA")
        for r in rows:
            table.add_row(
                str(r["number"]),
                str(r["priority"]),
                r["status"],
                Text(r["title"]),
                Text(r["assignee"] or ""),
                r["due_resolve_at"] or "",
                r["sla_resolve"] or "",
            )
        console.print(table)

    org_listing(
        ctx,
        org,
        home,
        lambda s, oid: views.queue(s, oid, status=status, group=group, assignee=assignee, limit=limit),
        as_json=as_json,
        show=show,
    )


@ticket_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    org: str = ORG,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Everything about a ticket: SLA clocks, history, follow-ups, tasks, items, diagnosis, impact."""
    from sobre.servicedesk import views

    def show(data: Any) -> None:
        _print_ticket(data)
        for f in data["followups"]:
            console.print(Text(f"  [{f['at']}] {f['author']}: {f['body']}"))
        for d in data["diagnosis"]:
            console.print(Text(f"  {d['step']}: {d['body']}"))
        if data["assessment"]:
            for key, label in (("energy_kwh", "extra energy"), ("kgco2e", "emissions"), ("cost_eur", "cost")):
                e = data["assessment"][key] or {}
                console.print(Text(f"  {label}: {_figure(e)}"))

    org_listing(ctx, org, home, lambda s, oid: views.view(s, oid, number), as_json=as_json, show=show)


def _figure(e: dict) -> str:
    if e.get("value") is None:
        return f"unknown ({e.get('reason')})"
    return f"{e['value']:.4g} {e['unit']} [{e['low']:.4g}–{e['high']:.4g}], {e['status']}"


@ticket_app.command("assign")
@friendly_errors
def assign(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    org: str = ORG,
    to: str = typer.Option(None, "--to", help="The agent."),
    group: str = typer.Option(None, "--group"),
    home: str = HOME,
) -> None:
    """Give the ticket to an agent and/or a group."""
    from sobre.servicedesk import service

    if not to and not group:
        raise InputError("give --to or --group", column="--to")
    with org_session(ctx, org, home) as (s, oid):
        t = service.assign(s, oid, number, assignee=to, group=group, actor=actor())
        console.print(Text(f"#{t.number} is {t.status}, assigned to {t.assignee or '-'}"))


@ticket_app.command("status")
@friendly_errors
def status(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    new: str = typer.Argument(..., help="assigned, planned, pending (the SLA clock pauses) or new."),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Change the status of a ticket (solving and closing have their own commands)."""
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        t = service.set_status(s, oid, number, new, actor=actor())
        console.print(Text(f"#{t.number} is {t.status}"))


@ticket_app.command("followup")
@friendly_errors
def followup(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    text: str = typer.Argument(...),
    org: str = ORG,
    author: str = typer.Option(None, "--author", help="Default: the command-line account."),
    private: bool = typer.Option(False, "--private", help="Seen by agents only."),
    requester: bool = typer.Option(False, "--from-requester", help="The requester wrote it."),
    home: str = HOME,
) -> None:
    """Add a follow-up (an agent's first one takes the ticket into account)."""
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        service.follow_up(
            s, oid, number, text, author=author or actor(), private=private, agent=not requester
        )
        console.print(Text(f"Follow-up added to #{number}"))


@ticket_app.command("task")
@friendly_errors
def task(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    text: str = typer.Argument(...),
    org: str = ORG,
    minutes: int = typer.Option(0, "--minutes", help="Time spent."),
    planned: str = typer.Option(None, "--planned", help="A task planned ahead: when (2025-06-03T14:00)."),
    author: str = typer.Option(None, "--author"),
    home: str = HOME,
) -> None:
    """Record a task and the time it took, or plan one."""
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        when = instant(planned, "--planned", desk_zone(s, oid))
        service.add_task(
            s,
            oid,
            number,
            text,
            author=author or actor(),
            minutes=minutes,
            done=when is None,
            planned_at=when,
        )
        console.print(Text(f"Task added to #{number}"))


@ticket_app.command("solve")
@friendly_errors
def solve(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    solution: str = typer.Argument(...),
    org: str = ORG,
    article: str = typer.Option(None, "--article", help="The KB article that solved it: SLUG[:LANG]."),
    by: str = typer.Option(None, "--by"),
    home: str = HOME,
) -> None:
    """Solve a ticket (with the knowledge base article used, if one was)."""
    from sobre.servicedesk import kb, service

    with org_session(ctx, org, home) as (s, oid):
        article_id = None
        if article:
            slug, _, lang = article.partition(":")
            article_id = kb.get(s, oid, slug, lang or service.get(s, oid, number).lang).id
        t = service.solve(s, oid, number, solution, actor=by or actor(), article_id=article_id)
        console.print(Text(f"#{t.number} solved; time to resolve: {t.sla_resolve}"))


@ticket_app.command("close")
@friendly_errors
def close(ctx: typer.Context, number: int = typer.Argument(...), org: str = ORG, home: str = HOME) -> None:
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        service.close(s, oid, number, actor=actor())
        console.print(Text(f"#{number} closed"))


@ticket_app.command("reopen")
@friendly_errors
def reopen(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    reason: str = typer.Argument(...),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """The solution did not work: reopen (the SLA clock resumes)."""
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        service.reopen(s, oid, number, reason, actor=actor())
        console.print(Text(f"#{number} reopened"))


@ticket_app.command("rate")
@friendly_errors
def rate(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    score: int = typer.Argument(..., help="1 to 5."),
    org: str = ORG,
    comment: str = typer.Option(None, "--comment"),
    home: str = HOME,
) -> None:
    """The requester's satisfaction with a solved ticket."""
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        service.rate(s, oid, number, score, comment)
        console.print(Text(f"#{number} rated {score}/5"))


@ticket_app.command("link")
@friendly_errors
def link(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    target: str = typer.Argument(..., help="KIND:NAME of an inventory item or digital service."),
    org: str = ORG,
    home: str = HOME,
) -> None:
    from sobre.servicedesk import service

    kind, name = item(target, "target")
    with org_session(ctx, org, home) as (s, oid):
        service.link_item(s, oid, number, kind, name)
        console.print(Text(f"#{number} is about {kind} {name}"))


@ticket_app.command("diagnose")
@friendly_errors
def diagnose(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    step: str = typer.Argument(..., help="symptom, hypothesis, test, result, solution or recommendation."),
    text: str = typer.Argument(...),
    org: str = ORG,
    author: str = typer.Option(None, "--author"),
    home: str = HOME,
) -> None:
    """Add a line to the ticket's diagnosis log."""
    from sobre.servicedesk import service

    with org_session(ctx, org, home) as (s, oid):
        service.diagnose(s, oid, number, step, text, author=author or actor())
        console.print(Text(f"#{number}: {step} noted"))


@ticket_app.command("impact")
@friendly_errors
def impact(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    org: str = ORG,
    outage_start: str = typer.Option(
        None, "--outage-start", help="When the service stopped (2025-06-02T09:00)."
    ),
    outage_end: str = typer.Option(None, "--outage-end", help="When it came back."),
    degraded_hours: float = typer.Option(None, "--degraded-hours", help="Hours it was slow but up."),
    users: int = typer.Option(None, "--users", help="Affected users (default: from the inventory)."),
    recovery_cost: float = typer.Option(None, "--recovery-cost", help="€ spent to restore."),
    penalties: float = typer.Option(None, "--penalties", help="€ owed under contracts."),
    hosts: list[str] = typer.Option(None, "--host", help="NAME:OBSERVED_W:BASELINE_W[:HOURS] (repeatable)."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Record and compute an incident's technical, energy (kWh, kgCO2e) and economic (€) impact."""
    from sobre.servicedesk import incidents

    parsed = []
    for h in hosts or ():
        parts = h.split(":")
        if len(parts) not in (3, 4):
            raise InputError("expected NAME:OBSERVED_W:BASELINE_W[:HOURS]", column="--host", value=h)
        try:
            numbers = [float(p) for p in parts[1:]]
        except ValueError:
            raise InputError("powers and hours are numbers", column="--host", value=h) from None
        parsed.append(
            dict(zip(("name", "observed_w", "baseline_w", "hours"), [parts[0], *numbers], strict=False))
        )
    with org_session(ctx, org, home) as (s, oid):
        zone = desk_zone(s, oid)
        result = incidents.assess(
            s,
            oid,
            number,
            outage_start=instant(outage_start, "--outage-start", zone),
            outage_end=instant(outage_end, "--outage-end", zone),
            degraded_hours=degraded_hours,
            users=users,
            recovery_cost=recovery_cost,
            penalties=penalties,
            hosts=parsed if hosts else None,
        )
    if as_json:
        print_json(result)
        return
    tech = result["technical"]
    console.print(
        Text(
            f"#{number}: {len(tech['affected'])} items affected, users {tech['users'] or 'unknown'} "
            f"({tech['users_source'] or '-'}), downtime {tech['downtime_hours'] or 'unknown'} h"
        )
    )
    for key, label in (("energy_kwh", "extra energy"), ("kgco2e", "emissions"), ("cost_eur", "cost")):
        console.print(Text(f"  {label}: {_figure(result[key])}"))


@ticket_app.command("sla")
@friendly_errors
def sla_sweep(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    """Refresh the SLA clocks of open tickets and act on the escalations due (run it every few minutes)."""
    from sobre.servicedesk import service

    def show(done: Any) -> None:
        for e in done:
            console.print(
                Text(
                    f"#{e['ticket']}: {e['action']} {e['target']} (time to {e['kind']}, {e['offset']:+d} min)"
                )
            )
        console.print(Text(f"{len(done)} escalation(s)"))

    org_listing(ctx, org, home, lambda s, oid: service.sweep(s, oid), as_json=as_json, show=show)


@ticket_app.command("publish")
@friendly_errors
def publish(
    ctx: typer.Context,
    number: int = typer.Argument(...),
    org: str = ORG,
    audience: str = typer.Option("end_user", "--audience", help="end_user, manager or technical."),
    channel: str = typer.Option("email", "--channel", help="email, portal or sms."),
    lang: str = typer.Option(None, "--lang", help="fr or en (default: the requester's)."),
    urgency: str = typer.Option(
        None, "--urgency", help="info, minor, major, critical (default: from the priority)."
    ),
    phase: str = typer.Option(
        None, "--phase", help="started, update or resolved (default: from the status)."
    ),
    eta: str = typer.Option("", "--eta", help="When the service should be back, in words."),
    workaround: str = typer.Option("", "--workaround"),
    cause: str = typer.Option("", "--cause"),
    contact: str = typer.Option("", "--contact"),
    preview: bool = typer.Option(False, "--preview", help="Show the message; publish nothing."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Write an incident's status for an audience, in plain words for end users; publish it (kept with the
    ticket, and shown on the portal for the portal channel)."""
    from sobre.servicedesk import comms

    extra = {"eta": eta, "workaround": workaround, "cause": cause, "contact": contact}
    with org_session(ctx, org, home) as (s, oid):
        if preview:
            msg = comms.preview(
                s,
                oid,
                number,
                audience=audience,
                channel=channel,
                lang=lang,
                urgency=urgency,
                phase=phase,
                **extra,
            )
        else:
            msg, _pub = comms.publish(
                s,
                oid,
                number,
                audience=audience,
                channel=channel,
                lang=lang,
                urgency=urgency,
                phase=phase,
                actor=actor(),
                **extra,
            )
    if as_json:
        print_json(
            {
                "subject": msg.subject,
                "body": msg.body,
                "warnings": list(msg.warnings),
                "published": not preview,
            }
        )
        return
    if msg.subject:
        console.print(Text(msg.subject, style="bold"))
    console.print(Text(msg.body))
    for w in msg.warnings:
        console.print(Text(f"Warning: {w}"), style="yellow")


@ticket_app.command("import")
@friendly_errors
def import_(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="A GLPI ticket list export (CSV)."),
    org: str = ORG,
    timezone: str = typer.Option(None, "--timezone", help="GLPI's time zone (default: the desk's)."),
    date_order: str = typer.Option("auto", "--date-order", help="auto (Y-m-d or d-m-Y), dmy or mdy."),
    strict: bool = typer.Option(False, "--strict", help="Import nothing if any row is rejected."),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    rejects: Path = typer.Option(None, "--rejects", help="Where to write rejected rows (CSV)."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Import GLPI's ticket export (French or English); a re-import updates, never duplicates."""
    from sobre.servicedesk.importer import import_glpi

    if date_order not in ("auto", "dmy", "mdy"):
        raise InputError(
            "unknown date order", column="--date-order", value=date_order, expected="auto, dmy, mdy"
        )
    cfg = settings(ctx, home)
    result = import_glpi(
        cfg.database_url,
        org,
        path,
        rejects_dir=cfg.rejects_dir,
        rejects=rejects,
        timezone=timezone,
        date_order=date_order,
        strict=strict,
        dry_run=dry_run,
    )
    if as_json:
        print_json(result.to_dict())
    else:
        verb = (
            "Would import"
            if dry_run
            else "Refused (--strict): nothing imported;"
            if result.refused
            else "Imported"
        )
        console.print(
            Text(
                f"{verb} {result.rows} rows: {result.inserted} new, {result.updated} updated, "
                f"{result.rejected} rejected."
            )
        )
        if result.rejects_path:
            console.print(Text(f"Rejected rows and reasons: {result.rejects_path}"))
        for title in result.unknown_columns:
            console.print(Text(f"Column not read: {title}"), style="yellow")
        for w in result.warnings[:20]:
            console.print(Text(f"Warning: {w}"), style="yellow")
    raise typer.Exit(result.exit_code)


def register(app: typer.Typer) -> None:
    from sobre.servicedesk.cli_desk import desk_app
    from sobre.servicedesk.cli_doc import doc_app
    from sobre.servicedesk.cli_kb import kb_app
    from sobre.servicedesk.cli_problem import problem_app

    app.add_typer(ticket_app, name="ticket")
    app.add_typer(problem_app, name="problem")
    app.add_typer(kb_app, name="kb")
    app.add_typer(doc_app, name="doc")
    app.add_typer(desk_app, name="desk")
