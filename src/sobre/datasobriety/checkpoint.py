"""The checkpoint of a tree scan: what a stopped scan had done, so that ``--resume`` goes on from there.

One SQLite file (written outside the scanned tree): the scan's parameters, the walk's state (directories
still to read, directories seen, files found so far, unreadable entries) and the digests already computed.
Each save is one transaction, taken between two directories or two files, so the file always holds a
consistent state, whatever moment the scan is stopped at.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sobre.core.errors import SobreError
from sobre.datasobriety.rot import Entry

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS entries (
    path TEXT NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL, owner TEXT, dev INTEGER, ino INTEGER
);
CREATE TABLE IF NOT EXISTS seen_dirs (dev INTEGER NOT NULL, ino INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS digests (
    dev INTEGER NOT NULL, ino INTEGER NOT NULL, size INTEGER NOT NULL, mtime REAL NOT NULL,
    kind TEXT NOT NULL, digest TEXT, PRIMARY KEY (dev, ino, kind)
);
"""


@dataclass
class ScanState:
    """Everything a scan needs to go on: the walk (``pending`` empty once it is complete) and digests."""

    pending: list[str] = field(default_factory=lambda: [""])
    seen_dirs: set[tuple[int, int]] = field(default_factory=set)
    entries: list[Entry] = field(default_factory=list)
    unreadable: list[dict[str, str]] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)
    walked: bool = False
    #: (dev, ino, kind) → (size, mtime, digest or None when the file changed); kind is partial or full.
    digests: dict[tuple[int, int, str], tuple[int, float, str | None]] = field(default_factory=dict)


class Checkpoint:
    """Reads and appends to one checkpoint file."""

    def __init__(self, path: Path, params: dict[str, Any]) -> None:
        self.path = path
        self.params = params
        self._saved_entries = 0
        self._saved_dirs: set[tuple[int, int]] = set()
        self._saved_digests: set[tuple[int, int, str]] = set()

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path)
        conn.executescript(_SCHEMA)
        return conn

    def load(self) -> ScanState:
        """The saved state; refuses a checkpoint written by a scan with other parameters."""
        if not self.path.is_file():
            raise SobreError(f"no checkpoint to resume from at {self.path}")
        conn = self._connect()
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta"))
            saved = json.loads(meta.get("params", "{}"))
            if saved != self.params:
                changed = sorted(
                    k for k in set(saved) | set(self.params) if saved.get(k) != self.params.get(k)
                )
                raise SobreError(
                    f"checkpoint {self.path} belongs to a scan with other settings ({', '.join(changed)}); "
                    "run the same command again, or drop --resume to start over"
                )
            state = ScanState(
                pending=json.loads(meta.get("pending", '[""]')),
                unreadable=json.loads(meta.get("unreadable", "[]")),
                skipped=json.loads(meta.get("skipped", "{}")),
                walked=meta.get("walked") == "1",
            )
            state.seen_dirs = {(d, i) for d, i in conn.execute("SELECT dev, ino FROM seen_dirs")}
            state.entries = [
                Entry(p, s, m, o, None if d is None else (d, i))
                for p, s, m, o, d, i in conn.execute("SELECT path, size, mtime, owner, dev, ino FROM entries")
            ]
            for dev, ino, size, mtime, kind, digest in conn.execute("SELECT * FROM digests"):
                state.digests[(dev, ino, kind)] = (size, mtime, digest)
        finally:
            conn.close()
        self._saved_entries = len(state.entries)
        self._saved_dirs = set(state.seen_dirs)
        self._saved_digests = set(state.digests)
        return state

    def save(self, state: ScanState) -> None:
        """Append what is new since the last save, in one transaction."""
        conn = self._connect()
        try:
            with conn:
                meta = {
                    "params": json.dumps(self.params, sort_keys=True),
                    "pending": json.dumps(state.pending),
                    "unreadable": json.dumps(state.unreadable),
                    "skipped": json.dumps(state.skipped),
                    "walked": "1" if state.walked else "0",
                }
                conn.executemany("INSERT OR REPLACE INTO meta VALUES (?, ?)", meta.items())
                new = state.entries[self._saved_entries :]
                conn.executemany(
                    "INSERT INTO entries VALUES (?, ?, ?, ?, ?, ?)",
                    (
                        (e.path, e.size, e.mtime, e.owner, *(e.file_id if e.file_id else (None, None)))
                        for e in new
                    ),
                )
                dirs = state.seen_dirs - self._saved_dirs
                conn.executemany("INSERT INTO seen_dirs VALUES (?, ?)", dirs)
                keys = set(state.digests) - self._saved_digests
                conn.executemany(
                    "INSERT OR REPLACE INTO digests VALUES (?, ?, ?, ?, ?, ?)",
                    ((k[0], k[1], *state.digests[k][:2], k[2], state.digests[k][2]) for k in keys),
                )
        finally:
            conn.close()
        self._saved_entries = len(state.entries)
        self._saved_dirs |= dirs
        self._saved_digests |= keys

    def remove(self) -> None:
        self.path.unlink(missing_ok=True)
