"""Reports of several organisations never overwrite each other: the default name holds the slug."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app
from sobre.orgs.service import slug

runner = CliRunner()


def test_slug() -> None:
    assert slug("Ville d'Écully") == "ville-d-ecully"
    assert slug("  <b>Client B</b> ") == "b-client-b-b"
    assert slug("///") == "organisation"


def test_default_report_names_differ_per_organisation(home: Path, tmp_path: Path) -> None:
    inventory = tmp_path / "eq.csv"
    inventory.write_text(
        "name;category;status;purchase_date\npc-1;laptop;in_use;2022-01-10\n", encoding="utf-8"
    )
    for org in ("Ville A", "Ville B"):
        assert runner.invoke(app, ["org", "create", org]).exit_code == 0
        assert runner.invoke(app, ["import", str(inventory), "--org", org]).exit_code == 0
        r = runner.invoke(app, ["report", "diagnosis", "--org", org, "--lang", "en"])
        assert r.exit_code == 0, r.output
    written = sorted(p.name for p in (home / "reports").iterdir())
    assert written == ["diagnostic-ville-a-en.html", "diagnostic-ville-b-en.html"]
