"""Purchases (messy imports, ecolabels, links to items), ESG scores by hand, ranking, repair or replace."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from sobre.core.errors import InputError
from sobre.footprint.runs.service import run_footprint
from sobre.lifecycle import esg, purchasing, repair
from tests.lifecycle.conftest import ORG

EXPORT = (  # an accounting export: Windows-1252, ';', decimal commas, € signs, French words
    "Date d'achat;Fournisseur;Catégorie;Modèle;Quantité;Prix unitaire HT;État;Matières recyclées;Labels;"
    "Garantie\r\n"
    "12/02/2024;Bureau Pro;Portable;Latitude 5440;10;1 049,90 €;Neuf;12 %;EPEAT Gold, TCO Certified;5\r\n"
    "05/03/2024;Reconditio;Ordinateur portable;EliteBook 840 G6;6;389,00;Reconditionné;;;3\r\n"
    "01/07/2024;Télécom Ouest;Smartphone;Galaxy A54;20;299;Neuf;;;2\r\n"
)


def test_import_purchases_messy_export(town: str, tmp_path: Path) -> None:
    path = tmp_path / "achats.csv"
    path.write_bytes(EXPORT.encode("cp1252"))
    assert purchasing.import_purchases(town, ORG, path) == 3
    rows = purchasing.list_purchases(town, ORG, 2024)
    first = rows[0]
    assert first["unit_price"] == pytest.approx(1049.90) and first["amount"] == pytest.approx(10_499.0)
    assert first["ecolabels"] == ["EPEAT Gold", "TCO Certified"] and first["recycled_content_pct"] == 12
    assert rows[1]["condition"] == "refurbished" and rows[1]["category"] == "laptop"
    assert {r["supplier"] for r in rows} == {"Bureau Pro", "Reconditio", "Télécom Ouest"}


def test_import_refuses_a_bad_row_whole(town: str, tmp_path: Path) -> None:
    path = tmp_path / "achats.csv"
    path.write_bytes((EXPORT + "31/02/2024;X;Portable;Y;1;10;Neuf;;;\r\n").encode("cp1252"))
    with pytest.raises(InputError) as caught:
        purchasing.import_purchases(town, ORG, path)
    assert (
        caught.value.row == 5 and caught.value.column == "Date d'achat" and caught.value.value == "31/02/2024"
    )
    assert purchasing.list_purchases(town, ORG) == []


def test_purchase_links_items_of_its_category(town: str) -> None:
    view = purchasing.add_purchase(
        town,
        ORG,
        items=["PC-003", "PC-004"],
        purchase_date=date(2020, 9, 1),
        category="laptop",
        quantity=2,
        unit_price=950.0,
        condition="new",
    )
    assert view["items"] == ["PC-003", "PC-004"]
    with pytest.raises(InputError, match="is a monitor"):
        purchasing.add_purchase(
            town,
            ORG,
            items=["ECR-001"],
            purchase_date=date(2020, 9, 1),
            category="laptop",
            quantity=1,
            unit_price=1.0,
            condition="new",
        )
    with pytest.raises(InputError, match="already linked"):
        purchasing.add_purchase(
            town,
            ORG,
            items=["PC-003"],
            purchase_date=date(2020, 9, 1),
            category="laptop",
            quantity=1,
            unit_price=1.0,
            condition="new",
        )


def test_esg_score_by_hand() -> None:
    qs = [
        esg.Question("a", "climate", 2, "yes_no", True),
        esg.Question("b", "climate", 1, "scale", False),
        esg.Question("c", "circularity", 1, "percent", False),
        esg.Question("d", "social", 2, "yes_no", False),
        esg.Question("e", "social", 1, "yes_no", True),
    ]
    answers = {
        "a": {"answer": "oui", "evidence": "bilan GES"},
        "b": {"answer": "3"},
        "c": {"answer": "40 %"},
        "d": {"answer": "n/a"},
        "e": {"answer": "yes"},
    }  # e has no evidence: scores 0
    s = esg.score(qs, answers)
    # (2×1 + 1×0.75 + 1×0.4 + 1×0) / (2 + 1 + 1 + 1) × 100; d is not applicable.
    assert s.score == pytest.approx(100 * 3.15 / 5)
    assert s.coverage == pytest.approx(1.0) and s.unproven == ["e"]
    assert s.themes["climate"] == pytest.approx(100 * 2.75 / 3) and s.themes["social"] == 0
    with pytest.raises(InputError, match="between 0 and 4"):
        esg.score(qs, {"b": {"answer": "7"}})
    ranked = esg.rank(
        [
            {"supplier": "X", "score": None, "coverage": None},
            {"supplier": "Y", "score": 40.0, "coverage": 1.0},
            {"supplier": "Z", "score": 70.0, "coverage": 0.5},
        ]
    )
    assert [(r["supplier"], r["rank"]) for r in ranked] == [("Z", 1), ("Y", 2), ("X", None)]


def test_assess_and_rank_with_history(town: str) -> None:
    purchasing.add_supplier(town, ORG, "Reconditio")
    purchasing.add_supplier(town, ORG, "Bureau Pro")
    purchasing.assess(
        town,
        ORG,
        "Reconditio",
        {"env_policy": {"answer": "oui", "evidence": "charte"}},
        assessed_on=date(2024, 6, 1),
    )
    later = purchasing.assess(
        town,
        ORG,
        "Reconditio",
        {
            "env_policy": {"answer": "oui", "evidence": "charte"},
            "refurbished_offer": {"answer": "oui"},
            "takeback": {"answer": "oui", "evidence": "agrément"},
        },
        assessed_on=date(2025, 6, 1),
    )
    weights = sum(q.weight for q in esg.builtin_questions())
    assert later["score"] == pytest.approx(100 * (2 + 2 + 2) / weights)
    rows = purchasing.ranking(town, ORG)
    assert rows[0]["supplier"] == "Reconditio" and rows[0]["rank"] == 1 and len(rows[0]["history"]) == 2
    assert rows[1]["supplier"] == "Bureau Pro" and rows[1]["score"] is None
    with pytest.raises(InputError, match="does not have"):
        purchasing.assess(
            town, ORG, "Bureau Pro", {"made_up": {"answer": "oui"}}, assessed_on=date(2025, 1, 1)
        )


def test_repair_or_replace_through_the_engine(town: str) -> None:
    run_footprint(town, ORG, reference_date=date(2025, 6, 30))
    purchasing.add_purchase(
        town,
        ORG,
        purchase_date=date(2025, 1, 10),
        category="laptop",
        quantity=4,
        unit_price=1000.0,
        condition="new",
    )
    result = repair.compare(
        town, ORG, "PC-001", repair_cost=180.0, extension_years=2, today=date(2025, 6, 30)
    )
    repair_option, replace_option = result["options"]
    assert repair_option["cost"] == 180.0 and replace_option["cost"] == pytest.approx(1000.0)
    r, n = repair_option["climate_change"], replace_option["climate_change"]
    assert r["low"] <= r["value"] <= r["high"] and n["low"] <= n["value"] <= n["high"]
    # A 6.3-year-old laptop kept two more years carries a smaller yearly share of its manufacturing than a new
    # one over its default lifetime: repairing is the lower footprint.
    assert r["value"] < n["value"]
    yearly_old = sum(
        result["yearly"]["repair"][s][0] for s in ("manufacturing", "distribution", "end_of_life")
    )
    yearly_new = sum(
        result["yearly"]["replace"][s][0] for s in ("manufacturing", "distribution", "end_of_life")
    )
    assert yearly_old * (result["age_years"] + 2) == pytest.approx(
        yearly_new * 5, rel=1e-6
    )  # same item, default 5 y
    assert any("parts" in note for note in result["notes"])
