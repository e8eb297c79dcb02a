"""Agent tokens, validation and queueing of agents' posts, and reads of the stored metrics."""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope, write_session
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.orgs import service as orgs
from sobre.supervision import store
from sobre.supervision.hosts import _auto_link, _inventory, host_ids, org_id, org_name
from sobre.supervision.models import AgentToken, Host, Latest

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
        with write_session(database_url) as session:
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
