"""Several commands on one SQLite database, and an import killed hard.

Two writers at once either both succeed or one waits and says so; a writer that waits longer than the
busy timeout stops with one clear line; an import killed with SIGKILL leaves nothing half-written.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _sobre(home: Path, *args: str, **env: str) -> subprocess.Popen[str]:
    environ = {k: v for k, v in os.environ.items() if k != "SOBRE_DATABASE_URL"}
    environ.update({"SOBRE_HOME": str(home), "COLUMNS": "200", **env})
    return subprocess.Popen(
        [sys.executable, "-m", "sobre", *args],
        cwd=ROOT,
        env=environ,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _run(home: Path, *args: str, **env: str) -> tuple[int, str, str]:
    proc = _sobre(home, *args, **env)
    out, err = proc.communicate(timeout=300)
    return proc.returncode, out, err


def _equipment_file(path: Path, rows: int, prefix: str) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        fh.write("name;category;status;purchase_date;annual_kwh\n")
        for i in range(rows):
            fh.write(f"{prefix}-{i:07d};laptop;in_use;15/03/2021;{10 + i % 50}\n")
    return path


@pytest.fixture
def town(tmp_path: Path) -> Path:
    home = tmp_path / "home"
    code, out, err = _run(home, "org", "create", "Acme")
    assert code == 0, err
    return home


def _count(home: Path, table: str) -> int:
    with sqlite3.connect(home / "sobre.db") as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


def test_a_writer_waits_for_another_and_says_so(town: Path, tmp_path: Path) -> None:
    path = _equipment_file(tmp_path / "eq.csv", 50, "pc")
    holder = sqlite3.connect(town / "sobre.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another command holds the write lock
    holder.execute("INSERT INTO department (org_id, name) VALUES (1, 'held')")
    proc = _sobre(town, "import", str(path), "--org", "Acme")
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(proc.stderr or []), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 120
        while not any("waiting for it to finish" in line for line in lines) and time.monotonic() < deadline:
            assert proc.poll() is None, lines  # it waits…
            time.sleep(0.05)
        assert any("waiting for it to finish" in line for line in lines), lines  # …and says so
    finally:
        holder.execute("COMMIT")
        holder.close()
    out = proc.stdout.read() if proc.stdout else ""
    proc.wait(timeout=120)
    reader.join(timeout=10)
    assert proc.returncode == 0, lines
    assert "50 inserted" in out  # then it succeeded
    assert _count(town, "equipment") == 50 and _count(town, "department") == 1


def test_a_writer_gives_up_after_the_busy_timeout_in_one_line(town: Path, tmp_path: Path) -> None:
    path = _equipment_file(tmp_path / "eq.csv", 10, "pc")
    holder = sqlite3.connect(town / "sobre.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, out, err = _run(town, "import", str(path), "--org", "Acme", SOBRE_DB_BUSY_TIMEOUT="1")
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert code == 1 and "for more than 1 s" in err and "Traceback" not in err
    assert _count(town, "equipment") == 0


def test_two_imports_at_once_both_succeed(town: Path, tmp_path: Path) -> None:
    a = _equipment_file(tmp_path / "a.csv", 20_000, "a")
    b = _equipment_file(tmp_path / "b.csv", 20_000, "b")
    procs = [_sobre(town, "import", str(p), "--org", "Acme") for p in (a, b)]
    results = [(p.communicate(timeout=300), p.returncode) for p in procs]
    for (out, err), code in results:
        assert code == 0, err
        assert "20000 inserted" in out and "Traceback" not in err
    assert _count(town, "equipment") == 40_000 and _count(town, "import_batch") == 2


def test_an_import_during_a_footprint_run(town: Path, tmp_path: Path) -> None:
    code, _, err = _run(
        town, "import", str(_equipment_file(tmp_path / "a.csv", 20_000, "a")), "--org", "Acme"
    )
    assert code == 0, err
    # A first run installs the default factor set (a write after reads: see docs/inventory.md).
    code, _, err = _run(town, "footprint", "run", "--org", "Acme", "--reference-date", "2026-01-01")
    assert code == 0, err
    run = _sobre(town, "footprint", "run", "--org", "Acme", "--reference-date", "2026-01-01")
    time.sleep(0.5)
    code, out, err = _run(
        town, "import", str(_equipment_file(tmp_path / "b.csv", 20_000, "b")), "--org", "Acme"
    )
    run_out, run_err = run.communicate(timeout=300)
    assert code == 0 and "20000 inserted" in out, err
    assert run.returncode == 0, run_err
    assert "database is locked" not in err + run_err and "Traceback" not in err + run_err


def test_an_import_killed_hard_leaves_nothing_half_written(town: Path, tmp_path: Path) -> None:
    _run(town, "import", str(_equipment_file(tmp_path / "first.csv", 10, "old")), "--org", "Acme")
    path = _equipment_file(tmp_path / "big.csv", 150_000, "pc")
    wal = town / "sobre.db-wal"
    proc = _sobre(town, "import", str(path), "--org", "Acme")
    started = time.monotonic()
    while time.monotonic() - started < 240:
        if proc.poll() is not None:
            pytest.fail(f"the import ended before it could be killed: {proc.communicate()}")
        if wal.exists() and wal.stat().st_size > 4 << 20:  # rows are being written, not yet committed
            break
        time.sleep(0.01)
    else:
        pytest.fail("the import never started writing")
    os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    with sqlite3.connect(town / "sobre.db") as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert _count(town, "equipment") == 10 and _count(town, "import_batch") == 1  # only the first import
    assert not list((town / "rejects").glob("*")) if (town / "rejects").exists() else True
    code, out, err = _run(
        town, "import", str(_equipment_file(tmp_path / "after.csv", 5, "new")), "--org", "Acme"
    )
    assert code == 0 and "5 inserted" in out, err  # the database is usable at once
