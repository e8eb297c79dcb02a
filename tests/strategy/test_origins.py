"""Moves and deletions in stored scenarios, and one-click actions from a ROT finding and an incident,
against a real database (SQLite and PostgreSQL), and the CLI's new change kinds."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.datasobriety import service as data
from sobre.datasobriety import storage
from sobre.datasobriety.rot import Findings, Item
from sobre.footprint.runs import service as runs
from sobre.inventory.importer import import_file
from sobre.orgs import service as orgs
from sobre.servicedesk import incidents
from sobre.servicedesk import service as desk
from sobre.strategy import service, steering
from tests.strategy.world import DAY, ORG, populate

MORE = {
    "site": "name,kind,country,pue\nDC Lyon,data_centre,FR,1.3\n",
    "storage": (
        "name,kind,media,capacity_gb,used_gb,replicas,equipment,site,application,department\n"
        "partage,nfs,hdd,2000,1500,2,,Salle serveur,,DSI\n"
    ),
}


def _world(url: str, tmp_path: Path) -> tuple[int, object]:
    populate(url, tmp_path)
    for kind, text in MORE.items():
        path = tmp_path / f"more-{kind}.csv"
        path.write_text(text, encoding="utf-8")
        summary = import_file(url, ORG, path, kind=kind, fmt="sobre", rejects_dir=tmp_path / "rejects")
        assert summary.rejected == 0, (kind, summary)
    run_id = runs.run_footprint(url, ORG, reference_date=DAY).id
    return run_id, runs.load_run(url, run_id)[1]


def _climate(result: object, kind: str, name: str, stage: str | None = None) -> float:
    items = result.items.filter((pl.col("item_kind") == kind) & (pl.col("name") == name))  # type: ignore[attr-defined]
    imp = result.impacts.filter(  # type: ignore[attr-defined]
        (pl.col("item_kind") == kind)
        & pl.col("item_id").is_in(items["item_id"].to_list())
        & (pl.col("criterion") == "climate_change")
        & ((pl.col("stage") == stage) if stage else pl.lit(True))
    )
    return float(imp["value"].sum())


def _scan(url: str) -> int:
    """A data scan of the town's share: 500 MB of trivial files (deleted by the plan), 500 MB of obsolete
    ones (archived)."""
    as_of = datetime(2025, 12, 1, tzinfo=UTC)
    old = as_of.timestamp() - 800 * 86400
    f = Findings(root="/partage", as_of=as_of, obsolete_after="2y", files=4, bytes=2_000_000_000)
    f.trivial = [Item("/partage/tmp/a.tmp", 300_000_000, old), Item("/partage/tmp/b.tmp", 200_000_000, old)]
    f.obsolete = [Item("/partage/vieux.pdf", 500_000_000, old)]
    with session_scope(url) as s:
        return data.record_scan(s, ORG, f, storage.StorageParams(media="hdd", replicas=2.0))


def test_moves_and_deletions_are_stored_and_run(db_url: str, tmp_path: Path) -> None:
    _, result = _world(db_url, tmp_path)
    with session_scope(db_url) as s:
        service.create_scenario(s, ORG, "Lyon")
        service.add_change(s, ORG, "Lyon", "move_to_site", {"to_site": "DC Lyon", "vms": "vm-a"})
        service.create_scenario(s, ORG, "Ménage")
        service.add_change(s, ORG, "Ménage", "delete_data", {"volume": "partage", "tb": 0.5})
    lyon, menage = service.compare(db_url, ORG, ["Lyon", "Ménage"])
    # vm-a is all esx-1 carries: the host moves with it, from PUE 1.9 to 1.3 (both in France); vm-a itself
    # is 4 of its 32 threads.
    use = _climate(result, "equipment", "esx-1", "use")
    assert lyon.effect is not None and menage.effect is not None
    assert lyon.effect.delta("climate_change") == pytest.approx(use * (1.3 / 1.9 - 1), rel=1e-9)
    assert lyon.effect.allocations["vm"]["climate_change"].delta == pytest.approx(
        use / 8 * (1.3 / 1.9 - 1), rel=1e-9
    )
    # 500 GB of data with its replica: 1,000 of the 4,000 GB the volume weighs go.
    volume = _climate(result, "storage", "partage")
    assert menage.effect.delta("climate_change") == pytest.approx(-volume / 4, rel=1e-9)
    both = service.combined_effect(db_url, ORG, ["Lyon", "Ménage"])
    assert both.delta("climate_change") == pytest.approx(
        lyon.effect.delta("climate_change") + menage.effect.delta("climate_change"), rel=1e-9
    )  # disjoint: nothing overlaps, so the combination is the sum here
    # Moving the whole server room moves the volume too; deleting from it afterwards removes a quarter of
    # what it weighs there, not of what it weighed before.
    with session_scope(db_url) as s:
        service.create_scenario(s, ORG, "Salle")
        service.add_change(
            s, ORG, "Salle", "move_to_site", {"to_site": "DC Lyon", "from_site": "Salle serveur"}
        )
    [room] = service.compare(db_url, ORG, ["Salle"])
    # esx-1 goes with vm-a; esx-2 carries no VM and runs no application: it stays.
    hosts = _climate(result, "equipment", "esx-1", "use")
    volume_use = _climate(result, "storage", "partage", "use")
    moved = volume - volume_use + volume_use * 1.3 / 1.9
    assert room.effect is not None
    assert room.effect.delta("climate_change") == pytest.approx(
        (hosts + volume_use) * (1.3 / 1.9 - 1), rel=1e-9
    )
    overlap = service.combined_effect(db_url, ORG, ["Salle", "Ménage"])
    expected = hosts * (1.3 / 1.9 - 1) + 0.75 * moved - volume
    assert overlap.delta("climate_change") == pytest.approx(expected, rel=1e-9)
    summed = room.effect.delta("climate_change") + menage.effect.delta("climate_change")  # type: ignore[operator]
    assert abs(overlap.delta("climate_change") - summed) > 1e-6 * abs(summed)  # type: ignore[operator]


def test_one_click_actions_from_a_rot_finding_and_an_incident(db_url: str, tmp_path: Path) -> None:
    _, result = _world(db_url, tmp_path)
    scan_id = _scan(db_url)
    with session_scope(db_url) as s:
        oid = orgs.get(s, ORG).id
        action = service.create_action_from(s, oid, "rot", f"{scan_id}:trivial", lang="en", volume="partage")
        assert action.origin == "rot" and action.origin_ref == f"{scan_id}:trivial"
        assert action.title.startswith("Delete 2 files (0.5 GB)")
        assert action.scenario_id is not None and action.horizon == "short"
        # 0.5 GB of the volume's 1,500 GB of data, with its replica: 1 GB of the 4,000 the volume weighs.
        volume = _climate(result, "storage", "partage")
        assert action.avoided["climate_change"]["value"] == pytest.approx(volume * 1.0 / 4000, rel=1e-9)
        # The plan archives obsolete files: it deletes none of them.
        with pytest.raises(InputError) as err:
            service.create_action_from(s, oid, "rot", f"{scan_id}:obsolete")
        assert err.value.column == "rot_finding" and "trivial" in str(err.value.expected)
        with pytest.raises(InputError):
            service.create_action_from(s, oid, "rot", "first")
        with pytest.raises(InputError) as err:
            service.create_action_from(s, oid, "free", "x")
        assert err.value.column == "origin"

        ticket = desk.open_ticket(
            s, oid, title="esx-1 surchauffe", requester="DSI", items=[("equipment", "esx-1")]
        )
        incidents.assess(
            s,
            oid,
            ticket.number,
            hosts=[{"name": "esx-1", "observed_w": 600, "baseline_w": 300, "hours": 10}],
        )
        incident = service.create_action_from(s, oid, "incident", str(ticket.number), lang="fr")
        assert incident.origin == "incident" and incident.origin_ref == f"#{ticket.number}"
        assert "esx-1 surchauffe" in incident.title and incident.title.startswith("Éviter")
        kg = desk_view_kg(s, oid, ticket.number)
        assert incident.avoided["climate_change"]["value"] == pytest.approx(kg)
        request = desk.open_ticket(s, oid, title="Nouvel écran", requester="Finances", kind="request")
        with pytest.raises(InputError):
            service.create_action_from(s, oid, "incident", str(request.number))
        # The ROT action's scenario is part of the plan the objectives are checked against.
        assert steering.plan_scenarios(s, ORG) == [f"ROT deletion {scan_id}:trivial"]
    # add-change takes the volume from the scan's plan as well.
    with session_scope(db_url) as s:
        service.create_scenario(s, ORG, "Plan ROT")
        spec = service.add_change(
            s, ORG, "Plan ROT", "delete_data", {"rot_scan": scan_id, "volume": "partage"}
        )
        assert spec.params["gb"] == pytest.approx(0.5) and spec.params["rot_scan"] == scan_id


def test_a_rot_action_without_volumes_takes_the_plan_estimate(db_url: str, tmp_path: Path) -> None:
    populate(db_url, tmp_path)  # no storage volume in this inventory
    scan_id = _scan(db_url)
    with session_scope(db_url) as s:
        oid = orgs.get(s, ORG).id
        action = service.create_action_from(s, oid, "rot", str(scan_id), lang="en")
        [item] = [i for i in data.plan(s, ORG, scan_id).items if i.action == "delete" and i.files]
        assert action.scenario_id is None and "data-sobriety plan" in action.description
        assert action.avoided["climate_change"]["value"] == pytest.approx(
            item.footprint["climate_change"].value
        )
        assert action.avoided["climate_change"]["value"] > 0
        # A volume named wrongly is an error, not an estimate.
        with pytest.raises(InputError) as err:
            service.create_action_from(s, oid, "rot", str(scan_id), volume="nulle part")
        assert err.value.column == "volume"


def desk_view_kg(session: object, oid: int, number: int) -> float:
    from sobre.servicedesk.views import view

    return float(view(session, oid, number)["assessment"]["kgco2e"]["value"])  # type: ignore[arg-type]


def test_cli_takes_the_new_kinds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    monkeypatch.setenv("SOBRE_HOME", str(home))
    from sobre.core.settings import load_settings

    _world(load_settings(home).database_url, tmp_path)
    cli = CliRunner()

    def run(*args: str) -> object:
        return cli.invoke(app, list(args))

    assert run("scenario", "create", "Lyon", "--org", ORG).exit_code == 0  # type: ignore[attr-defined]
    ok = run(
        "scenario",
        "add-change",
        "Lyon",
        "move_to_site",
        "--org",
        ORG,
        "--to-site",
        "DC Lyon",
        "--from-site",
        "Salle serveur",
    )
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    ok = run(
        "scenario", "add-change", "Lyon", "delete_data", "--org", ORG, "--volume", "partage", "--gb", "100"
    )
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    out = run("scenario", "run", "Lyon", "--org", ORG, "--json")
    assert out.exit_code == 0, out.output  # type: ignore[attr-defined]
    effect = json.loads(out.output)["effect"]  # type: ignore[attr-defined]
    assert effect["cells"]["climate_change"]["use"]["delta"] < 0 and effect["changes"][0]["vms"] == 1
    bad = run("scenario", "add-change", "Lyon", "delete_data", "--org", ORG, "--gb", "1", "--tb", "1")
    assert bad.exit_code == 2 and "tb" in bad.output and "Traceback" not in bad.output  # type: ignore[attr-defined]
    bad = run("scenario", "add-change", "Lyon", "move_to_site", "--org", ORG, "--vms", "vm-a")
    assert bad.exit_code == 2 and "to_site" in bad.output  # type: ignore[attr-defined]
    ok = run(
        "scenario", "add-change", "Lyon", "move_to_site", "--org", ORG, "--to-site", "Lune", "--vms", "vm-a"
    )
    assert ok.exit_code == 0  # type: ignore[attr-defined]
    bad = run("scenario", "run", "Lyon", "--org", ORG)
    assert bad.exit_code == 2 and "Lune" in bad.output and "Traceback" not in bad.output  # type: ignore[attr-defined]
    scan_id = _scan(load_settings(home).database_url)
    ok = run(
        "action",
        "add",
        "-",
        "--org",
        ORG,
        "--from-rot",
        f"{scan_id}:trivial",
        "--volume",
        "partage",
        "--lang",
        "en",
    )
    assert ok.exit_code == 0, ok.output  # type: ignore[attr-defined]
    [listed] = json.loads(run("action", "list", "--org", ORG, "--json").output)  # type: ignore[attr-defined]
    assert listed["origin"] == "rot" and listed["title"].startswith("Delete 2 files")
    assert listed["avoided"]["climate_change"]["value"] > 0
    bad = run("action", "add", "-", "--org", ORG, "--from-incident", "999")
    assert bad.exit_code != 0 and "Traceback" not in bad.output  # type: ignore[attr-defined]
