"""The service desk from the command line on a fresh data folder: tickets, impact, KB, documentation with a
confidential field and its key file, Ansible export, GLPI import; errors are one line, never a traceback."""

from __future__ import annotations

import json
import os
from pathlib import Path

from typer.testing import CliRunner

from sobre.cli import app
from tests.servicedesk.conftest import DATA

runner = CliRunner()
ORG = "Ville CLI"


def _run(*args: str, code: int = 0, stdin: str | None = None) -> str:
    res = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
    assert res.exit_code == code, res.output
    return res.output


def test_the_service_desk_end_to_end(home: Path, tmp_path: Path) -> None:
    _run("org", "create", ORG, "--country", "FR")
    for kind, file in (
        ("site", "sites"),
        ("equipment", "equipment"),
        ("vm", "vm"),
        ("application", "application"),
    ):
        _run("import", str(DATA / f"inventory_{file}.csv"), "--org", ORG, "--kind", kind)
    _run("kb", "init", "--org", ORG)
    _run("desk", "group", "add", "Support", "--org", ORG, "--manager", "chef@ville.fr")
    _run("desk", "settings", "--org", ORG, "--hourly-cost", "40", "--cost-source", "paie 2025")
    opened = json.loads(
        _run(
            "ticket",
            "open",
            "Portail citoyen en panne",
            "--org",
            ORG,
            "--requester",
            "Accueil",
            "--urgency",
            "4",
            "--impact",
            "4",
            "--item",
            "application:Portail citoyen",
            "--json",
        )
    )
    assert opened["priority"] == 4 and opened["sla"]["resolve"]["state"] == "running"
    _run("ticket", "assign", "1", "--org", ORG, "--to", "tech1", "--group", "Support")
    _run("ticket", "diagnose", "1", "symptom", "Erreur 502", "--org", ORG)
    impact = json.loads(
        _run(
            "ticket",
            "impact",
            "1",
            "--org",
            ORG,
            "--outage-start",
            "2025-06-02T09:00",
            "--outage-end",
            "2025-06-02T11:00",
            "--host",
            "srv-app-01:400:150:6",
            "--json",
        )
    )
    assert impact["energy_kwh"]["value"] == 2.25 and impact["cost_eur"]["value"] == 9600
    out = _run("ticket", "publish", "1", "--org", ORG, "--audience", "end_user", "--eta", "vers midi")
    assert "Portail citoyen" in out and "vers midi" in out
    _run("ticket", "solve", "1", "Redémarré", "--org", ORG, "--article", "eteindre-le-soir:fr")
    _run("ticket", "rate", "1", "5", "--org", ORG)
    shown = json.loads(_run("ticket", "show", "1", "--org", ORG, "--json"))
    assert (
        shown["status"] == "solved"
        and shown["satisfaction"] == 5
        and shown["diagnosis"][0]["step"] == "symptom"
    )
    assert "eteindre-le-soir" in _run("kb", "search", "éteindre", "--org", ORG)
    _run("kb", "export", "mots-de-passe", str(tmp_path / "mdp.pdf"), "--org", ORG)
    assert (tmp_path / "mdp.pdf").read_bytes().startswith(b"%PDF")

    # Documentation and a confidential field, with its key file beside the data, never inside the database.
    _run("doc", "set", "equipment", "srv-app-01", "--org", ORG, "--setting", "ip=10.0.12.4")
    _run(
        "doc",
        "secret",
        "set",
        "equipment",
        "srv-app-01",
        "root",
        "--org",
        ORG,
        "--stdin",
        stdin="Tr3s-S3cret\n",
    )
    key_file = home / "keys" / "servicedesk.keys"
    assert key_file.is_file() and oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert b"Tr3s-S3cret" not in (home / "sobre.db").read_bytes()
    assert "Tr3s-S3cret" in _run("doc", "secret", "reveal", "equipment", "srv-app-01", "root", "--org", ORG)
    log = json.loads(_run("doc", "secret", "log", "--org", ORG, "--json"))
    assert log[0]["granted"] and log[0]["actor"].startswith("cli:")
    status = json.loads(_run("doc", "key", "status", "--json"))
    old = status["keys"][0]["id"]
    assert "1 value(s) re-encrypted" in _run("doc", "key", "rotate")
    _run("doc", "key", "backup", str(tmp_path / "safe.keys"))
    _run("doc", "key", "retire", old)
    assert "Tr3s-S3cret" in _run("doc", "secret", "reveal", "equipment", "srv-app-01", "root", "--org", ORG)
    os.chmod(key_file, 0o644)
    out = _run("doc", "secret", "reveal", "equipment", "srv-app-01", "root", "--org", ORG, code=4)
    assert "chmod 600" in out and "Traceback" not in out
    os.chmod(key_file, 0o600)

    _run("export", str(tmp_path / "inventory.yml"), "--org", ORG, "--format", "ansible")
    assert '"ansible_host": "10.0.12.4"' in (tmp_path / "inventory.yml").read_text()
    out = _run("ticket", "import", str(DATA / "glpi_tickets_fr.csv"), "--org", ORG, code=1)
    assert "5 new" in out and "3 rejected" in out
    kpis = json.loads(_run("desk", "kpis", "--org", ORG, "--year", "2025", "--json"))
    assert kpis["sd.opened"]["value"] >= 5


def test_errors_are_one_line(home: Path) -> None:
    _run("org", "create", ORG)
    out = _run("ticket", "open", "x", "--org", ORG, "--requester", "y", "--urgency", "9", code=2)
    assert "urgency" in out and "Traceback" not in out
    out = _run("ticket", "show", "42", "--org", ORG, code=1)
    assert "no ticket #42" in out
    out = _run("ticket", "impact", "1", "--org", ORG, "--host", "bad", code=2)
    assert "NAME:OBSERVED_W:BASELINE_W" in out
    out = _run("export", "x.yml", "--org", ORG, "--format", "puppet", code=2)
    assert "unknown export format" in out
