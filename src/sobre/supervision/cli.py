"""``sobre agent``, ``sobre supervise …`` and ``sobre energy …``."""

from __future__ import annotations

import contextlib
import socket
import time
from datetime import UTC, datetime
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
    from sobre.supervision import cli_alerts, cli_more

    _ = cli_alerts  # importing it adds the alerting commands to the groups above

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
