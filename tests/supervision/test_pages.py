"""Supervision's pages, JSON API and agents' endpoints in the web application, over the demo's data.

The demo seed (one day of metrics here) gives organisation A eight hosts, rules, graded alerts (one muted by
a maintenance window), a disk at risk and two security events; B stays empty.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from sobre.supervision import alerting, demo, ingest, service, triage
from tests.web.harness import World, audit_count, build_world, csrf_from

ORG_A = "Commune A"


@pytest.fixture
def town(db_url: str, tmp_path: Path) -> Iterator[World]:
    world = build_world(db_url, tmp_path / "home")
    demo.populate(db_url, ORG_A, folder=tmp_path / "supervision", days=1)
    yield world
    world.close()
    ingest._HOSTS.clear()
    ingest._TOKENS.clear()
    ingest._ASSETS.clear()


def _alert(url: str, name: str) -> dict:  # type: ignore[type-arg]
    return next(a for a in alerting.list_alerts(url, ORG_A) if a["alertname"] == name)


def _host_id(url: str, name: str) -> int:
    return service.host_ids(url, ORG_A)[name]


def _cells(html: str, caption_fragment: str) -> list[list[str]]:
    """The rows of the table whose caption holds ``caption_fragment``, as text cells."""
    for table in re.findall(r"<table.*?</table>", html, re.S):
        caption = re.search(r"<caption>(.*?)</caption>", table, re.S)
        if caption and caption_fragment in caption.group(1):
            rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
            return [
                [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)]
                for r in rows
            ]
    raise AssertionError(f"no table captioned {caption_fragment!r}")


def test_overview_shows_hosts_by_state_and_alerts_by_grade(town: World) -> None:
    viewer = town.client("viewer")
    page = viewer.get(town.a_url("/supervision"))
    assert page.status_code == 200
    html = page.text
    assert html.count("<h1") == 1 and "<script" not in html
    # The figures agree with the use cases: 7 hosts up, 1 down (srv-006 stopped reporting).
    api = town.api("viewer").get(f"/api/v1/orgs/{town.a}/supervision/overview").json()
    assert api["hosts"] == {"up": 7, "down": 1, "unknown": 0}
    firing = {g: n for g, n in api["firing"].items() if n}
    assert firing == {"minor": 3, "major": 3, "critical": 2}
    assert api["muted"] == 1  # HighTemperature on srv-005, under its maintenance window
    # Each chart is an SVG followed by its data table.
    assert html.count("<svg") >= 2
    for svg_end in [m.end() for m in re.finditer(r"</svg>", html)]:
        assert "<table" in html[svg_end : svg_end + 600]
    # Energy of the week carries its range, unit and status.
    energy = api["energy_7d"]
    assert energy["unit"] == "kWh" and energy["low"] < energy["value"] < energy["high"]
    assert "kWh" in html
    # The menu reaches the overview and the alerts.
    assert f'href="/o/{town.a}/supervision"' in html and f'href="/o/{town.a}/supervision/alerts"' in html
    # In English too.
    english = town.client("viewer", headers={"accept-language": "en"}).get(town.a_url("/supervision")).text
    french = town.client("viewer", headers={"accept-language": "fr"}).get(town.a_url("/supervision")).text
    assert '<html lang="en"' in english and '<html lang="fr"' in french
    assert "Hosts by state" in english and "Hôtes par état" in french


def test_host_page_has_charts_with_tables_and_unknown_is_not_zero(town: World) -> None:
    viewer = town.client("viewer")
    esx = viewer.get(town.a_url(f"/supervision/hosts/{_host_id(town.url, 'esx-001')}")).text
    assert esx.count("<svg") >= 3  # CPU, memory, power at least
    captions = re.findall(r"<caption>(.*?)</caption>", esx, re.S)
    assert len(captions) >= 4
    assert "RAPL" in esx or "rapl" in esx  # the power source is said
    # srv-006 stopped reporting: its latest values are old, it is shown down.
    down = viewer.get(town.a_url(f"/supervision/hosts/{_host_id(town.url, 'srv-006')}")).text
    assert "HostDown" in down
    # A VM has no temperature sensor: no temperature is never a 0 °C.
    vm = viewer.get(town.a_url(f"/supervision/hosts/{_host_id(town.url, 'vm-002')}")).text
    assert "0 °C" not in vm and "0,0 °C" not in vm
    metrics = viewer.get(town.a_url(f"/supervision/hosts/{_host_id(town.url, 'esx-001')}/metrics"))
    assert metrics.status_code == 200 and "cpu_utilisation" in metrics.text
    # Another organisation's host is not found, and a missing id is a 404 page.
    assert viewer.get(town.a_url("/supervision/hosts/999999")).status_code == 404
    b_admin = town.client("b-admin")
    assert b_admin.get(f"/o/{town.b}/supervision/hosts/{_host_id(town.url, 'esx-001')}").status_code == 404


def test_acknowledge_and_resolve_an_alert_from_its_page(town: World) -> None:
    alert = _alert(town.url, "HighCpu")
    path = town.a_url(f"/supervision/alerts/{alert['id']}")
    viewer = town.client("viewer")
    page = viewer.get(path).text
    assert "HighCpu" in page and "/ack" not in page  # a viewer sees no form
    before = audit_count(town.url)
    assert viewer.post(f"{path}/ack", data={"csrf_token": csrf_from(page)}).status_code == 403
    assert audit_count(town.url) == before and _alert(town.url, "HighCpu")["acknowledged_at"] is None

    tech = town.client("technician")
    token = csrf_from(tech.get(path).text)
    r = tech.post(f"{path}/ack", data={"csrf_token": token, "comment": "Batch de nuit relancé"})
    assert r.status_code == 303 and r.headers["location"].startswith(path + "?")
    after = tech.get(path).text
    assert "technician@a.example.org" in after and "Batch de nuit relancé" in after
    assert _alert(town.url, "HighCpu")["acknowledged_by"] == "technician@a.example.org"
    # The timeline holds the firing, the grading and the acknowledgement, oldest first.
    kinds = [e["kind"] for e in alerting.alert_detail(town.url, ORG_A, alert["id"])["timeline"]]
    assert kinds.index("firing") < kinds.index("acknowledged")

    r = tech.post(f"{path}/resolve", data={"csrf_token": token, "comment": "OK"})
    assert r.status_code == 303
    assert alerting.alert_detail(town.url, ORG_A, alert["id"])["state"] == "resolved"
    # Resolved: no form any more; a stale form posted again is refused with a message on the field.
    r = tech.post(f"{path}/ack", data={"csrf_token": token})
    assert r.status_code == 409 and "est déjà résolue" in r.text
    # A missing alert is a 404.
    assert (
        tech.post(town.a_url("/supervision/alerts/999999/ack"), data={"csrf_token": token}).status_code == 404
    )


def test_alerts_list_filters_sorts_and_pages_in_the_database(town: World) -> None:
    viewer = town.client("viewer")
    critical = viewer.get(town.a_url("/supervision/alerts?grade=critical")).text
    assert "HostDown" in critical and "Security_vulnerability" in critical and "HighCpu" not in critical
    security = viewer.get(town.a_url("/supervision/alerts?source=security&sort=name")).text
    assert security.index("Security_brute_force") < security.index("Security_vulnerability")
    assert "HostDown" not in viewer.get(town.a_url("/supervision/alerts?q=Disk")).text
    api = town.api("viewer")
    first = api.get(f"/api/v1/orgs/{town.a}/supervision/alerts?per_page=3").json()
    assert len(first["items"]) == 3 and first["total"] == len(alerting.list_alerts(town.url, ORG_A))
    assert [a["grade"] for a in first["items"]][0] == "critical"
    assert api.get(f"/api/v1/orgs/{town.a}/supervision/alerts?grade=nonsense").status_code == 422


def test_create_a_silence_with_field_messages_then_expire_it(town: World) -> None:
    tech = town.client("technician")
    path = town.a_url("/supervision/silences")
    token = csrf_from(tech.get(path).text)
    bad = tech.post(
        path,
        data={
            "csrf_token": token,
            "matchers": "host",
            "kind": "silence",
            "starts": "2026-12-02T10:00",
            "ends": "2026-12-02T09:00",
            "timezone": "Europe/Nowhere",
        },
    )
    assert bad.status_code == 422
    for name in ("matchers", "ends", "timezone"):
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', bad.text), name
    assert len(alerting.list_silences(town.url, ORG_A)) == 1  # the demo's maintenance window only

    r = tech.post(
        path,
        data={
            "csrf_token": token,
            "matchers": "alertname=HighCpu,host=esx-004",
            "kind": "silence",
            "duration": "2h",
            "timezone": "Europe/Paris",
            "comment": "Migration",
        },
    )
    assert r.status_code == 303
    silences = alerting.list_silences(town.url, ORG_A)
    new = next(s for s in silences if "esx-004" in s["matchers"])
    assert new["created_by"] == "technician@a.example.org"
    assert "esx-004" in tech.get(path).text
    # The next evaluation mutes the alert it matches.
    alerting.evaluate(town.url, ORG_A)
    assert _alert(town.url, "HighCpu")["muted_by"]
    r = tech.post(town.a_url(f"/supervision/silences/{new['id']}/expire"), data={"csrf_token": token})
    assert r.status_code == 303
    assert next(s for s in alerting.list_silences(town.url, ORG_A) if s["id"] == new["id"])["expired"]


def test_rules_form_checks_each_field_and_exports_prometheus_rules(town: World) -> None:
    manager = town.client("manager")  # may read the rules, not change them
    page = manager.get(town.a_url("/supervision/rules")).text
    assert "HighCpu" in page and 'action="/o/' not in page.split("<h1", 1)[1].split("</table>")[-1]
    tech = town.client("technician")
    token = csrf_from(tech.get(town.a_url("/supervision/rules")).text)
    bad = tech.post(
        town.a_url("/supervision/rules"),
        data={
            "csrf_token": token,
            "name": "",
            "metric": "load1",
            "op": "?",
            "threshold": "beaucoup",
            "for": "5x",
        },
    )
    assert bad.status_code == 422
    for name in ("name", "op", "threshold", "for"):
        assert re.search(rf'id="f-{name}"[^>]*aria-invalid="true"', bad.text), name
    good = tech.post(
        town.a_url("/supervision/rules"),
        data={
            "csrf_token": token,
            "name": "HighLoad",
            "metric": "load1",
            "op": ">",
            "threshold": "12,5",
            "for": "10m",
            "keep_firing_for": "5m",
            "clear": "10",
            "severity": "warning",
            "labels": "team=infra",
        },
    )
    assert good.status_code == 303
    exported = tech.get(town.a_url("/supervision/rules/export"))
    assert exported.status_code == 200
    assert "alert: HighLoad" in exported.text and "for: 10m" in exported.text
    assert "keep_firing_for: 5m" in exported.text


def test_security_event_records_what_was_done(town: World) -> None:
    events = triage.list_security(town.url, ORG_A)
    brute = next(e for e in events if "brute" in (e.get("title") or e.get("description") or "").lower())
    path = town.a_url(f"/supervision/security/{brute['id']}")
    viewer = town.client("viewer")
    page = viewer.get(path).text
    assert "203.0.113.45" in page or "srv-002" in page
    tech = town.client("technician")
    token = csrf_from(tech.get(path).text)
    empty = tech.post(f"{path}/done", data={"csrf_token": token, "action": ""})
    assert empty.status_code == 422 and 'aria-invalid="true"' in empty.text
    done = tech.post(
        f"{path}/done", data={"csrf_token": token, "action": "Adresse bloquée au pare-feu, fail2ban activé"}
    )
    assert done.status_code == 303
    assert "fail2ban" in tech.get(path).text
    listed = town.api("viewer").get(f"/api/v1/orgs/{town.a}/supervision/security/{brute['id']}").json()
    assert "fail2ban" in str(listed)


def test_agents_post_to_the_web_application_with_their_own_token(town: World) -> None:
    """``sobre serve`` is the server agents post to: agent tokens only, for their own organisation."""
    token_a = service.create_token(town.url, ORG_A, "agents A")
    token_b = service.create_token(town.url, "Commune B", "agents B")
    with TestClient(town.app, raise_server_exceptions=False) as http:  # runs the app's lifespan
        body = {"host": "srv-nouveau", "interval": 15, "points": [["cpu_utilisation", {}, time.time(), 0.25]]}
        # A person's session or API token opens nothing here.
        assert town.client("admin").post("/api/supervision/v1/points", json=body).status_code == 401
        assert town.api("admin").post("/api/supervision/v1/points", json=body).status_code == 401
        r = http.post("/api/supervision/v1/points", json=body, headers={"authorization": f"Bearer {token_b}"})
        assert r.status_code == 202, r.text
        # B's token posted it: it is B's host, not A's, whatever the URL or body might say.
        r = http.post(
            f"/api/supervision/v1/points?org={town.a}",
            json={**body, "org": ORG_A},
            headers={"authorization": f"Bearer {token_b}"},
        )
        assert r.status_code == 202
        assert "srv-nouveau" in {h["name"] for h in service.list_hosts(town.url, "Commune B")}
        assert "srv-nouveau" not in {h["name"] for h in service.list_hosts(town.url, ORG_A)}
        # /metrics answers the token's organisation only.
        metrics = http.get("/metrics", headers={"authorization": f"Bearer {token_a}"})
        assert metrics.status_code == 200
        assert 'org="Commune A"' in metrics.text and 'org="Commune B"' not in metrics.text
        assert http.get("/metrics").status_code == 401
        # Errors are problem documents, not pages.
        bad = http.post(
            "/api/supervision/v1/points", content=b"{", headers={"authorization": f"Bearer {token_a}"}
        )
        assert bad.status_code == 400 and bad.headers["content-type"].startswith("application/problem+json")
    # The points were queued; the application's shutdown wrote what was queued.
    latest = service.latest_metrics(town.url, "Commune B", "srv-nouveau")
    assert [(m["metric"], m["value"]) for m in latest] == [("cpu_utilisation", 0.25)]


def _rule_form(token: str, name: str, threshold: str) -> dict[str, str]:
    return {
        "csrf_token": token,
        "name": name,
        "metric": "load1",
        "op": ">",
        "threshold": threshold,
        "severity": "warning",
    }


def test_renaming_a_rule_onto_another_rule_is_refused_in_the_page_and_the_api(town: World) -> None:
    tech = town.client("technician")
    token = csrf_from(tech.get(town.a_url("/supervision/rules")).text)
    assert (
        tech.post(town.a_url("/supervision/rules"), data=_rule_form(token, "HighLoad", "12")).status_code
        == 303
    )
    api = town.api("technician")
    rules = {
        r["name"]: r for r in api.get(f"/api/v1/orgs/{town.a}/supervision/rules?per_page=100").json()["items"]
    }
    high_cpu, high_load = rules["HighCpu"], rules["HighLoad"]
    # The page: a field-level message on the name, and HighCpu is left as it was.
    refused = tech.post(
        town.a_url(f"/supervision/rules/{high_load['id']}"), data=_rule_form(token, "HighCpu", "13")
    )
    assert refused.status_code == 422
    assert re.search(r'id="f-name"[^>]*aria-invalid="true"', refused.text)
    assert "Une autre règle porte déjà ce nom" in refused.text
    # The API: a 422 problem naming the field.
    body = {"name": "HighCpu", "metric": "load1", "op": ">", "threshold": 14}
    problem = api.put(f"/api/v1/orgs/{town.a}/supervision/rules/{high_load['id']}", json=body)
    assert problem.status_code == 422 and problem.headers["content-type"].startswith(
        "application/problem+json"
    )
    assert problem.json()["errors"][0]["field"] == "name" and "HighCpu" in problem.json()["detail"]
    after = {r.name: r for r in alerting.list_rules(town.url, ORG_A)}
    assert (
        after["HighCpu"].metric == high_cpu["metric"] and after["HighCpu"].threshold == high_cpu["threshold"]
    )
    assert after["HighLoad"].threshold == 12
    # A rename to a free name keeps the rule (same id), in the page and in the API.
    renamed = tech.post(
        town.a_url(f"/supervision/rules/{high_load['id']}"), data=_rule_form(token, "HighLoad1", "15")
    )
    assert renamed.status_code == 303
    body["name"] = "HighLoad5"
    moved = api.put(f"/api/v1/orgs/{town.a}/supervision/rules/{high_load['id']}", json=body)
    assert (
        moved.status_code == 200 and moved.json()["id"] == high_load["id"] and moved.json()["threshold"] == 14
    )
    names = {r.name for r in alerting.list_rules(town.url, ORG_A)}
    assert "HighLoad5" in names and not names & {"HighLoad", "HighLoad1"} and "HighCpu" in names
