"""The AGEC/REEN figures and the REEN strategy from the database, in French and English, HTML/PDF/XLSX/JSON;
the strategy's blocks come from the provider hook or are marked to write, never invented."""

from __future__ import annotations

import json
import subprocess
from datetime import date
from pathlib import Path

import pytest

from sobre.footprint.runs.service import run_footprint
from sobre.lifecycle import purchasing, reports_reen, service
from sobre.lifecycle.document import write
from sobre.lifecycle.events import EventFacts, Kind
from sobre.lifecycle.reports import agec_document
from tests.lifecycle.conftest import ORG

LINES = [  # same lines as the pure test: hand-computed shares 2 300 / 10 300 and 1 300 / 11 000
    (date(2024, 3, 4), "laptop", 10, 800.0, "new", None, "purchase"),
    (date(2024, 4, 9), "Portable", 5, 400.0, "reconditionné", None, "purchase"),
    (date(2024, 5, 2), "Écran", 2, 150.0, "neuf", 35.0, "purchase"),
    (date(2024, 6, 30), "printer", 1, 500.0, "new", None, "purchase"),
    (date(2024, 7, 1), "smartphone", 4, 250.0, "refurbished", None, "purchase"),
    (date(2024, 9, 17), "laptop", 10, 900.0, "new", 0.0, "purchase"),
    (date(2024, 10, 3), "desktop", 3, 100.0, "occasion", None, "donation"),
    (date(2024, 11, 20), "tablet", 2, 350.0, "new", 20.0, "purchase"),
]


def _purchases(url: str) -> None:
    for day, cat, qty, price, cond, recycled, acq in LINES:
        purchasing.add_purchase(
            url,
            ORG,
            purchase_date=day,
            category=purchasing.category(cat),
            quantity=qty,
            unit_price=price,
            condition=purchasing.condition(cond),
            acquisition=acq,
            recycled_content_pct=recycled,
            supplier="Fournisseur A",
        )


def test_agec_from_the_database_by_hand(town: str) -> None:
    _purchases(town)
    doc = agec_document(town, ORG, 2024, "fr")
    spans = doc.data["agec"]["spans"]
    assert [s["regime"]["value"] for s in spans] == ["2021-254", "2024-134"]
    old = spans[0]["figures"][0]
    assert (
        old["value"] == pytest.approx(2_300 / 10_300) and old["target"] == pytest.approx(0.2) and old["met"]
    )
    new_reuse = spans[1]["figures"][0]
    assert new_reuse["value"] == pytest.approx(1_300 / 11_000) and new_reuse["met"] is False
    assert "legifrance.gouv.fr/eli/decret/2024/2/21/2024-134" in " ".join(doc.sources)


def _history(url: str, home: Path) -> None:
    def rec(item: str, kind: Kind, day: date, **kw: object) -> None:
        service.record_event(url, home, ORG, item, EventFacts(kind, day, "dsi", **kw))  # type: ignore[arg-type]

    rec("PC-001", Kind.REFORMED, date(2023, 11, 2), reason="obsolete")
    rec("PC-001", Kind.DONATED, date(2024, 2, 10), counterpart="École", reuse_commitment=True)
    rec("PC-002", Kind.REFORMED, date(2023, 12, 1))
    rec("PC-002", Kind.RECYCLED, date(2024, 4, 15), counterpart="Ecosystem", certificate="C-1")
    rec("ECR-001", Kind.REFORMED, date(2023, 6, 1))
    rec("PC-003", Kind.REPAIRED, date(2024, 5, 5), cost=120.0)


def test_reen16_from_the_database(town: str, tmp_path: Path) -> None:
    _history(town, tmp_path / "home")
    fig = agec_document(town, ORG, 2024, "en").data["reen16"]["rate"]
    # B on 1 January 2024: PC-001, PC-002, ECR-001 = 3; A: PC-001.
    assert (fig["numerator"], fig["denominator"]) == (1, 3)
    assert (
        fig["value"] == pytest.approx(1 / 3) and fig["target"] == pytest.approx(0.35) and fig["met"] is False
    )
    assert fig["target_rule"]["instrument"].startswith("Décret n° 2023-266")


def test_reen_strategy_without_provider_says_what_to_write(town: str, tmp_path: Path) -> None:
    run_footprint(town, ORG, reference_date=date(2024, 12, 31))
    _history(town, tmp_path / "home")
    doc = reports_reen.reen_document(town, ORG, 2024, "fr")
    assert {b.id for b in doc.to_write} == {"reen-objectives", "reen-indicators", "reen-measures"}
    impact = next(b for b in doc.blocks if b.id == "reen-impact")
    assert impact.status == "done" and "Changement climatique" in [r[0].text for r in impact.tables[0].rows]
    html = write(doc, "html", tmp_path, "reen").read_text(encoding="utf-8")
    assert "Parties obligatoires encore à rédiger" in html and "52 000 habitants" in html.replace(
        "\u202f", " "
    )
    en = write(reports_reen.reen_document(town, ORG, 2024, "en"), "html", tmp_path, "reen").read_text("utf-8")
    assert "Required blocks still to write" in en and "Reduction objectives" in en


def test_reen_strategy_with_the_provider_hook(
    town: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = []

    def content(database_url: str, org: str, year: int, lang: str) -> dict:
        calls.append((org, year, lang))
        return {
            "objectives": [
                {
                    "title": "Porter la durée de vie des portables à 6 ans",
                    "target": "6",
                    "unit": "ans",
                    "due": "2027-12-31",
                }
            ],
            "indicators": [{"title": "Durée de vie moyenne à la réforme", "baseline": "4,8", "target": "6"}],
            "measures": [{"title": "Marché de réparation des portables", "owner": "DSI"}],
            "actions": [{"title": "Lot reconditionné dans le marché de postes", "status": "en cours"}],
        }

    monkeypatch.setattr(reports_reen, "provider", lambda name: content if name == "reen.strategy" else None)
    run_footprint(town, ORG, reference_date=date(2024, 12, 31))
    doc = reports_reen.reen_document(town, ORG, 2024, "fr")
    assert calls == [(ORG, 2024, "fr")] and doc.to_write == []
    objectives = next(b for b in doc.blocks if b.id == "reen-objectives")
    assert objectives.tables[0].rows[0][0].text == "Porter la durée de vie des portables à 6 ans"
    pdf = write(doc, "pdf", tmp_path, "reen")
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    assert "Marché de réparation des portables" in text and "Stratégie numérique responsable" in text
    xlsx = write(doc, "xlsx", tmp_path, "reen")
    from openpyxl import load_workbook

    assert "reen-objectives-table" in load_workbook(xlsx).sheetnames
    data = json.loads(write(doc, "json", tmp_path, "reen").read_text(encoding="utf-8"))
    assert data["to_write"] == [] and data["strategy"]["measures"][0]["owner"] == "DSI"


def test_yearly_report(town: str, tmp_path: Path) -> None:
    _purchases(town)
    _history(town, tmp_path / "home")
    from sobre.lifecycle.reports_reen import yearly_document

    doc = yearly_document(town, ORG, 2024, "en")
    k = doc.data["kpis"]
    # PC-001 (bought 2019-03-15) and PC-002 left service at their reform in 2023: none in 2024.
    assert k["average_lifetime_at_retirement"]["value"] is None
    assert k["reuse_rate"]["value"] == pytest.approx(1 / 2)  # donated vs recycled
    assert k["repair_rate"]["value"] == pytest.approx(1.0)
    assert k["refurbished_share"]["value"] == pytest.approx((2_000 + 1_000 + 300) / (21_300 + 500))
    html = write(doc, "html", tmp_path, "year").read_text(encoding="utf-8")
    assert "<svg" in html and "Destinations of retired equipment" in html


def test_reasons_are_said_in_the_document_language() -> None:
    from sobre.lifecycle.docparts import say

    reason = "no electricity mix for FR: set csrd.electricity.share.* from your supplier's disclosure"
    assert say(reason, "fr").startswith("aucun mix électrique enregistré pour FR")
    assert say("13 items without annual energy left out; some parts unknown, left out", "fr") == (
        "13 éléments sans énergie annuelle laissés de côté; certaines parties inconnues, laissées de côté"
    )
    assert (
        say("no reformed item in stock on 1 January 2024", "fr")
        == "aucun matériel réformé en stock au 1er janvier 2024"
    )
    assert say("something new", "fr") == "something new"  # an unforeseen text is kept, not lost
