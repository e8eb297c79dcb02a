"""``sobre agent``, ``sobre supervise …`` and ``sobre energy …``."""

from __future__ import annotations

import contextlib
import socket
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from sobre.core.cli_support import console, err_console, friendly_errors, print_json, settings
from sobre.core.errors import InputError, SobreError

_ORG = typer.Option(..., "--org", envvar="SOBRE_ORG", help="Organisation name (or $SOBRE_ORG).")
_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_WEEKDAYS = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}

supervise = typer.Typer(
    help="Supervision: hosts, metrics, rules, alerts, silences, security events.", no_args_is_help=True
)
hosts_app = typer.Typer(help="Supervised hosts (list with no subcommand).")
rules_app = typer.Typer(help="Alert rules (list with no subcommand).")
alerts_app = typer.Typer(help="Alerts (open ones with no subcommand).")
silence_app = typer.Typer(help="Silences and maintenance windows (list with no subcommand).")
escalation_app = typer.Typer(help="The escalation policy (shown with no subcommand).")
token_app = typer.Typer(help="Agent tokens.", no_args_is_help=True)
security_app = typer.Typer(help="Security events (open ones with no subcommand).")
energy_app = typer.Typer(help="Measured and modelled energy of supervised hosts.", no_args_is_help=True)


def _url(ctx: typer.Context, home: str | None) -> str:
    return settings(ctx, home).database_url


def _table(rows: list[dict[str, Any]], columns: list[str], title: str | None = None) -> None:
    table = Table(title=title, show_lines=False)
    for c in columns:
        table.add_column(c)
    for r in rows:
        table.add_row(
            *(
                "-" if r.get(c) is None else f"{r[c]:.4g}" if isinstance(r.get(c), float) else str(r[c])
                for c in columns
            )
        )
    console.print(table)


def _when(text: str | None, default: datetime | None = None) -> datetime | None:
    if text is None:
        return default
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise InputError(
            "not an ISO 8601 time", value=text, expected="e.g. 2026-12-01T22:00 or 2026-12-01T22:00+01:00"
        ) from None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _duration(text: str) -> int:
    from sobre.supervision.rules import parse_duration

    try:
        return parse_duration(text)
    except ValueError as exc:
        raise InputError(str(exc)) from None


# ---------------------------------------------------------------- agent


@friendly_errors
def agent(
    ctx: typer.Context,
    server: str = typer.Option(
        None, "--server", envvar="SOBRE_SERVER", help="Sobre server URL, e.g. https://sobre.example.org."
    ),
    token: str = typer.Option(
        None, "--token", envvar="SOBRE_AGENT_TOKEN", help="Agent token ('sobre supervise token create')."
    ),
    org: str = typer.Option(
        None, "--org", envvar="SOBRE_ORG", help="Standalone: store in this organisation locally."
    ),
    host: str = typer.Option(None, "--host", help="Name of this host (default: its hostname)."),
    interval: float = typer.Option(15.0, "--interval", min=1, help="Seconds between samples."),
    count: int = typer.Option(
        None, "--count", min=1, help="Stop after this many samples (default: run until stopped)."
    ),
    once: bool = typer.Option(False, "--once", help="One sample, then exit (cron, tests)."),
    home: str = _HOME,
) -> None:
    """Collect this host's metrics and send them to a Sobre server (or store them locally with --org)."""
    from sobre.supervision import agent as agent_mod
    from sobre.supervision import service

    name = host or socket.gethostname()
    if server:
        if not token:
            raise SobreError("sending to a server needs --token (or $SOBRE_AGENT_TOKEN)")
        deliver = agent_mod.http_delivery(server, token)
    elif org:
        url = _url(ctx, home)
        oid = service.org_id(url, org)

        def deliver(payload: dict[str, Any]) -> None:
            service.ingest(url, oid, payload)
    else:
        raise SobreError("say where to send: --server URL --token T, or --org NAME to store locally")
    runner = agent_mod.Agent(name, agent_mod.Collector(), deliver, interval)
    if runner.collector.rapl.zones:
        console.print(f"RAPL zones: {', '.join(z.name for z in runner.collector.rapl.zones)}")
    with contextlib.suppress(KeyboardInterrupt):
        runner.run(iterations=1 if once else count)
    if runner.collector.rapl.unreadable:
        err_console.print(
            f"RAPL zones not readable (run as root): {', '.join(runner.collector.rapl.unreadable)}"
        )
    if runner.backlog:
        err_console.print(
            f"{len(runner.backlog)} batch(es) not delivered: {runner.errors[-1] if runner.errors else ''}"
        )
        raise typer.Exit(4)
    console.print(f"{name}: sent.")


# ---------------------------------------------------------------- hosts

_HOST_COLUMNS = [
    "name",
    "state",
    "source",
    "instance",
    "equipment",
    "vm",
    "criticality",
    "threads",
    "ram_gb",
    "last_seen",
]


def _host_fields(**kw: Any) -> dict[str, Any]:
    return {k: v for k, v in kw.items() if v is not None}


@hosts_app.callback(invoke_without_command=True)
@friendly_errors
def hosts_list(
    ctx: typer.Context,
    org: str = typer.Option(None, "--org", envvar="SOBRE_ORG"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """List supervised hosts with their state and inventory link."""
    if ctx.invoked_subcommand is not None:
        return
    from sobre.supervision import service

    if not org:
        raise SobreError("--org is needed (or $SOBRE_ORG)")
    rows = service.list_hosts(_url(ctx, home), org)
    print_json(rows) if as_json else _table(rows, _HOST_COLUMNS)


def _host_options(
    equipment: str | None,
    vm: str | None,
    instance: str | None,
    host_class: str | None,
    threads: int | None,
    ram_gb: float | None,
    hdd_gb: float | None,
    ssd_gb: float | None,
    p_idle: float | None,
    p_max: float | None,
) -> dict[str, Any]:
    return _host_fields(
        equipment=equipment,
        vm=vm,
        instance=instance,
        host_class=host_class,
        threads=threads,
        ram_gb=ram_gb,
        hdd_gb=hdd_gb,
        ssd_gb=ssd_gb,
        p_idle_w=p_idle,
        p_max_w=p_max,
    )


_EQ = typer.Option(None, "--equipment", help="Inventory equipment this host is.")
_VM = typer.Option(None, "--vm", help="Inventory VM this host is.")
_INST = typer.Option(None, "--instance", help="Prometheus instance label (host:port).")
_CLASS = typer.Option(None, "--class", help="Power model class: server or vm.")
_THREADS = typer.Option(None, "--threads", help="CPU threads.")
_RAM = typer.Option(None, "--ram-gb", help="Memory, GB.")
_HDD = typer.Option(None, "--hdd-gb", help="Hard disks, GB.")
_SSD = typer.Option(None, "--ssd-gb", help="Solid-state disks, GB.")
_PIDLE = typer.Option(None, "--p-idle", help="Measured idle power, W (overrides the class model).")
_PMAX = typer.Option(None, "--p-max", help="Measured full-load power, W.")


@hosts_app.command("add")
@friendly_errors
def hosts_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = _ORG,
    equipment: str = _EQ,
    vm: str = _VM,
    instance: str = _INST,
    host_class: str = _CLASS,
    threads: int = _THREADS,
    ram_gb: float = _RAM,
    hdd_gb: float = _HDD,
    ssd_gb: float = _SSD,
    p_idle: float = _PIDLE,
    p_max: float = _PMAX,
    home: str = _HOME,
) -> None:
    """Declare a host (linked to the inventory item of the same name unless --equipment/--vm says)."""
    from sobre.supervision import service

    fields = _host_options(
        equipment, vm, instance, host_class, threads, ram_gb, hdd_gb, ssd_gb, p_idle, p_max
    )
    h = service.add_host(_url(ctx, home), org, name, source="prometheus" if instance else "agent", **fields)
    console.print(
        f"Host [bold]{h['name']}[/] added (equipment {h['equipment'] or '-'}, VM {h['vm'] or '-'}).",
        highlight=False,
    )


@hosts_app.command("set")
@friendly_errors
def hosts_set(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = _ORG,
    equipment: str = _EQ,
    vm: str = _VM,
    instance: str = _INST,
    host_class: str = _CLASS,
    threads: int = _THREADS,
    ram_gb: float = _RAM,
    hdd_gb: float = _HDD,
    ssd_gb: float = _SSD,
    p_idle: float = _PIDLE,
    p_max: float = _PMAX,
    home: str = _HOME,
) -> None:
    """Change a host: inventory link, power model figures, Prometheus instance."""
    from sobre.supervision import service

    fields = _host_options(
        equipment, vm, instance, host_class, threads, ram_gb, hdd_gb, ssd_gb, p_idle, p_max
    )
    h = service.update_host(_url(ctx, home), org, name, **fields)
    _table([h], _HOST_COLUMNS + ["p_idle_w", "p_max_w"])


@hosts_app.command("remove")
@friendly_errors
def hosts_remove(
    ctx: typer.Context, name: str = typer.Argument(...), org: str = _ORG, home: str = _HOME
) -> None:
    """Stop supervising a host (its points and energy go with it)."""
    from sobre.supervision import service

    service.remove_host(_url(ctx, home), org, name)
    console.print(f"Host {name} removed.")


# ---------------------------------------------------------------- metrics


@supervise.command("metrics")
@friendly_errors
def metrics(
    ctx: typer.Context,
    host: str = typer.Argument(None, help="One host (default: all)."),
    org: str = _ORG,
    metric: str = typer.Option(None, "--metric", help="Show this metric's points over --since."),
    since: str = typer.Option("1h", "--since", help="How far back, e.g. 15m, 6h, 7d."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Latest value of every series, or one metric's points over time."""
    from sobre.supervision import service

    url = _url(ctx, home)
    if metric:
        if not host:
            raise SobreError("--metric needs a host")
        now = time.time()
        series = service.metric_series(url, org, host, metric, now - _duration(since), now)
        rows = [
            {
                "labels": ",".join(f"{k}={v}" for k, v in s.labels),
                "at": datetime.fromtimestamp(t, UTC).isoformat(),
                "value": float(v),
                "resolution": s.resolution,
            }
            for s in series
            for t, v in zip(s.ts, s.values, strict=True)
        ]
        print_json(rows) if as_json else _table(rows, ["labels", "at", "value", "resolution"])
        return
    rows = service.latest_metrics(url, org, host)
    print_json(rows) if as_json else _table(rows, ["host", "metric", "labels", "value", "at"])


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
    home: str = _HOME,
) -> None:
    """Add or replace an alert rule."""
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


# ---------------------------------------------------------------- tokens


@token_app.command("create")
@friendly_errors
def token_create(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="What the token is for."),
    org: str = _ORG,
    home: str = _HOME,
) -> None:
    """Create an agent token (shown once)."""
    from sobre.supervision import service

    typer.echo(service.create_token(_url(ctx, home), org, name))


@token_app.command("list")
@friendly_errors
def token_list(ctx: typer.Context, org: str = _ORG, home: str = _HOME) -> None:
    from sobre.supervision import service

    _table(service.list_tokens(_url(ctx, home), org), ["id", "name", "created_at", "last_used_at", "revoked"])


@token_app.command("revoke")
@friendly_errors
def token_revoke(
    ctx: typer.Context, token_id: int = typer.Argument(...), org: str = _ORG, home: str = _HOME
) -> None:
    from sobre.supervision import service

    service.revoke_token(_url(ctx, home), org, token_id)
    console.print(f"Token {token_id} revoked.")


def register(app: typer.Typer) -> None:
    from sobre.supervision import cli_more

    cli_more.register_more(supervise, security_app, energy_app)
    supervise.add_typer(hosts_app, name="hosts")
    supervise.add_typer(rules_app, name="rules")
    supervise.add_typer(alerts_app, name="alerts")
    supervise.add_typer(silence_app, name="silence")
    supervise.add_typer(escalation_app, name="escalation")
    supervise.add_typer(token_app, name="token")
    supervise.add_typer(security_app, name="security")
    app.command("agent")(agent)
    app.add_typer(supervise, name="supervise")
    app.add_typer(energy_app, name="energy")
