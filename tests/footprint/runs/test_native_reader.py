"""The native SQLite reader of large inventories gives the DBAPI path's frames, value for value."""

from __future__ import annotations

from pathlib import Path

import pytest
from benchmarks.estate import generate_inventory
from benchmarks.footprint_end_to_end import insert_inventory
from polars.testing import assert_frame_equal

from sobre.core.db import session_scope
from sobre.footprint import loader
from sobre.orgs import service as orgs

FRAMES = ("sites", "departments", "equipment", "vms", "cloud", "applications", "app_links", "storage")


def test_native_and_dbapi_readers_give_the_same_frames(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A path with a space and accents: the reader's URL must still name the file.
    url = f"sqlite:///{tmp_path / 'Mes données' / 'sobre.db'}"
    (tmp_path / "Mes données").mkdir()
    with session_scope(url) as s:
        orgs.create(s, "Other")  # an organisation with nothing: ids differ from the one read
        org = orgs.create(s, "Town").id
    insert_inventory(url, org, generate_inventory(3_000, 500, 40, seed=2))
    native_calls = []
    real = loader._read_sqlite_natively

    def spy(path: Path, org_id: int) -> loader.Inventory:
        native_calls.append(org_id)
        return real(path, org_id)

    monkeypatch.setattr(loader, "_read_sqlite_natively", spy)
    monkeypatch.setattr(loader, "NATIVE_FROM_ROWS", 1)
    fast = loader.read_inventory(url, org)
    assert native_calls == [org]
    with session_scope(url) as s:
        slow = loader.load_inventory(s, org)
    for name in FRAMES:
        a, b = getattr(fast, name), getattr(slow, name)
        assert a.schema == b.schema, name
        assert_frame_equal(a.sort(a.columns), b.sort(b.columns), check_exact=True)
    assert fast.equipment.height == 3_000
    assert loader.inputs_hash(fast) == loader.inputs_hash(slow)


def test_a_failing_native_reader_falls_back_to_the_dbapi(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(sqlite_url) as s:
        org = orgs.create(s, "Town").id
    insert_inventory(sqlite_url, org, generate_inventory(200, 20, 4, seed=3))

    def broken(*_args: object) -> None:
        raise RuntimeError("no native reader here")

    monkeypatch.setattr(loader, "_read_sqlite_natively", broken)
    monkeypatch.setattr(loader, "NATIVE_FROM_ROWS", 1)
    assert loader.read_inventory(sqlite_url, org).equipment.height == 200
