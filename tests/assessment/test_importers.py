"""The official referential files load with the counts their publishers give, and bad files are named."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from sobre.assessment import importers
from sobre.assessment.referentials import Package
from sobre.core.errors import InputError


def test_rgesn_2024_has_78_criteria_in_9_themes(rgesn: Package) -> None:
    assert rgesn.key == "rgesn 2024" and rgesn.kind == "rgesn"
    assert len(rgesn.items) == 78
    assert len(rgesn.themes) == 9
    assert [t.label["fr"] for t in rgesn.themes][:3] == ["Stratégie", "Spécifications", "Architecture"]
    # Counts per priority as the README of the data and the official spreadsheet give them.
    assert Counter(i.priority_label for i in rgesn.items) == {
        "Prioritaire": 30,
        "Recommandé": 29,
        "Modéré": 19,
    }
    assert sum(i.always_applicable for i in rgesn.items) == 18
    first = rgesn.item("1.1")
    assert first.priority == "high" and first.difficulty == "high" and first.always_applicable
    assert "Porteur de projet" in first.roles
    assert first.texts["control"]["fr"].startswith("Afficher")
    # Items are in the referential's order (4.2 before 4.10), not in text order.
    ids = [i.id for i in rgesn.items_of("4")]
    assert ids.index("4.2") < ids.index("4.10")
    assert "CC BY-SA 4.0" in rgesn.attribution["fr"] and "Arcep" in rgesn.attribution["en"]


def test_gbpnr_v1_has_59_practices_in_9_domains(gbpnr: Package, data_dir: Path) -> None:
    assert gbpnr.key == "gbpnr v1" and gbpnr.kind == "maturity"
    assert len(gbpnr.items) == 59
    assert [t.code for t in gbpnr.themes] == list("abcdefghi")
    assert Counter(i.priority for i in gbpnr.items) == {"high": 33, "medium": 20, "low": 6}
    a1 = gbpnr.item("a.1")
    assert a1.roles == ("Direction générale",) and a1.kpis and a1.url
    assert "Licence Ouverte" in gbpnr.attribution["fr"]
    full = importers.read_gbpnr(data_dir / "gbpnr-v1-fulltext.json")
    assert len(full.items) == 59 and full.item("a.1").texts["body"]["fr"]
    assert "modified" in full.attribution["en"]


def test_rgaa_412_has_106_criteria_in_13_topics(rgaa: Package) -> None:
    assert rgaa.key == "rgaa 4.1.2" and rgaa.kind == "rgaa"
    assert len(rgaa.items) == 106 and len(rgaa.themes) == 13
    c11 = rgaa.item("1.1")
    assert c11.extra["level"] == "A" and c11.extra["tests"] == 8
    assert "[" not in c11.question["fr"]  # glossary links become plain text
    assert len(rgaa.items_of("4")) == 13 and len(rgaa.items_of("12")) == 11


def test_builtin_model_covers_the_nine_domains_and_maps_to_the_guide(gbpnr: Package) -> None:
    model = importers.builtin_maturity()
    assert model.builtin and [t.code for t in model.themes] == list("abcdefghi")
    assert all(len(model.items_of(t.code)) >= 4 for t in model.themes)
    for item in model.items:
        assert item.question["en"] and item.question["fr"] and item.kpis and item.roles
    targets = {m.to_item for m in model.mappings}
    assert targets <= gbpnr.item_ids()
    assert len(targets) >= 55, "the model should cover nearly every practice of the guide"


def test_sobre_format_round_trips(rgesn: Package, tmp_path: Path) -> None:
    path = importers.write_sobre(rgesn, tmp_path / "rgesn.json")
    again = importers.read_sobre(path)
    assert (
        again.items == rgesn.items and again.themes == rgesn.themes and again.attribution == rgesn.attribution
    )


def _write(tmp_path: Path, data: object) -> Path:
    path = tmp_path / "file.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


def test_bad_official_files_name_the_entry_and_field(rgesn_file: Path, tmp_path: Path) -> None:
    rows = json.loads(rgesn_file.read_text(encoding="utf-8"))
    rows[4]["priorite"] = "Urgent"
    with pytest.raises(InputError) as err:
        importers.read_rgesn(_write(tmp_path, rows))
    assert "row 5" in str(err.value) and "'priorite'" in str(err.value) and "Urgent" in str(err.value)
    rows[4]["priorite"] = "Prioritaire"
    rows[7]["numero"] = rows[6]["numero"]
    with pytest.raises(InputError, match="appears twice"):
        importers.read_rgesn(_write(tmp_path, rows))
    with pytest.raises(InputError, match="expected the guide"):
        importers.read_gbpnr(_write(tmp_path, rows))
    broken = tmp_path / "broken.json"
    broken.write_text('[{"numero": "1.1",', encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        importers.read_rgesn(broken)


def test_rgesn_v1_shape_is_read_without_priorities(tmp_path: Path) -> None:
    v1 = [
        {
            "numero": "1.5",
            "thematique": "Stratégie",
            "critere-v1": "Le service est-il utilisable sur des terminaux âgés de 5 ans ?",
            "objectif": "x",
            "miseEnOeuvre": "y",
            "controle": "z",
        }
    ]
    package = importers.read_rgesn(_write(tmp_path, v1))
    assert package.version == "2022" and package.items[0].priority is None
