"""The strategy JSON API (SQLite and PostgreSQL): scenarios with their changes run and compared, objectives
checked, actions, indicators and measurements, reviews; pagination and RFC 9457 problems."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.strategy import test_pages
from tests.web.harness import World

world = test_pages.world  # the same organisation, with its inventory and footprint run


@pytest.fixture
def api(world: World) -> Iterator[tuple[World, object]]:
    yield world, world.api("manager")


def test_scenarios_changes_run_compare_and_action(api, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    site, client = api
    base = f"/api/v1/orgs/{site.a}/strategy"
    r = client.post(f"{base}/scenarios", json={"name": "Vie longue"})
    assert r.status_code == 201, r.text
    sid = r.json()["id"]
    r = client.post(
        f"{base}/scenarios/{sid}/changes",
        json={"kind": "extend_lifetime", "params": {"category": "laptop", "to_years": 6}},
    )
    assert r.status_code == 201 and r.json()["changes"] == [
        {"kind": "extend_lifetime", "params": {"category": "laptop", "to_years": 6.0}}
    ]
    r = client.post(
        f"{base}/scenarios/{sid}/changes",
        json={"kind": "refurbished", "params": {"category": "laptop", "share": 2}},
    )
    assert r.status_code == 422 and r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["errors"][0]["field"] == "share"
    r = client.post(f"{base}/scenarios/{sid}/changes", json={"kind": "nope", "params": {}})
    assert r.status_code == 422
    run = client.post(f"{base}/scenarios/{sid}/run")
    assert run.status_code == 200, run.text
    delta = run.json()["effect"]["cells"]["climate_change"]["total"]["delta"]
    assert delta < 0
    r = client.post(f"{base}/scenarios", json={"name": "Écrans"})
    sid2 = r.json()["id"]
    client.post(
        f"{base}/scenarios/{sid2}/changes",
        json={"kind": "fewer_devices", "params": {"category": "monitor", "share": 0.5}},
    )
    cmp = client.get(f"{base}/scenarios/compare", params=[("ids", sid), ("ids", sid2)])
    assert cmp.status_code == 200 and [v["name"] for v in cmp.json()] == ["Vie longue", "Écrans"]
    assert cmp.json()[0]["effect"]["cells"]["climate_change"]["total"]["delta"] == pytest.approx(delta)
    listing = client.get(f"{base}/scenarios", params={"per_page": 1})
    body = listing.json()
    assert (
        body["total"] == 2
        and len(body["items"]) == 1
        and body["next"]
        and body["items"][0]["name"] == "Vie longue"
    )
    r = client.post(f"{base}/scenarios/{sid}/action")
    assert r.status_code == 201 and r.json()["avoided"]["climate_change"]["value"] == pytest.approx(-delta)
    r = client.delete(f"{base}/scenarios/{sid2}/changes/0")
    assert r.status_code == 200 and r.json()["changes"] == []
    assert client.delete(f"{base}/scenarios/{sid2}/changes/3").status_code == 404
    assert client.delete(f"{base}/scenarios/{sid2}").status_code == 204
    assert client.get(f"{base}/scenarios/{sid2}").status_code == 404
    # A viewer reads, and changes nothing.
    viewer = site.api("viewer")
    assert viewer.get(f"{base}/scenarios").status_code == 200
    assert viewer.post(f"{base}/scenarios", json={"name": "X"}).status_code == 403


def test_objectives_actions_kpis_and_reviews(api) -> None:  # type: ignore[no-untyped-def]
    site, client = api
    base = f"/api/v1/orgs/{site.a}/strategy"
    r = client.post(
        f"{base}/objectives",
        json={"title": "−30 %", "reduction": 0.3, "baseline_year": 2025, "target_year": 2030},
    )
    assert r.status_code == 201, r.text
    objective = r.json()
    assert objective["target"] == pytest.approx(objective["baseline"] * 0.7) and objective["reached"] is False
    r = client.put(
        f"{base}/objectives/{objective['id']}",
        json={"title": "−30 %", "reduction": 0.3, "baseline_year": 2025, "target_year": 2020},
    )
    assert r.status_code == 422
    # Two objectives of one title: refused when added and when renamed onto it (not a server error).
    second = {"title": "−50 %", "reduction": 0.5, "baseline_year": 2025, "target_year": 2035}
    r = client.post(f"{base}/objectives", json={**second, "title": "−30 %"})
    assert r.status_code == 422, r.text
    other = client.post(f"{base}/objectives", json=second).json()
    r = client.put(f"{base}/objectives/{other['id']}", json={**second, "title": "−30 %"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title", r.text
    assert client.put(f"{base}/objectives/{other['id']}", json=second).status_code == 200
    r = client.post(
        f"{base}/actions",
        json={
            "title": "PC 6 ans",
            "effort": "low",
            "capex_eur": 100,
            "start_date": "2026-01-01",
            "due_date": "2027-01-01",
            "kpis": ["fp"],
        },
    )
    assert r.status_code == 201 and r.json()["kpis"] == ["fp"]
    aid = r.json()["id"]
    assert client.post(f"{base}/actions", json={"title": "PC 6 ans"}).status_code == 422  # a duplicate title
    r = client.patch(f"{base}/actions/{aid}", json={"status": "in_progress"})
    assert r.status_code == 200 and r.json()["status"] == "in_progress"
    assert client.get(f"{base}/actions", params={"status": "done"}).json()["total"] == 0
    assert client.get(f"{base}/actions", params={"status": "in_progress"}).json()["total"] == 1
    assert client.get(f"{base}/actions", params={"status": "bogus"}).status_code == 422
    r = client.post(
        f"{base}/kpis",
        json={"code": "formes", "name": "Agents formés", "unit": "%", "direction": "up", "target_value": 80},
    )
    assert r.status_code == 201
    r = client.post(f"{base}/kpis", json={"code": "fp", "name": "Empreinte", "source": "footprint_per_agent"})
    assert r.status_code == 201 and r.json()["unit"]
    r = client.post(f"{base}/kpis/formes/measurements", json={"value": 12.5, "on": "2025-06-30"})
    assert r.status_code == 201 and r.json()["latest"]["by"] == site.email("manager")
    assert (
        client.post(f"{base}/kpis/fp/measurements", json={"value": 1, "on": "2025-06-30"}).status_code == 422
    )
    measured = client.post(f"{base}/kpis/measure", json={"on": "2025-12-31"})
    assert (
        measured.status_code == 200 and measured.json()[0]["code"] == "fp" and measured.json()[0]["value"] > 0
    )
    page = client.get(f"{base}/kpis/formes/measurements").json()
    assert page["total"] == 1 and page["items"][0]["value"] == 12.5
    assert client.get(f"{base}/kpis/nothing").status_code == 404
    r = client.post(
        f"{base}/reviews",
        json={
            "title": "Revue",
            "held_on": "2026-03-31",
            "decisions": ["Continuer"],
            "adjust": [{"action_id": aid, "status": "done"}],
        },
    )
    assert r.status_code == 201, r.text
    review = r.json()
    assert review["decisions"][0] == "Continuer" and len(review["decisions"]) == 2
    assert client.get(f"{base}/actions/{aid}").json()["status"] == "done"
    assert client.get(f"{base}/reviews").json()["items"][0]["id"] == review["id"]
    # Organisation B's token sees none of A.
    other = site.api("b-admin", "admin", org=site.b)
    assert other.get(f"{base}/actions/{aid}").status_code == 404
    spec = client.get("/api/v1/openapi.json").json()
    assert "/orgs/{org}/strategy/scenarios/{scenario_id}/run" in spec["paths"]


def test_refusals_in_the_callers_language_vision_and_commitments(api) -> None:  # type: ignore[no-untyped-def]
    site, client = api
    base = f"/api/v1/orgs/{site.a}/strategy"
    assert client.post(f"{base}/scenarios", json={"name": "S"}).status_code == 201
    r = client.post(f"{base}/scenarios", json={"name": "S"})
    assert r.status_code == 422 and r.json()["detail"] == "a scenario of that name exists"
    assert r.json()["errors"] == [
        {"location": "body", "field": "name", "message": "a scenario of that name exists"}
    ]
    r = client.post(f"{base}/scenarios", json={"name": "S"}, headers={"accept-language": "fr-FR,fr;q=0.9"})
    assert r.status_code == 422 and r.json()["detail"] == "un scénario de ce nom existe déjà"
    r = client.post(
        f"{base}/objectives",
        json={"title": "O", "reduction": 0.3, "baseline_year": 2025, "target_year": 2030},
    )
    oid = r.json()["id"]
    r = client.put(
        f"{base}/objectives/{oid}",
        json={"title": "O", "reduction": 0.3, "baseline_year": 2025, "target_year": 2020},
        headers={"accept-language": "fr"},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "--target-year"
    assert r.json()["detail"] == "l'année cible vient après l'année de référence"
    assert client.delete(f"{base}/objectives/{oid}").status_code == 204
    assert client.get(f"{base}/objectives/{oid}").status_code == 404

    assert client.get(f"{base}/vision").json() == {"vision": "", "scope": "", "governance": ""}
    r = client.put(f"{base}/vision", json={"vision": "Un numérique sobre", "scope": "Tout le parc"})
    assert r.status_code == 200 and r.json()["vision"] == "Un numérique sobre"
    r = client.put(f"{base}/vision", json={"governance": "Comité trimestriel"})
    assert r.json() == {
        "vision": "Un numérique sobre",
        "scope": "Tout le parc",
        "governance": "Comité trimestriel",
    }
    r = client.post(f"{base}/commitments", json={"title": "Allonger la durée de vie", "detail": "6 ans"})
    assert r.status_code == 201
    assert client.get(f"{base}/commitments").json() == [
        {"title": "Allonger la durée de vie", "detail": "6 ans"}
    ]
    assert client.post(f"{base}/commitments", json={"title": ""}).status_code == 422
    # A title the organisation already has is refused at its field, not failed on the unique key.
    r = client.post(f"{base}/commitments", json={"title": " Allonger la durée de vie "})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "title", r.text
    viewer = site.api("viewer")
    assert viewer.get(f"{base}/vision").status_code == 200
    assert viewer.put(f"{base}/vision", json={"vision": "X"}).status_code == 403


def test_a_scenario_computed_in_the_background(api) -> None:  # type: ignore[no-untyped-def]
    import time

    site, client = api
    base = f"/api/v1/orgs/{site.a}/strategy"
    sid = client.post(f"{base}/scenarios", json={"name": "Fond"}).json()["id"]
    client.post(
        f"{base}/scenarios/{sid}/changes",
        json={"kind": "extend_lifetime", "params": {"category": "laptop", "to_years": 6}},
    )
    assert client.get(f"{base}/scenarios/{sid}/progress").json()["status"] == "idle"
    r = client.post(f"{base}/scenarios/{sid}/launch")
    assert r.status_code == 202 and r.json()["status"] in ("running", "idle")
    assert r.headers["location"] == f"{base}/scenarios/{sid}/progress"  # where to follow it
    deadline = time.monotonic() + 180
    while (state := client.get(f"{base}/scenarios/{sid}/progress").json())["status"] == "running":
        assert state["step"] in ("baseline", "compute", "store")
        assert time.monotonic() < deadline
        time.sleep(0.5)
    assert state["status"] == "idle", state
    effect = client.get(f"{base}/scenarios/{sid}").json()["effect"]
    assert effect["cells"]["climate_change"]["total"]["delta"] < 0
    # The same figure as computed within the request.
    again = client.post(f"{base}/scenarios/{sid}/run").json()["effect"]
    assert again["cells"]["climate_change"]["total"] == effect["cells"]["climate_change"]["total"]
    assert site.api("viewer").post(f"{base}/scenarios/{sid}/launch").status_code == 403


def test_a_background_failure_reads_in_the_callers_language(api) -> None:  # type: ignore[no-untyped-def]
    import json
    from datetime import UTC, datetime

    from sobre.core.db import session_scope
    from sobre.strategy.models import Scenario

    site, client = api
    base = f"/api/v1/orgs/{site.a}/strategy"
    sid = client.post(f"{base}/scenarios", json={"name": "Coupé"}).json()["id"]
    # A computation whose process is gone: reported interrupted (a message key, no values).
    with session_scope(site.url) as s:
        row = s.get(Scenario, sid)
        assert row is not None
        row.run_status, row.run_step, row.run_started_at = "running", "compute", datetime.now(UTC)
        row.run_owner_host, row.run_owner_pid, row.run_owner_started = "elsewhere.invalid", 1, 1
    url = f"{base}/scenarios/{sid}/progress"
    fr = client.get(url, headers={"accept-language": "fr-FR,fr;q=0.9"}).json()["error"]
    en = client.get(url, headers={"accept-language": "en"}).json()["error"]
    assert fr == {
        "key": "st.run.interrupted",
        "message": "interrompu (le serveur s'est arrêté) ; relancez le calcul",
    }
    assert en["message"] == "interrupted (the server stopped); compute it again"
    assert client.get(url).json()["error"]["message"] == en["message"]  # no choice: English
    # A refusal with values is worded with them; an error without a key keeps its text.
    with session_scope(site.url) as s:
        row = s.get(Scenario, sid)
        assert row is not None
        row.run_status = "failed"
        row.run_error = json.dumps({"key": "st.refuse.running", "values": {"value": "Coupé"}})
    failed = client.get(url, headers={"accept-language": "fr"}).json()["error"]
    assert failed["key"] == "st.refuse.running" and failed["values"] == {"value": "Coupé"}
    assert failed["message"] and "st.refuse" not in failed["message"]
    with session_scope(site.url) as s:
        row = s.get(Scenario, sid)
        assert row is not None
        row.run_error = json.dumps({"text": "ValueError: boom"})
    assert client.get(url).json()["error"] == {"text": "ValueError: boom", "message": "ValueError: boom"}
