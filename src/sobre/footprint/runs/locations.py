"""Where a run's dataset lives, and how it becomes visible all at once.

**SQLite**: the folder ``<database>.runs/`` beside the database file (``sobre.db`` → ``sobre.runs/``), one
sub-folder per run, ``run-<id>-<token>``.  A dataset is written into ``.tmp-run-<id>-<token>``, fsynced,
renamed into place (an atomic step on one file system), and only then is the run marked ``done`` in the
database.  Whatever a crash leaves (a temporary folder, a renamed folder whose run never became ``done``) is
never read, since readers go through a ``done`` run's recorded folder name, and is removed by :func:`sweep`.

**PostgreSQL**: several machines may share the database (a web server, a consultant's CLI, a container
with no shared volume), so no shared folder can be assumed.  The files are stored in the database itself,
as 8 MiB chunks in ``footprint_run_file`` written in the very transaction that marks the run ``done``:
atomic, included in ``pg_dump`` backups, removed with the run (and with its organisation) by the foreign
key's cascade.  Reads scan a local copy, extracted once into a cache folder (``$SOBRE_CACHE_DIR``, else
``$SOBRE_HOME/cache``, else the per-user cache folder) and checked against the recorded file sizes.
Large objects were not used: nothing would remove them when an organisation is deleted.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from sobre.core.errors import SobreError
from sobre.footprint.runs import dataset

CHUNK = 8 * 1024 * 1024
_NAME = re.compile(r"^(\.tmp-)?run-(\d+)-([0-9a-f]{8,32})$")
#: An extraction of a PostgreSQL dataset into the cache takes seconds; one left this long was interrupted.
_EXTRACT_GRACE_S = 3600.0


@dataclass(frozen=True)
class Location:
    """The folder holding datasets (SQLite) or their local copies (PostgreSQL)."""

    root: Path
    in_database: bool


def location(database_url: str) -> Location:
    """Where the datasets of the database at ``database_url`` live."""
    url = sa.engine.make_url(database_url)
    if url.get_backend_name() == "sqlite":
        db = url.database
        if not db or db == ":memory:":
            return Location(Path(tempfile.gettempdir()) / f"sobre-runs-memory-{os.getpid()}", False)
        return Location(Path(db).expanduser().resolve().with_suffix(".runs"), False)
    return Location(_cache_root() / _identity(url), True)


def _cache_root() -> Path:
    if os.environ.get("SOBRE_CACHE_DIR"):
        return Path(os.environ["SOBRE_CACHE_DIR"]).expanduser() / "runs"
    if os.environ.get("SOBRE_HOME"):
        return Path(os.environ["SOBRE_HOME"]).expanduser() / "cache" / "runs"
    import platformdirs

    return Path(platformdirs.user_cache_dir("sobre", appauthor=False)) / "runs"


def _identity(url: sa.engine.URL) -> str:
    """One cache folder per database server and name (no password in it)."""
    text = f"{url.get_backend_name()}://{url.host or ''}:{url.port or ''}/{url.database or ''}"
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def new_name(run_id: int) -> str:
    """A dataset folder name that no earlier run can have had, even if the run id is reused."""
    return f"run-{run_id}-{uuid.uuid4().hex[:16]}"


def temporary(loc: Location, name: str) -> Path:
    """The folder a dataset is written into before it is published (same file system as its final place)."""
    loc.root.mkdir(parents=True, exist_ok=True)
    return loc.root / f".tmp-{name}"


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def publish(loc: Location, conn: sa.Connection, run_id: int, name: str, files: dict[str, int]) -> None:
    """Make the written dataset part of the run, inside the caller's transaction (which then marks the run
    ``done``).  SQLite: rename the folder into place.  PostgreSQL: copy its files into the database."""
    tmp = loc.root / f".tmp-{name}"
    if not loc.in_database:
        os.replace(tmp, loc.root / name)
        _fsync_dir(loc.root)
        return
    raw: Any = conn.connection.driver_connection
    with (
        raw.cursor() as cur,
        cur.copy("COPY footprint_run_file (run_id, name, part, data) FROM STDIN (FORMAT BINARY)") as copy,
    ):
        copy.set_types(["integer", "text", "integer", "bytea"])
        for file, part, chunk in dataset.file_chunks(tmp, files, CHUNK):
            copy.write_row((run_id, file, part, chunk))


def after_commit(loc: Location, name: str) -> None:
    """PostgreSQL: keep the written files as the local copy (they are already complete and fsynced)."""
    if loc.in_database:
        try:
            os.replace(loc.root / f".tmp-{name}", loc.root / name)
        except OSError:
            discard(loc, [name])


def local_folder(
    loc: Location, conn: sa.Connection, run_id: int, name: str | None, files: dict | None
) -> Path:
    """The folder of a ``done`` run's dataset on this machine, extracted from the database first if needed."""
    if not name:
        raise SobreError(f"footprint run {run_id} has no stored results; compute it again")
    final = loc.root / name
    if final.is_dir():
        dataset.check(final, files)
        return final
    if not loc.in_database:
        raise SobreError(
            f"the results of footprint run {run_id} are missing ({final} does not exist); "
            "restore that folder with the database, or compute the run again"
        )
    loc.root.mkdir(parents=True, exist_ok=True)
    work = loc.root / f".extract-{name}-{os.getpid()}-{uuid.uuid4().hex[:6]}"
    work.mkdir()
    try:
        parts = conn.execute(
            sa.text("SELECT name, part FROM footprint_run_file WHERE run_id = :r ORDER BY name, part"),
            {"r": run_id},
        ).all()
        handles: dict[str, Any] = {}
        try:
            for file in files or {}:
                handles[file] = (work / file).open("wb")
            for file, part in parts:
                chunk = conn.execute(
                    sa.text(
                        "SELECT data FROM footprint_run_file WHERE run_id = :r AND name = :n AND part = :p"
                    ),
                    {"r": run_id, "n": file, "p": part},
                ).scalar_one()
                if file not in handles:
                    handles[file] = (work / file).open("wb")
                handles[file].write(chunk)
        finally:
            for fh in handles.values():
                fh.close()
        dataset.check(work, files)
        try:
            os.replace(work, final)
        except OSError:
            if not final.is_dir():  # another process extracted it at the same time: use theirs
                raise
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return final


def discard(loc: Location, names: list[str]) -> None:
    """Remove the datasets (and their temporary folders) of these names; missing ones are fine."""
    for name in names:
        for path in (loc.root / name, loc.root / f".tmp-{name}"):
            shutil.rmtree(path, ignore_errors=True)


def sweep(loc: Location, keep: set[str], busy: set[int]) -> list[str]:
    """Remove every folder of ``loc`` that no run needs: datasets not in ``keep`` (the names of done runs),
    temporary folders of runs not in ``busy`` (still being computed) and extractions left for an hour.
    Returns what it removed.  List the folder *before* reading ``keep`` and ``busy`` (a run is recorded
    before its folder is made), as :func:`entries` then the caller's query do."""
    removed = []
    for entry in entries(loc):
        path = loc.root / entry
        if entry.startswith(".extract-"):
            if time.time() - _mtime(path) < _EXTRACT_GRACE_S:
                continue
        else:
            match = _NAME.match(entry)
            if match is None:
                continue
            if int(match.group(2)) in busy or (not match.group(1) and entry in keep):
                continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(entry)
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def entries(loc: Location) -> list[str]:
    """The names in ``loc``'s folder (none when it does not exist yet)."""
    try:
        return sorted(os.listdir(loc.root))
    except FileNotFoundError:
        return []
