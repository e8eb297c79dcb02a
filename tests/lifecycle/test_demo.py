"""The demo town out of the box: lifecycle events, WEEE collections with certificates, purchases across the
change of decree, suppliers, watch; its REEN strategy, AGEC/REEN figures and CSRD tables in French and
English, the CSRD tables summing to the demo's footprint run, and the footprint run still valid."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from sobre.demo.town import ORG_NAME


@pytest.fixture
def demo(demo_town):  # type: ignore[no-untyped-def]
    return demo_town  # built once per test run: these tests only read it


def test_documents_in_both_languages(demo) -> None:  # type: ignore[no-untyped-def]
    names = {p.name for p in demo.documents}
    for lang in ("fr", "en"):
        for stem in ("strategie-numerique-responsable", "agec-reen", "csrd-e1"):
            assert f"{stem}-{lang}.html" in names
        assert f"strategie-numerique-responsable-{lang}.pdf" in names
    for name in ("strategie-numerique-responsable-fr.xlsx", "agec-reen-fr.xlsx", "csrd-e1-fr.xlsx"):
        assert name in names
    fr = (
        (demo.out / "strategie-numerique-responsable-fr.html")
        .read_text(encoding="utf-8")
        .replace("\u202f", " ")
    )
    assert "60 000 habitants" in fr and "Parties obligatoires encore à rédiger" in fr
    en = (demo.out / "strategie-numerique-responsable-en.html").read_text(encoding="utf-8")
    assert "Responsible digital strategy" in en and "Reuse of reformed IT equipment" in en
    text = subprocess.run(
        ["pdftotext", str(demo.out / "strategie-numerique-responsable-en.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "Review of the environmental impact of digital technology" in " ".join(text.split())


def test_figures_of_the_demo(demo) -> None:  # type: ignore[no-untyped-def]
    from sobre.lifecycle.reports import agec_document, csrd_figures

    data = agec_document(demo.database_url, ORG_NAME, 2024, "en").data
    assert [s["regime"]["value"] for s in data["agec"]["spans"]] == ["2021-254", "2024-134"]
    assert all(f["value"] is not None for s in data["agec"]["spans"] for f in s["figures"][:1])
    year = agec_document(demo.database_url, ORG_NAME, 2025, "en").data
    assert year["agec"]["annual"][0]["target"] == pytest.approx(0.20)
    assert year["reen16"]["rate"]["denominator"] > 0 and year["reen16"]["rate"]["target"] == pytest.approx(
        0.5
    )
    result, run = csrd_figures(demo.database_url, ORG_NAME, demo.run_id)
    assert run["id"] == demo.run_id
    assert result.partition_total.value == pytest.approx(result.run_total.value, rel=1e-9)
    assert result.line("E1-6_09").estimate.value > 0


def test_certificate_from_each_item_of_a_collection(demo) -> None:  # type: ignore[no-untyped-def]
    from sobre.lifecycle import service

    recycled = service.list_events(demo.database_url, ORG_NAME, kind="recycled")
    assert recycled
    batch = recycled[0].batch
    items = [e.item for e in recycled if e.batch == batch]
    proofs = {service.certificate_for_item(demo.database_url, demo.home, ORG_NAME, i).sha256 for i in items}
    assert len(proofs) == 1
    proof = service.certificate_for_item(demo.database_url, demo.home, ORG_NAME, items[0])
    assert proof.path.read_bytes().startswith(b"%PDF-") and Path(proof.path).is_relative_to(demo.home)


def test_the_footprint_run_stays_valid(demo) -> None:  # type: ignore[no-untyped-def]
    from sobre.reporting.service import report_inputs

    inputs = report_inputs(demo.database_url, ORG_NAME, demo.run_id)
    assert inputs.inventory is not None  # the lifecycle seed kept the inventory the run was computed on
    assert not [w for w in inputs.result.warnings if "changed" in w]
