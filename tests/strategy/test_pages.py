"""The strategy pages and forms through HTTP (SQLite and PostgreSQL): scenarios built change by change from
the kinds' own parameters, run and compared; objectives checked against the plan; actions with every field,
their status and one-click origins; indicators defined, entered and measured; reviews; people."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from sobre.core.db import session_scope
from sobre.footprint.runs import service as runs
from sobre.inventory.importer import import_file
from sobre.strategy import people, scenarios, service, steering
from tests.strategy.world import DAY, FILES
from tests.web.harness import World, build_world, csrf_from

ORG = "Commune A"


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    for kind, text in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        summary = import_file(db_url, ORG, path, kind=kind, fmt="sobre", rejects_dir=tmp_path / "rejects")
        assert summary.rejected == 0, (kind, summary)
    runs.run_footprint(db_url, ORG, reference_date=DAY)
    yield w
    w.close()


def _post(client, path: str, data: dict[str, str]):  # type: ignore[no-untyped-def]
    token = csrf_from(client.get("/account").text)
    return client.post(path, data={**data, "csrf_token": token})


def _field_error(html: str, name: str) -> str:
    match = re.search(rf'id="f-{name}-error">([^<]+)<', html)
    assert match, f"no message at field {name}"
    return match.group(1)


def _until_computed(client, path: str, timeout: float = 180.0):  # type: ignore[no-untyped-def]
    """The scenario's page once its background computation is over."""
    deadline = time.monotonic() + timeout
    while True:
        page = client.get(path)
        assert page.status_code == 200
        if 'id="run-status"' not in page.text or 'role="alert"' in page.text:
            return page
        assert 'http-equiv="refresh"' in page.text and "vous pouvez la fermer" in page.text
        assert time.monotonic() < deadline, "the scenario's computation did not end"
        time.sleep(0.5)


def _scenario_id(url: str, name: str) -> int:
    with session_scope(url) as s:
        return service.get_scenario(s, ORG, name).id


def test_scenario_created_changed_run_compared_and_made_an_action(world: World) -> None:
    manager = world.client("manager")
    r = _post(manager, world.a_url("/strategy/scenarios"), {"name": "Vie longue", "description": "6 ans"})
    assert r.status_code == 303
    sid = _scenario_id(world.url, "Vie longue")
    page = manager.get(world.a_url(f"/strategy/scenarios/{sid}"))
    assert page.status_code == 200
    # One link per change kind, read from the kinds' table: a kind added later appears with no page change.
    for kind in scenarios.KINDS:
        assert f"?kind={kind}" in page.text
    # Each kind's form holds its parameters, the required ones marked so.
    for kind, (required, optional) in scenarios.KINDS.items():
        form = manager.get(world.a_url(f"/strategy/scenarios/{sid}?kind={kind}"))
        assert form.status_code == 200, kind
        for name in (*required, *optional):
            assert f'name="{name}"' in form.text, (kind, name)
        assert form.text.count(" required") >= len(required), kind
    r = _post(
        manager,
        world.a_url(f"/strategy/scenarios/{sid}/changes"),
        {"kind": "extend_lifetime", "category": "laptop", "to_years": "6"},
    )
    assert r.status_code == 303, r.text[:500]
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid}/run"), {})
    assert r.status_code == 303 and "notice=st.notice.run_started" in r.headers["location"]
    # Computed in the background: the page follows it (refreshing itself while it runs) until it is done.
    page = _until_computed(manager, world.a_url(f"/strategy/scenarios/{sid}"))
    with session_scope(world.url) as s:
        view = service.get_scenario(s, ORG, "Vie longue")
    assert view.effect is not None
    delta = view.effect.delta("climate_change")
    assert delta is not None and delta < 0
    shown = page.text.replace("\u202f", " ")
    assert "climate_change" in shown and "Pas encore calculé" not in shown

    # A second scenario, compared side by side on the same baseline.
    _post(manager, world.a_url("/strategy/scenarios"), {"name": "Écrans"})
    sid2 = _scenario_id(world.url, "Écrans")
    _post(
        manager,
        world.a_url(f"/strategy/scenarios/{sid2}/changes"),
        {"kind": "fewer_devices", "category": "monitor", "share": "0,5"},
    )
    cmp = manager.get(world.a_url(f"/strategy/scenarios/compare?a={sid}&b={sid2}"))
    assert cmp.status_code == 200
    assert "Vie longue" in cmp.text and "Écrans" in cmp.text and "Second − premier" in cmp.text

    # One click: the action carries the scenario's avoided impact.
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid}/action"), {})
    assert r.status_code == 303 and "/strategy/actions/" in r.headers["location"]
    with session_scope(world.url) as s:
        (action,) = steering.list_actions(s, ORG)
    assert action["origin"] == "scenario"
    assert action["avoided"]["climate_change"]["value"] == pytest.approx(-delta)

    # Remove the change: the scenario's effect is stale again.
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid2}/changes/0/remove"), {})
    assert r.status_code == 303
    with session_scope(world.url) as s:
        assert service.get_scenario(s, ORG, "Écrans").changes == []


def test_scenario_forms_give_field_level_messages(world: World) -> None:
    manager = world.client("manager")
    r = _post(manager, world.a_url("/strategy/scenarios"), {"name": "  "})
    assert r.status_code == 422 and _field_error(r.text, "name") == "Ce champ est obligatoire."
    _post(manager, world.a_url("/strategy/scenarios"), {"name": "S"})
    r = _post(manager, world.a_url("/strategy/scenarios"), {"name": "S"})
    # A refusal of the use case (not of the form) is shown at its field in the page's language.
    assert r.status_code == 422
    assert _field_error(r.text, "name") == "Refusé : un scénario de ce nom existe déjà"
    assert _post(manager, "/language", {"lang": "en", "next": "/account"}).status_code == 303
    r = _post(manager, world.a_url("/strategy/scenarios"), {"name": "S"})
    assert _field_error(r.text, "name") == "Refused: a scenario of that name exists"
    assert _post(manager, "/language", {"lang": "fr", "next": "/account"}).status_code == 303
    sid = _scenario_id(world.url, "S")
    r = _post(
        manager,
        world.a_url(f"/strategy/scenarios/{sid}/changes"),
        {"kind": "refurbished", "category": "laptop", "share": "1.5"},
    )
    assert r.status_code == 422 and "comprise entre 0 et 1" in _field_error(r.text, "share")
    assert 'value="1.5"' in r.text  # the value typed is shown back
    r = _post(
        manager, world.a_url(f"/strategy/scenarios/{sid}/changes"), {"kind": "refurbished", "share": "0.2"}
    )
    assert r.status_code == 422 and _field_error(r.text, "category")
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid}/changes"), {"kind": "teleport"})
    assert r.status_code == 422 and _field_error(r.text, "kind")
    with session_scope(world.url) as s:
        assert service.get_scenario(s, ORG, "S").changes == []
    # A decimal comma and spaces between thousands, as typed in French.
    r = _post(
        manager, world.a_url(f"/strategy/scenarios/{sid}/changes"), {"kind": "delete_data", "gb": "1 250,5"}
    )
    assert r.status_code == 303, r.text[:400]
    with session_scope(world.url) as s:
        (change,) = service.get_scenario(s, ORG, "S").changes
    assert change.kind == "delete_data" and change.params == {"gb": 1250.5}


def test_objective_action_kpi_review_and_people_forms(world: World) -> None:
    manager = world.client("manager")
    # Objectives: invalid, then valid, then edited; the check against the plan is on the page.
    r = _post(
        manager,
        world.a_url("/strategy/objectives"),
        {
            "title": "−30 %",
            "criterion": "climate_change",
            "reduction": "130",
            "baseline_year": "2025",
            "target_year": "2020",
        },
    )
    assert r.status_code == 422
    assert _field_error(r.text, "reduction") and _field_error(r.text, "target_year")
    r = _post(
        manager,
        world.a_url("/strategy/objectives"),
        {
            "title": "−30 %",
            "criterion": "climate_change",
            "reduction": "30",
            "baseline_year": "2025",
            "target_year": "2030",
            "per": "agent",
        },
    )
    assert r.status_code == 303
    with session_scope(world.url) as s:
        (objective,) = service.objectives(s, ORG)
        oid = objective.id
    assert objective.reduction == pytest.approx(0.3) and objective.per == "agent"
    r = _post(
        manager,
        world.a_url(f"/strategy/objectives/{oid}"),
        {
            "title": "−40 %",
            "criterion": "climate_change",
            "reduction": "40",
            "baseline_year": "2025",
            "target_year": "2030",
            "per": "total",
        },
    )
    assert r.status_code == 303
    checked = service.check_objectives(world.url, ORG)
    assert checked[0]["reduction"] == pytest.approx(0.4) and checked[0]["target"] is not None
    page = manager.get(world.a_url("/strategy/objectives")).text
    assert "−40 %" in page
    # The vision and the commitments the objectives serve.
    r = _post(manager, world.a_url("/strategy/vision"), {"vision": "Un numérique sobre", "scope": "x" * 4001})
    assert r.status_code == 422 and _field_error(r.text, "scope")
    r = _post(
        manager, world.a_url("/strategy/vision"), {"vision": "Un numérique sobre", "scope": "Tout le SI"}
    )
    assert r.status_code == 303
    r = _post(manager, world.a_url("/strategy/commitments"), {"c_detail": "sans titre"})
    assert r.status_code == 422 and _field_error(r.text, "c_title")
    r = _post(
        manager, world.a_url("/strategy/commitments"), {"c_title": "Allonger la vie", "c_detail": "6 ans"}
    )
    assert r.status_code == 303
    with session_scope(world.url) as s:
        assert service.get_vision(s, ORG)["scope"] == "Tout le SI"
        assert service.commitments(s, ORG) == [{"title": "Allonger la vie", "detail": "6 ans"}]

    # Actions: every field of the plan, then a status change and a filter.
    fields = {
        "title": "Garder les PC 6 ans",
        "description": "Allonger la durée de vie",
        "origin": "hotspot",
        "origin_ref": "laptop",
        "effort": "low",
        "horizon": "medium",
        "commitment_level": "committed",
        "status": "planned",
        "owner_role": "DSI",
        "stakeholders": "Achats, RH",
        "capex_eur": "1 200",
        "opex_eur": "0",
        "savings_eur": "3500,5",
        "start_date": "2026-01-01",
        "due_date": "2025-06-30",
        "kpis": "lifetime, fp",
    }
    r = _post(manager, world.a_url("/strategy/actions/new"), fields)
    assert r.status_code == 422 and _field_error(r.text, "due_date")
    r = _post(manager, world.a_url("/strategy/actions/new"), {**fields, "due_date": "2028-06-30"})
    assert r.status_code == 303
    with session_scope(world.url) as s:
        (action,) = steering.list_actions(s, ORG)
    assert action["capex_eur"] == 1200 and action["savings_eur"] == pytest.approx(3500.5)
    assert action["kpis"] == ["lifetime", "fp"] and action["commitment_level"] == "committed"
    assert action["horizon"] == "medium" and action["due_date"] == "2028-06-30"
    r = _post(
        manager,
        world.a_url(f"/strategy/actions/{action['id']}"),
        {**fields, "due_date": "2029-01-31", "capex_eur": "-5"},
    )
    assert r.status_code == 422 and _field_error(r.text, "capex_eur")
    r = _post(manager, world.a_url(f"/strategy/actions/{action['id']}/status"), {"status": "in_progress"})
    assert r.status_code == 303
    listing = manager.get(world.a_url("/strategy/actions?status=done")).text
    assert "Garder les PC 6 ans</a>" not in listing
    listing = manager.get(world.a_url("/strategy/actions?status=in_progress")).text
    assert "Garder les PC 6 ans</a>" in listing and "<svg" in listing

    # Indicators: a manual one with a measurement (who and when), an automatic one measured.
    r = _post(
        manager,
        world.a_url("/strategy/kpis"),
        {"code": "formes", "name": "Agents formés", "source": "manual"},
    )
    assert r.status_code == 422 and _field_error(r.text, "unit")
    r = _post(
        manager,
        world.a_url("/strategy/kpis"),
        {
            "code": "formes",
            "name": "Agents formés",
            "source": "manual",
            "unit": "%",
            "direction": "up",
            "target_value": "80",
        },
    )
    assert r.status_code == 303
    r = _post(
        manager,
        world.a_url("/strategy/kpis"),
        {"code": "fp", "name": "Empreinte par agent", "source": "footprint_per_agent"},
    )
    assert r.status_code == 303
    r = _post(manager, world.a_url("/strategy/kpis/formes"), {"value": "abc", "on": "2025-06-30", "by": "RH"})
    assert r.status_code == 422 and _field_error(r.text, "value")
    r = _post(
        manager,
        world.a_url("/strategy/kpis/formes"),
        {"value": "22,5", "on": "2025-06-30", "by": "RH", "note": "bilan"},
    )
    assert r.status_code == 303
    r = _post(manager, world.a_url("/strategy/kpis/measure"), {})
    assert r.status_code == 200
    with session_scope(world.url) as s:
        kpis = {k["code"]: k for k in steering.kpis(s, ORG)}
    assert kpis["formes"]["latest"]["value"] == 22.5 and kpis["formes"]["latest"]["by"] == "RH"
    assert kpis["fp"]["latest"] is not None and kpis["fp"]["latest"]["value"] > 0
    assert "Évolution : Agents formés" in manager.get(world.a_url("/strategy/kpis/formes")).text

    # A review with its snapshot and an action adjusted.
    r = _post(manager, world.a_url("/strategy/reviews"), {"title": "Revue T1", "held_on": "pas une date"})
    assert r.status_code == 422 and _field_error(r.text, "held_on")
    r = _post(
        manager,
        world.a_url("/strategy/reviews"),
        {
            "title": "Revue T1",
            "held_on": "2026-03-31",
            "decisions": "Poursuivre\nFormer la DSI",
            f"status_{action['id']}": "done",
        },
    )
    assert r.status_code == 303
    with session_scope(world.url) as s:
        (review,) = steering.reviews(s, ORG)
        assert steering.list_actions(s, ORG)[0]["status"] == "done"
    assert review["decisions"][:2] == ["Poursuivre", "Former la DSI"] and len(review["decisions"]) == 3
    assert {k["code"] for k in review["snapshot"]} >= {"formes", "fp"}

    # People: a referent, their feedback (by a referent themself), an action made from it.
    r = _post(
        manager, world.a_url("/strategy/people/referents"), {"r_name": "Réf", "r_email": "pas-une-adresse"}
    )
    assert r.status_code == 422 and _field_error(r.text, "r_email")
    r = _post(
        manager,
        world.a_url("/strategy/people/referents"),
        {"r_name": "Réf", "r_email": world.email("referent"), "r_site": "Mairie"},
    )
    assert r.status_code == 303
    referent = world.client("referent")
    r = _post(
        referent,
        world.a_url("/strategy/people/feedback"),
        {"f_kind": "idea", "f_text": "Éteindre les copieurs", "f_on": "2026-02-01"},
    )
    assert r.status_code == 303
    assert (
        _post(
            world.client("viewer"),
            world.a_url("/strategy/people/feedback"),
            {"f_kind": "idea", "f_text": "x", "f_on": "2026-02-01"},
        ).status_code
        == 403
    )
    with session_scope(world.url) as s:
        (entry,) = people.feedback_log(s, ORG)
    r = _post(manager, world.a_url(f"/strategy/people/feedback/{entry['id']}"), {})
    assert r.status_code == 422 and _field_error(r.text, f"a_title_{entry['id']}")
    r = _post(
        manager,
        world.a_url(f"/strategy/people/feedback/{entry['id']}"),
        {f"a_title_{entry['id']}": "Copieurs éteints la nuit"},
    )
    assert r.status_code == 303
    r = _post(
        manager,
        world.a_url("/strategy/people/modules"),
        {"t_title": "Sobriété", "t_audience": "agents", "t_hours": "2"},
    )
    assert r.status_code == 303
    r = _post(
        manager,
        world.a_url("/strategy/people/sessions"),
        {"s_module": "Sobriété", "s_on": "2026-01-15", "s_people": "Ana; DSI\nBob\n"},
    )
    assert r.status_code == 303
    r = _post(
        manager,
        world.a_url("/strategy/people/messages"),
        {
            "m_title": "Lancement",
            "m_audience": "agents",
            "m_level": "general",
            "m_channel": "intranet",
            "m_on": "2026-02-01",
        },
    )
    assert r.status_code == 422 and _field_error(r.text, "m_body")
    page = manager.get(world.a_url("/strategy/people")).text
    assert "Copieurs éteints la nuit" in page and "2 présents" in page
    with session_scope(world.url) as s:
        titles = {a["title"]: a for a in steering.list_actions(s, ORG)}
    assert titles["Copieurs éteints la nuit"]["origin"] == "feedback"
    # A second entry adjusts an existing action: its text joins the action's description.
    _post(
        referent,
        world.a_url("/strategy/people/feedback"),
        {"f_kind": "result", "f_text": "Fait à la mairie", "f_on": "2026-03-01"},
    )
    with session_scope(world.url) as s:
        second = next(f for f in people.feedback_log(s, ORG) if f["text"] == "Fait à la mairie")
    target = titles["Garder les PC 6 ans"]["id"]
    r = _post(
        manager,
        world.a_url(f"/strategy/people/feedback/{second['id']}"),
        {f"a_action_{second['id']}": str(target)},
    )
    assert r.status_code == 303
    with session_scope(world.url) as s:
        adjusted = steering.get_action(s, ORG, target)
    assert adjusted["description"].endswith("[2026-03-01] Fait à la mairie")


def test_every_strategy_page_renders_for_a_viewer_in_both_languages(world: World) -> None:
    with session_scope(world.url) as s:
        service.create_scenario(s, ORG, "Vue")
        steering.define_kpi(s, ORG, "k", "K", unit="%")
        steering.record(s, ORG, "k", 3.0, date(2025, 1, 1), "moi")
        oid = service.add_objective(
            s, ORG, "O", criterion="climate_change", reduction=0.2, baseline_year=2025, target_year=2030
        )
        aid = steering.add_action(s, ORG, "A")
    sid = _scenario_id(world.url, "Vue")
    viewer = world.client("viewer")
    for lang in ("fr", "en"):
        viewer.cookies.set("lang", lang)
        for path in (
            "/strategy/scenarios",
            f"/strategy/scenarios/{sid}",
            f"/strategy/scenarios/compare?a={sid}&b={sid}",
            "/strategy/objectives",
            f"/strategy/objectives/{oid}",
            "/strategy/actions",
            f"/strategy/actions/{aid}",
            "/strategy/kpis",
            "/strategy/kpis/k",
            "/strategy/reviews",
            "/strategy/people",
        ):
            r = viewer.get(world.a_url(path), headers={"accept-language": lang})
            assert r.status_code == 200, (path, r.text[:300])
            # A viewer is offered no form that changes anything.
            assert 'method="post"' not in r.text.split("<main", 1)[1].split("</main>", 1)[0], path


def test_recommendations_of_the_diagnosis_become_actions_in_one_click(world: World) -> None:
    manager = world.client("manager")
    page = manager.get(world.a_url("/strategy/actions/proposals"))
    assert page.status_code == 200
    keys = re.findall(r'name="key" value="([^"]+)"', page.text)
    assert keys, "the latest diagnosis recommends something for this estate"
    r = _post(manager, world.a_url("/strategy/actions/from-recommendation"), {"key": keys[0]})
    assert r.status_code == 303 and "st.notice.action_created" in r.headers["location"]
    with session_scope(world.url) as s:
        (action,) = steering.list_actions(s, ORG)
    assert action["origin"] == "recommendation" and action["origin_ref"].startswith(keys[0])
    assert action["avoided"]["climate_change"]["value"] is not None
    # A viewer sees the recommendations, with no button.
    viewer_page = world.client("viewer").get(world.a_url("/strategy/actions/proposals")).text
    assert 'name="key"' not in viewer_page


def test_an_incident_becomes_an_action_from_its_ticket_page(world: World) -> None:
    from sobre.orgs import service as orgs
    from sobre.servicedesk import service as desk

    with session_scope(world.url) as s:
        oid = orgs.get(s, ORG).id
        ticket = desk.open_ticket(
            s, oid, title="esx-1 surchauffe", requester="DSI", items=[("equipment", "esx-1")]
        )
        number = ticket.number
    admin = world.client("admin")
    page = admin.get(world.a_url(f"/desk/tickets/{number}")).text
    assert f'action="/o/{world.a}/strategy/actions/from/incident"' in page
    assert f'name="ref" value="{number}"' in page
    r = _post(admin, world.a_url("/strategy/actions/from/incident"), {"ref": str(number)})
    assert r.status_code == 303 and "st.notice.action_created" in r.headers["location"]
    with session_scope(world.url) as s:
        (action,) = steering.list_actions(s, ORG)
    assert action["origin"] == "incident" and action["origin_ref"] == f"#{number}"
    # A reference that names nothing creates nothing, and says so.
    r = _post(admin, world.a_url("/strategy/actions/from/incident"), {"ref": "999"})
    assert r.status_code == 303 and "st.notice.not_created" in r.headers["location"]
    r = _post(admin, world.a_url("/strategy/actions/from/teleport"), {"ref": "1"})
    assert "st.notice.not_created" in r.headers["location"]
    with session_scope(world.url) as s:
        assert len(steering.list_actions(s, ORG)) == 1
