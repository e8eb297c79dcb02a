"""The assessment API (``/api/v1/orgs/{org}/…``) with tokens of each role: the same use cases as the pages."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from openpyxl import load_workbook

from sobre.assessment import store
from sobre.core.db import session_scope
from sobre.inventory import services
from tests.web.harness import World, build_world

SERVICE = "Portail famille"


@pytest.fixture
def api_world(db_url: str, tmp_path: Path, data_dir: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    with session_scope(db_url) as s:
        services.create(s, "Commune A", SERVICE)
        store.install_file(s, "rgesn", data_dir / "rgesn-2024.json")
    yield w
    w.close()


def test_an_rgesn_assessment_through_the_api_by_role(api_world: World) -> None:
    w = api_world
    base = f"/api/v1/orgs/{w.a}"
    referent, manager, viewer = w.api("referent"), w.api("manager"), w.api("viewer")
    refs = viewer.get(f"{base}/referentials").json()
    assert {(r["code"], r["items"]) for r in refs["items"]} >= {("rgesn", 78), ("sobre-maturity", 38)}
    detail = viewer.get(f"{base}/referentials/rgesn/2024").json()
    assert detail["licence"] == "CC BY-SA 4.0" and len(detail["theme_list"]) == 9
    items = viewer.get(f"{base}/referentials/rgesn/2024/items", params={"theme": "4", "per_page": 5}).json()
    assert items["total"] == 15 and len(items["items"]) == 5 and items["next"]

    assert viewer.post(f"{base}/assessments", json={"kind": "rgesn", "service": SERVICE}).status_code == 403
    r = referent.post(
        f"{base}/assessments",
        json={
            "kind": "rgesn",
            "service": SERVICE,
            "assessed_on": "2026-03-01",
            "details": {"target_score": 70},
        },
    )
    assert r.status_code == 201, r.text
    a = r.json()
    assert a["status"] == "draft" and a["items"] == 78 and a["overall"]["value"] == 0
    assert a["details"] == {"target_score": 70.0}
    no_service = referent.post(f"{base}/assessments", json={"kind": "rgesn"})
    assert no_service.status_code == 409 and no_service.headers["content-type"] == "application/problem+json"

    url = f"{base}/assessments/{a['id']}"
    refused = referent.put(
        f"{url}/answers/1.1", json={"status": "Non applicable", "evidence": ["Hors sujet"]}
    )
    assert refused.status_code == 422 and refused.json()["errors"][0]["field"] == "status"
    assert referent.put(f"{url}/answers/1.1", json={"status": "Validé"}).status_code == 422
    ok = referent.put(f"{url}/answers/1.1", json={"status": "Validé", "evidence": ["Étude d’utilité"]})
    assert ok.status_code == 200 and ok.json()["status"] == "validated"
    assert ok.json()["answered_by"] == "referent@a.example.org"
    assert referent.put(f"{url}/answers/99.9", json={"status": "Validé"}).status_code == 422
    nul = referent.put(f"{url}/answers/1.2", json={"status": "En cours", "comment": "a\x00b"})
    assert nul.status_code == 422
    filed = referent.post(
        f"{url}/answers/1.2/files", files={"file": ("../../etc/preuve.txt", b"preuve", "text/plain")}
    )
    assert filed.status_code == 201, filed.text
    piece = filed.json()["evidence"][0]
    assert (
        piece["file_name"] == "preuve.txt" and piece["size"] == 6 and filed.json()["status"] == "to_evaluate"
    )
    assert viewer.get(f"{url}/evidence/{piece['id']}").content == b"preuve"
    assert viewer.put(f"{url}/answers/1.3", json={"status": "Validé"}).status_code == 403

    score = viewer.get(f"{url}/score").json()
    assert (
        score["kind"] == "rgesn" and score["overall"]["unit"] == "%" and score["overall"]["status"] == "input"
    )
    assert score["overall"]["value"] == pytest.approx(100 * 1.5 / score["applicable_weight"])
    assert score["themes"]["1"]["counts"]["validated"] == 1
    recs = viewer.get(f"{url}/recommendations", params={"per_page": 3}).json()
    assert recs["total"] == 77 and recs["items"][0]["origin"] == {
        "referential": "rgesn",
        "version": "2024",
        "item": recs["items"][0]["origin"]["item"],
    }
    answers = viewer.get(f"{url}/answers").json()
    assert [x["item_id"] for x in answers["items"]] == ["1.1", "1.2"]

    patched = referent.patch(f"{url}/details", json={"referent": "Claire", "target_date": "2027-06-30"})
    assert patched.json()["details"]["target_date"] == "2027-06-30"
    assert referent.post(f"{url}/submit").status_code == 200
    assert referent.post(f"{url}/validate", json={"allow_incomplete": True}).status_code == 403
    assert manager.post(f"{url}/validate", json={}).status_code == 409  # 76 criteria unanswered
    back = manager.post(f"{url}/return", json={"reason": "Compléter la thématique 2"})
    assert back.json()["status"] == "draft"
    referent.post(f"{url}/submit")
    done = manager.post(f"{url}/validate", json={"allow_incomplete": True})
    assert done.status_code == 200 and done.json()["status"] == "validated"
    assert done.json()["validated_by"] == "manager@a.example.org"
    trail = viewer.get(f"{url}/trail").json()
    assert trail["items"][0]["action"] == "validate" and trail["items"][0]["role"] == "manager"
    listed = viewer.get(f"{base}/assessments", params={"kind": "rgesn", "status": "validated"}).json()
    assert [x["id"] for x in listed["items"]] == [a["id"]]
    assert viewer.get(f"{base}/assessments", params={"service": "Nope"}).status_code == 404
    history = viewer.get(f"{base}/assessments/history", params={"service": SERVICE}).json()
    assert history[0]["overall"]["value"] == pytest.approx(score["overall"]["value"])

    declaration = viewer.get(f"{url}/declaration", params={"format": "html", "lang": "en"})
    assert "Eco-design declaration" in declaration.text and "CC BY-SA 4.0" in declaration.text
    exported = viewer.get(f"{url}/export", params={"lang": "en"})
    assert load_workbook(io.BytesIO(exported.content)).sheetnames[:2] == ["Assessment", "Answers"]
    # A validated assessment is history: importing into it is refused, creating a new one works.
    frozen = referent.post(f"{base}/assessments/import", files={"file": ("a.xlsx", exported.content)})
    assert frozen.status_code == 409
    # (Attached files stay with their assessment: a new one starts without them.)
    wb = load_workbook(io.BytesIO(exported.content))
    files_column = [c.value for c in wb["Answers"][1]].index("Attached files") + 1
    wb["Answers"].cell(3, files_column).value = None
    buffer = io.BytesIO()
    wb.save(buffer)
    copy = referent.post(
        f"{base}/assessments/import", files={"file": ("a.xlsx", buffer.getvalue())}, data={"new": "true"}
    )
    assert copy.status_code == 200 and copy.json()["changed"] == 2, copy.text
    second = copy.json()["assessment_id"]
    wb["Answers"]["A2"] = "0.0"
    buffer = io.BytesIO()
    wb.save(buffer)
    bad = referent.post(
        f"{base}/assessments/import",
        files={"file": ("a.xlsx", buffer.getvalue())},
        data={"into": str(second)},
    )
    problem = bad.json()
    assert bad.status_code == 422 and problem["errors"][0]["location"] == "Answers row 2"
    compared = viewer.get(f"{base}/assessments/compare", params={"first": a["id"], "second": second}).json()
    assert compared["same_version"] is True and compared["changes"] == []
    assert w.api("manager").delete(f"{base}/assessments/{second}").status_code == 204
    assert referent.delete(f"{url}").status_code == 403


def test_the_api_is_in_the_openapi_document(api_world: World) -> None:
    doc = api_world.anonymous().get("/api/v1/openapi.json").json()
    paths = [p for p in doc["paths"] if "/assessments" in p or "/referentials" in p]
    assert "/api/v1/orgs/{org}/assessments/{assessment_id}/answers/{item_id}" in doc["paths"] or any(
        p.endswith("/assessments/{assessment_id}/answers/{item_id}") for p in paths
    )
    assert len(paths) >= 20
