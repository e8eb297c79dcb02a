"""``sobre footprint run|show|explain|compare|runs`` through Typer's CliRunner on a fresh SOBRE_HOME."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.settings import load_settings
from tests.footprint.runs.helpers import seed_inventory

runner = CliRunner()


def _invoke(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_run_show_explain_compare_and_list(home: Path) -> None:
    url = load_settings().database_url
    ids = seed_inventory(url)
    first = json.loads(
        _invoke("footprint", "run", "--org", "Ville A", "--reference-date", "2025-06-30", "--json")
    )
    assert first["status"] == "done" and first["profile"] == "sobre"
    assert first["reference_date"] == "2025-06-30" and first["totals"]
    table = _invoke(
        "footprint", "run", "--org", "Ville A", "--profile", "g4it", "--reference-date", "2025-06-30"
    )
    assert "Run 2" in table and "climate" in table.lower()

    rows = json.loads(_invoke("footprint", "show", "--org", "Ville A", "--by", "site", "--format", "json"))
    assert {r["label"] for r in rows} == {"DC Paris", "Mairie"} and all(r["run_id"] == 2 for r in rows)
    text = _invoke("footprint", "show", "--org", "Ville A", "--by", "category", "--run", str(first["id"]))
    assert "rack_server" in text and "Run 1" in text
    out = _invoke(
        "footprint", "show", "--org", "Ville A", "--by", "application", "--per", "user", "--format", "csv"
    )
    parsed = list(csv.DictReader(io.StringIO(out)))
    assert parsed[0]["label"] == "Paie (production)" and parsed[0]["unit"].endswith("/user")

    explained = json.loads(_invoke("footprint", "explain", "--org", "Ville A", "srv-1", "--json"))
    assert explained["item"]["item_id"] == ids["srv"]
    assert "Impacts" in _invoke("footprint", "explain", "--org", "Ville A", f"vm:{ids['vm']}")

    diff = json.loads(_invoke("footprint", "compare", "--org", "Ville A", "1", "2", "--format", "json"))
    assert diff and {"value_a", "value_b", "difference", "why"} <= set(diff[0])
    assert (
        "why"
        in _invoke("footprint", "compare", "--org", "Ville A", "1", "2", "--format", "csv").splitlines()[0]
    )

    listed = json.loads(_invoke("footprint", "runs", "--org", "Ville A", "--json"))
    assert [r["id"] for r in listed] == [2, 1]
    assert "g4it" in _invoke("footprint", "runs", "--org", "Ville A")


def test_cli_errors_are_one_clear_line(home: Path) -> None:
    seed_inventory(load_settings().database_url)
    result = runner.invoke(app, ["footprint", "show", "--org", "Ville A", "--by", "stage"])
    assert result.exit_code == 1 and "no footprint run yet" in result.output
    result = runner.invoke(app, ["footprint", "run", "--org", "Ville A", "--reference-date", "30/06/2025"])
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    result = runner.invoke(app, ["footprint", "show", "--org", "Ville A", "--by", "colour"])
    assert result.exit_code == 2 and "colour" in result.output
    result = runner.invoke(app, ["footprint", "compare", "--org", "Ville A", "1", "2"])
    assert result.exit_code == 1 and "no footprint run 1" in result.output
    assert "Traceback" not in result.output


def test_show_any_column_with_filters_and_compare_a_breakdown(home: Path) -> None:
    url = load_settings().database_url
    ids = seed_inventory(url)
    a = json.loads(
        _invoke("footprint", "run", "--org", "Ville A", "--reference-date", "2025-06-30", "--json")
    )
    b = json.loads(
        _invoke(
            "footprint",
            "run",
            "--org",
            "Ville A",
            "--reference-date",
            "2025-06-30",
            "--profile",
            "g4it",
            "--json",
        )
    )
    args = ["footprint", "show", "--org", "Ville A", "--by", "lifetime_method", "--format", "json"]
    rows = json.loads(_invoke(*args, "--where", f"site_id={ids['office']}", "--where", "category=laptop"))
    assert len(rows) == 1 and rows[0]["items"] == 1
    none = json.loads(_invoke(*args, "--where", "category=laptop", "--where", "category=no-such"))
    assert sum(r["items"] for r in none) == 1  # one column given twice keeps either value
    top = json.loads(
        _invoke("footprint", "show", "--org", "Ville A", "--by", "item", "--limit", "2", "--format", "json")
    )
    assert len(top) == 2
    bad = runner.invoke(app, ["footprint", "show", "--org", "Ville A", "--where", "nonsense"])
    assert bad.exit_code == 2 and "COLUMN=VALUE" in bad.output
    table = _invoke(
        "footprint", "compare", str(a["id"]), str(b["id"]), "--org", "Ville A", "--by", "category"
    )
    assert "laptop" in table and f"run {a['id']}" in table
    rows = json.loads(
        _invoke(
            "footprint",
            "compare",
            str(a["id"]),
            str(b["id"]),
            "--org",
            "Ville A",
            "--by",
            "site",
            "--format",
            "json",
        )
    )
    assert {r["label"] for r in rows} == {"DC Paris", "Mairie"} and all("value_b" in r for r in rows)
