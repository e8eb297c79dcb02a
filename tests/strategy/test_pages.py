"""The strategy pages and forms through HTTP (SQLite and PostgreSQL): scenarios built change by change from
the kinds' own parameters, run and compared; objectives checked against the plan; actions with every field,
their status and one-click origins; indicators defined, entered and measured; reviews; people."""

from __future__ import annotations

import re
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
    form = manager.get(world.a_url(f"/strategy/scenarios/{sid}?kind=extend_lifetime")).text
    for name in (*scenarios.KINDS["extend_lifetime"][0], *scenarios.KINDS["extend_lifetime"][1]):
        assert f'name="{name}"' in form
    r = _post(
        manager,
        world.a_url(f"/strategy/scenarios/{sid}/changes"),
        {"kind": "extend_lifetime", "category": "laptop", "to_years": "6"},
    )
    assert r.status_code == 303, r.text[:500]
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid}/run"), {})
    assert r.status_code == 303
    page = manager.get(world.a_url(f"/strategy/scenarios/{sid}"))
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
    assert r.status_code == 422 and "exists" in _field_error(r.text, "name")
    sid = _scenario_id(world.url, "S")
    r = _post(
        manager,
        world.a_url(f"/strategy/scenarios/{sid}/changes"),
        {"kind": "refurbished", "category": "laptop", "share": "1.5"},
    )
    assert r.status_code == 422 and "between 0 and 1" in _field_error(r.text, "share")
    assert 'value="1.5"' in r.text  # the value typed is shown back
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid}/changes"), {"kind": "refurbished", "share": "0.2"})
    assert r.status_code == 422 and _field_error(r.text, "category")
    r = _post(manager, world.a_url(f"/strategy/scenarios/{sid}/changes"), {"kind": "teleport"})
    assert r.status_code == 422 and _field_error(r.text, "kind")
    with session_scope(world.url) as s:
        assert service.get_scenario(s, ORG, "S").changes == []
