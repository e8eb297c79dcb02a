"""Mappings between referential versions: a user's CSV, or pairs suggested on the questions' wording."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sobre.assessment import mapping, store
from sobre.assessment import service as svc
from sobre.cli import app
from sobre.core.db import session_scope
from sobre.core.errors import InputError


def _older_rgesn(rgesn_file: Path, tmp_path: Path) -> Path:
    """An older-style transcription: the 2024 questions under other numbers (theme 2 → 5), v1 keys."""
    rows = json.loads(rgesn_file.read_text(encoding="utf-8"))
    older = []
    for row in rows:
        theme, number = row["numero"].split(".")
        new_theme = {"2": "5", "5": "2"}.get(theme, theme)
        older.append(
            {
                "numero": f"{new_theme}.{number}",
                "thematique": row["thematique"],
                "critere-v1": row["critere"].replace("numérique", "numérique ").upper(),
                "objectif": row["objectif"],
                "miseEnOeuvre": row["miseEnOeuvre"],
                "controle": row["controle"],
            }
        )
    path = tmp_path / "rgesn-v1.json"
    path.write_text(json.dumps(older, ensure_ascii=False), encoding="utf-8")
    return path


def test_suggested_mapping_carries_answers_to_2024(world: str, rgesn_file: Path, tmp_path: Path) -> None:
    with session_scope(world) as s:
        store.install_file(s, "rgesn", _older_rgesn(rgesn_file, tmp_path), version="2022")
        found = mapping.build(s, "rgesn@2022", "rgesn@2024", suggest_text=True)
        pairs = {m.to_item: m.from_item for m in found}
        assert len(found) == 78 and pairs["2.2"] == "5.2" and pairs["5.1"] == "2.1" and pairs["1.1"] == "1.1"
        assert all(m.method == "text" and (m.score or 0) >= 85 for m in found)
        assert mapping.record(s, found) == 78 and mapping.record(s, found) == 0  # recorded once
        old = svc.start(s, "Sobreville", "rgesn", by="alice", version="2022", service="Portail citoyen")
        svc.answer(
            s,
            "Sobreville",
            old.id,
            "5.2",
            by="alice",
            status="Validé",
            evidence=[svc.EvidenceInput("text", text="Testé sur un terminal de 2018")],
        )
        new = svc.start(
            s,
            "Sobreville",
            "rgesn",
            by="alice",
            version="2024",
            service="Portail citoyen",
            from_assessment=old.id,
        )
        carried = {a.item_id: a for a in svc.answers(s, "Sobreville", new.id)}
        assert carried["2.2"].status == "validated" and "rgesn 2022 5.2" in (carried["2.2"].comment or "")


def test_csv_mapping_and_its_errors(world: str, tmp_path: Path) -> None:
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("from_item,to_item\na1,a.1\nd2,d.6\n", encoding="utf-8")
    with session_scope(world) as s:
        found = mapping.build(s, "sobre-maturity@1.0", "gbpnr@v1", csv_file=pairs)
        assert [(m.from_item, m.to_item, m.method) for m in found] == [
            ("a1", "a.1", "manual"),
            ("d2", "d.6", "manual"),
        ]
        pairs.write_text("a1,a.1\nzz,a.2\n", encoding="utf-8")
        with pytest.raises(InputError, match=r"pairs.csv, row 2, column 'from_item', value 'zz'"):
            mapping.build(s, "sobre-maturity@1.0", "gbpnr@v1", csv_file=pairs)
        with pytest.raises(InputError, match="give --csv FILE or --suggest"):
            mapping.build(s, "sobre-maturity@1.0", "gbpnr@v1")


def test_map_command(home: Path, gbpnr_file: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["referential", "install", "gbpnr", "--from", str(gbpnr_file)]).exit_code == 0
    pairs = tmp_path / "pairs.csv"
    pairs.write_text("a1,a.1\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "referential",
            "map",
            "--from",
            "sobre-maturity@1.0",
            "--to",
            "gbpnr@v1",
            "--csv",
            str(pairs),
            "--dry-run",
        ],
    )
    assert result.exit_code == 0 and "1 correspondences; 0 recorded (dry run)" in result.output
