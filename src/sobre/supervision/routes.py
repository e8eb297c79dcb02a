"""HTTP endpoints of supervision: agents post points, Alertmanager and Wazuh post alerts, ``/metrics``;
and the registration of supervision's pages and JSON API with the web application.

The endpoints form a FastAPI ``APIRouter`` authenticated by agent tokens only (``Authorization: Bearer
<token>``), with no session or cookie: the web application serves it as it is (``registry.endpoints``), and
``sobre supervise serve`` serves it alone.  The organisation is always the token's.  ``/metrics`` is Sobre's
own Prometheus exposition (prometheus-client): ingestion counters and the write queue of this process, and
the token's organisation's hosts by state and firing alerts by grade (Prometheus scrapes it with the token
as ``authorization: {credentials: …}``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import APIRouter, Header, HTTPException, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.concurrency import run_in_threadpool

from sobre.core.errors import InputError, SobreError
from sobre.supervision import alerting, security, service, store, triage
from sobre.supervision.service import AuthError
from sobre.web.registry import EndpointAuth

PREFIX = "/api/supervision/v1"


class _StateCollector(Collector):
    """Hosts by state and firing alerts by grade, read from the database at most every 15 s.

    Collected for one organisation at a time (:meth:`of`): a token never shows another's figures.
    """

    def __init__(self, database_url: Callable[[], str]) -> None:
        self.database_url = database_url
        self._cache: tuple[float, list[tuple[str, str, str, int]]] = (0.0, [])
        self.org: str | None = None

    def of(self, org: str) -> _StateCollector:
        view = _StateCollector(self.database_url)
        view._cache, view.org = self._refreshed(), org
        return view

    def _refreshed(self) -> tuple[float, list[tuple[str, str, str, int]]]:
        at, rows = self._cache
        if time.monotonic() - at > 15:
            self._cache = (time.monotonic(), self._read())
        return self._cache

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
        _, rows = self._cache
        rows = [r for r in rows if r[1] == self.org]
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
    database_url: str | Callable[[], str],
    *,
    buffer: store.IngestBuffer | None = None,
    buffered: bool = False,
) -> APIRouter:
    """The supervision router; ``buffer`` queues points (one writer thread) instead of writing per request.

    ``buffered`` makes the router's own buffer at the first post (the database URL may not be known when
    the router is built) and stops it, writing what is queued, when the application shuts down.
    """
    url: Callable[[], str] = database_url if callable(database_url) else (lambda: database_url)  # type: ignore[assignment,return-value]
    own: list[store.IngestBuffer] = []
    lock = threading.Lock()

    def current_buffer() -> store.IngestBuffer | None:
        if buffer is not None or not buffered:
            return buffer
        with lock:
            if not own:
                own.append(store.IngestBuffer(url()))
                own[0].start()
            return own[0]

    @asynccontextmanager
    async def lifespan(_app: Any) -> AsyncIterator[None]:
        yield
        for b in own:
            b.stop()

    router = APIRouter(lifespan=lifespan)
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
    queue.set_function(lambda: b.queued if (b := buffer or (own[0] if own else None)) else 0)
    flush.set_function(lambda: b.last_flush_s if (b := buffer or (own[0] if own else None)) else 0.0)
    state = _StateCollector(url)
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
        buffer = current_buffer()

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
    async def post_alertmanager(
        request: Request, authorization: str | None = Header(None), x_sobre_token: str | None = Header(None)
    ) -> dict[str, Any]:
        """An Alertmanager webhook call (``webhook_config``, ``authorization: {credentials: <token>}``)."""
        oid = org_of(authorization, x_sobre_token)  # before reading the body: strangers learn nothing
        payload = await body(request)
        if not isinstance(payload, dict):
            raise HTTPException(422, "an Alertmanager webhook body is a JSON object")
        try:
            org = service.org_name(url(), oid)
            graded = await run_in_threadpool(alerting.receive_alertmanager, url(), org, payload)
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
    def metrics(
        authorization: str | None = Header(None), x_sobre_token: str | None = Header(None)
    ) -> Response:
        """Sobre's own metrics in Prometheus's text format (this process, and the token's organisation)."""
        oid = org_of(authorization, x_sobre_token)
        view = CollectorRegistry()
        view.register(state.of(service.org_name(url(), oid)))
        text = generate_latest(registry) + generate_latest(view)
        return Response(text, media_type=CONTENT_TYPE_LATEST)

    return router


def agent_credentials(database_url: str, org_id: int) -> dict[str, str]:
    """Headers carrying a new agent token of the organisation (see ``sobre supervise token create``)."""
    token = service.create_token(database_url, service.org_name(database_url, org_id), "web route table")
    return {"authorization": f"Bearer {token}"}


AGENT_TOKEN = EndpointAuth("supervision.agent-token", "sup.auth.agent_token", agent_credentials)


def register(registry: Any) -> None:
    """Supervision in the web application: its pages, its JSON API, and the agents' endpoints."""
    from sobre.supervision import routes_alerts, routes_api, routes_pages, routes_security

    registry.endpoints(lambda database_url: make_router(database_url, buffered=True), auth=AGENT_TOKEN)
    routes_pages.register(registry)
    routes_alerts.register(registry)
    routes_security.register(registry)
    routes_api.register(registry)
