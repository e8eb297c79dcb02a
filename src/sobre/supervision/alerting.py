"""Use cases of alerting: rules, evaluation, alerts and their timeline, silences, escalation, Alertmanager.

One evaluation (:func:`evaluate`) reads the latest value of every series (Sobre's own store, or a
Prometheus server through its HTTP API), runs the rule engine, records the alerts' transitions, grades
them (detector level × the asset's effective criticality), then routes them: silences, maintenance windows
and inhibition mute; the escalation policy says who is told, when and how.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound
from sobre.orgs import service as orgs
from sobre.supervision import grading, service
from sobre.supervision.alertmanager import prometheus_rule_file
from sobre.supervision.alerts import (  # noqa: F401  (the alerts' use cases, reached from here too)
    Evaluation,
    _aware,
    _Context,
    _event,
    _grade_alert,
    _ts,
    acknowledge,
    alert_detail,
    escalation,
    fingerprint,
    list_alerts,
    raise_alert,
    receive_alertmanager,
    resolve,
    route,
    set_escalation,
)
from sobre.supervision.models import (
    Alert,
    AlertEvent,
    AlertRule,
    Host,
    Latest,
)
from sobre.supervision.notify import Notifier
from sobre.supervision.prometheus import MetricsSource, read_hosts
from sobre.supervision.rules import Rule, RuleEngine, SeriesKey, Snapshot, parse_duration
from sobre.supervision.silences import add_silence, expire_silence, list_silences  # noqa: F401  (reached from here)
from sobre.supervision.store import decode_labels

#: Labels Sobre sets on an alert itself; a series' own labels never use these names.
RESERVED = ("alertname", "host", "severity")
STALE_S = 300.0
SEVERITIES = ("info", "warning", "critical")

#: Rules a new installation starts with (``sobre supervise rules defaults``).
DEFAULT_RULES = (
    Rule("HostDown", "up", "<", 1, for_s=60, severity="critical", summary="The host stopped reporting"),
    Rule(
        "HighCpu",
        "cpu_utilisation",
        ">",
        0.9,
        for_s=600,
        clear=0.8,
        severity="warning",
        summary="CPU above 90 %",
    ),
    Rule(
        "MemoryPressure",
        "memory_used_ratio",
        ">",
        0.9,
        for_s=600,
        clear=0.85,
        severity="warning",
        summary="Memory above 90 %",
    ),
    Rule(
        "DiskAlmostFull",
        "filesystem_used_ratio",
        ">",
        0.9,
        for_s=300,
        clear=0.85,
        severity="warning",
        summary="Filesystem above 90 %",
    ),
    Rule(
        "DiskFull",
        "filesystem_used_ratio",
        ">",
        0.97,
        for_s=60,
        severity="critical",
        summary="Filesystem above 97 %",
    ),
    Rule(
        "HighTemperature",
        "temperature_celsius",
        ">",
        85,
        for_s=300,
        clear=80,
        keep_firing_for_s=300,
        severity="warning",
        summary="Temperature above 85 °C",
    ),
)


# ---------------------------------------------------------------- rules


def _rule(r: AlertRule) -> Rule:
    return Rule(
        r.name,
        r.metric,
        r.op,
        r.threshold,
        r.for_s,
        r.keep_firing_for_s,
        r.clear,
        r.severity,
        tuple(sorted((r.labels or {}).items())),
        r.summary or "",
    )


def add_rule(
    database_url: str,
    org: str,
    name: str,
    metric: str,
    op: str,
    threshold: float,
    *,
    for_: str | int | None = None,
    keep_firing_for: str | int | None = None,
    clear: float | None = None,
    severity: str = "warning",
    labels: dict[str, str] | None = None,
    summary: str | None = None,
    rename_from: str | None = None,
) -> Rule:
    """Add (or replace) an alert rule; checks it as the engine would.

    With ``rename_from``, the rule of that name gets ``name`` and these settings; renaming onto another
    existing rule is refused (it would overwrite that rule).
    """
    if severity not in SEVERITIES:
        raise InputError(
            "unknown severity", column="severity", value=severity, expected=", ".join(SEVERITIES)
        )
    bad = set(labels or {}) & set(RESERVED)
    if bad:
        raise InputError("reserved label name", column="labels", value=", ".join(sorted(bad)))
    try:
        rule = Rule(
            name,
            metric,
            op,
            float(threshold),
            parse_duration(for_),
            parse_duration(keep_firing_for),
            clear,
            severity,
            tuple(sorted((labels or {}).items())),
            summary or "",
        )
    except ValueError as exc:
        raise InputError(str(exc)) from None
    # Read then write: hold the right to write from the start, so that two saves never interleave.
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id

        def named(rule_name: str) -> AlertRule | None:
            return session.scalar(
                sa.select(AlertRule).where(AlertRule.org_id == oid, AlertRule.name == rule_name)
            )

        row = named(name)
        if rename_from is not None and rename_from != name:
            if row is not None:
                raise InputError(
                    "another rule already has this name; choose another one or remove that rule first",
                    column="name",
                    value=name,
                )
            row = named(rename_from)
            if row is None:
                raise NotFound(f"no rule named {rename_from!r}")
            row.name = name
        if row is None:
            row = AlertRule(org_id=oid, name=name)
            session.add(row)
        row.metric, row.op, row.threshold, row.clear = rule.metric, rule.op, rule.threshold, rule.clear
        row.for_s, row.keep_firing_for_s, row.severity = rule.for_s, rule.keep_firing_for_s, rule.severity
        row.labels, row.summary, row.enabled = dict(rule.labels) or None, rule.summary or None, True
    return rule


def install_default_rules(database_url: str, org: str) -> list[str]:
    """Add the default rules that are not there yet; their names."""
    have = {r.name for r in list_rules(database_url, org)}
    added = []
    for r in DEFAULT_RULES:
        if r.name not in have:
            add_rule(
                database_url,
                org,
                r.name,
                r.metric,
                r.op,
                r.threshold,
                for_=r.for_s,
                keep_firing_for=r.keep_firing_for_s,
                clear=r.clear,
                severity=r.severity,
                summary=r.summary,
            )
            added.append(r.name)
    return added


def list_rules(database_url: str, org: str, *, enabled_only: bool = False) -> list[Rule]:
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        q = sa.select(AlertRule).where(AlertRule.org_id == oid).order_by(AlertRule.name)
        if enabled_only:
            q = q.where(AlertRule.enabled.is_(True))
        return [_rule(r) for r in session.scalars(q)]


def remove_rule(database_url: str, org: str, name: str) -> None:
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        row = session.scalar(sa.select(AlertRule).where(AlertRule.org_id == oid, AlertRule.name == name))
        if row is None:
            raise NotFound(f"no rule named {name!r}")
        session.delete(row)


def export_rules(database_url: str, org: str, *, window: str = "5m") -> str:
    """The organisation's rules as a Prometheus rule file (YAML)."""
    return prometheus_rule_file(
        list_rules(database_url, org, enabled_only=True), group=f"sobre-{org}", window=window
    )


# ---------------------------------------------------------------- snapshots


def _series_key(labels: dict[str, str]) -> SeriesKey:
    return labels.get("host", ""), tuple(sorted((k, v) for k, v in labels.items() if k not in RESERVED))


def snapshot_from_store(session: Session, oid: int, now: float) -> Snapshot:
    """The latest value of every fresh series of the organisation, plus ``up`` for each agent host."""
    rows = []
    q = (
        sa.select(Host.name, Latest.metric, Latest.labels, Latest.value)
        .join(Host, Host.id == Latest.host_id)
        .where(Host.org_id == oid, Latest.ts >= now - STALE_S, Host.source != "prometheus")
    )
    for name, metric, labels, value in session.execute(q):
        rows.append((metric, (name, decode_labels(labels)), value))
    hosts = session.execute(
        sa.select(Host.name, Host.last_seen, Host.interval_s).where(
            Host.org_id == oid, Host.source != "prometheus"
        )
    )
    for name, last_seen, interval in hosts:
        if last_seen is None:
            continue
        up = 1.0 if now - last_seen <= max(service.DOWN_AFTER_INTERVALS * interval, 60.0) else 0.0
        rows.append(("up", (name, ()), up))
    return Snapshot.from_rows(rows)


def snapshot_from_prometheus(database_url: str, org: str, source: MetricsSource, now: float) -> Snapshot:
    """One snapshot of every node_exporter target, keyed by the Sobre host each ``instance`` maps to."""
    hosts = read_hosts(source, at=now)
    names = service.sync_prometheus_hosts(database_url, org, hosts, now=now)
    rows: list[tuple[str, SeriesKey, float]] = []
    for instance, metrics in hosts.items():
        name = names[instance]
        for metric, value in metrics.items():
            if metric == "jobs":
                continue
            if isinstance(value, dict):
                for mount, v in value.items():
                    rows.append((metric, (name, (("mount", mount),)), v))
            else:
                rows.append((metric, (name, ()), value))
    return Snapshot.from_rows(rows)


class Evaluator:
    """Keeps the rule engine between evaluations (a server loop); a one-off run restores it from alerts."""

    def __init__(self, database_url: str, org: str) -> None:
        self.database_url = database_url
        self.org = org
        self.engine: RuleEngine | None = None
        self._rules: list[Rule] = []

    def _engine(self, session: Session, oid: int) -> RuleEngine:
        rules = list_rules(self.database_url, self.org, enabled_only=True)
        if self.engine is not None and rules == self._rules:
            return self.engine
        engine = RuleEngine(rules)
        names = {r.name for r in rules}
        for a in session.scalars(
            sa.select(Alert).where(
                Alert.org_id == oid, Alert.source == "rule", Alert.state.in_(("pending", "firing"))
            )
        ):
            if a.alertname in names:
                clear = _aware(a.clear_since)
                engine.restore(
                    a.alertname,
                    _series_key(a.labels),
                    a.state,
                    _aware(a.started_at).timestamp(),  # type: ignore[union-attr]
                    None if clear is None else clear.timestamp(),
                )
        self.engine, self._rules = engine, rules
        return engine

    def evaluate(
        self,
        *,
        now: float | None = None,
        source: MetricsSource | None = None,
        notifier: Notifier | None = None,
        lang: str = "en",
    ) -> Evaluation:
        now = time.time() if now is None else now
        at = _ts(now)
        snap = (
            snapshot_from_prometheus(self.database_url, self.org, source, now) if source is not None else None
        )
        ctx = _Context.load(self.database_url, self.org)
        result = Evaluation(at)
        fired: list[int] = []
        with write_session(self.database_url) as session:
            oid = orgs.get(session, self.org).id
            engine = self._engine(session, oid)
            snap = snap or snapshot_from_store(session, oid, now)
            rules = {r.name: r for r in engine.rules}
            transitions = engine.evaluate(snap, now)
            result.transitions = len(transitions)
            # One read of the open rule alerts; new ones are flushed together, then their events added.
            open_alerts = {
                a.fingerprint: a
                for a in session.scalars(
                    sa.select(Alert).where(
                        Alert.org_id == oid, Alert.source == "rule", Alert.state.in_(("pending", "firing"))
                    )
                )
            }
            events: list[tuple[Alert, str, datetime, dict[str, Any]]] = []
            fired_alerts: list[Alert] = []
            for tr in transitions:
                rule = rules[tr.rule]
                labels = {
                    "alertname": rule.name,
                    "host": tr.series[0],
                    **dict(tr.series[1]),
                    "severity": rule.severity,
                }
                fp = fingerprint(labels)
                alert = open_alerts.get(fp)
                if tr.after in ("pending", "firing") and alert is None:
                    alert = Alert(
                        org_id=oid,
                        fingerprint=fp,
                        alertname=rule.name,
                        source="rule",
                        labels=labels,
                        host_id=ctx.host_id(tr.series[0]),
                        summary=rule.summary or None,
                        severity=rule.severity,
                        state=tr.after,
                        started_at=_ts(tr.active_since or now),
                        last_value=tr.value,
                    )
                    _grade_alert(alert, grading.from_prometheus(rule.severity), ctx, tr.series[0])
                    session.add(alert)
                    open_alerts[fp] = alert
                    events.append((alert, "pending", alert.started_at, {"value": tr.value}))
                if alert is None:
                    continue
                if tr.after == "firing":
                    alert.state, alert.fired_at = "firing", at
                    detail = {
                        "value": tr.value,
                        "level": alert.level,
                        "criticality": alert.criticality,
                        "grade": alert.grade,
                    }
                    events.append((alert, "firing", at, detail))
                    fired_alerts.append(alert)
                elif tr.after == "inactive":  # a pending alert whose condition did not last
                    session.delete(alert)
                    del open_alerts[fp]
                elif tr.after == "resolved":
                    alert.state, alert.ended_at = "resolved", at
                    events.append((alert, "resolved", at, {"value": tr.value}))
                    del open_alerts[fp]
            # Keep the open alerts' last values and cooling times, so that a later run resumes them.
            for name, series, _state, _since, value in engine.active():
                labels = {
                    "alertname": name,
                    "host": series[0],
                    **dict(series[1]),
                    "severity": rules[name].severity,
                }
                alert = open_alerts.get(fingerprint(labels))
                if alert is not None:
                    cooling = _cooling(engine, name, series)
                    if alert.last_value != value:
                        alert.last_value = value
                    if _aware(alert.clear_since) != cooling:
                        alert.clear_since = cooling
            session.flush()
            session.add_all(
                AlertEvent(alert_id=a.id, at=when, kind=kind, detail=d or None) for a, kind, when, d in events
            )
            fired = [a.id for a in fired_alerts]
        route(self.database_url, self.org, at, notifier=notifier, lang=lang, result=result, just_fired=fired)
        return result


def _cooling(engine: RuleEngine, rule: str, series: SeriesKey) -> datetime | None:
    value = engine.clear_since(rule, series)
    return None if value is None else _ts(value)


def evaluate(database_url: str, org: str, **kwargs: Any) -> Evaluation:
    """One evaluation of the organisation's rules (see :class:`Evaluator`)."""
    return Evaluator(database_url, org).evaluate(**kwargs)
