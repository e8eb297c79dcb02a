"""``sobre referential`` and ``sobre assess`` from the command line, as a user runs them."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app

runner = CliRunner()


def _run(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result.output


def test_end_to_end_from_the_cli(home: Path, rgesn_file: Path, tmp_path: Path) -> None:
    _run("org", "create", "Sobreville")
    _run("service", "create", "Portail citoyen", "--org", "Sobreville", "--url", "https://www.sobreville.fr")
    assert "78 items in 9 themes" in _run("referential", "install", "rgesn", "--from", str(rgesn_file))
    listed = json.loads(_run("referential", "list", "--json"))
    assert {(r["code"], r["items"]) for r in listed} == {("rgesn", 78), ("sobre-maturity", 38)}
    assert "Applicable à tous les services" in _run("referential", "show", "rgesn", "--item", "1.1")
    started = json.loads(
        _run(
            "assess",
            "start",
            "rgesn",
            "--org",
            "Sobreville",
            "--by",
            "alice",
            "--service",
            "Portail citoyen",
            "--target-score",
            "60",
            "--json",
        )
    )
    aid = str(started["id"])
    _run(
        "assess",
        "answer",
        aid,
        "1.1",
        "--org",
        "Sobreville",
        "--by",
        "alice",
        "--status",
        "Validé",
        "--evidence",
        "Étude d’utilité",
    )
    refused = runner.invoke(
        app,
        [
            "assess",
            "answer",
            aid,
            "1.2",
            "--org",
            "Sobreville",
            "--by",
            "alice",
            "--status",
            "Non applicable",
            "--evidence",
            "x",
        ],
    )
    assert refused.exit_code == 2 and "cannot be 'Non applicable'" in refused.output
    assert "Traceback" not in refused.output
    scored = json.loads(_run("assess", "score", aid, "--org", "Sobreville", "--json"))
    assert round(scored["overall"]["value"], 3) == round(100 * 1.5 / 100.25, 3)
    out = tmp_path / "answers.xlsx"
    _run("assess", "export", aid, "--org", "Sobreville", "--out", str(out))
    assert "0 answers changed" in _run("assess", "import", str(out), "--org", "Sobreville", "--by", "bob")
    _run("assess", "submit", aid, "--org", "Sobreville", "--by", "alice")
    _run("assess", "validate", aid, "--org", "Sobreville", "--by", "carol", "--allow-incomplete")
    second = json.loads(
        _run(
            "assess",
            "start",
            "rgesn",
            "--org",
            "Sobreville",
            "--by",
            "alice",
            "--service",
            "Portail citoyen",
            "--from",
            aid,
            "--json",
        )
    )
    _run(
        "assess",
        "answer",
        str(second["id"]),
        "2.2",
        "--org",
        "Sobreville",
        "--by",
        "alice",
        "--status",
        "Validé",
        "--link",
        "https://www.sobreville.fr/tests",
    )
    diff = json.loads(_run("assess", "compare", aid, str(second["id"]), "--org", "Sobreville", "--json"))
    assert diff["overall"]["delta"] > 0 and diff["changes"] == [
        {"item": "2.2", "page": "", "before": None, "after": "validated"}
    ]
    history = json.loads(_run("service", "assessments", "Portail citoyen", "--org", "Sobreville", "--json"))
    assert [h["status"] for h in history] == ["validated", "draft"]
    actions = json.loads(
        _run("assess", "recommend", str(second["id"]), "--org", "Sobreville", "--json", "--limit", "2")
    )
    assert actions[0]["origin"]["referential"] == "rgesn" and actions[0]["priority"] == "high"
    written = _run(
        "assess",
        "declaration",
        str(second["id"]),
        "--org",
        "Sobreville",
        "--format",
        "html",
        "--out",
        str(tmp_path),
    )
    assert (
        "declaration-ecoconception" in written
        and (tmp_path / "declaration-ecoconception-2-fr.html").is_file()
    )


def test_cli_errors_are_one_line(home: Path, tmp_path: Path) -> None:
    _run("org", "create", "Sobreville")
    missing = runner.invoke(
        app, ["assess", "start", "rgesn", "--org", "Sobreville", "--by", "a", "--service", "X"]
    )
    assert missing.exit_code == 1 and "install it with 'sobre referential install rgesn" in missing.output
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    result = runner.invoke(app, ["referential", "install", "rgaa", "--from", str(bad)])
    assert result.exit_code == 2 and "not valid JSON" in result.output and "Traceback" not in result.output
    unknown = runner.invoke(app, ["referential", "install", "iso", "--from", str(bad)])
    assert unknown.exit_code == 2 and "rgesn, gbpnr, rgaa, sobre" in unknown.output
    started = json.loads(_run("assess", "start", "maturity", "--org", "Sobreville", "--by", "a", "--json"))
    nope = runner.invoke(app, ["assess", "import", str(bad), "--org", "Sobreville", "--by", "a"])
    assert nope.exit_code == 2 and "not an XLSX workbook" in nope.output
    assert started["referential"] == "sobre-maturity"
