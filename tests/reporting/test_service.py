"""The report built from the database equals the stored run (SQLite and PostgreSQL); CLI commands."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.db import session_scope
from sobre.footprint.runs.models import FootprintAggregate
from sobre.footprint.runs.queries import breakdown
from sobre.footprint.runs.service import run_footprint
from sobre.inventory.importer import import_file
from sobre.orgs import service as orgs
from sobre.reporting.data import build_report_data as build_from_inputs
from sobre.reporting.model import ReportData
from sobre.reporting.service import build_report_data, report_inputs

ORG = "Petiteville"
FILES = {
    "site": "name,kind,country,pue\nMairie,office,FR,\nSalle <b>serveur</b>,server_room,FR,1.9\n",
    "department": "name,headcount\nFinances,12\nDSI,4\n",
    "equipment": (
        "name,category,quantity,status,purchase_date,cpu_threads,site,department,user\n"
        "pc-1,laptop,1,in_use,2023-03-01,,Mairie,Finances,alice\n"
        "pc-2,laptop,1,in_use,2022-03-01,,Mairie,Finances,bob\n"
        "ecran-lot,monitor,6,in_use,2021-01-15,,Mairie,Finances,\n"
        "esx-1,rack_server,1,in_use,2022-06-01,32,Salle <b>serveur</b>,DSI,\n"
        "old-pc,desktop,1,retired,2015-01-01,,Mairie,Finances,carol\n"
    ),
    "vm": "name,host,vcpu,department\nvm-a,esx-1,4,Finances\nvm-b,esx-1,2,DSI\n",
    "application": "name,environment,users,department,vm\nCompta,production,12,Finances,vm-a\n"
    "Compta,production,12,Finances,vm-b\nIntranet,production,16,DSI,vm-b\n",
}


def _populate(url: str, tmp_path: Path) -> int:
    with session_scope(url) as session:
        orgs.create(session, ORG, inhabitants=5_000, country="FR")
    for kind, text in FILES.items():
        path = tmp_path / f"{kind}.csv"
        path.write_text(text, encoding="utf-8")
        summary = import_file(url, ORG, path, kind=kind, fmt="sobre", rejects_dir=tmp_path / "rejects")
        assert summary.rejected == 0, (kind, summary)
    return run_footprint(url, ORG, reference_date=date(2025, 12, 31)).id


def test_report_equals_stored_run(db_url: str, tmp_path: Path) -> None:
    run_id = _populate(db_url, tmp_path)
    data = build_report_data(db_url, ORG)
    assert data.run.run_id == run_id and data.run.reference_date == date(2025, 12, 31)
    assert data.organisation.employees == 16  # no org headcount: the departments' sum
    assert data.organisation.users == 3  # alice, bob, carol (people with a device)
    totals = {r["key"]: r for r in breakdown(db_url, ORG, "criterion")}
    for tot in data.totals:
        ref = totals[tot.criterion]
        assert tot.total.value == pytest.approx(ref["value"], rel=1e-9)
        assert (tot.total.low, tot.total.high) == pytest.approx((ref["low"], ref["high"]), rel=1e-9)
        assert tot.total.unknown == ref["unknown"]
    for by in ("stage", "category", "site", "application", "department"):
        expected = {
            str(r["key"]) if r["key"] is not None else "": r["value"]
            for r in breakdown(db_url, ORG, by, criterion=data.primary)
        }
        got = {r.key: r.value for r in data.breakdowns[by].for_criterion(data.primary)}
        assert got == pytest.approx(expected, rel=1e-9), by
    # Departments: the DSI's host is split by its VMs' vCPU (vm-a 4/32 Finances, vm-b 2/32 DSI), its idle
    # rest is shared; the laptops and monitors are Finances' own.
    from sobre.footprint.runs.service import load_run

    _, result = load_run(db_url, run_id)
    imp = result.impacts.filter(pl.col("criterion") == data.primary)

    def total(kind: str, name: str) -> float:
        ids = result.items.filter((pl.col("item_kind") == kind) & (pl.col("name") == name))["item_id"]
        return float(
            imp.filter((pl.col("item_kind") == kind) & pl.col("item_id").is_in(ids.implode()))["value"].sum()
        )

    host = total("equipment", "esx-1")
    own = total("equipment", "pc-1") + total("equipment", "pc-2") + total("equipment", "ecran-lot")
    by_dept = {d.name or "": d.figure.value for d in data.departments}
    assert by_dept["Finances"] == pytest.approx(own + host * 4 / 32, rel=1e-9)
    assert by_dept["DSI"] == pytest.approx(host * 2 / 32, rel=1e-9)
    assert by_dept[""] == pytest.approx(host * 26 / 32, rel=1e-9)
    assert data.idle.hosts_with_vms == 1 and data.idle.hosts[0].host == "esx-1"
    assert len(data.quality.imports) == len(FILES)
    assert any(s.kind == "impacts" and s.licence for s in data.sources)


#: The breakdowns both the report and the pages show (the departments: the allocation, stored with the run).
BREAKDOWNS = ("stage", "category", "site", "application", "department")


def _pages(url: str, data: ReportData) -> dict[str, dict[str, tuple]]:
    """The web pages' breakdowns (``queries.breakdown``) as the report keys them: key → figures."""
    out = {}
    for by in BREAKDOWNS:
        rows = breakdown(url, ORG, by, criterion=data.primary)
        missing = "other" if by == "category" else ""
        out[by] = {
            missing if r["key"] is None else str(r["key"]): (r["value"], r["low"], r["high"], r["unknown"])
            for r in rows
        }
    return out


def _report(data: ReportData) -> dict[str, dict[str, tuple]]:
    return {
        by: {
            r.key: (r.value, r.low, r.high, r.unknown)
            for r in data.breakdowns[by].for_criterion(data.primary)
        }
        for by in BREAKDOWNS
    }


def test_report_shows_what_the_pages_show(db_url: str, tmp_path: Path) -> None:
    """The totals and breakdowns are the run's stored aggregates: the same figures as the web pages to the
    last digit (not merely close: both read the same rows)."""
    _populate(db_url, tmp_path)
    data = build_report_data(db_url, ORG)
    assert _report(data) == _pages(db_url, data)
    totals = {r["key"]: r for r in breakdown(db_url, ORG, "criterion")}
    for tot in data.totals:
        ref = totals[tot.criterion]
        assert (tot.total.value, tot.total.low, tot.total.high) == (ref["value"], ref["low"], ref["high"])
        assert tot.total.unknown == ref["unknown"]


def test_run_without_stored_aggregates_is_reported_alike(db_url: str, tmp_path: Path) -> None:
    """A run stored without some aggregates (older runs): those figures are computed from its rows, equal
    to the stored ones but for the last digits (another summation order)."""
    run_id = _populate(db_url, tmp_path)
    stored = build_report_data(db_url, ORG)
    for dimensions in (("application", "site"), ("total", "category"), ("department", "department_part")):
        with session_scope(db_url) as session:
            session.execute(
                sa.delete(FootprintAggregate).where(
                    FootprintAggregate.run_id == run_id, FootprintAggregate.dimension.in_(dimensions)
                )
            )
        inputs = report_inputs(db_url, ORG, run_id)
        assert set(inputs.aggregates["dimension"].unique()).isdisjoint(dimensions)
        data = build_from_inputs(inputs)
        got, expected = _report(data), _report(stored)
        assert got.keys() == expected.keys()
        for by, rows in expected.items():
            assert got[by].keys() == rows.keys(), by
            for key, figures in rows.items():
                assert got[by][key][3] == figures[3], (by, key)
                assert got[by][key][:3] == pytest.approx(figures[:3], rel=1e-12), (by, key)
        for new, old in zip(data.totals, stored.totals, strict=True):
            assert new.total.value == pytest.approx(old.total.value, rel=1e-12)
            assert (new.total.unknown, new.unknown_by_stage) == (old.total.unknown, old.unknown_by_stage)
        for new_dept, old_dept in zip(data.departments, stored.departments, strict=True):
            assert (new_dept.department_id, new_dept.figure.unknown) == (
                old_dept.department_id,
                old_dept.figure.unknown,
            )
            new_fig, old_fig = new_dept.figure, old_dept.figure
            assert (new_fig.value, new_fig.low, new_fig.high) == pytest.approx(
                (old_fig.value, old_fig.low, old_fig.high), rel=1e-12
            )
            assert new_dept.keys == pytest.approx(old_dept.keys, rel=1e-12)


def test_recommendations_started_ahead_are_those_made_after(sqlite_url: str, tmp_path: Path) -> None:
    """The recommendations started while the inputs are read are the ones the report would compute from
    the finished inputs; inputs changed before the report are measured again, not taken from ahead."""
    run_id = _populate(sqlite_url, tmp_path)
    ahead = report_inputs(sqlite_url, ORG, run_id)
    assert ahead.measuring is not None
    after = report_inputs(sqlite_url, ORG, run_id, ahead=False)
    assert after.measuring is None
    made = build_from_inputs(ahead)
    assert made.recommendations and made.combined is not None
    again = build_from_inputs(after)
    assert (made.recommendations, made.combined) == (again.recommendations, again.combined)
    ahead = report_inputs(sqlite_url, ORG, run_id)
    assert ahead.measuring is not None and not ahead.surplus_devices
    # A caller's change after the read: one laptop is now a device beyond the allowance.
    equipment = ahead.inventory.equipment if ahead.inventory is not None else None
    assert equipment is not None
    ahead.surplus_devices = equipment.filter(pl.col("name") == "pc-2")["id"].to_list()
    assert not ahead.measuring.made_from(ahead, [c.code for c in made.criteria])
    assert "fewer_devices" in {r.key for r in build_from_inputs(ahead).recommendations}
    assert "fewer_devices" not in {r.key for r in made.recommendations}


def test_changed_inventory_leaves_recommendations_out(sqlite_url: str, tmp_path: Path) -> None:
    _populate(sqlite_url, tmp_path)
    assert build_report_data(sqlite_url, ORG).recommendations  # the laptops can live longer
    extra = tmp_path / "more.csv"
    extra.write_text("name,category,quantity,site\npc-3,laptop,1,Mairie\n", encoding="utf-8")
    import_file(sqlite_url, ORG, extra, kind="equipment", fmt="sobre")
    data = build_report_data(sqlite_url, ORG)
    assert data.recommendations == []
    assert any(n.startswith("inventory_changed") for n in data.quality.notes)


def test_cli_diagnosis_and_export(home: Path, tmp_path: Path) -> None:
    from sobre.core.settings import load_settings

    _populate(load_settings().database_url, tmp_path)
    runner = CliRunner()
    out = tmp_path / "report.html"
    res = runner.invoke(
        app, ["report", "diagnosis", "--org", ORG, "--format", "html", "--lang", "en", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert '<html lang="en">' in html and "Salle &lt;b&gt;serveur&lt;/b&gt;" in html
    res = runner.invoke(
        app, ["report", "export", "--org", ORG, "--format", "json", "--out", str(tmp_path / "r.json")]
    )
    assert res.exit_code == 0, res.output
    payload = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert payload["organisation"]["name"] == ORG
    res = runner.invoke(
        app, ["report", "diagnosis", "--org", ORG, "--format", "docx", "--out", str(tmp_path)]
    )
    assert res.exit_code == 2 and "unknown report format" in res.output
    res = runner.invoke(app, ["report", "diagnosis", "--org", "Nowhere"])
    assert res.exit_code == 1 and "no organisation named" in res.output


def test_report_inputs_errors(sqlite_url: str, tmp_path: Path) -> None:
    """The run is read beside the inventory: its errors are still the ones reported, in the same order."""
    from sobre.core.errors import InputError, NotFound

    run_id = _populate(sqlite_url, tmp_path)
    with session_scope(sqlite_url) as session:
        orgs.create(session, "Autreville")
    with pytest.raises(NotFound, match="no footprint run 999"):
        report_inputs(sqlite_url, "Nowhere", 999)  # the unknown run first, as before
    with pytest.raises(NotFound, match="no organisation named 'Nowhere'"):
        report_inputs(sqlite_url, "Nowhere", run_id)
    with pytest.raises(InputError, match="belongs to another organisation"):
        report_inputs(sqlite_url, "Autreville", run_id)
