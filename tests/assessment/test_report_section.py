"""The maturity section the diagnosis report gets through the registry's ``report`` hook."""

from __future__ import annotations

from sobre.assessment import service as svc
from sobre.core.capabilities import report_sections
from sobre.core.db import session_scope

ORG, SERVICE = "Sobreville", "Portail citoyen"


def test_no_assessment_no_section(world: str) -> None:
    assert report_sections(world, ORG, "fr") == []


def test_section_shows_radar_scores_gaps_and_services(world: str) -> None:
    with session_scope(world) as s:
        m = svc.start(s, ORG, "maturity", by="alice")
        for item in svc.package_of(s, ORG, m.id).items:
            svc.answer(s, ORG, m.id, item.id, by="alice", level=1 if item.theme in "abc" else 3)
        r = svc.start(s, ORG, "rgesn", by="alice", service=SERVICE)
        svc.answer(
            s, ORG, r.id, "1.1", by="alice", status="Validé", evidence=[svc.EvidenceInput("text", text="x")]
        )
    sections = report_sections(world, ORG, "fr")
    assert [x.id for x in sections] == ["maturity"]
    section = sections[0]
    assert section.title == "Maturité numérique responsable"
    html = section.html
    assert 'role="img"' in html and 'id="report-maturity-radar-title"' in html  # accessible chart
    assert "<table>" in html and "Stratégie et gouvernance" in html and "Principaux écarts" in html
    assert "pas encore validée" in html  # a draft is shown as such
    assert "Portail citoyen" in html and "RGESN" in html and "1,5\u00a0%" in html
    assert "Modèle de maturité numérique responsable de Sobre" in html  # attribution
    assert section.summary and section.summary[0].startswith("Maturité globale")
    english = report_sections(world, ORG, "en")[0]
    assert english.title == "Responsible digital maturity" and "Main gaps" in english.html


def test_the_diagnosis_report_shows_the_section(world: str) -> None:
    from sobre.reporting import render
    from sobre.reporting.data import build_report_data
    from tests.reporting.tiny import tiny_inputs

    with session_scope(world) as s:
        m = svc.start(s, ORG, "maturity", by="alice")
        svc.answer(s, ORG, m.id, "a1", by="alice", level=2)
    data = build_report_data(tiny_inputs())
    data.extra_sections = {lang: report_sections(world, ORG, lang) for lang in ("fr", "en")}
    html = render.render_html(data, "fr")
    assert '<section id="maturity" aria-labelledby="maturity-title"' in html
    assert '<a href="#maturity">Maturité numérique responsable</a>' in html
    assert html.index('id="maturity"') < html.index('id="recommendations"')
    assert "extra_sections" not in data.to_dict()
    assert "Responsible digital maturity" in render.render_html(data, "en")
