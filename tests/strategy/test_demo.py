"""The demo town's strategy out of the box: vision, objectives, quantified scenarios and actions, indicators
with a history, people, and its strategy document and charter in both languages."""

from __future__ import annotations

from pathlib import Path

import pytest

from sobre.core.capabilities import provider
from sobre.core.db import session_scope
from sobre.demo.town import ORG_NAME
from sobre.strategy import people, service, steering


@pytest.fixture
def demo(demo_town):  # type: ignore[no-untyped-def]
    return demo_town  # built once per test run: these tests only read it


def test_strategy_of_the_demo_town(demo) -> None:  # type: ignore[no-untyped-def]
    url = demo.database_url
    with session_scope(url) as s:
        assert service.get_vision(s, ORG_NAME)["vision"]
        scenarios = {v.name: v for v in service.list_scenarios(s, ORG_NAME)}
        actions = steering.list_actions(s, ORG_NAME)
        kpis = {k["code"]: k for k in steering.kpis(s, ORG_NAME)}
        assert len(people.referents(s, ORG_NAME)) == 3 and len(people.messages(s, ORG_NAME)) == 3
    assert len(scenarios) >= 7
    # A move to another site and a deletion of stored data, each quantified by the engine.
    kinds = {c.kind for v in scenarios.values() for c in v.changes}
    assert {"move_to_site", "delete_data"} <= kinds
    deltas = {n: v.effect.delta("climate_change") for n, v in scenarios.items() if v.effect}
    assert all(d is not None and d < 0 for d in deltas.values()), deltas
    # The combined plan applies every change on one copy: less than the sum of its parts.
    parts = sum(d for n, d in deltas.items() if n != "Plan 2030")  # type: ignore[misc]
    assert parts < deltas["Plan 2030"] < 0  # type: ignore[operator]
    assert sum(1 for a in actions if a["origin"] == "scenario" and a["avoided"]) == 7
    assert {a["origin"] for a in actions} >= {"scenario", "gap", "feedback", "free"}
    # Before the first session nobody is trained (a counted zero), then after each session.
    trained = [m["value"] for m in kpis["agents_formes"]["measurements"]]
    assert len(trained) == 5 and trained[0] == 0.0 and trained == sorted(trained)
    assert len(kpis["maturite"]["measurements"]) == 2 and len(kpis["pages_agent"]["measurements"]) == 4
    assert kpis["empreinte_agent"]["latest"]["source"].startswith(f"footprint run {demo.run_id}")
    # Automatic measurements equal the figures they come from: the assessment's score, the lifecycle KPI.
    from sobre.assessment import insights

    with session_scope(url) as s:
        history = insights.history(s, ORG_NAME, kind="maturity")
    assert kpis["maturite"]["latest"]["value"] == pytest.approx(history[-1]["overall"]["value"])
    lifecycle = provider("lifecycle.kpis")
    assert lifecycle is not None
    reuse = lifecycle(url, ORG_NAME, 2025)["reuse_rate"]
    assert kpis["taux_reemploi"]["latest"]["value"] == pytest.approx(reuse["value"])
    assert kpis["taux_reemploi"]["latest"]["on"] == "2025-12-31"
    objectives = service.check_objectives(url, ORG_NAME)
    assert len(objectives) == 2 and all(o["with_plan"] is not None for o in objectives)
    reen = provider("reen.strategy")
    assert reen is not None and reen(url, ORG_NAME, 2025, "fr")["actions"]


@pytest.mark.parametrize(("lang", "words"), [("fr", "Feuille de route"), ("en", "Roadmap")])
def test_documents_in_both_languages(demo, lang: str, words: str) -> None:  # type: ignore[no-untyped-def]
    names = {Path(p).name for p in demo.documents}
    assert {f"strategy-{lang}.html", f"charter-{lang}.html"} <= names
    html = (demo.out / f"strategy-{lang}.html").read_text(encoding="utf-8")
    assert f'<html lang="{lang}">' in html and words in html and html.count("<svg") >= 10
    assert "Durée de vie des postes" in html and "Claire Dupont" in html
    assert "Hébergement en colocation" in html and "Purge des sauvegardes" in html
    charter = (demo.out / f"charter-{lang}.html").read_text(encoding="utf-8")
    assert "Acheter responsable" in charter
