"""The import/export/inventory commands: exit codes, JSON summary, literal printing."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app

runner = CliRunner()


def test_cli_import_list_stats_export(home: Path, tmp_path: Path) -> None:
    assert runner.invoke(app, ["org", "create", "Acme"]).exit_code == 0
    good = tmp_path / "eq.csv"
    good.write_text("name;category\n[bold]<b>x</b>;laptop\npc-2;desktop\n", encoding="utf-8")
    r = runner.invoke(app, ["import", str(good), "--org", "Acme", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["inserted"] == 2
    bad = tmp_path / "bad.csv"
    bad.write_text("name;category;quantity\nok;laptop;1\nko;laptop;x\n", encoding="utf-8")
    r = runner.invoke(app, ["import", str(bad), "--org", "Acme", "--json"])
    summary = json.loads(r.stdout)
    assert r.exit_code == 3 and summary["rejected"] == 1
    assert Path(summary["rejects_path"]).parent == home.resolve() / "rejects"
    r = runner.invoke(app, ["import", str(bad), "--org", "Acme", "--strict"])
    assert r.exit_code == 2
    junk = tmp_path / "junk.csv"
    junk.write_bytes(b"\x00\x00\x00")
    r = runner.invoke(app, ["import", str(junk), "--org", "Acme", "--json"])
    assert r.exit_code == 2 and "error" in json.loads(r.stdout)
    r = runner.invoke(app, ["inventory", "list", "--org", "Acme"], env={"COLUMNS": "300"})
    assert r.exit_code == 0 and "[bold]<b>x</b>" in r.stdout
    r = runner.invoke(app, ["inventory", "stats", "--org", "Acme", "--json"])
    assert json.loads(r.stdout)["counts"]["equipment"] == 3
    out = tmp_path / "out.json"
    r = runner.invoke(app, ["export", str(out), "--org", "Acme", "--kind", "equipment", "--format", "json"])
    assert r.exit_code == 0 and len(json.loads(out.read_text())) == 3
    r = runner.invoke(app, ["import", str(good), "--org", "Nobody"])
    assert r.exit_code == 1
