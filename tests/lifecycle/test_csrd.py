"""CSRD E1-5/E1-6 and BEGES tables from a real footprint run: they sum to the run, and the contract
parameters give the energy split and the market-based Scope 2 by hand."""

from __future__ import annotations

from datetime import date

import pytest

from sobre.footprint.runs.service import load_run, run_footprint
from sobre.lifecycle import service
from sobre.lifecycle.reports import csrd_document, csrd_figures
from tests.lifecycle.conftest import ORG


def test_tables_sum_to_the_run(town: str) -> None:
    run = run_footprint(town, ORG, reference_date=date(2025, 12, 31))
    result, meta = csrd_figures(town, ORG, run.id)
    assert meta["id"] == run.id and meta["criterion"] == "climate_change"
    total_t = run.totals["climate_change"]["value"] / 1000
    assert result.partition_total.value == pytest.approx(total_t, rel=1e-9)
    scope2 = result.line("E1-6_09").estimate.value
    scope3 = result.line("E1-6_11").estimate.value
    assert scope2 is not None and scope3 is not None and scope2 + scope3 == pytest.approx(total_t, rel=1e-9)
    cats = sum(result.line(f"E1-6_04.{c}").estimate.value or 0 for c in ("cat1", "cat2", "cat4", "cat5"))
    assert cats == pytest.approx(scope3)
    by_category = sum(x.estimate.value or 0 for x in result.scope3_by_category)
    assert by_category == pytest.approx(scope3) and {x.code for x in result.scope3_by_category} >= {
        "laptop",
        "cloud",
    }
    beges = sum(x.estimate.value or 0 for x in result.beges)
    assert beges == pytest.approx(total_t, rel=1e-9)
    # The use stage of the run is the Scope 2 line, stage by stage.
    _meta, res = load_run(town, run.id)
    use = res.impacts.filter((res.impacts["criterion"] == "climate_change") & (res.impacts["stage"] == "use"))
    assert scope2 == pytest.approx(use["value"].sum() / 1000)
    # Without the electricity contract the split and the market-based figure are unknown, never zero.
    assert result.line("E1-5_01").estimate.value and result.line("E1-5_01").estimate.value > 0
    for code in ("E1-5_05", "E1-6_10", "E1-6_13"):
        e = result.line(code).estimate
        assert e.value is None and "csrd.electricity" in e.reason
    assert result.line("E1-6_07").estimate.value is None


def test_contract_parameters_by_hand(town: str) -> None:
    run = run_footprint(town, ORG, reference_date=date(2025, 12, 31))
    for key, value in (("renewable", "0.25"), ("nuclear", "0.70"), ("fossil", "0.05")):
        service.set_parameter(
            town,
            ORG,
            f"csrd.electricity.share.{key}.FR",
            value,
            unit="ratio",
            valid_from=date(2025, 1, 1),
            source="Supplier's 2025 electricity label",
        )
    service.set_parameter(
        town,
        ORG,
        "csrd.electricity.market_factor",
        "0.021",
        unit="kgCO2e/kWh",
        valid_from=date(2025, 1, 1),
        source="Supplier-specific factor 2025",
    )
    result, _ = csrd_figures(town, ORG, run.id)
    mwh = result.line("E1-5_01").estimate.value
    assert mwh is not None and set(result.energy_by_country) == {"FR"}
    assert result.line("E1-5_05").estimate.value == pytest.approx(mwh * 0.25)
    assert result.line("E1-5_03").estimate.value == pytest.approx(mwh * 0.70)
    assert result.line("E1-5_09").estimate.value == pytest.approx(0.25)
    assert result.line("E1-6_10").estimate.value == pytest.approx(mwh * 1000 * 0.021 / 1000)
    s3 = result.line("E1-6_11").estimate.value
    assert result.line("E1-6_13").estimate.value == pytest.approx(mwh * 0.021 + s3)


def test_document_keyed_by_datapoint_ids(town: str, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from openpyxl import load_workbook

    from sobre.lifecycle.document import write

    run_footprint(town, ORG, reference_date=date(2025, 12, 31))
    doc = csrd_document(town, ORG, None, "en")
    path = write(doc, "xlsx", tmp_path, "csrd")
    book = load_workbook(path)
    ids = [row[0] for row in book["E1-6"].iter_rows(min_row=3, values_only=True)]
    assert {"E1-6_07", "E1-6_09", "E1-6_10", "E1-6_11", "E1-6_12", "E1-6_13", "E1-6_04.cat2"} <= set(ids)
    e15 = {row[0]: row[2] for row in book["E1-5"].iter_rows(min_row=3, values_only=True)}
    assert isinstance(e15["E1-5_01"], float)  # numbers stay numbers
    assert e15["E1-5_05"] == "unknown"
    html = write(csrd_document(town, ORG, None, "fr"), "html", tmp_path, "csrd").read_text(encoding="utf-8")
    assert "Émissions brutes de GES du scope 2 (location-based)" in html and "E1-6_09" in html
