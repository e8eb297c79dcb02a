"""Statements for the pages and the JSON API: lists filtered, sorted and paginated by the database.

Each ``*_query`` returns a ``SELECT`` of one organisation's rows and each ``*_SORTS`` the columns a list may
be sorted by (the web layer's ``paginate`` and ``sorted_by`` run them); the ``*_rows`` functions turn a page
of rows into the plain dictionaries the pages and the API show.  A host's state is computed in SQL with the
same rule as everywhere else: up when it reported within ``DOWN_AFTER_INTERVALS`` of its intervals (a minute
at least), down after that, unknown when it never reported.
"""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.core.errors import NotFound
from sobre.supervision.alerts import _alert_dict, _aware
from sobre.supervision.grading import Grade
from sobre.supervision.hosts import DOWN_AFTER_INTERVALS, _host_dict, _inventory
from sobre.supervision.models import (
    Alert,
    AlertRule,
    EnergyDay,
    Host,
    Latest,
    SecurityEvent,
    Silence,
    SmartReadingRow,
)

GRADES = tuple(g.value for g in Grade)
HOST_STATES = ("up", "down", "unknown")
ALERT_STATES = ("open", "firing", "pending", "resolved")
ALERT_SOURCES = ("rule", "alertmanager", "smart", "capacity", "security", "anomaly")
SECURITY_STATUSES = ("open", "done", "dismissed")
SECURITY_SOURCES = ("wazuh", "syslog", "advisory")


def _rank(column: Any) -> Any:
    """A grade as a number (info 0 … critical 3), for sorting by severity in SQL."""
    return sa.case({g: i for i, g in enumerate(GRADES)}, value=column, else_=-1)


# ---------------------------------------------------------------- hosts


def host_state(now: float) -> Any:
    """The SQL expression of a host's state at ``now`` (see the module docstring)."""
    after = sa.case(
        (Host.interval_s * DOWN_AFTER_INTERVALS > 60.0, Host.interval_s * DOWN_AFTER_INTERVALS),
        else_=60.0,
    )
    return sa.case((Host.last_seen.is_(None), "unknown"), (Host.last_seen >= now - after, "up"), else_="down")


def _open_alerts() -> Any:
    return (
        sa.select(sa.func.count())
        .where(Alert.host_id == Host.id, Alert.state.in_(("pending", "firing")))
        .correlate(Host)
        .scalar_subquery()
    )


def hosts_query(oid: int, *, now: float, state: str | None = None, search: str | None = None) -> Any:
    """Hosts with their state and count of open alerts: rows ``(Host, state, open_alerts)``."""
    stmt = sa.select(Host, host_state(now).label("state"), _open_alerts().label("open_alerts")).where(
        Host.org_id == oid
    )
    if state in HOST_STATES:
        stmt = stmt.where(host_state(now) == state)
    if search:
        stmt = stmt.where(Host.name.contains(search, autoescape=True))
    return stmt


def host_sorts(now: float) -> dict[str, Any]:
    return {
        "name": Host.name,
        "state": host_state(now),
        "last_seen": Host.last_seen,
        "alerts": _open_alerts(),
        "source": Host.source,
    }


def host_rows(database_url: str, org: str, rows: list[Any], now: float) -> list[dict[str, Any]]:
    """A page of ``hosts_query`` rows as dictionaries, with their inventory item and criticality."""
    assets = _inventory(database_url, org, [h for h, _state, _n in rows])  # this page's items only
    return [{**_host_view(h, now, assets), "open_alerts": int(n)} for h, _state, n in rows]


def _host_view(h: Host, now: float, assets: dict[str, dict[int, dict[str, Any]]]) -> dict[str, Any]:
    seen = None if h.last_seen is None else datetime.fromtimestamp(h.last_seen, UTC)
    return {**_host_dict(h, now, assets), "last_seen_at": seen, "interval_s": h.interval_s}


def host_by_id(database_url: str, org: str, host_id: int, *, now: float | None = None) -> dict[str, Any]:
    """One host with its state, inventory item and criticality; ``NotFound`` outside the organisation."""
    with session_scope(database_url) as s:
        h = s.scalar(sa.select(Host).where(Host.id == host_id, Host.org_id == _org(s, org)))
        if h is None:
            raise NotFound(f"no supervised host {host_id}")
        return _host_view(h, time.time() if now is None else now, _inventory(database_url, org, [h]))


def _org(session: Any, org: str) -> int:
    from sobre.orgs import service as orgs

    return orgs.get(session, org).id


# ---------------------------------------------------------------- alerts


def alerts_query(
    oid: int,
    *,
    state: str | None = "open",
    grade: str | None = None,
    host_id: int | None = None,
    source: str | None = None,
    search: str | None = None,
) -> Any:
    """Alerts of the organisation: ``state`` open (pending and firing), firing, pending, resolved or all."""
    stmt = sa.select(Alert).where(Alert.org_id == oid)
    if state == "open":
        stmt = stmt.where(Alert.state.in_(("pending", "firing")))
    elif state in ALERT_STATES:
        stmt = stmt.where(Alert.state == state)
    if grade in GRADES:
        stmt = stmt.where(Alert.grade == grade)
    if host_id is not None:
        stmt = stmt.where(Alert.host_id == host_id)
    if source in ALERT_SOURCES:
        stmt = stmt.where(Alert.source == source)
    if search:
        stmt = stmt.where(
            sa.or_(
                Alert.alertname.contains(search, autoescape=True),
                Alert.summary.contains(search, autoescape=True),
            )
        )
    return stmt


ALERT_SORTS: dict[str, Any] = {
    "started": Alert.started_at,
    "grade": _rank(Alert.grade),
    "name": Alert.alertname,
    "state": Alert.state,
}


def alert_rows(alerts: list[Alert]) -> list[dict[str, Any]]:
    """Alerts as dictionaries, with their times also as datetimes (``started``, ``ended``…) for pages."""
    return [
        {
            **_alert_dict(a),
            "started": _aware(a.started_at),
            "fired": _aware(a.fired_at),
            "ended": _aware(a.ended_at),
            "acknowledged": _aware(a.acknowledged_at),
        }
        for a in alerts
    ]


# ---------------------------------------------------------------- rules, silences


def rules_query(oid: int) -> Any:
    return sa.select(AlertRule).where(AlertRule.org_id == oid)


RULE_SORTS: dict[str, Any] = {
    "name": AlertRule.name,
    "metric": AlertRule.metric,
    "severity": AlertRule.severity,
}


def rule_by_id(database_url: str, org: str, rule_id: int) -> dict[str, Any]:
    """One rule as its edit form shows it."""
    with session_scope(database_url) as s:
        r = s.scalar(sa.select(AlertRule).where(AlertRule.id == rule_id, AlertRule.org_id == _org(s, org)))
        if r is None:
            raise NotFound(f"no alert rule {rule_id}")
        return rule_row(r)


def rule_row(r: AlertRule) -> dict[str, Any]:
    return {
        "id": r.id,
        "name": r.name,
        "metric": r.metric,
        "op": r.op,
        "threshold": r.threshold,
        "clear": r.clear,
        "for_s": r.for_s,
        "keep_firing_for_s": r.keep_firing_for_s,
        "severity": r.severity,
        "labels": dict(r.labels or {}),
        "summary": r.summary,
        "enabled": r.enabled,
    }


SILENCE_SHOW = ("current", "expired", "all")


def silences_query(oid: int, *, show: str = "current", now: datetime | None = None) -> Any:
    """Silences and maintenance windows: ``current`` (not expired and not over), ``expired`` or ``all``."""
    now = now or datetime.now(UTC)
    stmt = sa.select(Silence).where(Silence.org_id == oid)
    over = sa.or_(
        Silence.expired_at.is_not(None),
        sa.and_(Silence.weekdays.is_(None), Silence.ends_at < now),
        sa.and_(Silence.weekdays.is_not(None), Silence.until.is_not(None), Silence.until < now),
    )
    if show == "current":
        stmt = stmt.where(sa.not_(over))
    elif show == "expired":
        stmt = stmt.where(over)
    return stmt


SILENCE_SORTS: dict[str, Any] = {"starts": Silence.starts_at, "ends": Silence.ends_at, "kind": Silence.kind}


def silence_rows(silences: list[Silence], now: datetime | None = None) -> list[dict[str, Any]]:
    """Silences as dictionaries, each saying whether it mutes now (weekly windows are computed)."""
    from sobre.supervision import routing

    now = now or datetime.now(UTC)
    out = []
    for r in silences:
        view = routing.Silence(
            r.id,
            routing.parse_matchers(r.matchers),
            _aware(r.starts_at),
            _aware(r.ends_at),
            r.kind,  # type: ignore[arg-type]
            tuple(int(d) for d in r.weekdays.split(",")) if r.weekdays else (),
            r.timezone,
            _aware(r.until),
        )
        out.append(
            {
                "id": r.id,
                "kind": r.kind,
                "matchers": r.matchers,
                "starts_at": _aware(r.starts_at),
                "ends_at": _aware(r.ends_at),
                "weekdays": [int(d) for d in r.weekdays.split(",")] if r.weekdays else [],
                "timezone": r.timezone,
                "until": _aware(r.until),
                "created_by": r.created_by,
                "comment": r.comment,
                "expired": r.expired_at is not None,
                "active": r.expired_at is None and view.active_at(now),
            }
        )
    return out


# ---------------------------------------------------------------- security events


def security_query(
    oid: int,
    *,
    status: str | None = "open",
    grade: str | None = None,
    source: str | None = None,
    search: str | None = None,
) -> Any:
    stmt = sa.select(SecurityEvent).where(SecurityEvent.org_id == oid)
    if status in SECURITY_STATUSES:
        stmt = stmt.where(SecurityEvent.status == status)
    if grade in GRADES:
        stmt = stmt.where(SecurityEvent.grade == grade)
    if source in SECURITY_SOURCES:
        stmt = stmt.where(SecurityEvent.source == source)
    if search:
        stmt = stmt.where(
            sa.or_(
                SecurityEvent.title.contains(search, autoescape=True),
                SecurityEvent.host_name.contains(search, autoescape=True),
            )
        )
    return stmt


SECURITY_SORTS: dict[str, Any] = {
    "grade": _rank(SecurityEvent.grade),
    "at": SecurityEvent.at,
    "host": SecurityEvent.host_name,
    "score": SecurityEvent.score,
}


def security_row(r: SecurityEvent) -> dict[str, Any]:
    """A security event with the message keys of the measures its category calls for."""
    return {
        "id": r.id,
        "source": r.source,
        "external_id": r.external_id,
        "at": _aware(r.at),
        "host": r.host_name,
        "host_id": r.host_id,
        "title": r.title,
        "category": r.category,
        "level": r.level,
        "score": r.score,
        "criticality": r.criticality,
        "grade": r.grade,
        "status": r.status,
        "action_taken": r.action_taken,
        "done_by": r.done_by,
        "done_at": _aware(r.done_at),
        "details": r.details,
        "measure_preventive": f"sup.measure.{r.category}.preventive",
        "measure_corrective": f"sup.measure.{r.category}.corrective",
    }


def security_by_id(database_url: str, org: str, event_id: int) -> dict[str, Any]:
    with session_scope(database_url) as s:
        r = s.scalar(
            sa.select(SecurityEvent).where(SecurityEvent.id == event_id, SecurityEvent.org_id == _org(s, org))
        )
        if r is None:
            raise NotFound(f"no security event {event_id}")
        return security_row(r)


# ---------------------------------------------------------------- SMART and capacity


def smart_query(oid: int, *, risk: str | None = None, host_id: int | None = None) -> Any:
    """The latest reading of every disk: rows ``(SmartReadingRow, host name)``."""
    latest = (
        sa.select(
            SmartReadingRow.host_id, SmartReadingRow.serial, sa.func.max(SmartReadingRow.at).label("at")
        )
        .join(Host, Host.id == SmartReadingRow.host_id)
        .where(Host.org_id == oid)
        .group_by(SmartReadingRow.host_id, SmartReadingRow.serial)
        .subquery()
    )
    stmt = (
        sa.select(SmartReadingRow, Host.name)
        .join(Host, Host.id == SmartReadingRow.host_id)
        .join(
            latest,
            sa.and_(
                latest.c.host_id == SmartReadingRow.host_id,
                latest.c.serial == SmartReadingRow.serial,
                latest.c.at == SmartReadingRow.at,
            ),
        )
    )
    if risk in GRADES:
        stmt = stmt.where(SmartReadingRow.grade == risk)
    if host_id is not None:
        stmt = stmt.where(SmartReadingRow.host_id == host_id)
    return stmt


SMART_SORTS: dict[str, Any] = {
    "risk": _rank(SmartReadingRow.grade),
    "host": Host.name,
    "at": SmartReadingRow.at,
}


def smart_rows(rows: list[Any]) -> list[dict[str, Any]]:
    out = []
    for r, host in rows:
        reading = r.reading or {}
        out.append(
            {
                "id": r.id,
                "host": host,
                "host_id": r.host_id,
                "device": r.device,
                "serial": r.serial,
                "model": r.model,
                "at": _aware(r.at),
                "risk": r.grade,
                "reasons": list(r.reasons or []),
                "temperature_c": reading.get("temperature_c"),
                "power_on_hours": reading.get("power_on_hours"),
            }
        )
    return out


def filesystem_hosts_query(oid: int) -> Any:
    """Hosts that report filesystem sizes (those a capacity forecast can be made for)."""
    reporting = sa.select(Latest.host_id).where(Latest.metric == "filesystem_size_bytes").distinct()
    return sa.select(Host).where(Host.org_id == oid, Host.id.in_(reporting))


# ---------------------------------------------------------------- energy


def energy_query(oid: int, first: date, last: date) -> Any:
    """Energy per host over [first, last]: rows of sums (kWh, range, measured kWh, facility kWh, days)."""
    measured = sa.func.sum(sa.case((EnergyDay.status == "measured", EnergyDay.kwh), else_=0.0))
    return (
        sa.select(
            Host.id.label("host_id"),
            Host.name.label("host"),
            sa.func.sum(EnergyDay.kwh).label("kwh"),
            sa.func.sum(EnergyDay.low).label("low"),
            sa.func.sum(EnergyDay.high).label("high"),
            measured.label("measured_kwh"),
            sa.func.sum(sa.func.coalesce(EnergyDay.facility_kwh, EnergyDay.kwh)).label("facility_kwh"),
            sa.func.count().label("days"),
        )
        .join(Host, Host.id == EnergyDay.host_id)
        .where(Host.org_id == oid, EnergyDay.day >= first, EnergyDay.day <= last)
        .group_by(Host.id, Host.name)
    )


ENERGY_SORTS: dict[str, Any] = {
    "host": Host.name,
    "kwh": sa.func.sum(EnergyDay.kwh),
    "facility": sa.func.sum(sa.func.coalesce(EnergyDay.facility_kwh, EnergyDay.kwh)),
}


def energy_methods(database_url: str, host_ids: list[int], first: date, last: date) -> dict[int, list[str]]:
    """The methods (pdu, bmc, rapl, model) that gave each host's days."""
    if not host_ids:
        return {}
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(
            sa.select(EnergyDay.host_id, EnergyDay.method)
            .where(EnergyDay.host_id.in_(host_ids), EnergyDay.day >= first, EnergyDay.day <= last)
            .distinct()
        )
        out: dict[int, list[str]] = {}
        for host_id, method in rows:
            out.setdefault(host_id, []).append(method)
        return {k: sorted(v) for k, v in out.items()}


def energy_totals(database_url: str, oid: int, first: date, last: date) -> dict[str, Any]:
    """The organisation's energy over [first, last]: IT kWh and range, measured kWh, facility kWh."""
    rows = energy_query(oid, first, last).subquery()
    with get_engine(database_url).connect() as conn:
        r = conn.execute(
            sa.select(
                sa.func.sum(rows.c.kwh),
                sa.func.sum(rows.c.low),
                sa.func.sum(rows.c.high),
                sa.func.sum(rows.c.measured_kwh),
                sa.func.sum(rows.c.facility_kwh),
                sa.func.count(),
                sa.func.sum(rows.c.days),
            )
        ).one()
    return {
        "kwh": r[0],
        "low": r[1],
        "high": r[2],
        "measured_kwh": r[3],
        "facility_kwh": r[4],
        "hosts": int(r[5] or 0),
        "host_days": int(r[6] or 0),
    }


# ---------------------------------------------------------------- the overview


def overview(database_url: str, org: str, *, now: float | None = None) -> dict[str, Any]:
    """Counts for the supervision overview: hosts by state, alerts by grade, security, disks at risk."""
    now = time.time() if now is None else now
    with session_scope(database_url) as s:
        oid = _org(s, org)
        state = host_state(now)
        hosts = dict.fromkeys(HOST_STATES, 0)
        for st, n in s.execute(sa.select(state, sa.func.count()).where(Host.org_id == oid).group_by(state)):
            hosts[st] = int(n)
        firing = dict.fromkeys(GRADES, 0)
        muted = 0
        for grade, is_muted, n in s.execute(
            sa.select(Alert.grade, Alert.muted_by.is_not(None), sa.func.count())
            .where(Alert.org_id == oid, Alert.state == "firing")
            .group_by(Alert.grade, Alert.muted_by.is_not(None))
        ):
            firing[grade] = firing.get(grade, 0) + int(n)
            muted += int(n) if is_muted else 0
        pending = (
            s.scalar(sa.select(sa.func.count()).where(Alert.org_id == oid, Alert.state == "pending")) or 0
        )
        unacknowledged = (
            s.scalar(
                sa.select(sa.func.count()).where(
                    Alert.org_id == oid,
                    Alert.state == "firing",
                    Alert.acknowledged_at.is_(None),
                    Alert.muted_by.is_(None),
                )
            )
            or 0
        )
        security = dict.fromkeys(GRADES, 0)
        for grade, n in s.execute(
            sa.select(SecurityEvent.grade, sa.func.count())
            .where(SecurityEvent.org_id == oid, SecurityEvent.status == "open")
            .group_by(SecurityEvent.grade)
        ):
            security[grade] = int(n)
        disks = smart_query(oid).subquery()
        at_risk = s.scalar(
            sa.select(sa.func.count()).select_from(disks).where(disks.c.grade.in_(("major", "critical")))
        )
        disk_count = s.scalar(sa.select(sa.func.count()).select_from(disks))
    return {
        "oid": oid,
        "hosts": hosts,
        "firing": firing,
        "muted": muted,
        "pending": int(pending),
        "unacknowledged": int(unacknowledged),
        "security": security,
        "disks": int(disk_count or 0),
        "disks_at_risk": int(at_risk or 0),
    }
