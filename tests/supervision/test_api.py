"""The HTTP router: agent posts with tokens, Alertmanager's webhook, Wazuh posts and /metrics."""

from __future__ import annotations

import time

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from sobre.supervision import alerting, service, store
from sobre.supervision.routes import make_router
from tests.supervision.conftest import ORG

#: A payload as Alertmanager 0.25 sends it (webhook_config, version 4), with a critical and a resolved alert.
ALERTMANAGER = {
    "receiver": "sobre",
    "status": "firing",
    "alerts": [
        {
            "status": "firing",
            "labels": {
                "alertname": "NodeFilesystemAlmostOutOfSpace",
                "instance": "srv-db:9100",
                "job": "node",
                "mountpoint": "/var/lib/postgresql",
                "severity": "warning",
            },
            "annotations": {
                "summary": "Filesystem has less than 5% space left.",
                "description": "Filesystem on /dev/sdb1 at srv-db:9100 has only 4.2% available space left.",
            },
            "startsAt": "2026-12-07T09:12:45.828190957Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=node_filesystem_avail_bytes&g0.tab=1",
            "fingerprint": "1a30ba71cca2921f",
        },
        {
            "status": "resolved",
            "labels": {
                "alertname": "NodeHighLoad",
                "instance": "srv-web:9100",
                "job": "node",
                "severity": "critical",
            },
            "annotations": {"summary": "Load is back to normal."},
            "startsAt": "2026-12-07T08:00:00Z",
            "endsAt": "2026-12-07T09:10:00.000Z",
            "generatorURL": "",
            "fingerprint": "9b2d0c5e77f1aa01",
        },
    ],
    "groupLabels": {"alertname": "NodeFilesystemAlmostOutOfSpace"},
    "commonLabels": {"job": "node"},
    "commonAnnotations": {},
    "externalURL": "http://alertmanager:9093",
    "version": "4",
    "groupKey": '{}/{severity=~"warning|critical"}:{alertname="NodeFilesystemAlmostOutOfSpace"}',
    "truncatedAlerts": 0,
}


@pytest.fixture
def client(estate: tuple[str, dict[str, int]]) -> tuple[TestClient, str, str, store.IngestBuffer]:
    url, _ = estate
    buffer = store.IngestBuffer(url)
    app = FastAPI()
    app.include_router(make_router(url, buffer=buffer))
    token = service.create_token(url, ORG, "agents of the data centre")
    return TestClient(app), url, token, buffer


def test_agent_post_is_queued_written_and_counted(
    client: tuple[TestClient, str, str, store.IngestBuffer],
) -> None:
    http, url, token, buffer = client
    now = time.time()
    body = {
        "host": "srv-db",
        "interval": 15,
        "info": {"threads": 32, "os_name": "Debian GNU/Linux", "os_version": "12"},
        "points": [["cpu_utilisation", {}, now, 0.42], ["filesystem_used_ratio", {"mount": "/"}, now, 0.5]],
    }
    r = http.post("/api/supervision/v1/points", json=body, headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 202 and r.json() == {"accepted": 2}
    assert buffer.queued == 2 and buffer.flush() == 2
    latest = {(m["metric"], m["labels"]): m["value"] for m in service.latest_metrics(url, ORG, "srv-db")}
    assert latest == {("cpu_utilisation", ""): 0.42, ("filesystem_used_ratio", "mount=/"): 0.5}
    host = service.list_hosts(url, ORG)[0]
    assert (host["name"], host["state"], host["equipment"], host["os_name"]) == (
        "srv-db",
        "up",
        "srv-db",
        "Debian GNU/Linux",
    )
    metrics = http.get("/metrics", headers={"Authorization": f"Bearer {token}"}).text
    assert 'sobre_supervision_ingest_requests_total{outcome="accepted"} 1.0' in metrics
    assert "sobre_supervision_ingest_points_total 2.0" in metrics
    assert 'sobre_supervision_hosts{org="Ville",state="up"} 1.0' in metrics


def test_agent_auth_and_validation(client: tuple[TestClient, str, str, store.IngestBuffer]) -> None:
    http, url, token, _ = client
    body = {"host": "srv-db", "points": []}
    assert http.post("/api/supervision/v1/points", json=body).status_code == 401
    assert (
        http.post(
            "/api/supervision/v1/points", json=body, headers={"Authorization": "Bearer nope"}
        ).status_code
        == 401
    )
    bad = http.post(
        "/api/supervision/v1/points",
        json={"host": "srv-db", "points": [["cpu", {}, "noon", 1]]},
        headers={"X-Sobre-Token": token},
    )
    assert bad.status_code == 422 and "row 0" in bad.json()["detail"] and "value" in bad.json()["detail"]
    assert (
        http.post("/api/supervision/v1/points", content=b"{", headers={"X-Sobre-Token": token}).status_code
        == 400
    )
    service.revoke_token(url, ORG, service.list_tokens(url, ORG)[0]["id"])
    assert (
        http.post("/api/supervision/v1/points", json=body, headers={"X-Sobre-Token": token}).status_code
        == 401
    )


def test_alertmanager_webhook_is_received_and_graded(
    client: tuple[TestClient, str, str, store.IngestBuffer],
) -> None:
    http, url, token, _ = client
    service.add_host(url, ORG, "srv-db", instance="srv-db:9100", source="prometheus")
    r = http.post(
        "/api/supervision/v1/alertmanager", json=ALERTMANAGER, headers={"Authorization": f"Bearer {token}"}
    )
    assert r.status_code == 200
    graded = r.json()["alerts"]
    assert [
        (a["alertname"], a["host"], a["level"], a["criticality"], a["grade"], a["state"]) for a in graded
    ] == [
        ("NodeFilesystemAlmostOutOfSpace", "srv-db", "minor", "critical", "major", "firing")
    ]  # the resolved alert was never seen open: nothing to close
    assert graded[0]["started_at"].startswith("2026-12-07T09:12:45.828190")
    # The same alert again is the same Sobre alert; its resolution closes it.
    http.post(
        "/api/supervision/v1/alertmanager", json=ALERTMANAGER, headers={"Authorization": f"Bearer {token}"}
    )
    assert len(alerting.list_alerts(url, ORG)) == 1
    done = dict(
        ALERTMANAGER,
        status="resolved",
        alerts=[dict(ALERTMANAGER["alerts"][0], status="resolved", endsAt="2026-12-07T10:00:00Z")],
    )
    http.post("/api/supervision/v1/alertmanager", json=done, headers={"Authorization": f"Bearer {token}"})
    assert alerting.list_alerts(url, ORG) == []
    bad = http.post(
        "/api/supervision/v1/alertmanager",
        json=dict(ALERTMANAGER, version="3"),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert bad.status_code == 422 and "version" in bad.json()["detail"]


def test_wazuh_post(client: tuple[TestClient, str, str, store.IngestBuffer]) -> None:
    from tests.supervision.test_security import ALERTS

    http, url, token, _ = client
    r = http.post(
        "/api/supervision/v1/security/wazuh",
        content=ALERTS.encode(),
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 200 and r.json()["new"] == 4
    assert (
        http.post(
            "/api/supervision/v1/security/wazuh",
            content=b"{oops",
            headers={"Authorization": f"Bearer {token}"},
        ).status_code
        == 422
    )
