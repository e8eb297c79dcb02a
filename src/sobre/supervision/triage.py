"""Use cases of diagnosis: security events, SMART readings, anomalies, capacity forecasts, meter imports."""

from __future__ import annotations

import csv
import io
import json
import re
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.orgs import service as orgs
from sobre.supervision import anomaly, grading, security, service, smart, store
from sobre.supervision.alerts import raise_alert
from sobre.supervision.grading import Grade
from sobre.supervision.models import Alert, Host, SecurityEvent, SmartReadingRow

# ---------------------------------------------------------------- security events


def _hosts_by_name(database_url: str, org: str) -> dict[str, dict[str, Any]]:
    return {h["name"].lower(): h for h in service.list_hosts(database_url, org)}


def record_security(
    database_url: str, org: str, events: list[security.SecurityEvent], *, lang: str = "en"
) -> dict[str, int]:
    """Grade and store security events (already known ones are skipped); major and critical ones alert."""
    hosts = _hosts_by_name(database_url, org)
    from sobre.inventory import service as inventory

    context = inventory.asset_context(database_url, org)
    # Unsupervised inventory items are graded with their own (effective) criticality.
    items = {
        a["name"].lower(): a.get("effective_criticality")
        for kind in ("equipment", "vms")
        for a in context[kind].values()
    }
    counts = {"new": 0, "known": 0, "alerts": 0}
    graded: list[tuple[security.SecurityEvent, dict[str, Any] | None, Grade]] = []
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        known = {
            (s, e)
            for s, e in session.execute(
                sa.select(SecurityEvent.source, SecurityEvent.external_id).where(SecurityEvent.org_id == oid)
            )
        }
        for ev in events:
            if (ev.source, ev.external_id) in known:
                counts["known"] += 1
                continue
            known.add((ev.source, ev.external_id))
            host = hosts.get(ev.host.lower()) or hosts.get(ev.host.split(".")[0].lower())
            crit = host.get("criticality") if host else items.get(ev.host.lower())
            g = grading.grade(ev.level, crit)
            session.add(
                SecurityEvent(
                    org_id=oid,
                    source=ev.source,
                    external_id=ev.external_id[:255],
                    at=ev.at,
                    host_name=ev.host,
                    host_id=host["id"] if host else None,
                    title=ev.title,
                    category=ev.category,
                    level=ev.level.value,
                    score=ev.score,
                    criticality=crit,
                    grade=g.value,
                    details=ev.details,
                )
            )
            counts["new"] += 1
            graded.append((ev, host, g))
    for ev, host, g in graded:
        if g.at_least(Grade.MAJOR):
            raise_alert(
                database_url,
                org,
                source="security",
                alertname=f"Security_{ev.category}",
                host=host["name"] if host else ev.host or None,
                labels={"event": ev.external_id[:120]},
                level=ev.level,
                severity=f"{ev.source}:{ev.score:g}" if ev.score is not None else ev.source,
                summary=ev.title,
                at=ev.at,
            )
            counts["alerts"] += 1
    return counts


def import_security(
    database_url: str, org: str, path: Path, kind: str, *, year: int | None = None
) -> dict[str, int]:
    """Import a Wazuh ``alerts.json``, a syslog file or an advisories file (CSV or JSON)."""
    text = _read(path)
    if kind == "wazuh":
        events = security.parse_wazuh(text, str(path))
    elif kind == "syslog":
        year = year or datetime.fromtimestamp(path.stat().st_mtime, UTC).year
        events = security.parse_syslog(text.splitlines(), year=year, source=str(path))
    elif kind == "advisories":
        events = security.match_advisories(
            security.parse_advisories(text, str(path)), _assets(database_url, org), datetime.now(UTC)
        )
    else:
        raise SobreError(f"unknown security file kind {kind!r}: wazuh, syslog or advisories")
    return record_security(database_url, org, events)


def _assets(database_url: str, org: str) -> list[security.Asset]:
    """Supervised hosts (operating system, linked model) and the inventory's other equipment (model)."""
    from sobre.inventory import service as inventory

    context = inventory.asset_context(database_url, org)
    out, linked = [], set()
    for h in service.list_hosts(database_url, org):
        eq = context["equipment"].get(h["equipment_id"]) if h["equipment_id"] else None
        linked.add(h["equipment_id"])
        out.append(
            security.Asset(
                h["name"],
                h["os_name"],
                h["os_version"],
                eq["manufacturer"] if eq else None,
                eq["model"] if eq else None,
            )
        )
    for eq_id, eq in context["equipment"].items():
        if eq_id not in linked and eq.get("model"):
            out.append(security.Asset(eq["name"], None, None, eq["manufacturer"], eq["model"]))
    return out


def list_security(
    database_url: str, org: str, *, status: str | None = "open", grade: str | None = None
) -> list[dict[str, Any]]:
    """Security events, most severe and newest first, each with the measures to take."""
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        q = sa.select(SecurityEvent).where(SecurityEvent.org_id == oid)
        if status:
            q = q.where(SecurityEvent.status == status)
        if grade:
            q = q.where(SecurityEvent.grade == grade)
        rows = session.scalars(q).all()
        order = ["critical", "major", "minor", "info"]
        rows = sorted(rows, key=lambda r: (order.index(r.grade), -r.at.timestamp()))
        return [
            {
                "id": r.id,
                "source": r.source,
                "at": r.at.isoformat(),
                "host": r.host_name,
                "title": r.title,
                "category": r.category,
                "level": r.level,
                "score": r.score,
                "criticality": r.criticality,
                "grade": r.grade,
                "status": r.status,
                "action_taken": r.action_taken,
                "done_by": r.done_by,
                "done_at": r.done_at.isoformat() if r.done_at else None,
                "details": r.details,
                "measure_preventive": f"sup.measure.{r.category}.preventive",
                "measure_corrective": f"sup.measure.{r.category}.corrective",
            }
            for r in rows
        ]


def security_done(
    database_url: str, org: str, event_id: int, *, action: str, by: str, dismiss: bool = False
) -> None:
    """Record what was done about a security event (or why it was dismissed)."""
    if not action.strip():
        raise SobreError("say what was done (--action)")
    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        row = session.scalar(
            sa.select(SecurityEvent).where(SecurityEvent.org_id == oid, SecurityEvent.id == event_id)
        )
        if row is None:
            raise NotFound(f"no security event {event_id}")
        row.status = "dismissed" if dismiss else "done"
        row.action_taken, row.done_by, row.done_at = action.strip(), by, datetime.now(UTC)


# ---------------------------------------------------------------- SMART


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"cannot read the file: {exc.strerror}", file=str(path)) from None
    except UnicodeDecodeError:
        raise InputError("not UTF-8 text", file=str(path)) from None


def _smart_docs(text: str, source: str) -> list[dict[str, Any]]:
    stripped = text.strip()
    try:
        doc = json.loads(stripped)
        return doc if isinstance(doc, list) else [doc]
    except json.JSONDecodeError:
        pass
    docs = []
    for n, line in enumerate(stripped.splitlines(), start=1):
        if line.strip():
            try:
                docs.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise InputError(f"not smartctl --json output: {exc.msg}", file=source, row=n) from None
    return docs


def import_smart(
    database_url: str, org: str, host: str, path: Path, *, at: datetime | None = None
) -> list[dict[str, Any]]:
    """Store ``smartctl --json`` readings of a host's disks and assess each disk's failure risk."""
    at = at or datetime.now(UTC)
    docs = _smart_docs(_read(path), str(path))
    readings = []
    for i, doc in enumerate(docs, start=1):
        try:
            readings.append(smart.parse(doc, f"{path} document {i}"))
        except ValueError as exc:
            raise InputError(str(exc), file=str(path), row=i) from None
    hosts = service.host_ids(database_url, org)
    if host not in hosts:
        raise NotFound(f"no supervised host named {host!r}")
    out = []
    with write_session(database_url) as session:
        for r in readings:
            prev_row = session.scalar(
                sa.select(SmartReadingRow)
                .where(SmartReadingRow.host_id == hosts[host], SmartReadingRow.serial == r.serial)
                .order_by(SmartReadingRow.at.desc())
                .limit(1)
            )
            prev = _reading_from(prev_row.reading) if prev_row else None
            risk = smart.assess(r, prev)
            session.add(
                SmartReadingRow(
                    host_id=hosts[host],
                    device=r.device,
                    serial=r.serial,
                    model=r.model,
                    at=at,
                    reading=_reading_to(r),
                    grade=risk.grade.value,
                    reasons=list(risk.reasons),
                )
            )
            out.append(
                {
                    "device": r.device,
                    "serial": r.serial,
                    "model": r.model,
                    "risk": risk.grade.value,
                    "reasons": list(risk.reasons),
                    "rests_on": risk.rests_on,
                }
            )
    for item in out:
        labels = {"device": str(item["device"]), "serial": str(item["serial"])}
        if item["risk"] in ("major", "critical"):
            raise_alert(
                database_url,
                org,
                source="smart",
                alertname="DiskFailureRisk",
                host=host,
                labels=labels,
                level=Grade(item["risk"]),
                severity=f"smart:{item['risk']}",
                summary="; ".join(item["reasons"]),
                at=at,
            )
        else:
            _close(database_url, org, "DiskFailureRisk", host, labels, at)
    return out


def _close(
    database_url: str, org: str, alertname: str, host: str, labels: dict[str, str], at: datetime
) -> None:
    from sobre.supervision.alerts import _event

    with write_session(database_url) as session:
        oid = orgs.get(session, org).id
        for a in session.scalars(
            sa.select(Alert).where(Alert.org_id == oid, Alert.alertname == alertname, Alert.state == "firing")
        ):
            if a.labels.get("host") == host and all(a.labels.get(k) == v for k, v in labels.items()):
                a.state, a.ended_at = "resolved", at
                _event(session, a, "resolved", at, reason="healthy reading")


def _reading_to(r: smart.SmartReading) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(r)
    data["attributes"] = {str(k): v for k, v in r.attributes.items()}
    return data


def _reading_from(data: dict[str, Any]) -> smart.SmartReading:
    values = dict(data)
    values["attributes"] = {int(k): v for k, v in data.get("attributes", {}).items()}
    return smart.SmartReading(**values)


def smart_status(database_url: str, org: str, host: str | None = None) -> list[dict[str, Any]]:
    """The latest reading and risk of every disk."""
    oid = service.org_id(database_url, org)
    with get_engine(database_url).connect() as conn:
        q = (
            sa.select(Host.name, SmartReadingRow)
            .join(Host, Host.id == SmartReadingRow.host_id)
            .where(Host.org_id == oid)
            .order_by(Host.name, SmartReadingRow.serial, SmartReadingRow.at.desc())
        )
        if host:
            q = q.where(Host.name == host)
        seen, out = set(), []
        for r in conn.execute(q).mappings():
            if (r["name"], r["serial"]) in seen:
                continue
            seen.add((r["name"], r["serial"]))
            out.append(
                {
                    "host": r["name"],
                    "device": r["device"],
                    "serial": r["serial"],
                    "model": r["model"],
                    "at": r["at"],
                    "risk": r["grade"],
                    "reasons": r["reasons"],
                }
            )
        return out


# ---------------------------------------------------------------- anomalies and forecasts


def anomalies(
    database_url: str,
    org: str,
    host: str,
    metric: str,
    *,
    days: float = 28,
    online: bool = False,
    now: float | None = None,
) -> list[dict[str, Any]]:
    """Anomalous points of a host's metric over the last ``days``, per series, with what it rests on."""
    now = time.time() if now is None else now
    out = []
    for s in service.metric_series(database_url, org, host, metric, now - days * 86400, now):
        found = anomaly.detect_online(s.ts, s.values) if online else anomaly.detect(s.ts, s.values)
        points = [
            {
                "at": datetime.fromtimestamp(float(s.ts[i]), UTC).isoformat(),
                "value": float(s.values[i]),
                "expected": None if np.isnan(found.expected[i]) else float(found.expected[i]),
                "score": float(found.scores[i]),
            }
            for i in np.flatnonzero(found.flags)
        ]
        out.append(
            {
                "labels": dict(s.labels),
                "resolution": s.resolution,
                "anomalies": points,
                "rests_on": found.rests_on,
            }
        )
    return out


def forecasts(
    database_url: str, org: str, host: str, *, days: float = 30, now: float | None = None, alert: bool = True
) -> list[dict[str, Any]]:
    """Days until each of a host's filesystems is full; under 30 days alerts (minor), under 7 major."""
    now = time.time() if now is None else now
    start = now - days * 86400
    used = {
        store.encode_labels(s.labels): s
        for s in service.metric_series(database_url, org, host, "filesystem_used_bytes", start, now)
    }
    size = {
        store.encode_labels(s.labels): s
        for s in service.metric_series(database_url, org, host, "filesystem_size_bytes", start, now)
    }
    out = []
    for key, s in sorted(used.items()):
        if key not in size or not len(size[key].values):
            continue
        capacity = float(size[key].values[-1])
        f = anomaly.days_until_full(s.ts, s.values, capacity)
        mount = dict(s.labels).get("mount", key)
        out.append({"mount": mount, "days": f.days, "low": f.low, "high": f.high, "rests_on": f.rests_on})
        if alert and f.days is not None and f.days < 30:
            level = Grade.MAJOR if f.days < 7 else Grade.MINOR
            raise_alert(
                database_url,
                org,
                source="capacity",
                alertname="VolumeFillingUp",
                host=host,
                labels={"mount": mount},
                level=level,
                severity=f"forecast:{f.days:.0f}d",
                summary=f"{mount} full in about {f.days:.0f} days ({f.rests_on})",
            )
    return out


# ---------------------------------------------------------------- meter readings (PDU, BMC)

_TIME = ("time", "timestamp", "date", "datetime", "horodatage")
_HOST = ("host", "hostname", "device", "server", "outlet", "name", "equipement", "serveur")
_WATTS = ("watts", "power_w", "power", "w", "puissance", "puissance_w")
_KWH = ("energy_kwh", "kwh", "energy", "energie_kwh", "index_kwh")


def import_meter(
    database_url: str,
    org: str,
    path: Path,
    *,
    method: str = "pdu",
    host: str | None = None,
    rejects_dir: Path | None = None,
) -> dict[str, Any]:
    """Import power readings of a smart PDU or a BMC: ``time, host, watts`` (or a cumulative ``kwh`` meter).

    Valid rows are written in one transaction; the others go to a rejects file (the original row with the
    reason), so that nothing is half imported.
    """
    if method not in ("pdu", "bmc"):
        raise SobreError(f"unknown meter kind {method!r}: pdu or bmc")
    text = _read(path)
    sample = text[:4096]
    delimiter = max((";", ",", "\t"), key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header = next(reader, None)
    if not header:
        raise InputError("empty file", file=str(path))
    cols = [re.sub(r"[^a-z0-9]+", "_", h.strip().lower()).strip("_") for h in header]  # "Power (W)" → power_w

    def find(names: tuple[str, ...]) -> int | None:
        return next((i for i, c in enumerate(cols) if c in names), None)

    ti, hi, wi, ki = find(_TIME), find(_HOST), find(_WATTS), find(_KWH)
    if ti is None:
        raise InputError("no time column", file=str(path), row=1, expected=", ".join(_TIME))
    if wi is None and ki is None:
        raise InputError(
            "no power or energy column", file=str(path), row=1, expected=", ".join(_WATTS + _KWH)
        )
    if hi is None and host is None:
        raise InputError(
            "no host column: name one or pass --host", file=str(path), row=1, expected=", ".join(_HOST)
        )
    hosts = service.host_ids(database_url, org)
    good: dict[int, list[tuple[float, float]]] = {}
    rejects: list[tuple[list[str], int, str]] = []
    for n, row in enumerate(reader, start=2):
        if not any(c.strip() for c in row):
            continue
        try:
            name = (row[hi].strip() if hi is not None else "") or host or ""
            if name not in hosts:
                raise ValueError(f"column {cols[hi] if hi is not None else 'host'!r}: unknown host {name!r}")
            at = _parse_time(row[ti])
            col = wi if wi is not None else ki
            value = float(row[col].strip().replace(",", ".")) if col is not None else float("nan")
            if not value >= 0:
                raise ValueError(f"column {cols[col]!r}: {row[col]!r} is not a power or energy ≥ 0")  # type: ignore[index]
        except (ValueError, IndexError) as exc:
            rejects.append((row, n, str(exc)))
            continue
        good.setdefault(hosts[name], []).append((at, value))
    rows: list[store.Row] = []
    labels = store.encode_labels({"method": method})
    for host_id, pts in good.items():
        pts.sort()
        if wi is not None:
            rows += [(host_id, "power_watts", labels, t, v) for t, v in pts]
        else:
            # A cumulative meter: the power of each interval sits at its middle.
            for (t0, e0), (t1, e1) in zip(pts, pts[1:], strict=False):
                if t1 > t0 and e1 >= e0:
                    rows.append(
                        (host_id, "power_watts", labels, (t0 + t1) / 2, (e1 - e0) * 3.6e6 / (t1 - t0))
                    )
    with get_engine(database_url).begin() as conn:
        store.write(conn, rows)
    rejects_path = None
    if rejects:
        folder = rejects_dir or path.parent
        folder.mkdir(parents=True, exist_ok=True)
        rejects_path = folder / f"{path.stem}.rejects.csv"
        with rejects_path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, delimiter=delimiter)
            w.writerow(header + ["file", "row", "reason"])
            for row, n, reason in rejects:
                w.writerow(row + [path.name, n, reason])
    return {
        "points": len(rows),
        "rejected": len(rejects),
        "rejects": str(rejects_path) if rejects_path else None,
    }


def _parse_time(text: str) -> float:
    t = text.strip()
    if not t:
        raise ValueError("empty time")
    if t.replace(".", "", 1).isdigit():
        return float(t)
    try:
        value = datetime.fromisoformat(t.replace("Z", "+00:00").replace(" ", "T", 1))
    except ValueError:
        raise ValueError(f"time {t!r} is not ISO 8601 or Unix seconds") from None
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).timestamp()
