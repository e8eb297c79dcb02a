"""Eco-design's pages and API through HTTP (SQLite and PostgreSQL): EcoIndex history per service and address,
what the measure form refuses before any browser starts, objectives, opportunity and periodic reviews.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from sobre.core.db import session_scope
from sobre.ecodesign import ecoindex, service
from sobre.ecodesign.measure import PageMeasure
from sobre.inventory import services
from sobre.web.templating import _figure
from tests.web.harness import World, build_world, csrf_from

T0 = datetime(2026, 10, 1, 8, 0, tzinfo=UTC)
SITE = "https://demarches.ville.fr"


def measured(url: str, dom: int, requests: int, kb: float, at: datetime) -> PageMeasure:
    r = ecoindex.compute(dom, requests, kb)
    return PageMeasure(
        url=url,
        dom=dom,
        requests=requests,
        bytes=int(kb * 1000),
        score=r.score,
        grade=r.grade,
        ghg_g=r.ghg_g,
        water_cl=r.water_cl,
        measured_at=at,
        browser="156.0",
    )


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    with session_scope(db_url) as s:
        services.create(s, "Commune A", "Démarches", url=SITE, status="live", users=5000)
        services.create(s, "Commune A", "Rendez-vous", status="planned")
        history = [
            measured(f"{SITE}/", 300 + 20 * i, 20 + i, 500 + 40 * i, T0 + timedelta(days=i))
            for i in range(30)
        ]
        history.append(measured(f"{SITE}/etat-civil", 1200, 60, 2400, T0))
        history.append(
            PageMeasure(url=f"{SITE}/absent", error=f"{SITE}/absent: HTTP 404 Not Found", measured_at=T0)
        )
        service.record_measures(s, "Commune A", history)
    yield w
    w.close()


def ids(w: World) -> dict[str, int]:
    with session_scope(w.url) as s:
        return {v.name: v.id for v in services.list_services(s, "Commune A")}


def text_of(html: str) -> str:
    main = html[html.index("<main") : html.index("</main>")]
    text = re.sub(r"[ \t\r\n]+", " ", re.sub(r"<[^>]+>", " ", main))
    return text.replace("&#39;", "'").replace("&nbsp;", "\u00a0")


def referent_get(w: World, path: str) -> int:
    return w.client("referent").get(w.a_url(path)).status_code


def errors(html: str) -> dict[str, str]:
    found = re.findall(r'id="f-(\w+)-error">([^<]*)<', html)
    return {name: message.replace("&#39;", "'") for name, message in found}


def test_ecoindex_pages_show_the_latest_measure_per_address_and_its_history(world: World) -> None:
    w = world
    viewer = w.client("viewer")
    page = viewer.get(w.a_url("/ecoindex?sort=-score"))
    assert page.status_code == 200
    body = text_of(page.text)
    latest = ecoindex.compute(300 + 20 * 29, 49, 500 + 40 * 29)
    # Best score first; the failed page last (unknown is never a score of 0); its history counts 30 measures.
    assert body.index(f"{SITE}/ ") < body.index(f"{SITE}/etat-civil") < body.index(f"{SITE}/absent")
    assert f"{latest.grade} {latest.score}" in body and "non mesurée" in body and " 30 " in body
    assert "<caption>Pages par note EcoIndex" in page.text and "Source : Méthode EcoIndex" in body
    # The history of one address: a line of the newest measures, then every measure paginated.
    history = viewer.get(
        w.a_url("/ecoindex/history"), params={"url": f"{SITE}/", "service": ids(w)["Démarches"]}
    )
    assert history.status_code == 200
    text = text_of(history.text)
    assert f"{latest.grade} {latest.score}" in text and "30 entrées · page 1 sur 2" in text
    assert history.text.count("<circle ") == 12 and "<polyline" in history.text
    assert viewer.get(w.a_url("/ecoindex/history"), params={"url": f"{SITE}/nowhere"}).status_code == 404
    export = viewer.get(w.a_url("/ecoindex/measures.csv"), params={"url": f"{SITE}/"})
    rows = list(csv.DictReader(io.StringIO(export.text)))
    assert len(rows) == 30 and rows[0]["score"] == str(latest.score) and rows[0]["grade"] == latest.grade
    # A viewer reads; the measure form is for those who may measure.
    assert 'id="measure-h"' not in page.text
    assert 'id="measure-h"' in w.client("technician").get(w.a_url("/ecoindex")).text


def test_the_measure_form_refuses_before_any_browser_starts(world: World) -> None:
    w = world
    technician = w.client("technician")
    token = csrf_from(technician.get(w.a_url("/ecoindex")).text)
    service_ids = ids(w)

    def post(**data: str):  # type: ignore[no-untyped-def]
        return technician.post(w.a_url("/ecoindex"), data={"csrf_token": token, "wait": "0", **data})

    # An address outside the service: the server's browser opens only the organisation's own services.
    r = post(service_id=str(service_ids["Démarches"]), urls="http://169.254.169.254/latest/meta-data/")
    assert r.status_code == 422 and "n'est pas une adresse de ce service" in errors(r.text)["urls"]
    journey = '{"steps": [{"goto": "https://demarches.ville.fr/"}, {"goto": "https://ailleurs.example/"}]}'
    r = post(service_id=str(service_ids["Démarches"]), journey=journey)
    assert r.status_code == 422 and "ailleurs.example" in errors(r.text)["journey"]
    r = post(service_id=str(service_ids["Démarches"]), journey='steps = "nope"')
    assert r.status_code == 422 and "Le parcours est illisible" in errors(r.text)["journey"]
    r = post(service_id=str(service_ids["Rendez-vous"]), urls=f"{SITE}/")
    assert r.status_code == 422 and "pas d'adresse" in errors(r.text)["service_id"]
    r = post(service_id="", urls="", wait="99")
    assert set(errors(r.text)) == {"service_id", "urls", "wait"}
    r = post(service_id=str(service_ids["Démarches"]), urls="\n".join(f"{SITE}/p{i}" for i in range(11)))
    assert "10 adresses au plus" in errors(r.text)["urls"]
    with session_scope(w.url) as s:
        assert len(service.history(s, "Commune A")) == 32  # nothing measured, nothing recorded
    # The API refuses the same, as a problem document naming the field.
    api = w.api("technician")
    r = api.post(
        f"/api/v1/orgs/{w.a}/ecodesign/measures",
        json={"service_id": service_ids["Démarches"], "urls": ["http://127.0.0.1:1/"]},
    )
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "urls"


def test_objectives_then_a_periodic_review(world: World) -> None:
    w = world
    manager = w.client("manager")
    sid = ids(w)["Démarches"]
    page = manager.get(w.a_url(f"/ecodesign/services/{sid}"))
    token = csrf_from(page.text)
    url = w.a_url(f"/ecodesign/services/{sid}/objectives")
    r = manager.post(
        url, data={"csrf_token": token, "kind": "ecoindex_grade", "target": "Z", "due": "demain"}
    )
    assert r.status_code == 422 and set(errors(r.text)) == {"target", "due"}
    for kind, target in (("ecoindex_grade", "e"), ("page_weight_kb", "2000"), ("rgesn_score", "75")):
        r = manager.post(url, data={"csrf_token": token, "kind": kind, "target": target, "due": "2027-06-30"})
        assert r.status_code == 303
    body = text_of(manager.get(w.a_url(f"/ecodesign/services/{sid}")).text)
    assert "Note EcoIndex E 2027-06-30" in body and "Score RGESN (%) 75" in body
    r = manager.post(w.a_url(f"/ecodesign/services/{sid}/periodic"), data={"csrf_token": token})
    assert r.status_code == 303
    review = text_of(manager.get(r.headers["location"]).text)
    # Each page by its latest measure, judged on the worst: the home page (D) and the civil-status page (E).
    home, civil = ecoindex.compute(880, 49, 1660), ecoindex.compute(1200, 60, 2400)
    assert (home.grade, civil.grade) == ("D", "E")
    assert "Objectifs partiellement atteints" in review
    assert "atteint : Note EcoIndex : E pour un objectif de E" in review
    assert "non atteint : Poids de page (ko) : 2\u202f400 pour un objectif de 2000" in review
    assert "aucune évaluation RGESN de ce service pour l'instant" in review  # unknown, never failed
    r = manager.post(
        w.a_url(f"/ecodesign/services/{sid}/objectives/remove"),
        data={"csrf_token": token, "kind": "rgesn_score"},
    )
    after = text_of(manager.get(w.a_url(f"/ecodesign/services/{sid}")).text)
    assert r.status_code == 303 and "Score RGESN (%) 75" not in after and "Note EcoIndex E" in after
    # A referent reads the service and its reviews, and changes nothing.
    assert referent_get(w, f"/ecodesign/services/{10**20}") == 404
    assert referent_get(w, f"/ecodesign/reviews/{10**20}") == 404
    referent = w.client("referent")
    assert (
        "Faire la revue des objectifs maintenant"
        not in referent.get(w.a_url(f"/ecodesign/services/{sid}")).text
    )
    assert referent.get(w.a_url(f"/ecodesign/services/{sid}/opportunity")).status_code == 403


def test_opportunity_review_form_and_its_page(world: World) -> None:
    w = world
    manager = w.client("manager")
    sid = ids(w)["Rendez-vous"]
    form = manager.get(w.a_url(f"/ecodesign/services/{sid}/opportunity"))
    token = csrf_from(form.text)
    assert 'value="manager@a.example.org"' in form.text  # the reviewer, by default
    url = w.a_url(f"/ecodesign/services/{sid}/opportunity")
    r = manager.post(
        url,
        data={
            "csrf_token": token,
            "users": "-1",
            "expected_score": "101",
            "country": "FRA",
            "storage_gb": "beaucoup",
        },
    )
    assert r.status_code == 422 and set(errors(r.text)) == {
        "users",
        "expected_score",
        "country",
        "storage_gb",
    }
    data = {
        "csrf_token": token,
        "need": "réduire l'attente au guichet des titres d'identité",
        "users": "12000",
        "alternatives": "téléphone\nplateforme régionale mutualisée",
        "cloud_instances": "1",
        "cloud_vcpu": "2",
        "storage_gb": "20",
        "page_views": "90000",
        "expected_score": "75",
        "country": "FR",
        "min_grade": "C",
        "reviewer": "DSI",
    }
    r = manager.post(url, data=data)
    assert r.status_code == 303
    page = manager.get(r.headers["location"])
    body = text_of(page.text)
    assert "Résultat : Favorable" in body and "besoin exprimé, alternatives étudiées" in body
    with session_scope(w.url) as s:
        stored = service.list_reviews(s, "Commune A", "Rendez-vous")[-1]
    usage = stored.results["usage_climate_change"]
    assert usage["value"] == pytest.approx(90000 * ecoindex.ghg_per_view(75) / 1000)
    assert f"{_figure(usage['value'], 'fr')}\u00a0kgCO2e" in body  # 90,000 views × 1.5 g at a score of 75
    infra = stored.results["infrastructure"]["climate_change"]
    assert (
        infra["value"] > 0 and "archétype" in body and "<caption>Changement climatique attendu" in page.text
    )
    assert "12\u202f000" in body and "téléphone ; plateforme régionale mutualisée" in body
    services_page = text_of(manager.get(w.a_url("/ecodesign/services")).text)
    assert "Rendez-vous" in services_page and "Favorable" in services_page


def test_api_over_the_same_use_cases(world: World) -> None:
    w = world
    api = w.api("manager")
    base = f"/api/v1/orgs/{w.a}/ecodesign"
    sid = ids(w)["Démarches"]
    pages = api.get(f"{base}/pages", params={"service_id": sid, "sort": "-score"}).json()
    assert (
        pages["total"] == 3
        and pages["items"][-1]["latest"]["error"]
        and pages["items"][-1]["latest"]["score"] is None
    )
    measures = api.get(f"{base}/measures", params={"url": f"{SITE}/", "per_page": 10}).json()
    assert (
        measures["total"] == 30
        and measures["next"]
        and measures["items"][0]["measured_at"].startswith("2026-10-30")
    )
    assert (
        api.put(f"{base}/services/{sid}/objectives/ecoindex_grade", json={"target": "Q"}).status_code == 422
    )
    done = api.put(f"{base}/services/{sid}/objectives/requests", json={"target": "40"}).json()
    assert done == {
        "kind": "requests",
        "label": "requests per page",
        "target": "40",
        "due": None,
        "note": None,
    }
    review = api.post(f"{base}/services/{sid}/reviews/periodic").json()
    assert review["recommendation"] == "not-met" and review["reasons"][0]["text"].startswith(
        "Requests per page: 60"
    )
    opportunity = api.post(f"{base}/services/{sid}/reviews/opportunity", json={"need": "", "users": 10})
    assert opportunity.status_code == 201 and opportunity.json()["recommendation"] == "no-go"
    assert api.get(f"{base}/reviews/{review['id']}").json()["kind"] == "periodic"
    assert [r["kind"] for r in api.get(f"{base}/services/{sid}/reviews").json()] == [
        "periodic",
        "opportunity",
    ]
    listed = {s["name"]: s for s in api.get(f"{base}/services").json()}
    assert listed["Démarches"]["periodic"] == "not-met" and listed["Rendez-vous"]["pages"] == 0
    assert api.delete(f"{base}/services/{sid}/objectives/requests").status_code == 204
    assert api.delete(f"{base}/services/{sid}/objectives/requests").status_code == 404
    assert w.api("viewer").post(f"{base}/services/{sid}/reviews/periodic").status_code == 403
    assert (
        w.api("b-admin", "admin", org=w.b)
        .get(f"/api/v1/orgs/{w.b}/ecodesign/reviews/{review['id']}")
        .status_code
        == 404
    )
