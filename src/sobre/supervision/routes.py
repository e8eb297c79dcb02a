"""HTTP endpoints of supervision: agents post points, Alertmanager and Wazuh post alerts, ``/metrics``.

A FastAPI ``APIRouter`` authenticated by agent tokens only (``Authorization: Bearer <token>``), with no
session or cookie, so that the web application can mount it as it is.  ``/metrics`` is Sobre's own
Prometheus exposition (prometheus-client): ingestion counters, the write queue, hosts by state and firing
alerts by grade.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from sobre.core.errors import InputError, SobreError
from sobre.supervision import alerting, security, service, store, triage
from sobre.supervision.service import AuthError

PREFIX = "/api/supervision/v1"


class _StateCollector(Collector):
    """Hosts by state and firing alerts by grade, read from the database at most every 15 s."""

    def __init__(self, database_url: Callable[[], str]) -> None:
        self.database_url = database_url
        self._cache: tuple[float, list[tuple[str, str, str, int]]] = (0.0, [])

    def _read(self) -> list[tuple[str, str, str, int]]:
        import sqlalchemy as sa

        from sobre.core.db import get_engine
        from sobre.orgs.models import Organisation
        from sobre.supervision.models import Alert, Host

        url = self.database_url()
        now = time.time()
        rows: list[tuple[str, str, str, int]] = []
        with get_engine(url).connect() as conn:
            for org, last_seen, interval in conn.execute(
                sa.select(Organisation.name, Host.last_seen, Host.interval_s).join(
                    Organisation, Organisation.id == Host.org_id
                )
            ):
                state = (
                    "unknown"
                    if last_seen is None
                    else (
                        "up"
                        if now - last_seen <= max(service.DOWN_AFTER_INTERVALS * interval, 60.0)
                        else "down"
                    )
                )
                rows.append(("hosts", org, state, 1))
            for org, grade, n in conn.execute(
                sa.select(Organisation.name, Alert.grade, sa.func.count())
                .join(Organisation, Organisation.id == Alert.org_id)
                .where(Alert.state == "firing")
                .group_by(Organisation.name, Alert.grade)
            ):
                rows.append(("alerts", org, grade, int(n)))
        return rows

    def collect(self) -> Iterator[GaugeMetricFamily]:
        at, rows = self._cache
        if time.monotonic() - at > 15:
            rows = self._read()
            self._cache = (time.monotonic(), rows)
        hosts = GaugeMetricFamily(
            "sobre_supervision_hosts", "Supervised hosts by state.", labels=["org", "state"]
        )
        alerts = GaugeMetricFamily(
            "sobre_supervision_alerts_firing", "Firing alerts by grade.", labels=["org", "grade"]
        )
        counted: dict[tuple[str, str], int] = {}
        for kind, org, key, n in rows:
            if kind == "hosts":
                counted[org, key] = counted.get((org, key), 0) + n
            else:
                alerts.add_metric([org, key], n)
        for (org, state), n in sorted(counted.items()):
            hosts.add_metric([org, state], n)
        yield hosts
        yield alerts


def _token(authorization: str | None, x_sobre_token: str | None) -> str | None:
    if authorization and authorization.lower().startswith("bearer "):
        return authorization[7:].strip()
    return x_sobre_token


def make_router(
    database_url: str | Callable[[], str], *, buffer: store.IngestBuffer | None = None
) -> APIRouter:
    """The supervision router; ``buffer`` queues points (one writer thread) instead of writing per request."""
    url: Callable[[], str] = database_url if callable(database_url) else (lambda: database_url)  # type: ignore[assignment,return-value]
    router = APIRouter()
    registry = CollectorRegistry()
    requests = Counter(
        "sobre_supervision_ingest_requests", "Agent posts by outcome.", ["outcome"], registry=registry
    )
    points = Counter("sobre_supervision_ingest_points", "Metric points accepted.", registry=registry)
    received = Counter(
        "sobre_supervision_alertmanager_alerts", "Alerts received from Alertmanager.", registry=registry
    )
    queue = Gauge("sobre_supervision_ingest_queue_points", "Points waiting to be written.", registry=registry)
    flush = Gauge(
        "sobre_supervision_ingest_last_flush_seconds", "Duration of the last write.", registry=registry
    )
    if buffer is not None:
        queue.set_function(lambda: buffer.queued)
        flush.set_function(lambda: buffer.last_flush_s)
    registry.register(_StateCollector(url))
    router.registry = registry  # type: ignore[attr-defined]

    def org_of(authorization: str | None, x_sobre_token: str | None) -> int:
        try:
            return service.authenticate(url(), _token(authorization, x_sobre_token))
        except AuthError as exc:
            requests.labels("unauthorised").inc()
            raise HTTPException(401, str(exc), headers={"WWW-Authenticate": "Bearer"}) from None

    async def body(request: Request) -> Any:
        try:
            return await request.json()
        except ValueError:
            raise HTTPException(400, "the body is not JSON") from None

    @router.post(f"{PREFIX}/points", status_code=202)
    async def post_points(
        request: Request, authorization: str | None = Header(None), x_sobre_token: str | None = Header(None)
    ) -> dict[str, Any]:
        """Points from an agent: ``{host, interval, info, points: [[metric, labels, time, value], …]}``."""
        oid = org_of(authorization, x_sobre_token)
        payload = await body(request)
        from starlette.concurrency import run_in_threadpool

        try:
            if buffer is not None:
                # Queueing is a fraction of a millisecond of Python: no thread hop.  Only an agent's first
                # post touches the database (its host is created).
                accepted = service.ingest(url(), oid, payload, buffer)
            else:
                accepted = await run_in_threadpool(service.ingest, url(), oid, payload, None)
        except InputError as exc:
            requests.labels("rejected").inc()
            raise HTTPException(422, str(exc)) from None
        if buffer is not None and accepted == 0 and payload.get("points"):
            requests.labels("overloaded").inc()
            raise HTTPException(
                503, "the server is behind on writes; retry later", headers={"Retry-After": "5"}
            )
        requests.labels("accepted").inc()
        points.inc(accepted)
        return {"accepted": accepted}

    @router.post(f"{PREFIX}/alertmanager")
    def post_alertmanager(
        payload: dict[str, Any],
        authorization: str | None = Header(None),
        x_sobre_token: str | None = Header(None),
    ) -> dict[str, Any]:
        """An Alertmanager webhook call (``webhook_config``, ``authorization: {credentials: <token>}``)."""
        oid = org_of(authorization, x_sobre_token)
        try:
            graded = alerting.receive_alertmanager(url(), service.org_name(url(), oid), payload)
        except InputError as exc:
            raise HTTPException(422, str(exc)) from None
        received.inc(len(payload.get("alerts", [])))
        return {"alerts": graded}

    @router.post(f"{PREFIX}/security/wazuh")
    async def post_wazuh(
        request: Request, authorization: str | None = Header(None), x_sobre_token: str | None = Header(None)
    ) -> dict[str, Any]:
        """Wazuh alerts (one JSON alert, a JSON array or ``alerts.json`` lines) from an integration."""
        oid = org_of(authorization, x_sobre_token)
        text = (await request.body()).decode("utf-8", "replace")
        try:
            events = security.parse_wazuh(text, "request body")
            return triage.record_security(url(), service.org_name(url(), oid), events)
        except SobreError as exc:
            raise HTTPException(422, str(exc)) from None

    @router.get("/metrics")
    def metrics() -> Response:
        """Sobre's own metrics in Prometheus's text format."""
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def mount(app: Any) -> None:
    """Include the router in a FastAPI application, reading the database from the settings.

    Not a ``web=`` registrar: these endpoints authenticate agents by token, outside the shell's sessions,
    permissions and CSRF checks, so the application includes the router as it is.
    """
    from sobre.core.settings import load_settings

    app.include_router(make_router(lambda: load_settings().database_url))
