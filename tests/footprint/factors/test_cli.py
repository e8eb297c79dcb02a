"""``sobre factors`` commands through Typer's runner."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app

runner = CliRunner()


def _ok(args: list[str]) -> str:
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_list_show_import(home: Path, g4it_dir: Path) -> None:
    sets = json.loads(_ok(["factors", "list", "--json"]))
    assert [s["id"] for s in sets] == ["sobre-default"]
    assert sets[0]["counts"]["impacts"] > 100
    out = _ok(["factors", "import", str(g4it_dir / "referential"), "--id", "g4it", "--version", "2025.04"])
    assert "1656 electricity rows" in out
    shown = json.loads(
        _ok(["factors", "show", "g4it", "--criterion", "climate_change", "--ref", "FR", "--json"])
    )
    assert shown["electricity"][0]["value"] == 0.0813225
    assert shown["counts"]["electricity"] == 1656
    text = _ok(["factors", "show", "sobre-default", "--ref", "laptop"])
    assert "ADEME" in text and "laptop" in text
    again = runner.invoke(
        app, ["factors", "import", str(g4it_dir / "referential"), "--id", "g4it", "--version", "2025.04"]
    )
    assert again.exit_code == 1 and "already exists" in again.output


def test_import_errors_are_clean(home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["factors", "import", str(tmp_path), "--id", "x", "--version", "1"])
    assert result.exit_code == 2 and "no G4IT referential" in result.output
    assert "Traceback" not in result.output


def test_overrides_cli(home: Path) -> None:
    _ok(["org", "create", "Mairie"])
    _ok(
        [
            "factors",
            "override",
            "--org",
            "Mairie",
            "--ref",
            "laptop",
            "--stage",
            "manufacturing",
            "--criterion",
            "climate_change",
            "--value",
            "250",
            "--low",
            "200",
            "--high",
            "300",
            "--source",
            "PCF",
        ]
    )
    _ok(
        [
            "factors",
            "override-default",
            "--org",
            "Mairie",
            "--ref",
            "laptop",
            "--lifetime",
            "6",
            "--power-w",
            "20",
        ]
    )
    bad = runner.invoke(
        app,
        [
            "factors",
            "override",
            "--org",
            "Nobody",
            "--ref",
            "laptop",
            "--stage",
            "manufacturing",
            "--criterion",
            "climate_change",
            "--value",
            "1",
        ],
    )
    assert bad.exit_code == 1 and "no organisation" in bad.output
    from sobre.core.db import session_scope
    from sobre.core.settings import load_settings
    from sobre.footprint.factors.store import load_factor_set
    from sobre.orgs import service

    with session_scope(load_settings().database_url) as s:
        fs = load_factor_set(s, org_id=service.get(s, "Mairie").id)
    row = fs.impacts.filter(
        (fs.impacts["ref"] == "laptop")
        & (fs.impacts["stage"] == "manufacturing")
        & (fs.impacts["criterion"] == "climate_change")
    ).row(0, named=True)
    assert (row["value"], row["low"], row["high"]) == (250.0, 200.0, 300.0)


def test_check_reports_partial_stages_and_fails_on_errors(home: Path, tmp_path: Path) -> None:
    problems = json.loads(_ok(["factors", "check", "--json"]))  # the built-in set: no error
    assert problems and {p["code"] for p in problems} == {"partial_stages"}
    folder = tmp_path / "bad"
    folder.mkdir()
    (folder / "itemImpact.csv").write_text(
        "name;lifecycleStep;criterion;value;unit;source\n"
        "Laptop;MANUFACTURING;Resource use, fossils;2410;MJ;test\n"
        "Laptop;MANUFACTURING;Primary energy;1300;MJ;test\n",
        encoding="utf-8",
    )
    _ok(["factors", "import", str(folder), "--id", "bad", "--version", "1", "--format", "g4it"])
    result = runner.invoke(app, ["factors", "check", "bad", "--json"])
    assert result.exit_code == 1
    found = [p for p in json.loads(result.output) if p["code"] == "fossil_above_primary"]
    assert [(p["key"], p["stage"]) for p in found] == [("Laptop", "manufacturing")]
