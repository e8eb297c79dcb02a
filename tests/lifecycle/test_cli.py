"""The CLI: 'sobre report --help' lists reen, agec and csrd and they run; lifecycle, purchase, supplier
and watch commands work end to end on a fresh data folder; errors are one line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app
from tests.lifecycle.conftest import ORG, pdf_bytes, write_glpi

runner = CliRunner()


def _run(*args: str) -> str:
    res = runner.invoke(app, list(args), catch_exceptions=False)
    assert res.exit_code == 0, res.output
    return res.output


def _town(tmp_path: Path) -> None:
    _run("org", "create", ORG, "--inhabitants", "52000", "--employees", "400", "--country", "FR")
    _run("import", str(write_glpi(tmp_path)), "--org", ORG, "--kind", "equipment")


def test_report_group_lists_and_runs_the_regulatory_reports(home: Path, tmp_path: Path) -> None:
    out = _run("report", "--help")
    for name in ("reen", "agec", "csrd", "diagnosis", "export"):
        assert name in out
    _town(tmp_path)
    _run("footprint", "run", "--org", ORG)
    for cmd, extra in (("reen", ["--year", "2025"]), ("agec", ["--year", "2024"]), ("csrd", [])):
        for fmt in ("html", "xlsx", "json"):
            target = tmp_path / f"{cmd}.{fmt}"
            _run("report", cmd, "--org", ORG, "--format", fmt, "--lang", "en", "--out", str(target), *extra)
            assert target.stat().st_size > 500
    out = _run("report", "reen", "--org", ORG, "--year", "2025", "--out", str(tmp_path / "r.html"))
    assert "to write: Objectifs" in out


def test_lifecycle_purchase_supplier_watch_commands(home: Path, tmp_path: Path) -> None:
    _town(tmp_path)
    _run(
        "lifecycle",
        "record",
        "PC-001",
        "reformed",
        "--org",
        ORG,
        "--date",
        "12/01/2025",
        "--by",
        "dsi",
        "--reason",
        "failure",
    )
    batch = tmp_path / "deee.csv"
    batch.write_bytes(
        "équipement;événement;date;par;organisme;certificat\r\n"
        "PC-001;recyclé;20/03/2025;dsi;Ecologic;BSD-1\r\nECR-001;recyclé;20/03/2025;dsi;Ecologic;BSD-1\r\n".encode(
            "cp1252"
        )
    )
    cert = tmp_path / "bsd.pdf"
    cert.write_bytes(pdf_bytes())
    out = _run(
        "lifecycle", "import", str(batch), "--org", ORG, "--batch", "DEEE 03/2025", "--certificate", str(cert)
    )
    assert "Imported 2 events of 2 items" in out
    assert "recycled" in _run("lifecycle", "list", "--org", ORG)
    assert "reformed" in _run("lifecycle", "show", "PC-001", "--org", ORG)
    target = tmp_path / "download"
    target.mkdir()
    _run("lifecycle", "certificate", "ECR-001", "--org", ORG, "--out", str(target))
    assert (target / "bsd.pdf").read_bytes() == cert.read_bytes()
    _run(
        "lifecycle",
        "params",
        "set",
        "agec.it_telephony.reuse_share",
        "0.3",
        "--org",
        ORG,
        "--unit",
        "ratio",
        "--from",
        "2025-01-01",
        "--source",
        "Délibération du conseil municipal",
    )
    rows = json.loads(_run("lifecycle", "params", "list", "--org", ORG, "--prefix", "agec.it", "--json"))
    assert (
        rows[0]["origin"] == "organisation" and rows[0]["instrument"] == "Délibération du conseil municipal"
    )
    _run(
        "purchase",
        "add",
        "Portable",
        "10",
        "420",
        "--org",
        ORG,
        "--date",
        "2025-02-03",
        "--condition",
        "reconditionné",
        "--supplier",
        "Reconditio",
        "--label",
        "TCO Certified",
        "--item",
        "PC-004",
    )
    (line,) = json.loads(_run("purchase", "list", "--org", ORG, "--json"))
    assert line["condition"] == "refurbished" and line["items"] == ["PC-004"] and line["amount"] == 4200
    qfile = tmp_path / "questionnaire.csv"
    _run("supplier", "questionnaire", "--org", ORG, "--lang", "fr", "--out", str(qfile))
    answers = tmp_path / "answers.csv"
    answers.write_text(
        "code;answer;evidence\nenv_policy;oui;charte.pdf\ntakeback;oui;\nrefurbished_offer;oui;\n",
        encoding="utf-8",
    )
    out = _run("supplier", "assess", "Reconditio", "--answers", str(answers), "--org", ORG)
    assert "/100" in out and "takeback" in out  # claimed without the evidence asked
    assert "Reconditio" in _run("supplier", "rank", "--org", ORG)
    _run("watch", "add", "Fin du support de Windows 10", "--org", ORG, "--relevance", "4", "--tags", "postes")
    assert "Windows 10" in _run("watch", "list", "--org", ORG)
    _run("watch", "digest", "--org", ORG, "--since", "2020-01-01", "--out", str(tmp_path / "veille.html"))
    _run("purchase", "criteria", "--category", "laptop", "--lang", "en", "--out", str(tmp_path / "crit.html"))
    assert "Repairability" in (tmp_path / "crit.html").read_text(encoding="utf-8")
    _run(
        "lifecycle",
        "report",
        "--org",
        ORG,
        "--year",
        "2025",
        "--format",
        "xlsx",
        "--out",
        str(tmp_path / "y.xlsx"),
    )


def test_errors_are_one_line(home: Path, tmp_path: Path) -> None:
    _town(tmp_path)
    bad = tmp_path / "bad.csv"
    bad.write_text("item;event;date;by\nPC-001;donated;2025-13-01;dsi\n", encoding="utf-8")
    res = runner.invoke(app, ["lifecycle", "import", str(bad), "--org", ORG])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "row 2" in res.output and "'date'" in res.output and "2025-13-01" in res.output
    res = runner.invoke(app, ["lifecycle", "record", "PC-001", "vaporised", "--org", ORG, "--by", "me"])
    assert res.exit_code == 2 and "unknown lifecycle event" in res.output
    res = runner.invoke(app, ["report", "agec", "--org", ORG, "--year", "1850"])
    assert res.exit_code == 2 and "not a reporting year" in res.output
    res = runner.invoke(
        app, ["purchase", "add", "laptop", "1", "10", "--org", ORG, "--label", "Green Sticker"]
    )
    assert res.exit_code == 2 and "unknown ecolabel" in res.output
