"""Benchmark: generate 1,000,000 equipment rows as CSV, import them, compare with pandas.read_csv.

Each measurement runs in its own subprocess so that its peak memory (max RSS, from
``resource.getrusage(RUSAGE_CHILDREN)``) is its own.  Usage::

    .venv/bin/python benchmarks/import_1m.py [--quick | --rows 1000000] [--workdir DIR] [--repeat N]
        [--floors] [--postgres]

On a shared machine the absolute times move with the load: compare the import with the
``pandas.read_csv`` time measured beside it (the ratio), and repeat a few times.  ``--floors`` also times
what any SQLite write of the same rows costs (see ``FLOORS``): the import cannot be faster than its last step.
The import is also timed up to the write (everything before the rows are handed to the database), and
``--postgres`` imports into a PostgreSQL server started for the run (fsync on) instead of SQLite.

Targets: the import within 3 × pandas' parse time of the same file, peak memory ≤ 1 GB.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

MODELS = [
    ("Dell", "Latitude 5420", "Portable"),
    ("HP", "EliteBook 840 G6", "Laptop"),
    ("Lenovo", "ThinkCentre M720q", "Ordinateur"),
    ("Dell", "P2419H", "Écran"),
    ("Apple", "iPhone 12", "Smartphone"),
    ("Samsung", "Galaxy S21", "Smartphone"),
    ("HPE", "ProLiant DL380 Gen10", "Serveur"),
    ("Cisco", "Catalyst 9200-48P", "Switch"),
    ("Acme", "Widget 3000", "Autre"),
    ("Dell", "Latitude", "Portable"),
]
STATUSES = ["En service", "En stock", "In use", "Rebut", "Réemploi"]
COUNTRIES = ["France", "FR", "Allemagne", "Spain", "Belgique"]


def generate(path: Path, rows: int, seed: int = 7) -> None:
    rnd = random.Random(seed)
    start = date(2015, 1, 1)
    with path.open("w", encoding="utf-8", newline="") as fh:
        fh.write(
            "name;category;manufacturer;model;serial;quantity;status;purchase_date;lifetime_years;"
            "annual_kwh;country;department;user\n"
        )
        for i in range(rows):
            maker, model, cat = MODELS[i % len(MODELS)]
            bought = start + timedelta(days=rnd.randrange(3000))
            kwh = f"{rnd.uniform(5, 400):.1f}".replace(".", ",")
            fh.write(
                f"asset-{i:07d};{cat};{maker};{model};SN{i:09d};1;{STATUSES[i % 5]};"
                f"{bought:%d/%m/%Y};{rnd.choice(['4', '5', '', '6'])};{kwh};{COUNTRIES[i % 5]};"
                f"Dept {i % 40};user{i % 5000}@example.org\n"
            )


def _child(code: str) -> tuple[float, float, dict[str, float]]:
    """Run ``code`` in a fresh interpreter; return (seconds reported by it, peak RSS of children in MB, the
    figures of its line before last when that is JSON)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    if peak_kb < before:
        peak_kb = before
    lines = out.strip().splitlines()
    try:
        figures = json.loads(lines[-2]) if len(lines) > 1 else {}
    except ValueError:
        figures = {}
    return float(lines[-1]), peak_kb / 1024, figures if isinstance(figures, dict) else {}


def _server_cpu(server: Any) -> float:
    """CPU seconds used so far by a PostgreSQL server started here: its postmaster, the children it reaped
    (the import's backend, once it ends) and the ones alive (checkpointer, WAL writer).  Linux only."""
    if server is None:
        return 0.0
    tick = os.sysconf("SC_CLK_TCK")

    def times(pid: str, reaped: bool) -> float:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        used = int(fields[11]) + int(fields[12]) + (int(fields[13]) + int(fields[14]) if reaped else 0)
        return used / tick

    postmaster = (Path(server.data) / "postmaster.pid").read_text().split()[0]
    children = Path(f"/proc/{postmaster}/task/{postmaster}/children").read_text().split()
    return times(postmaster, True) + sum(times(c, False) for c in children)


#: The import, timed in two stages: everything before the rows are handed to the writer (read, normalise,
#: check, match models, compare with the stored inventory: ``finishing.write`` is first called then), and
#: the write with the commit.  The last line is the whole import's seconds, the line before its figures.
IMPORT = """
import time, json
from pathlib import Path
from typing import Any
from sobre.core.db import get_engine, session_scope
from sobre.orgs import service
from sobre.inventory import finishing
from sobre.inventory.importer import import_file
url = {url!r}
get_engine(url)
with session_scope(url) as s:
    service.create(s, "Bench")
marks = []
write = finishing.write

def timed_write(*args, **kwargs):
    marks.append((time.perf_counter(), time.process_time()))
    return write(*args, **kwargs)

finishing.write = timed_write
t, c = time.perf_counter(), time.process_time()
summary = import_file(url, "Bench", Path({csv!r}), rejects_dir=Path({work!r}))
elapsed, cpu = time.perf_counter() - t, time.process_time() - c
first = marks[0] if marks else (t + elapsed, c + cpu)
stages = {{"before_write_s": first[0] - t, "before_write_cpu_s": first[1] - c, "cpu_s": cpu}}
print(json.dumps({{**summary.to_dict(), **stages}}))
print(elapsed)
"""
#: The floors of any SQLite write of the same rows (``--floors``): the raw 13 text columns, parsed by Polars
#: (timed too: the parse's own floor, as text, without any check), (1) bound by ``sqlite3.executemany``
#: into an unindexed table, (2) ingested by ADBC from Arrow into an unindexed table, (3) copied by one
#: ``INSERT … SELECT`` from an in-memory table into Sobre's ``equipment`` table with its indexes (what the
#: import's last step costs, whatever binds the values), (4) the same without the table's secondary
#: indexes, then each of them built once (what a large first import does), each build's time printed too.
FLOORS = """
import sqlite3, tempfile, time
from pathlib import Path
from typing import Any
import polars as pl
import adbc_driver_manager as adbc, adbc_driver_sqlite
from sobre.core.db import get_engine
work = Path(tempfile.mkdtemp(dir={work!r}))

def clock(what, fn):
    t, c = time.perf_counter(), time.process_time()
    fn()
    print(f"floor {{what}}: {{time.perf_counter() - t:.2f}} s (CPU {{time.process_time() - c:.2f}} s)")

def parse():
    global frame
    frame = pl.read_csv({csv!r}, separator=";", infer_schema=False)

clock("Polars read_csv of the file, text columns", parse)
cols = ", ".join(f'"{{c}}"' for c in frame.columns)

def executemany():
    con = sqlite3.connect(work / "em.db", isolation_level=None)
    con.execute(f"CREATE TABLE rows ({{cols}})")
    con.execute("BEGIN")
    marks = ", ".join("?" * frame.width)
    for start in range(0, frame.height, 20000):
        part = frame.slice(start, 20000)
        rows = list(zip(*(c.to_list() for c in part.iter_columns())))
        con.executemany(f"INSERT INTO rows VALUES ({{marks}})", rows)
    con.execute("COMMIT")

def ingest(path):
    with adbc_driver_sqlite.connect(str(path)) as db, adbc.AdbcConnection(db) as con:
        with adbc.AdbcStatement(con) as st:
            mode = adbc.INGEST_OPTION_MODE_CREATE
            st.set_options(**{{adbc.INGEST_OPTION_TARGET_TABLE: "rows", adbc.INGEST_OPTION_MODE: mode}})
            st.bind_stream(frame)
            st.execute_update()

ingest(work / "stage.db")

def fresh(name):  # a new Sobre database with one organisation, the staged rows attached in memory
    get_engine(f"sqlite:///{{work / name}}").dispose()
    con = sqlite3.connect(work / name, isolation_level=None)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("INSERT INTO organisation (name, created_at) VALUES ('Floor', CURRENT_TIMESTAMP)")
    con.execute("ATTACH ':memory:' AS stage")
    con.deserialize((work / "stage.db").read_bytes(), name="stage")
    return con

indexed, aside = fresh("sobre.db"), fresh("aside.db")

def insert_select(con):
    con.execute(
        "INSERT INTO equipment (org_id, name, category, manufacturer, model, serial, quantity, status,"
        " purchase_date, lifetime_years, annual_kwh, country, user, refurbished, data_quality)"
        " SELECT 1, name, category, manufacturer, model, serial, 1.0, status, purchase_date,"
        " lifetime_years, annual_kwh, country, user, 0, 'medium' FROM stage.rows"
    )

def with_indexes():
    indexed.execute("BEGIN IMMEDIATE")
    insert_select(indexed)
    indexed.execute("COMMIT")

def indexes_after():
    indexes = aside.execute(
        "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'equipment' AND type = 'index'"
        " AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'"
    ).fetchall()
    aside.execute("BEGIN IMMEDIATE")
    for name, _ in indexes:
        aside.execute(f'DROP INDEX "{{name}}"')
    insert_select(aside)
    for name, sql in indexes:
        t, c = time.perf_counter(), time.process_time()
        aside.execute(sql)
        builds.append((name, time.perf_counter() - t, time.process_time() - c))
    aside.execute("COMMIT")

clock("sqlite3.executemany, unindexed table", executemany)
clock("ADBC ingest, unindexed table", lambda: ingest(work / "adbc.db"))
clock("INSERT ... SELECT into the indexed equipment table", with_indexes)
builds = []
clock("INSERT ... SELECT without the secondary indexes, then each built once", indexes_after)
for name, seconds, cpu in builds:
    print(f"floor CREATE INDEX {{name}}, after the insert: {{seconds:.2f}} s (CPU {{cpu:.2f}} s)")
"""
PANDAS = """
import time
import pandas as pd
t = time.perf_counter()
df = pd.read_csv({csv!r}, sep=";", decimal=",")
print(len(df))
print(time.perf_counter() - t)
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="50,000 rows (development loop)")
    parser.add_argument("--rows", type=int, default=None)
    parser.add_argument("--workdir", type=Path, default=None)
    parser.add_argument("--repeat", type=int, default=1, help="import the file N times (fresh database each)")
    parser.add_argument("--floors", action="store_true", help="also time the floors of any SQLite write")
    parser.add_argument("--postgres", action="store_true", help="import into a PostgreSQL server (fsync on)")
    args = parser.parse_args()
    args.rows = args.rows or (50_000 if args.quick else 1_000_000)
    work = args.workdir or Path(tempfile.mkdtemp(prefix="sobre-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    csv_path = work / "equipment_1m.csv"
    t = time.perf_counter()
    generate(csv_path, args.rows)
    print(
        f"generated {args.rows:,} rows ({csv_path.stat().st_size / 1e6:.0f} MB) "
        f"in {time.perf_counter() - t:.1f} s"
    )
    # pandas first: RUSAGE_CHILDREN keeps the maximum over all children, so measure the smaller one first.
    p_time, p_mem, _ = _child(PANDAS.format(csv=str(csv_path)))
    print(f"pandas.read_csv : {p_time:6.1f} s, peak RSS {p_mem:7.0f} MB")
    server = None
    if args.postgres:
        from tests.pgserver import PgServer

        server = PgServer(fsync=True)
        server.start()
    backend = "postgresql" if server else "sqlite"
    db = work / "bench.db"
    runs, before_write, cpus, pre_cpus = [], [], [], []
    try:
        for n in range(max(args.repeat, 1)):
            if server is not None:
                url = server.create_database(f"bench{n}")
            else:
                for suffix in ("", "-wal", "-shm"):
                    Path(f"{db}{suffix}").unlink(missing_ok=True)
                url = f"sqlite:///{db}"
            served = _server_cpu(server)
            i_time, i_mem, figures = _child(IMPORT.format(url=url, csv=str(csv_path), work=str(work)))
            served = _server_cpu(server) - served
            runs.append(i_time)
            pre, pre_cpu = (
                float(figures.get("before_write_s", 0.0)),
                float(figures.get("before_write_cpu_s", 0.0)),
            )
            before_write.append(pre)
            cpus.append(float(figures.get("cpu_s", 0.0)))
            pre_cpus.append(pre_cpu)
            print(
                f"sobre import    : {i_time:6.1f} s, peak RSS {i_mem:7.0f} MB "
                f"({i_time / p_time:.1f}x pandas; parse, validate, match, write {backend}), "
                f"CPU {float(figures.get('cpu_s', 0.0)):.1f} s"
                + (f" + server CPU {served:.1f} s" if server is not None else "")
            )
            print(
                f"  before write  : {pre:6.1f} s ({pre / p_time:.1f}x pandas; read, normalise, check, match, "
                f"compare), CPU {pre_cpu:.1f} s"
            )
            print(f"  write, commit : {i_time - pre:6.1f} s")
    finally:
        if server is not None:
            server.stop()
    from benchmarks import harness

    floors = []
    if args.floors:
        out = subprocess.run(
            [sys.executable, "-c", FLOORS.format(csv=str(csv_path), work=str(work))],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        for line in out.strip().splitlines():
            print(line)
            found = re.fullmatch(r"floor (.+): ([0-9.]+) s \(CPU ([0-9.]+) s\)", line)
            if found:
                what, seconds, cpu = found.groups()
                floors.append(
                    harness.Figure(
                        f"import floor {args.rows:,} rows: {what}",
                        float(seconds),
                        cpu_seconds=float(cpu),
                        anchor="pandas.read_csv",
                        anchor_seconds=p_time,
                    )
                )

    harness.emit(
        harness.Figure(
            f"import {args.rows:,} rows",
            min(runs),
            peak_mb=i_mem,
            cpu_seconds=min(cpus),
            anchor="pandas.read_csv",
            anchor_seconds=p_time,
            target="≤ 3× anchor",
            notes={"backend": backend},
        ),
        harness.Figure(
            f"import {args.rows:,} rows, before the write",
            min(before_write),
            cpu_seconds=min(pre_cpus),
            anchor="pandas.read_csv",
            anchor_seconds=p_time,
            notes={"backend": backend},
        ),
        harness.Figure(f"import memory {args.rows:,} rows", min(runs), peak_mb=i_mem, target="≤ 1 GB"),
        *floors,
    )
    print(
        json.dumps(
            {
                "rows": args.rows,
                "backend": backend,
                "import_s": [round(t, 1) for t in runs],
                "before_write_s": [round(t, 1) for t in before_write],
                "import_peak_mb": round(i_mem),
                "pandas_s": round(p_time, 1),
                "pandas_peak_mb": round(p_mem),
            }
        )
    )


if __name__ == "__main__":
    main()
