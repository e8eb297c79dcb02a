"""Scans recorded per organisation (SQLite and PostgreSQL), findings with savings, policies, plan, the CLI."""

from __future__ import annotations

import json
import os
import pwd
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.db import session_scope
from sobre.core.errors import NotFound
from sobre.datasobriety import rot, service, storage
from sobre.datasobriety.run import ScanRequest, run_scan
from sobre.inventory.models import Equipment
from sobre.inventory.service import user_logins
from sobre.orgs import service as orgs
from tests.datasobriety.tree import AS_OF, Expected

runner = CliRunner()
OWNER = pwd.getpwuid(os.getuid()).pw_name


@pytest.fixture
def org_url(db_url: str) -> str:
    with session_scope(db_url) as session:
        org = orgs.create(session, "Ville")
        # The files' owner holds a laptop still in use; the holder of a retired one has left.
        session.add(
            Equipment(org_id=org.id, name="PC-1", category="laptop", user=OWNER.upper(), status="in_use")
        )
        session.add(Equipment(org_id=org.id, name="PC-2", category="laptop", user="parti", status="retired"))
    return db_url


def test_scan_recorded_and_read_back(org_url: str, share: tuple[Path, Expected], tmp_path: Path) -> None:
    root, ex = share
    with session_scope(org_url) as session:
        service.install_default_policies(session, "Ville", ["office"])
    result = run_scan(
        org_url,
        ScanRequest(
            root,
            AS_OF,
            org="Ville",
            checkpoint=tmp_path / "c",
            storage=storage.StorageParams(media="ssd", given=frozenset({"media"})),
        ),
    )
    assert result.scan_id is not None
    assert user_logins(org_url, "Ville") == {OWNER.upper()}  # the retired laptop's holder has left
    assert result.findings.orphans == []  # every file belongs to a current user of the inventory
    assert {i.reason for i in result.findings.retention} == {"office"}
    with session_scope(org_url) as session:
        scan, again = service.load_findings(session, "Ville")
        assert scan.id == result.scan_id
        assert rot.to_json(again, detail=True) == rot.to_json(result.findings, detail=True)
        view = service.findings(session, "Ville", kind="duplicates", sort="age")
        assert [r["path"] for r in view.rows][:2] == [
            "archive/budget-2024 (copie).xlsx",
            "mairie/cr-conseil.txt",
        ]
        assert view.total_rows == 5
        saved = view.savings["duplicates"]
        assert saved["bytes"] == ex.reclaimable and saved["footprint"]["climate_change"].value > 0
        assert view.savings["orphans"]["count"] == 0
        planned = service.plan(session, "Ville")
        data = planned.to_dict()
        assert data["items"][0]["kind"] == "duplicates" and data["items"][0]["bytes"] == ex.reclaimable
        assert len(data["actions"]) == len(data["items"])
        with pytest.raises(NotFound):
            service.findings(session, "Ville", scan_id=999)


def test_policies(org_url: str) -> None:
    with session_scope(org_url) as session:
        installed = service.install_default_policies(session, "Ville")
        assert len(installed) == len(service.list_policies(session, "Ville")) >= 6
        service.remove_policy(session, "Ville", "video")
        assert "video" not in {p.category for p in service.list_policies(session, "Ville")}
        with pytest.raises(NotFound):
            service.remove_policy(session, "Ville", "video")


def test_cli_scan_findings_plan(share: tuple[Path, Expected], home: Path, tmp_path: Path) -> None:
    root, ex = share
    assert runner.invoke(app, ["org", "create", "Ville"]).exit_code == 0
    assert runner.invoke(app, ["data", "policy", "defaults", "--org", "Ville"]).exit_code == 0
    out = tmp_path / "scan.json"
    result = runner.invoke(
        app,
        [
            "data",
            "scan",
            str(root),
            "--as-of",
            "2026-12-01",
            "--obsolete-after",
            "3y",
            "--json",
            str(out),
            "--org",
            "Ville",
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(out.read_text())
    assert sorted(doc["duplicate_groups"]) == ex.groups and doc["reclaimable_bytes"] == ex.reclaimable
    assert doc["scan_id"] == 1
    result = runner.invoke(app, ["data", "findings", "--org", "Ville", "--kind", "trivial", "--json"])
    assert result.exit_code == 0
    assert sorted(r["path"] for r in json.loads(result.output)["rows"]) == ex.trivial
    result = runner.invoke(app, ["data", "plan", "--org", "Ville"])
    assert result.exit_code == 0 and "kgCO2e per year" in result.output
    # without an organisation: nothing recorded, JSON on stdout
    result = runner.invoke(
        app, ["data", "scan", str(root), "--as-of", "1796083200", "--json", "-", "--quiet"]
    )
    assert result.exit_code == 0 and json.loads(result.output)["root"] == "."


def test_cli_errors_are_one_line(home: Path, tmp_path: Path) -> None:
    result = runner.invoke(app, ["data", "scan", str(tmp_path / "nowhere"), "--quiet"])
    assert result.exit_code == 2 and "not a folder" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["data", "scan", str(tmp_path), "--obsolete-after", "three", "--quiet"])
    assert result.exit_code == 2 and "duration" in result.output
    listing = tmp_path / "l.csv"
    listing.write_text("path,size,mtime\na,-1,0\n")
    result = runner.invoke(app, ["data", "scan", str(listing), "--listing", "--quiet"])
    assert result.exit_code == 2 and "row 1" in result.output and "'size'" in result.output
