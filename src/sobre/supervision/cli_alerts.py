"""``sobre supervise rules|alerts|ack|resolve|evaluate|silence|escalation``: the alerting commands."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import typer

from sobre.core.cli_support import console, friendly_errors, print_json
from sobre.core.errors import InputError, SobreError
from sobre.supervision.cli import (
    _HOME,
    _JSON,
    _ORG,
    _WEEKDAYS,
    _duration,
    _table,
    _url,
    _when,
    alerts_app,
    escalation_app,
    rules_app,
    silence_app,
    supervise,
)

# ---------------------------------------------------------------- rules


@rules_app.callback(invoke_without_command=True)
@friendly_errors
def rules_list(
    ctx: typer.Context,
    org: str = typer.Option(None, "--org", envvar="SOBRE_ORG"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """List alert rules."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import asdict

    from sobre.supervision import alerting
    from sobre.supervision.rules import format_duration

    if not org:
        raise SobreError("--org is needed (or $SOBRE_ORG)")
    rules = alerting.list_rules(_url(ctx, home), org)
    rows = [
        {
            **asdict(r),
            "labels": ",".join(f"{k}={v}" for k, v in r.labels) or None,
            "for": format_duration(r.for_s),
            "keep_firing_for": format_duration(r.keep_firing_for_s),
        }
        for r in rules
    ]
    print_json(rows) if as_json else _table(
        rows, ["name", "metric", "op", "threshold", "clear", "for", "keep_firing_for", "severity", "labels"]
    )


@rules_app.command("add")
@friendly_errors
def rules_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = _ORG,
    metric: str = typer.Option(..., "--metric", help="e.g. cpu_utilisation, filesystem_used_ratio, up."),
    op: str = typer.Option(">", "--op", help=">, >=, <, <=, == or !=."),
    threshold: float = typer.Option(..., "--threshold"),
    for_: str = typer.Option(None, "--for", help="How long the condition must hold, e.g. 5m."),
    keep_firing_for: str = typer.Option(
        None, "--keep-firing-for", help="Keep firing this long after it clears."
    ),
    clear: float = typer.Option(
        None, "--clear", help="Hysteresis: a firing alert clears only beyond this value."
    ),
    severity: str = typer.Option("warning", "--severity", help="info, warning or critical."),
    label: list[str] = typer.Option(None, "--label", help="Only series with this label, k=v (repeatable)."),
    summary: str = typer.Option(None, "--summary"),
    rename_from: str = typer.Option(
        None, "--rename-from", help="Rename this existing rule to NAME (refused if NAME is taken)."
    ),
    home: str = _HOME,
) -> None:
    """Add or replace an alert rule (or rename one with --rename-from)."""
    from sobre.supervision import alerting

    labels = {}
    for item in label or []:
        k, sep, v = item.partition("=")
        if not sep:
            raise InputError("a label filter is k=v", column="--label", value=item)
        labels[k.strip()] = v.strip()
    alerting.add_rule(
        _url(ctx, home),
        org,
        name,
        metric,
        op,
        threshold,
        for_=for_,
        keep_firing_for=keep_firing_for,
        clear=clear,
        severity=severity,
        labels=labels,
        summary=summary,
        rename_from=rename_from,
    )
    console.print(f"Rule {name} saved.")


@rules_app.command("remove")
@friendly_errors
def rules_remove(
    ctx: typer.Context, name: str = typer.Argument(...), org: str = _ORG, home: str = _HOME
) -> None:
    from sobre.supervision import alerting

    alerting.remove_rule(_url(ctx, home), org, name)
    console.print(f"Rule {name} removed.")


@rules_app.command("defaults")
@friendly_errors
def rules_defaults(ctx: typer.Context, org: str = _ORG, home: str = _HOME) -> None:
    """Add Sobre's default rules (host down, CPU, memory, disks, temperature)."""
    from sobre.supervision import alerting

    added = alerting.install_default_rules(_url(ctx, home), org)
    console.print(f"Added: {', '.join(added) or 'none (all there already)'}.")


@rules_app.command("export")
@friendly_errors
def rules_export(
    ctx: typer.Context,
    org: str = _ORG,
    output: Path = typer.Option(None, "--output", "-o", help="File (default: standard output)."),
    home: str = _HOME,
) -> None:
    """Export the rules as a Prometheus rule file (node_exporter metrics, for, keep_firing_for)."""
    from sobre.supervision import alerting

    text = alerting.export_rules(_url(ctx, home), org)
    if output:
        output.write_text(text, encoding="utf-8")
        console.print(f"Wrote {output}")
    else:
        typer.echo(text, nl=False)


# ---------------------------------------------------------------- alerts

_ALERT_COLUMNS = [
    "id",
    "grade",
    "state",
    "alertname",
    "host",
    "criticality",
    "started_at",
    "acknowledged_by",
    "muted_by",
    "summary",
]


@alerts_app.callback(invoke_without_command=True)
@friendly_errors
def alerts_list(
    ctx: typer.Context,
    org: str = typer.Option(None, "--org", envvar="SOBRE_ORG"),
    state: str = typer.Option("open", "--state", help="open, firing, pending, resolved or all."),
    grade: str = typer.Option(None, "--grade", help="info, minor, major or critical."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """List alerts (open ones by default)."""
    if ctx.invoked_subcommand is not None:
        return
    from sobre.supervision import alerting

    if not org:
        raise SobreError("--org is needed (or $SOBRE_ORG)")
    rows = alerting.list_alerts(_url(ctx, home), org, state=None if state == "all" else state, grade=grade)
    print_json(rows) if as_json else _table(rows, _ALERT_COLUMNS)


@alerts_app.command("show")
@friendly_errors
def alerts_show(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    org: str = _ORG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """One alert with its timeline."""
    from sobre.supervision import alerting

    detail = alerting.alert_detail(_url(ctx, home), org, alert_id)
    if as_json:
        print_json(detail)
        return
    _table([detail], _ALERT_COLUMNS)
    _table(
        [
            {
                "at": e["at"],
                "kind": e["kind"],
                "detail": ", ".join(f"{k}={v}" for k, v in e.items() if k not in ("at", "kind")),
            }
            for e in detail["timeline"]
        ],
        ["at", "kind", "detail"],
        "timeline",
    )


@supervise.command("ack")
@friendly_errors
def ack(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    org: str = _ORG,
    by: str = typer.Option(..., "--by", help="Who takes it."),
    comment: str = typer.Option(None, "--comment"),
    home: str = _HOME,
) -> None:
    """Acknowledge an alert: escalation stops."""
    from sobre.supervision import alerting

    a = alerting.acknowledge(_url(ctx, home), org, alert_id, by=by, comment=comment)
    console.print(f"Alert {a['id']} ({a['alertname']} on {a['host'] or '-'}) acknowledged by {by}.")


@supervise.command("resolve")
@friendly_errors
def resolve(
    ctx: typer.Context,
    alert_id: int = typer.Argument(...),
    org: str = _ORG,
    by: str = typer.Option(..., "--by"),
    comment: str = typer.Option(None, "--comment"),
    home: str = _HOME,
) -> None:
    """Resolve an alert by hand."""
    from sobre.supervision import alerting

    alerting.resolve(_url(ctx, home), org, alert_id, by=by, comment=comment)
    console.print(f"Alert {alert_id} resolved.")


@supervise.command("evaluate")
@friendly_errors
def evaluate(
    ctx: typer.Context,
    org: str = _ORG,
    prometheus: str = typer.Option(
        None, "--prometheus", help="Read the metrics from this Prometheus server."
    ),
    watch: float = typer.Option(None, "--watch", help="Evaluate again every this many seconds."),
    count: int = typer.Option(None, "--count", help="With --watch: stop after this many evaluations."),
    lang: str = typer.Option("en", "--lang", help="Language of the messages sent: en or fr."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Evaluate the rules, grade and route the alerts, send the escalation messages due."""
    from sobre.supervision import alerting
    from sobre.supervision.prometheus import HttpPrometheus

    source = HttpPrometheus(prometheus) if prometheus else None
    evaluator = alerting.Evaluator(_url(ctx, home), org)
    done = 0
    while True:
        result = evaluator.evaluate(source=source, lang=lang)
        done += 1
        summary = {
            "at": result.at.isoformat(),
            "transitions": result.transitions,
            "firing": result.firing,
            "notifications": result.notifications,
            "muted": len(result.muted),
            "incidents": result.incidents,
        }
        if as_json:
            print_json(summary)
        else:
            firing = ", ".join(f"{n} {g}" for g, n in sorted(result.firing.items())) or "none"
            console.print(
                f"{summary['at']}: {result.transitions} change(s); firing: {firing}; "
                f"{len(result.notifications)} message(s) sent; {len(result.muted)} muted."
            )
        if not watch or (count and done >= count):
            break
        time.sleep(watch)


# ---------------------------------------------------------------- silences


@silence_app.callback(invoke_without_command=True)
@friendly_errors
def silence_list(
    ctx: typer.Context,
    org: str = typer.Option(None, "--org", envvar="SOBRE_ORG"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """List silences and maintenance windows."""
    if ctx.invoked_subcommand is not None:
        return
    from sobre.supervision import alerting

    if not org:
        raise SobreError("--org is needed (or $SOBRE_ORG)")
    rows = alerting.list_silences(_url(ctx, home), org)
    print_json(rows) if as_json else _table(
        rows,
        [
            "id",
            "kind",
            "matchers",
            "starts_at",
            "ends_at",
            "weekdays",
            "timezone",
            "active",
            "expired",
            "comment",
        ],
    )


@silence_app.command("add")
@friendly_errors
def silence_add(
    ctx: typer.Context,
    matchers: str = typer.Argument(..., help='e.g. host=web01 or alertname=~"Disk.*",host=db01'),
    org: str = _ORG,
    duration: str = typer.Option("2h", "--for", help="Length (from --start, default now)."),
    start: str = typer.Option(None, "--start", help="ISO time (default: now)."),
    end: str = typer.Option(None, "--end", help="ISO time (instead of --for)."),
    maintenance: bool = typer.Option(
        False, "--maintenance", help="A maintenance window rather than a silence."
    ),
    weekly: str = typer.Option(
        None, "--weekly", help="Repeat on these days, e.g. sat,sun (times in --timezone)."
    ),
    timezone: str = typer.Option("UTC", "--timezone", help="e.g. Europe/Paris."),
    until: str = typer.Option(None, "--until", help="End of the weekly repetition (ISO time)."),
    by: str = typer.Option(None, "--by"),
    comment: str = typer.Option(None, "--comment"),
    home: str = _HOME,
) -> None:
    """Silence matching alerts for a while, or declare a (weekly) maintenance window."""
    from zoneinfo import ZoneInfo

    from sobre.supervision import alerting

    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        raise InputError("unknown time zone", column="--timezone", value=timezone) from None
    starts = _when(start, datetime.now(UTC))
    assert starts is not None
    if start and "+" not in start and not start.endswith("Z"):
        starts = starts.replace(tzinfo=zone)  # a local time in the window's zone
    ends = _when(end) if end else starts + timedelta(seconds=_duration(duration))
    if end and ends is not None and "+" not in end and not end.endswith("Z"):
        ends = ends.replace(tzinfo=zone)
    days = []
    for d in (weekly or "").split(","):
        if d.strip():
            if d.strip().lower()[:3] not in _WEEKDAYS:
                raise InputError(
                    "unknown weekday",
                    column="--weekly",
                    value=d,
                    expected="mon, tue, wed, thu, fri, sat, sun",
                )
            days.append(_WEEKDAYS[d.strip().lower()[:3]])
    assert ends is not None
    sid = alerting.add_silence(
        _url(ctx, home),
        org,
        matchers,
        starts=starts,
        ends=ends,
        kind="maintenance" if maintenance or days else "silence",
        weekdays=days,
        timezone=timezone,
        until=_when(until),
        by=by,
        comment=comment,
    )
    console.print(
        f"{'Maintenance window' if maintenance or days else 'Silence'} {sid} "
        f"from {starts.isoformat()} to {ends.isoformat()}."
    )


@silence_app.command("expire")
@friendly_errors
def silence_expire(
    ctx: typer.Context, silence_id: int = typer.Argument(...), org: str = _ORG, home: str = _HOME
) -> None:
    from sobre.supervision import alerting

    alerting.expire_silence(_url(ctx, home), org, silence_id)
    console.print(f"Silence {silence_id} expired.")


# ---------------------------------------------------------------- escalation


@escalation_app.callback(invoke_without_command=True)
@friendly_errors
def escalation_show(
    ctx: typer.Context, org: str = typer.Option(None, "--org", envvar="SOBRE_ORG"), home: str = _HOME
) -> None:
    """Show the escalation policy."""
    if ctx.invoked_subcommand is not None:
        return
    from dataclasses import asdict

    from sobre.supervision import alerting

    if not org:
        raise SobreError("--org is needed (or $SOBRE_ORG)")
    _table(
        [asdict(s) for s in alerting.escalation(_url(ctx, home), org)],
        ["after_minutes", "min_grade", "channel", "target"],
    )


@escalation_app.command("set")
@friendly_errors
def escalation_set(
    ctx: typer.Context,
    org: str = _ORG,
    step: list[str] = typer.Option(
        ..., "--step", help="MINUTES:CHANNEL:TARGET[:MIN_GRADE], e.g. 15:email:lead@x.org:major (repeatable)."
    ),
    home: str = _HOME,
) -> None:
    """Replace the escalation policy."""
    from sobre.supervision import alerting
    from sobre.supervision.grading import Grade
    from sobre.supervision.routing import Step

    steps = []
    for s in step:
        parts = s.split(":")
        if parts[1:2] == ["webhook"] and len(parts) > 3:  # a URL holds colons: the grade, if any, is last
            grade = parts[-1] if parts[-1] in {g.value for g in Grade} else "minor"
            target = ":".join(parts[2:-1] if grade == parts[-1] else parts[2:])
            parts = [parts[0], parts[1], target, grade]
        if len(parts) not in (3, 4):
            raise InputError("a step is MINUTES:CHANNEL:TARGET[:MIN_GRADE]", column="--step", value=s)
        try:
            steps.append(
                Step(float(parts[0]), parts[1], parts[2], Grade(parts[3] if len(parts) == 4 else "minor"))
            )
        except ValueError:
            raise InputError(
                "bad step", column="--step", value=s, expected="e.g. 0:email:oncall@example.org:minor"
            ) from None
    alerting.set_escalation(_url(ctx, home), org, steps)
    console.print(f"Escalation policy: {len(steps)} step(s).")
