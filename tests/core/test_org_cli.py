from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app

runner = CliRunner()


def test_org_create_and_list(home: Path) -> None:
    result = runner.invoke(
        app, ["org", "create", "Ville <b>A</b>", "--employees", "900", "--country", "France"]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["org", "list", "--json"])
    assert json.loads(result.stdout) == [
        {"id": 1, "name": "Ville <b>A</b>", "employees": 900, "inhabitants": None, "country": "FR"}
    ]
    assert (home / "sobre.db").is_file()


def test_duplicate_org_is_a_clear_error(home: Path) -> None:
    runner.invoke(app, ["org", "create", "Ville A"])
    result = runner.invoke(app, ["org", "create", "Ville A"])
    assert result.exit_code == 1
    assert "already exists" in result.output
    assert "Traceback" not in result.output


def test_global_home_option(tmp_path: Path) -> None:
    other = tmp_path / "elsewhere"
    assert runner.invoke(app, ["--home", str(other), "org", "create", "B"]).exit_code == 0
    assert (other / "sobre.db").is_file()
