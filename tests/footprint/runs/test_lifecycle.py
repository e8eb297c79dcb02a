"""Runs that die, runs that are deleted: nothing half-written is ever read, nothing stays ``running``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core import liveness
from sobre.core.db import get_engine, session_scope
from sobre.core.errors import NotFound, SobreError
from sobre.core.settings import load_settings
from sobre.footprint.runs import locations, service
from sobre.footprint.runs.models import FootprintRun
from sobre.orgs.models import utcnow
from tests.footprint.runs.helpers import seed_inventory

ROOT = Path(__file__).resolve().parents[3]
REF = date(2025, 6, 30)


def _left(url: str, run_id: int) -> tuple[int, int, list[str]]:
    """(aggregate rows, stored file chunks, folders) a run has in the database and on disk."""
    with get_engine(url).connect() as conn:
        rows = conn.execute(
            sa.text("SELECT COUNT(*) FROM footprint_aggregate WHERE run_id = :r"), {"r": run_id}
        ).scalar_one()
        files = conn.execute(
            sa.text("SELECT COUNT(*) FROM footprint_run_file WHERE run_id = :r"), {"r": run_id}
        ).scalar_one()
    folders = [e for e in locations.entries(locations.location(url)) if f"run-{run_id}-" in e]
    return int(rows), int(files), folders


@pytest.mark.parametrize("step", ["compute", "write", "publish"])
def test_a_run_killed_hard_is_marked_failed_and_leaves_nothing_readable(
    db_url: str, tmp_path: Path, step: str
) -> None:
    seed_inventory(db_url)
    ready = tmp_path / "ready"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    child = subprocess.Popen(
        [sys.executable, "-m", "tests.footprint.runs.killable", db_url, step, str(ready)],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    while not ready.exists():
        if child.poll() is not None:
            pytest.fail(f"the run ended before step {step}: {child.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
        assert time.monotonic() < deadline, "the run never reached its step"
        time.sleep(0.05)
    [held] = service.list_runs(db_url, "Ville A")
    assert held.status == "running"  # alive: not reaped
    if step == "write":
        assert _left(db_url, held.id)[2] == [f".tmp-run-{held.id}-" + _token(db_url, held.id)]
    child.send_signal(signal.SIGKILL)
    child.wait(timeout=30)
    child.stderr.close()  # type: ignore[union-attr]

    [meta] = service.list_runs(db_url, "Ville A")
    assert meta.id == held.id and meta.status == "failed" and "interrupted" in (meta.error or "")
    assert _left(db_url, meta.id) == (0, 0, [])
    with pytest.raises(SobreError, match="failed"):
        service.load_run(db_url, meta.id)
    assert service.latest_run(db_url, "Ville A") is None
    # The next run works, and only its own dataset is on disk.
    again = service.run_footprint(db_url, "Ville A", reference_date=REF)
    assert again.status == "done"
    assert [e for e in locations.entries(locations.location(db_url)) if e.startswith(("run-", ".tmp-"))] == [
        _name(db_url, again.id)
    ]


def _name(url: str, run_id: int) -> str:
    with session_scope(url) as s:
        return str(s.get(FootprintRun, run_id).dataset)  # type: ignore[union-attr]


def _token(url: str, run_id: int) -> str:
    return _name(url, run_id).rsplit("-", 1)[1]


def _running(url: str, org_id: int, **owner: object) -> int:
    with session_scope(url) as s:
        run = FootprintRun(
            org_id=org_id,
            reference_date=REF,
            profile="sobre",
            engine_version="t",
            methodology_version="t",
            factor_set_id="t",
            factor_set_version="1",
            inputs_hash="x" * 64,
            status="running",
            **owner,
        )
        s.add(run)
        s.flush()
        return run.id


def test_stale_runs_are_found_by_process_start_time_and_heartbeat(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    me = liveness.me()
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    gone = _running(sqlite_url, ids["org"], owner_host=me.host, owner_pid=dead.pid, owner_started=1)
    reused = _running(
        sqlite_url, ids["org"], owner_host=me.host, owner_pid=me.pid, owner_started=(me.started or 0) + 1
    )
    alive = _running(sqlite_url, ids["org"], owner_host=me.host, owner_pid=me.pid, owner_started=me.started)
    far_quiet = _running(
        sqlite_url,
        ids["org"],
        owner_host="elsewhere",
        owner_pid=1,
        heartbeat_at=utcnow() - timedelta(hours=1),
    )
    far_busy = _running(sqlite_url, ids["org"], owner_host="elsewhere", owner_pid=1, heartbeat_at=utcnow())
    legacy = _running(sqlite_url, ids["org"])  # a run left running before runs had owners
    status = {m.id: m.status for m in service.list_runs(sqlite_url, "Ville A")}
    assert status == {
        gone: "failed",
        reused: "failed",
        alive: "running",
        far_quiet: "failed",
        far_busy: "running",
        legacy: "failed",
    }
    with pytest.raises(SobreError, match="still being computed"):
        service.delete_run(sqlite_url, alive)


def test_the_heartbeat_keeps_a_long_run_fresh(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    run_id = _running(sqlite_url, ids["org"], heartbeat_at=utcnow() - timedelta(hours=2))
    with liveness.Heartbeat(service._beat(sqlite_url, run_id), every=0.05):
        time.sleep(0.5)
    with session_scope(sqlite_url) as s:
        beat = s.get(FootprintRun, run_id).heartbeat_at  # type: ignore[union-attr]
    assert beat is not None and abs(utcnow().replace(tzinfo=None) - beat.replace(tzinfo=None)) < timedelta(
        minutes=1
    )


def test_deleting_a_run_removes_its_record_aggregates_and_files(db_url: str) -> None:
    seed_inventory(db_url)
    keep = service.run_footprint(db_url, "Ville A", reference_date=REF)
    gone = service.run_footprint(db_url, "Ville A", reference_date=REF)
    service.load_run(db_url, gone.id)  # on PostgreSQL this also makes the local copy
    assert _left(db_url, gone.id)[0] > 0 and len(_left(db_url, gone.id)[2]) == 1
    meta = service.delete_run(db_url, gone.id, "Ville A")
    assert meta.id == gone.id and meta.dataset_bytes
    assert _left(db_url, gone.id) == (0, 0, [])
    with pytest.raises(NotFound):
        service.load_run(db_url, gone.id)
    assert [m.id for m in service.list_runs(db_url, "Ville A")] == [keep.id]
    service.load_run(db_url, keep.id)
    with pytest.raises(NotFound):
        service.delete_run(db_url, keep.id, "Another org")


def test_a_missing_dataset_is_a_clear_error(sqlite_url: str) -> None:
    seed_inventory(sqlite_url)
    run = service.run_footprint(sqlite_url, "Ville A", reference_date=REF)
    loc = locations.location(sqlite_url)
    locations.discard(loc, [_name(sqlite_url, run.id)])
    with pytest.raises(SobreError, match="missing"):
        service.load_run(sqlite_url, run.id)


def test_leftover_folders_are_swept_when_a_run_starts(sqlite_url: str) -> None:
    ids = seed_inventory(sqlite_url)
    loc = locations.location(sqlite_url)
    for name in ("run-99-0123456789abcdef", ".tmp-run-98-0123456789abcdef", ".extract-run-1-ab-1-cd"):
        (loc.root / name).mkdir(parents=True)
    (loc.root / "notes.txt").write_text("not ours")
    os.utime(loc.root / ".extract-run-1-ab-1-cd", (0, 0))
    run = service.run_footprint(sqlite_url, "Ville A", reference_date=REF)
    assert locations.entries(loc) == sorted(["notes.txt", _name(sqlite_url, run.id)])
    assert ids


def test_cli_delete(home: Path) -> None:
    runner = CliRunner()
    url = load_settings().database_url
    seed_inventory(url)
    run = service.run_footprint(url, "Ville A", reference_date=REF)
    result = runner.invoke(app, ["footprint", "delete", str(run.id)])
    assert result.exit_code == 0, result.output
    assert f"Deleted run {run.id} of Ville A" in result.output and "kB of results freed" in result.output
    result = runner.invoke(app, ["footprint", "delete", str(run.id)])
    assert result.exit_code == 1 and "no footprint run" in result.output
