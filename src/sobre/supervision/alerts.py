"""Alerts through their life: grading context, routing and escalation, acknowledgement, silences,
Alertmanager's webhook.  Rules and their evaluation are in ``alerting``."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, overload

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.orgs import service as orgs
from sobre.supervision import grading, routing, service
from sobre.supervision.alertmanager import parse_webhook
from sobre.supervision.grading import Grade
from sobre.supervision.models import (
    Alert,
    AlertEvent,
    EscalationSent,
    EscalationStep,
    Host,
    Silence,
)
from sobre.supervision.notify import Message, Notifier


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(at: float) -> datetime:
    return datetime.fromtimestamp(at, UTC)


@overload
def _aware(value: datetime) -> datetime: ...


@overload
def _aware(value: None) -> None: ...


def _aware(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes: they were written as UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def fingerprint(labels: dict[str, str]) -> str:
    text = "\xff".join(f"{k}\xfe{v}" for k, v in sorted(labels.items()))
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _event(session: Session, alert: Alert, kind: str, at: datetime, **detail: Any) -> None:
    session.add(AlertEvent(alert_id=alert.id, at=at, kind=kind, detail=detail or None))


# ---------------------------------------------------------------- grading context


@dataclass
class Evaluation:
    at: datetime
    transitions: int = 0
    firing: dict[str, int] = field(default_factory=dict)
    notifications: list[dict[str, Any]] = field(default_factory=list)
    muted: dict[int, str] = field(default_factory=dict)
    incidents: list[str] = field(default_factory=list)


@dataclass
class _Context:
    """What grading needs, read once per evaluation."""

    hosts: dict[str, dict[str, Any]]

    @classmethod
    def load(cls, database_url: str, org: str) -> _Context:
        return cls({h["name"]: h for h in service.list_hosts(database_url, org)})

    def criticality(self, host: str | None) -> str | None:
        h = self.hosts.get(host or "")
        return h.get("criticality") if h else None

    def host_id(self, host: str | None) -> int | None:
        h = self.hosts.get(host or "")
        return h["id"] if h else None


def _grade_alert(alert: Alert, level: Grade, ctx: _Context, host: str | None) -> None:
    alert.level = level.value
    alert.criticality = ctx.criticality(host)
    alert.grade = grading.grade(level, alert.criticality).value


# ---------------------------------------------------------------- routing and escalation


def _alert_dict(a: Alert) -> dict[str, Any]:
    return {
        "id": a.id,
        "alertname": a.alertname,
        "source": a.source,
        "host": a.labels.get("host") or a.labels.get("instance"),
        "labels": dict(a.labels),
        "summary": a.summary,
        "severity": a.severity,
        "level": a.level,
        "criticality": a.criticality,
        "grade": a.grade,
        "state": a.state,
        "started_at": _aware(a.started_at).isoformat(),  # type: ignore[union-attr]
        "fired_at": _aware(a.fired_at).isoformat() if a.fired_at else None,  # type: ignore[union-attr]
        "ended_at": _aware(a.ended_at).isoformat() if a.ended_at else None,  # type: ignore[union-attr]
        "acknowledged_at": _aware(a.acknowledged_at).isoformat() if a.acknowledged_at else None,  # type: ignore[union-attr]
        "acknowledged_by": a.acknowledged_by,
        "muted_by": a.muted_by,
        "last_value": a.last_value,
        "fingerprint": a.fingerprint,
        "incident": a.incident_ref,
    }


def _silences(session: Session, oid: int) -> list[routing.Silence]:
    out = []
    for s in session.scalars(sa.select(Silence).where(Silence.org_id == oid, Silence.expired_at.is_(None))):
        out.append(
            routing.Silence(
                s.id,
                routing.parse_matchers(s.matchers),
                _aware(s.starts_at),
                _aware(s.ends_at),
                s.kind,  # type: ignore[arg-type]
                tuple(int(d) for d in s.weekdays.split(",")) if s.weekdays else (),
                s.timezone,
                _aware(s.until),
            )
        )
    return out


def _policy(session: Session, oid: int) -> list[routing.Step]:
    rows = session.scalars(
        sa.select(EscalationStep).where(EscalationStep.org_id == oid).order_by(EscalationStep.position)
    )
    return [routing.Step(r.after_minutes, r.channel, r.target, Grade(r.min_grade)) for r in rows]


def route(
    database_url: str,
    org: str,
    at: datetime,
    *,
    notifier: Notifier | None = None,
    lang: str = "en",
    result: Evaluation | None = None,
    just_fired: Sequence[int] = (),
) -> Evaluation:
    """Mute, group, escalate and notify the organisation's open alerts at ``at``."""
    result = result or Evaluation(at)
    notifier = notifier or Notifier()
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        firing = list(session.scalars(sa.select(Alert).where(Alert.org_id == oid, Alert.state == "firing")))
        told = sa.select(EscalationSent.alert_id).where(EscalationSent.step >= 0)
        closed = sa.select(EscalationSent.alert_id).where(EscalationSent.step < 0)
        resolved = list(
            session.scalars(
                sa.select(Alert).where(
                    Alert.org_id == oid,
                    Alert.state == "resolved",
                    Alert.id.in_(told),
                    Alert.id.not_in(closed),
                )
            )
        )
        alerts = {a.id: a for a in firing + resolved}
        sent = {
            (r.alert_id, max(r.step, -1))
            for r in session.scalars(
                sa.select(EscalationSent).where(EscalationSent.alert_id.in_(list(alerts)))
            )
        }
        view = [
            routing.Alert(
                a.id,
                {k: str(v) for k, v in a.labels.items()},
                Grade(a.grade),
                a.state,
                _aware(a.fired_at or a.started_at),
                a.acknowledged_at is not None,
                _aware(a.ended_at),  # type: ignore[arg-type]
            )
            for a in alerts.values()
        ]
        decision = routing.route(
            view, at, policy=_policy(session, oid), sent=sent, silences=_silences(session, oid)
        )
        for a in firing:
            reason = decision.muted.get(a.id)
            if reason != a.muted_by:
                _event(session, a, "muted" if reason else "unmuted", at, reason=reason or a.muted_by)
                a.muted_by = reason
        for n in decision.notifications:
            members = [alerts[i] for i in n.alert_ids]
            message = Message(
                n.channel, n.target, n.kind, n.step, [_alert_dict(a) for a in members], dict(n.group), lang
            )
            error = notifier.send(message)
            for a in members:
                session.add(
                    EscalationSent(
                        alert_id=a.id, step=n.step, at=at, channel=n.channel, target=n.target, error=error
                    )
                )
                _event(
                    session,
                    a,
                    "notified",
                    at,
                    channel=n.channel,
                    target=n.target,
                    step=n.step,
                    message=n.kind,
                    error=error,
                )
            result.notifications.append(
                {
                    "channel": n.channel,
                    "target": n.target,
                    "step": n.step,
                    "kind": n.kind,
                    "alerts": list(n.alert_ids),
                    "error": error,
                }
            )
        result.muted = dict(decision.muted)
        for a in firing:
            result.firing[a.grade] = result.firing.get(a.grade, 0) + 1
        handed: list[service.AlertFired] = []
        for alert_id in just_fired:
            found = alerts.get(alert_id)
            if found is None:
                continue
            a = found
            if a.muted_by or a.incident_ref or not Grade(a.grade).at_least(Grade.MAJOR):
                continue
            handed.append(
                service.AlertFired(
                    database_url,
                    org,
                    a.id,
                    a.alertname,
                    a.grade,
                    a.labels.get("host"),
                    _equipment_of(session, a.host_id),
                    _vm_of(session, a.host_id),
                    a.summary or "",
                    dict(a.labels),
                    _aware(a.started_at),  # type: ignore[arg-type]
                )
            )
    # Handed over once this session is committed: the subscriber writes through its own session, which a
    # SQLite database would refuse while this one holds the write lock.
    for event in handed:
        refs = service.on_alert_fired(event)
        if refs:
            with write_session(database_url) as session:
                a = session.get_one(Alert, event.alert_id)
                a.incident_ref = ", ".join(refs)
                _event(session, a, "incident", at, refs=refs)
            result.incidents.extend(refs)
    return result


def _equipment_of(session: Session, host_id: int | None) -> int | None:
    return session.scalar(sa.select(Host.equipment_id).where(Host.id == host_id)) if host_id else None


def _vm_of(session: Session, host_id: int | None) -> int | None:
    return session.scalar(sa.select(Host.vm_id).where(Host.id == host_id)) if host_id else None


def set_escalation(database_url: str, org: str, steps: Sequence[routing.Step]) -> None:
    """Replace the organisation's escalation policy."""
    for s in steps:
        if s.channel not in ("email", "webhook"):
            raise InputError(
                "unknown channel", column="channel", value=s.channel, expected="email or webhook"
            )
        if s.after_minutes < 0:
            raise InputError("negative delay", column="after", value=s.after_minutes)
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        session.execute(sa.delete(EscalationStep).where(EscalationStep.org_id == oid))
        for i, s in enumerate(sorted(steps, key=lambda s: s.after_minutes)):
            session.add(
                EscalationStep(
                    org_id=oid,
                    position=i,
                    after_minutes=s.after_minutes,
                    channel=s.channel,
                    target=s.target,
                    min_grade=s.min_grade.value,
                )
            )


def escalation(database_url: str, org: str) -> list[routing.Step]:
    with session_scope(database_url) as session:
        return _policy(session, orgs.get(session, org).id)


# ---------------------------------------------------------------- alerts


def list_alerts(
    database_url: str, org: str, *, state: str | None = "open", grade: str | None = None, limit: int = 200
) -> list[dict[str, Any]]:
    """Alerts, newest first: ``state`` open (pending and firing), firing, pending, resolved or None (all)."""
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        q = (
            sa.select(Alert)
            .where(Alert.org_id == oid)
            .order_by(Alert.started_at.desc(), Alert.id.desc())
            .limit(limit)
        )
        if state == "open":
            q = q.where(Alert.state.in_(("pending", "firing")))
        elif state:
            q = q.where(Alert.state == state)
        if grade:
            q = q.where(Alert.grade == grade)
        return [_alert_dict(a) for a in session.scalars(q)]


def _get_alert(session: Session, oid: int, alert_id: int) -> Alert:
    a = session.scalar(sa.select(Alert).where(Alert.org_id == oid, Alert.id == alert_id))
    if a is None:
        raise NotFound(f"no alert {alert_id}; list them with 'sobre supervise alerts'")
    return a


def alert_detail(database_url: str, org: str, alert_id: int) -> dict[str, Any]:
    """An alert with its timeline."""
    with session_scope(database_url) as session:
        a = _get_alert(session, orgs.get(session, org).id, alert_id)
        events = session.scalars(
            sa.select(AlertEvent).where(AlertEvent.alert_id == a.id).order_by(AlertEvent.at, AlertEvent.id)
        )
        return {
            **_alert_dict(a),
            "timeline": [
                {"at": _aware(e.at).isoformat(), "kind": e.kind, **(e.detail or {})}
                for e in events  # type: ignore[union-attr]
            ],
        }


def acknowledge(
    database_url: str,
    org: str,
    alert_id: int,
    *,
    by: str,
    comment: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Acknowledge an alert: someone is on it, escalation stops."""
    at = at or _now()
    with write_session(database_url) as session:
        a = _get_alert(session, orgs.get(session, org).id, alert_id)
        if a.state == "resolved":
            raise SobreError(f"alert {alert_id} is already resolved")
        if a.acknowledged_at is None:
            a.acknowledged_at, a.acknowledged_by = at, by
            _event(session, a, "acknowledged", at, by=by, comment=comment)
        return _alert_dict(a)


def resolve(
    database_url: str,
    org: str,
    alert_id: int,
    *,
    by: str,
    comment: str | None = None,
    at: datetime | None = None,
) -> dict[str, Any]:
    """Resolve an alert by hand (a rule whose condition still holds raises a new one)."""
    at = at or _now()
    with write_session(database_url) as session:
        a = _get_alert(session, orgs.get(session, org).id, alert_id)
        if a.state == "resolved":
            raise SobreError(f"alert {alert_id} is already resolved")
        a.state, a.ended_at, a.resolved_by = "resolved", at, by
        _event(session, a, "resolved", at, by=by, comment=comment)
        return _alert_dict(a)


def raise_alert(
    database_url: str,
    org: str,
    *,
    source: str,
    alertname: str,
    host: str | None,
    labels: dict[str, str],
    level: Grade,
    severity: str,
    summary: str,
    at: datetime | None = None,
) -> int:
    """Open (or refresh) an alert that no rule evaluates: SMART risk, an anomaly, a capacity forecast."""
    at = at or _now()
    ctx = _Context.load(database_url, org)
    identity = {"alertname": alertname, **({"host": host} if host else {}), **labels}
    fp = fingerprint(identity)  # one alert per disk or event, whatever its severity becomes
    full = {**identity, "severity": severity}
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        a = session.scalar(
            sa.select(Alert).where(Alert.org_id == oid, Alert.fingerprint == fp, Alert.state == "firing")
        )
        if a is None:
            a = Alert(
                org_id=oid,
                fingerprint=fp,
                alertname=alertname,
                source=source,
                labels=full,
                host_id=ctx.host_id(host),
                severity=severity,
                state="firing",
                started_at=at,
                fired_at=at,
            )
            session.add(a)
        a.summary, a.severity, a.labels = summary, severity, full
        before = (a.level, a.grade)
        _grade_alert(a, level, ctx, host)
        session.flush()
        if before != (a.level, a.grade):
            kind = "firing" if before[1] is None else "graded"
            _event(
                session, a, kind, at, level=a.level, criticality=a.criticality, grade=a.grade, summary=summary
            )
        return a.id


# ---------------------------------------------------------------- Alertmanager


def receive_alertmanager(
    database_url: str, org: str, payload: Any, *, at: datetime | None = None, notifier: Notifier | None = None
) -> list[dict[str, Any]]:
    """Record and grade the alerts of one Alertmanager webhook call; the graded alerts."""
    at = at or _now()
    received = parse_webhook(payload)
    ctx = _Context.load(database_url, org)
    by_instance = {h["instance"]: n for n, h in ctx.hosts.items() if h.get("instance")}
    ids, fired = [], []
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        for r in received:
            fp = "am:" + r.fingerprint
            instance = r.labels.get("instance", "")
            host = (
                r.labels.get("host")
                or by_instance.get(instance)
                or (instance.split(":")[0] if instance.split(":")[0] in ctx.hosts else None)
            )
            labels = {**r.labels, **({"host": host} if host else {})}
            a = session.scalar(
                sa.select(Alert).where(Alert.org_id == oid, Alert.fingerprint == fp, Alert.state == "firing")
            )
            if r.status == "resolved":
                if a is not None:
                    a.state, a.ended_at = "resolved", r.ends_at or at
                    _event(session, a, "resolved", at, via="alertmanager")
                    ids.append(a.id)
                continue
            if a is None:
                a = Alert(
                    org_id=oid,
                    fingerprint=fp,
                    alertname=r.labels["alertname"],
                    source="alertmanager",
                    labels=labels,
                    host_id=ctx.host_id(host),
                    severity=r.labels.get("severity", ""),
                    state="firing",
                    started_at=r.starts_at,
                    fired_at=at,
                    summary=r.annotations.get("summary") or r.annotations.get("description"),
                )
                _grade_alert(a, grading.from_prometheus(r.labels.get("severity")), ctx, host)
                session.add(a)
                session.flush()
                _event(
                    session,
                    a,
                    "firing",
                    at,
                    via="alertmanager",
                    level=a.level,
                    criticality=a.criticality,
                    grade=a.grade,
                )
                fired.append(a.id)
            ids.append(a.id)
    route(database_url, org, at, notifier=notifier, just_fired=fired)
    with session_scope(database_url) as session:
        return [
            _alert_dict(a)
            for a in session.scalars(sa.select(Alert).where(Alert.id.in_(ids)).order_by(Alert.id))
        ]
