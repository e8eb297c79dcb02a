"""Run lifecycle with the real engine: failures leave a failed run and no results; explain; listing."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint import engine
from sobre.footprint.runs import locations, service, store
from sobre.inventory.models import Equipment
from tests.footprint.runs.helpers import seed_inventory

REF = date(2025, 6, 30)


def _counts(url: str, run_id: int) -> tuple[int, int]:
    """(aggregate rows, dataset folders and temporary folders) a run has left."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text("SELECT COUNT(*) FROM footprint_aggregate WHERE run_id = :r"), {"r": run_id}
        ).scalar_one()
        files = conn.execute(
            sa.text("SELECT COUNT(*) FROM footprint_run_file WHERE run_id = :r"), {"r": run_id}
        ).scalar_one()
    folders = [e for e in locations.entries(locations.location(url)) if f"run-{run_id}-" in e]
    return int(rows) + int(files), len(folders)


def test_a_run_with_the_default_factor_set_is_stored(db_url: str) -> None:
    seed_inventory(db_url)
    summary = service.run_footprint(db_url, "Ville A", reference_date=REF)
    assert summary.status == "done" and summary.error is None
    assert summary.engine_version == engine.ENGINE_VERSION
    assert summary.methodology_version == engine.PROFILES["sobre"]
    assert summary.factor_set_id and summary.factor_set_version
    assert summary.item_count and summary.duration_s is not None and summary.duration_s > 0
    assert set(summary.timings) == {"load", "compute", "store"}
    assert summary.totals and all("unknown" in t for t in summary.totals.values())
    rows, folders = _counts(db_url, summary.id)
    assert rows > 0 and folders == 1
    assert summary.dataset_bytes and summary.dataset_bytes > 0
    runs = service.list_runs(db_url, "Ville A")
    assert [r.id for r in runs] == [summary.id]


def test_a_failed_computation_is_stored_as_failed_with_no_results(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_inventory(sqlite_url)

    def broken(*_args: object, **_kwargs: object) -> None:
        raise ValueError("factor table is corrupt")

    monkeypatch.setattr(engine, "compute", broken)
    with pytest.raises(service.RunFailed, match="factor table is corrupt") as info:
        service.run_footprint(sqlite_url, "Ville A", reference_date=REF)
    run_id = info.value.run_id
    [meta] = service.list_runs(sqlite_url, "Ville A")
    assert meta.id == run_id and meta.status == "failed" and "factor table is corrupt" in (meta.error or "")
    assert _counts(sqlite_url, run_id) == (0, 0)
    assert service.latest_run(sqlite_url, "Ville A") is None
    with pytest.raises(SobreError, match="failed"):
        service.load_run(sqlite_url, run_id)


def test_a_storage_failure_half_way_leaves_no_partial_results(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_inventory(db_url)
    real_insert = store.bulk_insert

    def insert_then_fail(conn: sa.Connection, table: str, frame: object) -> None:
        real_insert(conn, table, frame)  # type: ignore[arg-type]
        if (
            table == "footprint_aggregate"
        ):  # dataset published and aggregates written, then the disk "fills up"
            raise OSError("disk full")

    monkeypatch.setattr(store, "bulk_insert", insert_then_fail)
    with pytest.raises(service.RunFailed, match="disk full") as info:
        service.run_footprint(db_url, "Ville A", reference_date=REF)
    assert _counts(db_url, info.value.run_id) == (0, 0)
    [meta] = service.list_runs(db_url, "Ville A")
    assert meta.status == "failed"


def test_bad_profile_and_unknown_factor_set_are_clear_errors(sqlite_url: str) -> None:
    seed_inventory(sqlite_url)
    with pytest.raises(InputError, match="profile"):
        service.run_footprint(sqlite_url, "Ville A", profile="ademe")
    with pytest.raises(NotFound, match="no factor set"):
        service.run_footprint(sqlite_url, "Ville A", factor_set="nope")
    with pytest.raises(NotFound, match="no organisation"):
        service.run_footprint(sqlite_url, "Nobody")
    assert service.list_runs(sqlite_url, "Ville A") == []


def test_explain_an_item_by_name_or_kind_and_id(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    summary = service.run_footprint(sqlite_url, "Ville A", reference_date=REF)
    by_name = service.explain_item(sqlite_url, "Ville A", "srv-1")
    assert by_name["item"]["item_kind"] == "equipment" and by_name["item"]["item_id"] == ids["srv"]
    assert by_name["run"]["id"] == summary.id and by_name["explanation"] and by_name["impacts"]
    assert by_name["warnings"] == []
    by_key = service.explain_item(sqlite_url, "Ville A", f"vm:{ids['vm']}", run_id=summary.id)
    assert by_key["item"]["name"] == "vm-1"
    app = service.explain_item(sqlite_url, "Ville A", "Paie")
    assert [t["item_id"] for t in app["explanation"]["targets"]] == [ids["vm"]]
    assert app["explanation"]["targets"][0]["impacts"]  # the VM's figures were read for the formula
    with pytest.raises(NotFound, match="no item named"):
        service.explain_item(sqlite_url, "Ville A", "ghost")
    # The inventory changes after the run: the explanation says so.
    with session_scope(sqlite_url) as s:
        s.get(Equipment, ids["srv"]).annual_kwh = 2000  # type: ignore[union-attr]
    changed = service.explain_item(sqlite_url, "Ville A", "srv-1")
    assert any("changed since run" in w for w in changed["warnings"])


def test_runs_of_another_organisation_are_not_reachable(sqlite_url: str, tmp_path: Path) -> None:
    seed_inventory(sqlite_url)
    seed_inventory(sqlite_url, "Ville B")
    run_b = service.run_footprint(sqlite_url, "Ville B", reference_date=REF)
    with pytest.raises(NotFound, match="no footprint run"):
        service.explain_item(sqlite_url, "Ville A", "srv-1", run_id=run_b.id)


def test_an_empty_inventory_gives_zero_not_unknown(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as s:
        from sobre.orgs import service as orgs

        orgs.create(s, "Empty")
    summary = service.run_footprint(sqlite_url, "Empty", reference_date=REF)
    assert summary.status == "done" and summary.item_count == 0
    assert all(t["value"] == 0.0 and t["unknown"] == 0 for t in summary.totals.values())
