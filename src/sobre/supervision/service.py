"""Use cases of supervision: hosts, agent tokens, ingestion, metrics and energy.

Other capabilities use supervision through this module only: :func:`annual_energy` gives the footprint
the measured yearly energy of supervised equipment, and :func:`on_alert_fired` hands a major or critical
alert that starts firing to the capability that ``provides`` ``servicedesk.incident_from_alert``.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.core.estimate import Estimate, Status
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation
from sobre.supervision import power, store
from sobre.supervision.models import AgentToken, EnergyDay, Host, Latest

#: Host classes of the power model, and the attributes a technician may set on a host.
HOST_CLASSES = ("server", "vm")
EDITABLE = (
    "equipment",
    "vm",
    "instance",
    "host_class",
    "threads",
    "ram_gb",
    "hdd_gb",
    "ssd_gb",
    "p_idle_w",
    "p_max_w",
    "os_name",
    "os_version",
)
#: Uptime Institute's average on-premise PUE (DESIGN §5), for a data centre whose PUE is not known.
DEFAULT_PUE = 1.58
DEFAULT_PUE_SOURCE = "Uptime Institute global survey average PUE 1.58"
#: A host is down when it has sent nothing for this many of its intervals (at least a minute).
DOWN_AFTER_INTERVALS = 3


def org_id(database_url: str, org: str) -> int:
    with session_scope(database_url) as session:
        return orgs.get(session, org).id


def org_name(database_url: str, oid: int) -> str:
    with get_engine(database_url).connect() as conn:
        name = conn.execute(sa.select(Organisation.name).where(Organisation.id == oid)).scalar()
    if name is None:
        raise NotFound(f"no organisation {oid}")
    return str(name)


def _inventory(database_url: str, org: str) -> dict[str, dict[int, dict[str, Any]]]:
    from sobre.inventory import service as inventory

    return inventory.asset_context(database_url, org)


# ---------------------------------------------------------------- hosts


def _host_dict(
    h: Host, now: float, assets: dict[str, dict[int, dict[str, Any]]] | None = None
) -> dict[str, Any]:
    state = "unknown"
    if h.last_seen is not None:
        state = "up" if now - h.last_seen <= max(DOWN_AFTER_INTERVALS * h.interval_s, 60.0) else "down"
    item: dict[str, Any] = {
        "id": h.id,
        "name": h.name,
        "source": h.source,
        "instance": h.instance,
        "state": state,
        "last_seen": None if h.last_seen is None else datetime.fromtimestamp(h.last_seen, UTC).isoformat(),
        "host_class": h.host_class,
        "threads": h.threads,
        "ram_gb": h.ram_gb,
        "hdd_gb": h.hdd_gb,
        "ssd_gb": h.ssd_gb,
        "p_idle_w": h.p_idle_w,
        "p_max_w": h.p_max_w,
        "os_name": h.os_name,
        "os_version": h.os_version,
        "equipment_id": h.equipment_id,
        "vm_id": h.vm_id,
        "equipment": None,
        "vm": None,
        "criticality": None,
    }
    if assets is not None:
        eq = assets["equipment"].get(h.equipment_id) if h.equipment_id else None
        vm = assets["vms"].get(h.vm_id) if h.vm_id else None
        item["equipment"] = eq["name"] if eq else None
        item["vm"] = vm["name"] if vm else None
        item["criticality"] = (vm or eq or {}).get("effective_criticality")
    return item


def _find_asset(assets: dict[str, dict[int, dict[str, Any]]], kind: str, name: str) -> int:
    key = name.strip().lower()
    for asset_id, a in assets[kind].items():
        if a["name"].lower() == key:
            return asset_id
    label = "equipment" if kind == "equipment" else "VM"
    raise NotFound(f"no {label} named {name!r} in the inventory")


def _auto_link(assets: dict[str, dict[int, dict[str, Any]]], name: str) -> tuple[int | None, int | None]:
    """An inventory item whose name is the host's (or its short name): (equipment id, VM id)."""
    names = {name.lower(), name.split(".")[0].lower(), name.split(":")[0].lower()}
    for vm_id, vm in assets["vms"].items():
        if vm["name"].lower() in names:
            return None, vm_id
    for eq_id, eq in assets["equipment"].items():
        if eq["name"].lower() in names:
            return eq_id, None
    return None, None


def _apply(h: Host, fields: dict[str, Any], assets: dict[str, dict[int, dict[str, Any]]]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise SobreError(f"unknown host field(s): {', '.join(sorted(unknown))}")
    for key, value in fields.items():
        if key == "equipment":
            h.equipment_id = _find_asset(assets, "equipment", value) if value else None
        elif key == "vm":
            h.vm_id = _find_asset(assets, "vms", value) if value else None
        elif key == "host_class":
            if value not in HOST_CLASSES:
                raise InputError(
                    "unknown host class", column="host_class", value=value, expected=", ".join(HOST_CLASSES)
                )
            h.host_class = value
        elif (
            key in ("threads", "ram_gb", "hdd_gb", "ssd_gb", "p_idle_w", "p_max_w")
            and value is not None
            and value < 0
        ):
            raise InputError("must not be negative", column=key, value=value)
        else:
            setattr(h, key, value)
    if h.p_idle_w is not None and h.p_max_w is not None and h.p_max_w < h.p_idle_w:
        raise InputError("P_max is below P_idle", column="p_max_w", value=h.p_max_w)


def add_host(
    database_url: str, org: str, name: str, *, source: str = "agent", **fields: Any
) -> dict[str, Any]:
    """Declare a supervised host; links it to the inventory item of the same name unless told otherwise."""
    if not name.strip():
        raise SobreError("a host needs a name")
    assets = _inventory(database_url, org)
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        if session.scalar(sa.select(Host.id).where(Host.org_id == oid, Host.name == name)):
            raise SobreError(f"host {name!r} already exists; change it with 'sobre supervise hosts set'")
        h = Host(org_id=oid, name=name.strip(), source=source, host_class="server", interval_s=15.0)
        if "equipment" not in fields and "vm" not in fields:
            h.equipment_id, h.vm_id = _auto_link(assets, name)
        _apply(h, fields, assets)
        if h.vm_id is not None and "host_class" not in fields:
            h.host_class = "vm"
        _fill_from_inventory(h, assets)
        session.add(h)
        session.flush()
        return _host_dict(h, time.time(), assets)


def _fill_from_inventory(h: Host, assets: dict[str, dict[int, dict[str, Any]]]) -> None:
    """Capacity the inventory knows and the host did not report (threads, memory)."""
    item = (
        assets["vms"].get(h.vm_id)
        if h.vm_id
        else assets["equipment"].get(h.equipment_id)
        if h.equipment_id
        else None
    )
    if not item:
        return
    threads = item.get("vcpu") if h.vm_id else item.get("cpu_threads")
    if h.threads is None and threads:
        h.threads = int(threads)
    if h.ram_gb is None and item.get("ram_gb"):
        h.ram_gb = float(item["ram_gb"])


def update_host(database_url: str, org: str, name: str, **fields: Any) -> dict[str, Any]:
    assets = _inventory(database_url, org)
    with session_scope(database_url) as session:
        h = _get_host(session, orgs.get(session, org).id, name)
        _apply(h, fields, assets)
        _fill_from_inventory(h, assets)
        return _host_dict(h, time.time(), assets)


def remove_host(database_url: str, org: str, name: str) -> None:
    with session_scope(database_url) as session:
        session.delete(_get_host(session, orgs.get(session, org).id, name))


def _get_host(session: Any, oid: int, name: str) -> Host:
    h = session.scalar(sa.select(Host).where(Host.org_id == oid, Host.name == name))
    if h is None:
        known = session.scalars(
            sa.select(Host.name).where(Host.org_id == oid).order_by(Host.name).limit(10)
        ).all()
        hint = f"; known: {', '.join(known)}" if known else "; add one with 'sobre supervise hosts add'"
        raise NotFound(f"no supervised host named {name!r}{hint}")
    return h


def list_hosts(database_url: str, org: str, *, now: float | None = None) -> list[dict[str, Any]]:
    """Every supervised host with its state (up, down, unknown), inventory link and criticality."""
    assets = _inventory(database_url, org)
    now = time.time() if now is None else now
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        hosts = session.scalars(sa.select(Host).where(Host.org_id == oid).order_by(Host.name)).all()
        return [_host_dict(h, now, assets) for h in hosts]


def host_ids(database_url: str, org: str) -> dict[str, int]:
    with get_engine(database_url).connect() as conn:
        oid = org_id(database_url, org)
        return {n: i for n, i in conn.execute(sa.select(Host.name, Host.id).where(Host.org_id == oid))}


# ---------------------------------------------------------------- agent tokens


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(database_url: str, org: str, name: str) -> str:
    """A new agent token (shown once; only its hash is kept)."""
    token = "sobre_" + secrets.token_urlsafe(32)
    with session_scope(database_url) as session:
        session.add(AgentToken(org_id=orgs.get(session, org).id, name=name, token_sha256=_sha(token)))
    return token


def list_tokens(database_url: str, org: str) -> list[dict[str, Any]]:
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        rows = session.scalars(
            sa.select(AgentToken).where(AgentToken.org_id == oid).order_by(AgentToken.id)
        ).all()
        return [
            {
                "id": r.id,
                "name": r.name,
                "created_at": r.created_at,
                "last_used_at": r.last_used_at,
                "revoked": r.revoked,
            }
            for r in rows
        ]


def revoke_token(database_url: str, org: str, token_id: int) -> None:
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        row = session.scalar(sa.select(AgentToken).where(AgentToken.org_id == oid, AgentToken.id == token_id))
        if row is None:
            raise NotFound(f"no agent token {token_id}")
        row.revoked = True
    _TOKENS.clear()


class AuthError(SobreError):
    exit_code = 3


_TOKENS: dict[str, tuple[int, float]] = {}
_TOKEN_TTL_S = 60.0


def authenticate(database_url: str, token: str | None) -> int:
    """The organisation an agent token belongs to; ``AuthError`` when it is unknown or revoked.

    Answers are cached for a minute, so a revoked token stops working within a minute.
    """
    if not token:
        raise AuthError("missing agent token (send 'Authorization: Bearer <token>')")
    digest = _sha(token)
    cached = _TOKENS.get(digest)
    now = time.monotonic()
    if cached and now - cached[1] < _TOKEN_TTL_S:
        return cached[0]
    with get_engine(database_url).begin() as conn:
        row = conn.execute(
            sa.select(AgentToken.id, AgentToken.org_id).where(
                AgentToken.token_sha256 == digest, AgentToken.revoked.is_(False)
            )
        ).first()
        if row is None:
            raise AuthError("unknown or revoked agent token")
        conn.execute(
            sa.update(AgentToken).where(AgentToken.id == row.id).values(last_used_at=datetime.now(UTC))
        )
    _TOKENS[digest] = (row.org_id, now)
    return int(row.org_id)


# ---------------------------------------------------------------- ingestion

_HOSTS: dict[tuple[str, int, str], tuple[int, tuple[Any, ...]]] = {}
_HOSTS_LOCK = threading.Lock()
_INFO_FIELDS = ("threads", "ram_gb", "hdd_gb", "ssd_gb", "os_name", "os_version")


def validate_payload(payload: Any) -> tuple[str, float, dict[str, Any], list[tuple[str, str, float, float]]]:
    """Check an agent's post: ``{host, interval, info, points: [[metric, labels, ts, value], …]}``."""
    if not isinstance(payload, dict):
        raise InputError("the body is not a JSON object")
    host = payload.get("host")
    if not isinstance(host, str) or not host.strip() or len(host) > 255:
        raise InputError(
            "bad host name", column="host", value=host, expected="a non-empty name of at most 255 characters"
        )
    interval = payload.get("interval", 15)
    if not isinstance(interval, int | float) or not 1 <= interval <= 3600:
        raise InputError("bad interval", column="interval", value=interval, expected="1–3600 seconds")
    info = payload.get("info") or {}
    if not isinstance(info, dict):
        raise InputError("info must be an object", column="info")
    raw = payload.get("points")
    if not isinstance(raw, list):
        raise InputError("no points list", column="points")
    points = []
    for i, p in enumerate(raw):
        if not isinstance(p, list | tuple) or len(p) != 4:
            raise InputError("a point is [metric, labels, time, value]", row=i, column="points", value=p)
        metric, labels, ts, value = p
        if not isinstance(metric, str) or not metric or len(metric) > 64:
            raise InputError("bad metric name", row=i, column="metric", value=metric)
        if not isinstance(ts, int | float) or not isinstance(value, int | float) or value != value:
            raise InputError("time and value must be numbers", row=i, column="value", value=value)
        lab = store.encode_labels(labels) if labels else ""
        if len(lab) > 255:
            raise InputError("labels too long", row=i, column="labels", value=lab)
        points.append((metric, lab, float(ts), float(value)))
    return host.strip(), float(interval), info, points


def resolve_host(
    database_url: str, oid: int, name: str, info: dict[str, Any], interval: float, source: str = "agent"
) -> int:
    """The host id of an agent's host, created (and linked to the inventory) on its first post."""
    facts = tuple(info.get(k) for k in _INFO_FIELDS) + (interval,)
    key = (database_url, oid, name)
    with _HOSTS_LOCK:
        cached = _HOSTS.get(key)
        if cached and cached[1] == facts:
            return cached[0]
        with session_scope(database_url) as session:
            h = session.scalar(sa.select(Host).where(Host.org_id == oid, Host.name == name))
            if h is None:
                assets = _recent_inventory(database_url, oid)
                h = Host(org_id=oid, name=name, source=source, host_class="server")
                h.equipment_id, h.vm_id = _auto_link(assets, name)
                if h.vm_id:
                    h.host_class = "vm"
                session.add(h)
            for k in _INFO_FIELDS:
                if info.get(k) is not None:
                    setattr(
                        h,
                        k,
                        int(info[k]) if k == "threads" else info[k] if k.startswith("os") else float(info[k]),
                    )
            h.interval_s = interval
            session.flush()
            _HOSTS[key] = (h.id, facts)
            return h.id


_ASSETS: dict[tuple[str, int], tuple[float, dict[str, dict[int, dict[str, Any]]]]] = {}


def _recent_inventory(database_url: str, oid: int) -> dict[str, dict[int, dict[str, Any]]]:
    """The inventory as read at most a minute ago: a thousand agents' first posts read it once."""
    cached = _ASSETS.get((database_url, oid))
    if cached and time.monotonic() - cached[0] < 60:
        return cached[1]
    assets = _inventory(database_url, org_name(database_url, oid))
    _ASSETS[database_url, oid] = (time.monotonic(), assets)
    return assets


def ingest(database_url: str, oid: int, payload: Any, buffer: store.IngestBuffer | None = None) -> int:
    """Validate and store (or queue in ``buffer``) one agent post; the number of points accepted."""
    host, interval, info, points = validate_payload(payload)
    host_id = resolve_host(database_url, oid, host, info, interval)
    rows = [(host_id, m, lab, ts, v) for m, lab, ts, v in points]
    if buffer is not None:
        return buffer.add(rows)
    with get_engine(database_url).begin() as conn:
        store.write(conn, rows)
    return len(rows)


# ---------------------------------------------------------------- metrics


def latest_metrics(database_url: str, org: str, host: str | None = None) -> list[dict[str, Any]]:
    """The newest value of every series (of one host, or all)."""
    oid = org_id(database_url, org)
    with get_engine(database_url).connect() as conn:
        q = (
            sa.select(Host.name, Latest.metric, Latest.labels, Latest.ts, Latest.value)
            .join(Host, Host.id == Latest.host_id)
            .where(Host.org_id == oid)
            .order_by(Host.name, Latest.metric, Latest.labels)
        )
        if host:
            q = q.where(Host.name == host)
        return [
            {
                "host": h,
                "metric": m,
                "labels": lab,
                "at": datetime.fromtimestamp(ts, UTC).isoformat(),
                "value": v,
            }
            for h, m, lab, ts, v in conn.execute(q)
        ]


def metric_series(
    database_url: str, org: str, host: str, metric: str, start: float, end: float
) -> list[store.SeriesData]:
    """A host's metric over [start, end): raw points where kept, rollups elsewhere."""
    ids = host_ids(database_url, org)
    if host not in ids:
        raise NotFound(f"no supervised host named {host!r}")
    with get_engine(database_url).connect() as conn:
        return store.read_series(conn, ids[host], metric, start, end)


# ---------------------------------------------------------------- energy

_POWER_METHODS = (
    ("pdu", "power_watts", "method=pdu"),
    ("bmc", "power_watts", "method=bmc"),
    ("rapl", "rapl_watts", None),
)


def _spec(h: Host) -> power.HostSpec:
    return power.HostSpec(
        h.threads, h.ram_gb, h.hdd_gb or 0.0, h.ssd_gb or 0.0, h.host_class, h.p_idle_w, h.p_max_w
    )


def _day_from_samples(conn: sa.Connection, h: Host, start: float) -> tuple[Estimate, str] | None:
    end = start + 86400
    gap = max(4 * h.interval_s, 600.0)
    for method, metric, labels in _POWER_METHODS:
        series = store.read_series(conn, h.id, metric, start - gap, end + gap)
        series = [s for s in series if labels is None or store.encode_labels(s.labels) == labels]
        if not series:
            continue
        ts, watts = _sum_series(series)
        # A meter keeps its own pace (a PDU logs every few minutes): gaps are judged by it, up to an hour.
        spacing = float(np.median(np.diff(ts))) if len(ts) > 1 else gap
        joules, covered = _clipped(ts, watts, start, end, min(max(gap, 4 * spacing), 3600.0))
        if covered <= 0:
            continue
        source = {
            "pdu": "smart PDU outlet readings",
            "bmc": "BMC power readings (IPMI DCMI)",
            "rapl": "RAPL energy counters",
        }[method]
        warn = (power.RAPL_WARNING,) if method == "rapl" else ()
        return power.day_energy(
            (joules, joules, joules), covered, Status.MEASURED, source, warnings=warn
        ), method
    series = store.read_series(conn, h.id, "cpu_utilisation", start - gap, end + gap)
    if not series:
        return None
    ts, util = _sum_series(series)
    try:
        p, lo, hi, status, source = power.modelled_power(_spec(h), util)
    except ValueError as exc:
        return Estimate.unknown("kWh", str(exc)), "model"
    got = [_clipped(ts, w, start, end, gap) for w in (p, lo, hi)]
    covered = got[0][1]
    if covered <= 0:
        return None
    return power.day_energy(tuple(g[0] for g in got), covered, status, source), "model"  # type: ignore[arg-type]


def _query_day(source: Any, expr: str, start: float, end: float, step: float) -> list[store.SeriesData]:
    """``query_range`` over [start, end) in pieces (Prometheus answers at most 11,000 points a series)."""
    points: dict[str, list[tuple[float, float]]] = {}
    piece = 10_000 * step
    t = start
    while t < end:
        for s in source.query_range(expr, t, min(t + piece, end), step):
            points.setdefault(store.encode_labels(s.labels), []).extend(s.points)
        t += piece + step
    out = []
    for labels, pts in points.items():
        pts = sorted(set(pts))
        if pts:
            out.append(
                store.SeriesData(
                    store.decode_labels(labels),
                    np.array([p[0] for p in pts]),
                    np.array([p[1] for p in pts]),
                    "raw",
                )
            )
    return out


def _day_from_prometheus(
    source: Any, h: Host, start: float, step: float = 60.0
) -> tuple[Estimate, str] | None:
    """A Prometheus host's day, queried (not copied): RAPL power where exposed, else the model on CPU use."""
    from sobre.supervision.prometheus import promql

    end = min(start + 86400, time.time())
    if end <= start:
        return None
    sel = (("host", h.instance or h.name),)
    gap = 4 * step
    rapl = [
        s
        for m in ("rapl_package_watts", "rapl_dram_watts")
        for s in _query_day(source, promql(m, sel), start, end, step)
    ]
    if rapl:
        ts, watts = _sum_series(rapl)
        joules, covered = _clipped(ts, watts, start, start + 86400, gap)
        if covered > 0:
            source_text = "RAPL counters read from Prometheus (node_rapl_*)"
            day = power.day_energy(
                (joules,) * 3, covered, Status.MEASURED, source_text, warnings=(power.RAPL_WARNING,)
            )  # type: ignore[arg-type]
            return day, "rapl"
    found = _query_day(source, promql("cpu_utilisation", sel), start, end, step)
    if not found:
        return None
    ts, util = _sum_series(found)
    try:
        p, lo, hi, status, src = power.modelled_power(_spec(h), util)
    except ValueError as exc:
        return Estimate.unknown("kWh", str(exc)), "model"
    got = [_clipped(ts, w, start, start + 86400, gap) for w in (p, lo, hi)]
    if got[0][1] <= 0:
        return None
    return power.day_energy(tuple(g[0] for g in got), got[0][1], status, src), "model"  # type: ignore[arg-type]


def _sum_series(series: list[store.SeriesData]) -> tuple[np.ndarray, np.ndarray]:
    """Several series of one quantity (RAPL zones, PDU outlets) added on the union of their times."""
    if len(series) == 1:
        return series[0].ts, series[0].values
    ts = np.unique(np.concatenate([s.ts for s in series]))
    total = np.zeros(len(ts))
    for s in series:
        total += np.interp(ts, s.ts, s.values)
    return ts, total


def _clipped(ts: np.ndarray, watts: np.ndarray, start: float, end: float, gap: float) -> tuple[float, float]:
    """Joules and covered seconds of samples inside [start, end), cut at the day's edges."""
    if len(ts) == 0:
        return 0.0, 0.0
    grid = np.concatenate([[start], ts[(ts > start) & (ts < end)], [end]])
    inside = np.interp(grid, ts, watts, left=np.nan, right=np.nan)
    # The day's edges borrow the nearest sample only within one gap of it.
    for i in (0, -1):
        nearest = np.min(np.abs(ts - grid[i]))
        if nearest > gap:
            inside[i] = np.nan
    ok = ~np.isnan(inside)
    return power.integrate(grid[ok], inside[ok], gap)


def compute_energy(
    database_url: str,
    org: str,
    first: date,
    last: date,
    *,
    host: str | None = None,
    prometheus: Any = None,
    prometheus_step: float = 60.0,
) -> list[dict[str, Any]]:
    """Daily IT energy of each host from ``first`` to ``last`` (UTC days), stored and returned.

    Hosts read from Prometheus are queried through ``prometheus`` (a ``MetricsSource``) when given.
    """
    if last < first:
        raise SobreError(f"the last day {last} is before the first {first}")
    assets = _inventory(database_url, org)
    out = []
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        q = sa.select(Host).where(Host.org_id == oid).order_by(Host.name)
        if host:
            q = q.where(Host.name == host)
        hosts = session.scalars(q).all()
        if host and not hosts:
            raise NotFound(f"no supervised host named {host!r}")
        conn = session.connection()
        for h in hosts:
            pue, pue_note = _pue(h, assets)
            day = first
            while day <= last:
                start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
                if h.source == "prometheus" and prometheus is not None:
                    found = _day_from_prometheus(prometheus, h, start, prometheus_step)
                else:
                    found = _day_from_samples(conn, h, start)
                if found is not None and found[0].value is not None:
                    e, method = found
                    fac = power.facility(e, pue, DEFAULT_PUE) if pue is not False else None
                    row = {
                        "host_id": h.id,
                        "day": day,
                        "kwh": e.value,
                        "low": e.low,
                        "high": e.high,
                        "status": e.status.value,
                        "method": method,
                        "source": e.source,
                        "warnings": list(e.warnings) + ([pue_note] if pue_note else []),
                        "coverage": _coverage(e),
                        "pue": pue if isinstance(pue, float) else None,
                        "facility_kwh": fac.value if fac else e.value,
                    }
                    session.merge(EnergyDay(**row))
                    out.append({"host": h.name, **{k: v for k, v in row.items() if k != "host_id"}})
                day += timedelta(days=1)
    return out


def _coverage(e: Estimate) -> float:
    for w in e.warnings:
        if w.startswith("samples cover "):
            return float(w.split()[2].rstrip("%")) / 100.0
    return 1.0


def _pue(h: Host, assets: dict[str, dict[int, dict[str, Any]]]) -> tuple[float | None | bool, str | None]:
    """The site PUE for a host (through its equipment, or its VM's host); False when the site has none."""
    from sobre.inventory.taxonomy import PUE_SITE_KINDS

    eq_id = h.equipment_id
    if eq_id is None and h.vm_id is not None:
        eq_id = assets["vms"].get(h.vm_id, {}).get("host_id")
    eq = assets["equipment"].get(eq_id) if eq_id else None
    if eq is None or eq.get("site_kind") is None:
        return None, f"site unknown: default PUE {DEFAULT_PUE} ({DEFAULT_PUE_SOURCE})"
    if eq["site_kind"] not in {k.value for k in PUE_SITE_KINDS}:
        return False, None  # an office: no data-centre overhead
    if eq.get("site_pue"):
        return float(eq["site_pue"]), None
    return None, f"site {eq['site']} has no PUE: default {DEFAULT_PUE} ({DEFAULT_PUE_SOURCE})"


def energy_days(
    database_url: str,
    org: str,
    *,
    host: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> list[dict[str, Any]]:
    """Stored daily energies, oldest first."""
    oid = org_id(database_url, org)
    with get_engine(database_url).connect() as conn:
        q = (
            sa.select(Host.name, EnergyDay)
            .join(Host, Host.id == EnergyDay.host_id)
            .where(Host.org_id == oid)
            .order_by(Host.name, EnergyDay.day)
        )
        if host:
            q = q.where(Host.name == host)
        if first:
            q = q.where(EnergyDay.day >= first)
        if last:
            q = q.where(EnergyDay.day <= last)
        rows = conn.execute(q).mappings().all()
        return [{"host": r["name"], **{k: r[k] for k in r if k not in ("name", "host_id")}} for r in rows]


def annual_energy(
    database_url: str, org: str, *, as_of: date | None = None, days: int = 365
) -> list[dict[str, Any]]:
    """Yearly IT energy of each supervised host linked to inventory equipment, from *measured* days.

    For the footprint's use stage: ``{"equipment_id", "host", "kwh": Estimate, "measured_days"}``, one per
    linked equipment with at least one measured day in the ``days`` before ``as_of``; the yearly figure is
    the mean measured day × 365 (status ``measured``).  Modelled days are left out: the footprint has its
    own models.  IT energy: the footprint applies the site's PUE itself.
    """
    as_of = as_of or datetime.now(UTC).date()
    rows = energy_days(database_url, org, first=as_of - timedelta(days=days - 1), last=as_of)
    ids = {h["name"]: h for h in list_hosts(database_url, org)}
    by_host: dict[str, list[Estimate]] = {}
    for r in rows:
        if r["status"] != Status.MEASURED.value:
            continue
        by_host.setdefault(r["host"], []).append(
            Estimate(
                r["kwh"], "kWh", r["low"], r["high"], Status.MEASURED, r["source"], tuple(r["warnings"] or ())
            )
        )
    out = []
    for name, estimates in sorted(by_host.items()):
        eq_id = ids.get(name, {}).get("equipment_id")
        if eq_id is None:
            continue
        out.append(
            {
                "equipment_id": eq_id,
                "host": name,
                "kwh": power.annual(estimates),
                "measured_days": len(estimates),
            }
        )
    return out


def measured_energy(database_url: str, org: str, reference_date: date) -> dict[int, float]:
    """What supervision ``provides`` as ``footprint.measured_energy``: ``{equipment_id: kWh per year}``.

    The measured days of the year before ``reference_date`` (see :func:`annual_energy`); energy days are
    computed first from the stored points, so a run sees the newest readings.
    """
    first = reference_date - timedelta(days=364)
    hosts = [h for h in list_hosts(database_url, org) if h["equipment_id"] is not None]
    if not hosts:
        return {}
    stored = {(r["host"], r["day"]) for r in energy_days(database_url, org, first=first, last=reference_date)}
    for h in hosts:
        with get_engine(database_url).connect() as conn:
            spans = [
                conn.execute(
                    sa.select(sa.func.min(col), sa.func.max(col)).where(table.host_id == h["id"])
                ).one()
                for table, col in ((store.Point, store.Point.ts), (store.Rollup, store.Rollup.bucket))
            ]
        known = [x for x in spans if x[0] is not None]
        if not known:
            continue
        start = max(first, datetime.fromtimestamp(min(x[0] for x in known), UTC).date())
        end = min(reference_date, datetime.fromtimestamp(max(x[1] for x in known), UTC).date())
        if start <= end and any(
            (h["name"], start + timedelta(days=i)) not in stored for i in range((end - start).days + 1)
        ):
            compute_energy(database_url, org, start, end, host=h["name"])
    yearly = annual_energy(database_url, org, as_of=reference_date)
    return {y["equipment_id"]: y["kwh"].value for y in yearly if y["kwh"].value is not None}


# ---------------------------------------------------------------- events for other capabilities


@dataclass(frozen=True)
class AlertFired:
    """What a subscriber (the service desk) learns when a major or critical alert starts firing."""

    database_url: str
    org: str
    alert_id: int
    alertname: str
    grade: str
    host: str | None
    equipment_id: int | None
    vm_id: int | None
    summary: str
    labels: dict[str, str]
    started_at: datetime


#: The name under which a capability (the service desk) ``provides`` the function that opens an incident
#: from an alert: ``open_incident(event: AlertFired) -> str | None`` returns the incident's reference.
INCIDENT_PROVIDER = "servicedesk.incident_from_alert"


def on_alert_fired(event: AlertFired) -> list[str]:
    """Hand a major or critical alert to the capability that opens incidents; the reference it returns."""
    from sobre.core.capabilities import provider

    open_incident = provider(INCIDENT_PROVIDER)
    if open_incident is None:
        return []
    ref = open_incident(event)
    return [str(ref)] if ref else []


# ---------------------------------------------------------------- Prometheus targets


def sync_prometheus_hosts(
    database_url: str, org: str, targets: dict[str, dict[str, Any]], *, now: float | None = None
) -> dict[str, str]:
    """Map each Prometheus ``instance`` to a Sobre host, creating and linking hosts the first time.

    A host already declared with ``--instance`` keeps its name; otherwise the host is named after the
    instance without its port and linked to the inventory item of that name.  Threads and memory come
    from node_exporter.  Returns ``{instance: host name}``.
    """
    assets = None
    out: dict[str, str] = {}
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        hosts = session.scalars(sa.select(Host).where(Host.org_id == oid)).all()
        by_instance = {h.instance: h for h in hosts if h.instance}
        by_name = {h.name: h for h in hosts}
        for instance, metrics in targets.items():
            h = by_instance.get(instance)
            if h is None:
                name = instance.rsplit(":", 1)[0] if instance.count(":") == 1 else instance
                h = by_name.get(name)
                if h is None:
                    if assets is None:
                        assets = _inventory(database_url, org)
                    h = Host(org_id=oid, name=name, source="prometheus", host_class="server", interval_s=15.0)
                    h.equipment_id, h.vm_id = _auto_link(assets, name)
                    if h.vm_id:
                        h.host_class = "vm"
                    session.add(h)
                    by_name[name] = h
                h.instance = instance
                by_instance[instance] = h
            if metrics.get("cpu_threads"):
                h.threads = int(metrics["cpu_threads"])
            if metrics.get("memory_total_bytes"):
                h.ram_gb = round(metrics["memory_total_bytes"] / 2**30, 2)
            if metrics.get("up"):
                h.last_seen = time.time() if now is None else now
            out[instance] = h.name
    return out
