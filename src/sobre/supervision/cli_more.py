"""More of ``sobre supervise`` (imports, security, SMART, anomalies, forecasts, serve), ``sobre energy``."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import typer

from sobre.core.cli_support import console, friendly_errors, print_json
from sobre.core.errors import InputError, SobreError
from sobre.supervision.cli import _HOME, _JSON, _ORG, _table, _url

_KINDS = ("pdu", "bmc", "smart", "wazuh", "syslog", "advisories")


def _day(text: str | None, default: date) -> date:
    if text is None:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", value=text, expected="YYYY-MM-DD") from None


def register_more(supervise: typer.Typer, security_app: typer.Typer, energy_app: typer.Typer) -> None:  # noqa: C901
    @supervise.command("import")
    @friendly_errors
    def import_(
        ctx: typer.Context,
        kind: str = typer.Argument(..., help=", ".join(_KINDS)),
        file: Path = typer.Argument(..., exists=True, dir_okay=False),
        org: str = _ORG,
        host: str = typer.Option(
            None, "--host", help="The host the file is about (SMART; meters without a host column)."
        ),
        year: int = typer.Option(None, "--year", help="Syslog: the year of its dates (default: the file's)."),
        home: str = _HOME,
    ) -> None:
        """Import meter readings (pdu, bmc), smartctl --json (smart) or security events (wazuh, syslog…)."""
        from sobre.core.cli_support import settings
        from sobre.supervision import triage

        url = _url(ctx, home)
        if kind in ("pdu", "bmc"):
            done = triage.import_meter(
                url, org, file, method=kind, host=host, rejects_dir=settings(ctx, home).rejects_dir
            )
            console.print(
                f"{done['points']} power reading(s) imported; {done['rejected']} rejected"
                + (f" (see {done['rejects']})" if done["rejects"] else "")
                + "."
            )
        elif kind == "smart":
            if not host:
                raise SobreError("SMART readings need --host")
            _table(
                triage.import_smart(url, org, host, file), ["device", "serial", "model", "risk", "reasons"]
            )
        elif kind in ("wazuh", "syslog", "advisories"):
            counts = triage.import_security(url, org, file, kind, year=year)
            console.print(
                f"{counts['new']} new security event(s), {counts['known']} already known, "
                f"{counts['alerts']} alert(s) raised."
            )
        else:
            raise InputError("unknown kind", value=kind, expected=", ".join(_KINDS))

    @security_app.callback(invoke_without_command=True)
    @friendly_errors
    def security_list(
        ctx: typer.Context,
        org: str = typer.Option(None, "--org", envvar="SOBRE_ORG"),
        show_all: bool = typer.Option(False, "--all", help="Include events already dealt with."),
        lang: str = typer.Option("en", "--lang", help="Language of the measures: en or fr."),
        as_json: bool = _JSON,
        home: str = _HOME,
    ) -> None:
        """Security events by grade, with the preventive and corrective measure to take."""
        if ctx.invoked_subcommand is not None:
            return
        from sobre.core.i18n import t
        from sobre.supervision import triage

        if not org:
            raise SobreError("--org is needed (or $SOBRE_ORG)")
        rows = triage.list_security(_url(ctx, home), org, status=None if show_all else "open")
        for r in rows:
            r["preventive"] = t(r.pop("measure_preventive"), lang)
            r["corrective"] = t(r.pop("measure_corrective"), lang)
        print_json(rows) if as_json else _table(
            rows, ["id", "grade", "host", "source", "category", "score", "title", "corrective", "status"]
        )

    @security_app.command("done")
    @friendly_errors
    def security_done(
        ctx: typer.Context,
        event_id: int = typer.Argument(...),
        org: str = _ORG,
        action: str = typer.Option(..., "--action", help="What was done."),
        by: str = typer.Option(..., "--by"),
        dismiss: bool = typer.Option(False, "--dismiss", help="Not a real threat: say why in --action."),
        home: str = _HOME,
    ) -> None:
        """Record what was done about a security event."""
        from sobre.supervision import triage

        triage.security_done(_url(ctx, home), org, event_id, action=action, by=by, dismiss=dismiss)
        console.print(f"Security event {event_id} {'dismissed' if dismiss else 'done'}.")

    @supervise.command("smart")
    @friendly_errors
    def smart(
        ctx: typer.Context,
        host: str = typer.Argument(None),
        org: str = _ORG,
        as_json: bool = _JSON,
        home: str = _HOME,
    ) -> None:
        """Failure risk of each disk from its latest SMART reading."""
        from sobre.supervision import triage

        rows = triage.smart_status(_url(ctx, home), org, host)
        print_json(rows) if as_json else _table(
            rows, ["host", "device", "serial", "model", "risk", "reasons", "at"]
        )

    @supervise.command("anomalies")
    @friendly_errors
    def anomalies(
        ctx: typer.Context,
        host: str = typer.Argument(...),
        metric: str = typer.Argument(...),
        org: str = _ORG,
        days: float = typer.Option(28, "--days"),
        online: bool = typer.Option(
            False, "--online", help="river HalfSpaceTrees instead of robust baselines."
        ),
        as_json: bool = _JSON,
        home: str = _HOME,
    ) -> None:
        """Anomalous points of a host's metric, and what the detection rests on."""
        from sobre.supervision import triage

        found = triage.anomalies(_url(ctx, home), org, host, metric, days=days, online=online)
        if as_json:
            print_json(found)
            return
        for s in found:
            console.print(
                f"{metric} {dict(s['labels']) or ''}: {len(s['anomalies'])} anomalie(s); {s['rests_on']}"
            )
            _table(s["anomalies"], ["at", "value", "expected", "score"])

    @supervise.command("forecast")
    @friendly_errors
    def forecast(
        ctx: typer.Context,
        host: str = typer.Argument(...),
        org: str = _ORG,
        days: float = typer.Option(30, "--days", help="History used."),
        as_json: bool = _JSON,
        home: str = _HOME,
    ) -> None:
        """Days until each of a host's filesystems is full."""
        from sobre.supervision import triage

        rows = triage.forecasts(_url(ctx, home), org, host, days=days)
        print_json(rows) if as_json else _table(rows, ["mount", "days", "low", "high", "rests_on"])

    @supervise.command("prometheus")
    @friendly_errors
    def prometheus(
        ctx: typer.Context,
        url: str = typer.Argument(..., help="Prometheus server, e.g. http://prometheus:9090."),
        org: str = _ORG,
        home: str = _HOME,
    ) -> None:
        """Map a Prometheus server's node_exporter targets to hosts and inventory items."""
        from sobre.supervision import service
        from sobre.supervision.prometheus import HttpPrometheus, read_hosts

        db = _url(ctx, home)
        names = service.sync_prometheus_hosts(db, org, read_hosts(HttpPrometheus(url)))
        hosts = {h["name"]: h for h in service.list_hosts(db, org)}
        _table(
            [{"instance": i, **hosts[n]} for i, n in sorted(names.items())],
            ["instance", "name", "equipment", "vm", "threads", "ram_gb"],
        )

    @supervise.command("alertmanager")
    @friendly_errors
    def alertmanager(
        ctx: typer.Context,
        file: Path = typer.Argument(..., exists=True, dir_okay=False),
        org: str = _ORG,
        home: str = _HOME,
    ) -> None:
        """Receive an Alertmanager webhook payload saved in a file, and grade its alerts."""
        from sobre.supervision import alerting

        try:
            payload = json.loads(file.read_text(encoding="utf-8"))
        except json.JSONDecodeError as exc:
            raise InputError(f"not JSON: {exc.msg}", file=str(file), row=exc.lineno) from None
        _table(
            alerting.receive_alertmanager(_url(ctx, home), org, payload),
            ["id", "grade", "state", "alertname", "host", "criticality", "summary"],
        )

    @supervise.command("compact")
    @friendly_errors
    def compact(
        ctx: typer.Context,
        raw_days: float = typer.Option(7, "--raw-days"),
        rollup_5m_days: float = typer.Option(90, "--5m-days"),
        rollup_1h_days: float = typer.Option(730, "--1h-days"),
        home: str = _HOME,
    ) -> None:
        """Downsample old points and drop what is past its retention."""
        from sobre.supervision import store

        done = store.compact(
            _url(ctx, home), raw_days=raw_days, rollup_5m_days=rollup_5m_days, rollup_1h_days=rollup_1h_days
        )
        console.print(
            f"{done['rollups']} rollup(s) written, {done['raw_deleted']} raw point(s) and "
            f"{done['rollups_deleted']} rollup(s) dropped."
        )

    @supervise.command("serve")
    @friendly_errors
    def serve(
        ctx: typer.Context,
        bind: str = typer.Option("127.0.0.1", "--bind"),
        port: int = typer.Option(8089, "--port"),
        evaluate: list[str] = typer.Option(
            None,
            "--evaluate",
            help="Also evaluate this organisation's rules every --every seconds (repeatable).",
        ),
        every: float = typer.Option(15, "--every"),
        home: str = _HOME,
    ) -> None:
        """Serve the agent, Alertmanager and Wazuh endpoints and /metrics (until stopped)."""
        import threading

        import uvicorn
        from fastapi import FastAPI

        from sobre.supervision import alerting, store
        from sobre.supervision.routes import make_router

        db = _url(ctx, home)
        buffer = store.IngestBuffer(db)
        app = FastAPI(title="Sobre supervision")
        app.include_router(make_router(db, buffer=buffer))
        stop = threading.Event()

        def loop() -> None:
            evaluators = [alerting.Evaluator(db, o) for o in evaluate or []]
            while not stop.wait(every):
                for e in evaluators:
                    try:
                        e.evaluate()
                    except SobreError as exc:
                        console.print(f"evaluation of {e.org}: {exc}")

        buffer.start()
        worker = threading.Thread(target=loop, daemon=True)
        worker.start()
        try:
            uvicorn.run(app, host=bind, port=port, log_level="warning")
        finally:
            stop.set()
            buffer.stop()

    @energy_app.command("compute")
    @friendly_errors
    def energy_compute(
        ctx: typer.Context,
        org: str = _ORG,
        first: str = typer.Option(None, "--from", help="First day (default: yesterday)."),
        last: str = typer.Option(None, "--to", help="Last day (default: --from)."),
        host: str = typer.Option(None, "--host"),
        prometheus: str = typer.Option(None, "--prometheus", help="Query Prometheus hosts on this server."),
        home: str = _HOME,
    ) -> None:
        """Compute and store each host's daily energy (measured where a meter or RAPL says so)."""
        from sobre.supervision import service
        from sobre.supervision.prometheus import HttpPrometheus

        start = _day(first, datetime.now(UTC).date() - timedelta(days=1))
        rows = service.compute_energy(
            _url(ctx, home),
            org,
            start,
            _day(last, start),
            host=host,
            prometheus=HttpPrometheus(prometheus) if prometheus else None,
        )
        console.print(f"{len(rows)} host-day(s) computed.")

    @energy_app.command("show")
    @friendly_errors
    def energy_show(
        ctx: typer.Context,
        org: str = _ORG,
        host: str = typer.Option(None, "--host"),
        first: str = typer.Option(None, "--from"),
        last: str = typer.Option(None, "--to"),
        compute: bool = typer.Option(
            True, "--compute/--no-compute", help="Compute the days first (from stored points)."
        ),
        as_json: bool = _JSON,
        home: str = _HOME,
    ) -> None:
        """Daily energy per host: kWh (range), measured or modelled, the source, and the site's PUE."""
        from sobre.supervision import service

        db = _url(ctx, home)
        end = _day(last, datetime.now(UTC).date())
        start = _day(first, end - timedelta(days=6))
        if compute:
            service.compute_energy(db, org, start, end, host=host)
        rows = service.energy_days(db, org, host=host, first=start, last=end)
        if as_json:
            print_json(rows)
            return
        for r in rows:
            r["range"] = f"{r['low']:.3g}–{r['high']:.3g}"
        _table(rows, ["host", "day", "kwh", "range", "status", "method", "pue", "facility_kwh", "source"])
        it = sum(r["kwh"] for r in rows)
        measured = sum(r["kwh"] for r in rows if r["status"] == "measured")
        facility = sum(r["facility_kwh"] or r["kwh"] for r in rows)
        share = f"{measured / it:.0%}" if it else "-"
        console.print(
            f"Total IT energy {it:.4g} kWh ({share} measured), "
            f"drawn from the grid with PUE {facility:.4g} kWh."
        )
