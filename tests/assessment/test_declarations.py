"""Declarations in French and English, in HTML, PDF and DOCX, with the referential's attribution."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sobre.assessment import declarations
from sobre.assessment import service as svc
from sobre.core.db import session_scope

ORG, SERVICE = "Sobreville", "Portail citoyen"
PROOF = [svc.EvidenceInput("text", text="Preuve documentée")]


def _rgesn(s) -> int:  # type: ignore[no-untyped-def]
    a = svc.start(
        s,
        ORG,
        "rgesn",
        by="alice",
        service=SERVICE,
        details={
            "target_score": 70,
            "target_date": "2028-06-30",
            "sample": "Accueil ; démarche d’état civil",
            "referent": "Alice Martin, cheffe de projet",
            "plan": "Alléger les images en 2027.",
        },
    )
    svc.answer(s, ORG, a.id, "1.1", by="alice", status="Validé", evidence=PROOF, comment="Étude d’utilité")
    svc.answer(s, ORG, a.id, "1.7", by="alice", status="Non applicable", evidence=PROOF)
    svc.answer(s, ORG, a.id, "2.2", by="alice", status="Non validé", comment="Échec sur iPhone 8 <script>")
    return a.id


def _rgaa(s) -> int:  # type: ignore[no-untyped-def]
    a = svc.start(
        s,
        ORG,
        "rgaa",
        by="dan",
        service=SERVICE,
        details={"evaluator": "Audit Access SARL", "contact": "accessibilite@sobreville.fr"},
    )
    svc.add_page(s, ORG, a.id, "P01", "Accueil", by="dan", url="https://www.sobreville.fr/")
    for item in svc.package_of(s, ORG, a.id).items:
        svc.answer(s, ORG, a.id, item.id, by="dan", page="P01", status="C")
    svc.answer(
        s, ORG, a.id, "3.2", by="dan", page="P01", status="NC", comment="Contraste 3,1:1 du pied de page"
    )
    svc.add_derogation(
        s,
        ORG,
        a.id,
        "burden",
        "Archives PDF des conseils municipaux 1990–2010",
        by="dan",
        criteria=["13.3"],
        justification="Volume de 4 000 documents",
        alternative="Envoi sur demande",
    )
    return a.id


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rgesn_declaration_html(world: str, lang: str) -> None:
    with session_scope(world) as s:
        doc = declarations.build(s, ORG, _rgesn(s), lang)
        html = declarations.render_html(doc)
    assert f'<html lang="{lang}">' in html
    title = (
        "Déclaration d’écoconception de Portail citoyen"
        if lang == "fr"
        else "Eco-design declaration of Portail"
    )
    assert title in html
    score = "1,5\u00a0%" if lang == "fr" else "1.5\u00a0%"  # 1.5 / 100.25 of the weight, minus the N/A 1.0
    assert (
        "Arcep, Arcom, ADEME" in html
        and "CC BY-SA 4.0" in html
        and "creativecommons.org/licenses/by-sa/4.0" in html
    )
    assert re.search(r"1[.,]5\d*\u00a0%", html), score
    assert "70\u00a0%" in html and ("30 juin 2028" in html if lang == "fr" else "30 June 2028" in html)
    assert "Alice Martin" in html and "Étude d’utilité" in html
    assert "&lt;script&gt;" in html and "<script>" not in html  # user text is escaped
    if lang == "en":
        assert "quoted in French" in html


@pytest.mark.parametrize("lang", ["fr", "en"])
def test_rgaa_declaration_follows_the_official_format(world: str, lang: str) -> None:
    with session_scope(world) as s:
        html = declarations.render_html(declarations.build(s, ORG, _rgaa(s), lang))
    if lang == "fr":
        for heading in (
            "État de conformité",
            "Résultats des tests",
            "Non-conformités",
            "Dérogations pour charge disproportionnée",
            "Contenus non soumis à l’obligation d’accessibilité",
            "Retour d’information et contact",
            "Voies de recours",
        ):
            assert heading in html
        assert "partiellement conforme" in html and "article 47 de la loi n° 2005-102" in html
    else:
        assert "partially compliant" in html and "Remedies" in html
    assert "Défenseur des droits" in html and "Licence Ouverte 2.0" in html and "Audit Access SARL" in html
    assert "Archives PDF des conseils municipaux" in html and "accessibilite@sobreville.fr" in html


def test_pdf_and_docx_are_written(world: str, tmp_path: Path) -> None:
    import docx

    with session_scope(world) as s:
        rgesn, rgaa = _rgesn(s), _rgaa(s)
        m = svc.start(s, ORG, "maturity", by="alice")
        svc.answer(s, ORG, m.id, "a1", by="alice", level=1)
        pdf = declarations.write(s, ORG, rgesn, "pdf", "fr", tmp_path)
        word = declarations.write(s, ORG, rgaa, "docx", "en", tmp_path)
        summary = declarations.write(s, ORG, m.id, "docx", "fr", tmp_path / "maturite.docx")
        html = declarations.write(s, ORG, m.id, "html", "en", tmp_path)
    assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 10_000
    text = "\n".join(p.text for p in docx.Document(str(word)).paragraphs)
    assert "Accessibility declaration" in text and "Licence Ouverte 2.0" in text
    summary_doc = docx.Document(str(summary))
    assert summary_doc.inline_shapes, "the maturity summary carries the radar as a picture"
    assert summary.name == "maturite.docx"
    page = html.read_text(encoding="utf-8")
    assert 'role="img"' in page and "<title id=" in page and "Maturity per domain" in page
