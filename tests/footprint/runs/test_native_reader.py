"""The native SQLite reader of large inventories and PostgreSQL's COPY reader give the DBAPI cursor's
frames, value for value."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import polars as pl
import pytest
import sqlalchemy as sa
from benchmarks.estate import generate_inventory
from benchmarks.footprint_end_to_end import insert_inventory
from polars.testing import assert_frame_equal

from sobre.core.db import close_engine, get_engine, session_scope
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
    # The organisation holds every row: both read the large tables whole, in the order of their ids (the
    # native reader's two ranges come interleaved, in an order of their own each time, and are sorted).
    for name in ("equipment", "vms"):
        assert_frame_equal(getattr(fast, name), getattr(slow, name), check_exact=True)
        assert getattr(fast, name).get_column("id").is_sorted()
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


@pytest.mark.postgres
def test_postgresql_copy_gives_the_cursors_frames(pg_server: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = pg_server.create_database(f"copy_reader_{os.getpid()}")
    try:
        with session_scope(url) as s:
            orgs.create(s, "Other")
            org = orgs.create(s, "Town").id
        insert_inventory(url, org, generate_inventory(2_000, 300, 30, seed=4))
        # What a CSV could mangle: separators, quotes, line breaks, empty strings beside NULLs, accents,
        # floats whose shortest text has 17 digits, tiny and huge magnitudes, a date and a boolean.
        messy = [
            ('a, "quoted"\nline', "", None, 0.1 + 0.2, 1e-300),
            ("Écran « salle 2 »; \\N", " ", "", 123456789.12345679, 1.7976931348623157e308),
            ("\r\n", '""', "x,y", 5e-324, -0.0),
        ]
        with get_engine(url).begin() as conn:
            ids = conn.execute(
                sa.text("SELECT id FROM equipment WHERE org_id = :o ORDER BY id LIMIT 3"), {"o": org}
            ).scalars()
            for eq_id, (name, model, label, quantity, kwh) in zip(list(ids), messy, strict=True):
                conn.execute(
                    sa.text(
                        "UPDATE equipment SET name = :n, model = :m, type_label = :l, quantity = :q, "
                        "annual_kwh = :k, purchase_date = '2019-02-28', refurbished = true WHERE id = :i"
                    ),
                    {"n": name, "m": model, "l": label, "q": quantity, "k": kwh, "i": eq_id},
                )
        with session_scope(url) as s:
            copied = loader.load_inventory(s, org)
        monkeypatch.setattr(loader, "COPY_ON_POSTGRESQL", False)
        with session_scope(url) as s:
            fetched = loader.load_inventory(s, org)
    finally:
        close_engine(url)
    for name in FRAMES:
        a, b = getattr(copied, name), getattr(fetched, name)
        assert a.schema == b.schema, name
        assert_frame_equal(a, b, check_exact=True)  # same order too: the engine relies on it
    assert copied.equipment.height == 2_000
    got = copied.equipment.filter(pl.col("name") == messy[0][0]).row(0, named=True)
    assert got["model"] == "" and got["type_label"] is None and got["quantity"] == 0.1 + 0.2
    assert str(got["purchase_date"]) == "2019-02-28" and got["refurbished"] is True
    assert copied.equipment.filter(pl.col("name") == "\r\n").row(0, named=True)["quantity"] == 5e-324
    assert loader.inputs_hash(copied) == loader.inputs_hash(fetched)


def test_tables_are_scanned_only_where_the_organisation_holds_most_rows(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as s:
        big, small = orgs.create(s, "Big").id, orgs.create(s, "Small").id
    insert_inventory(sqlite_url, big, generate_inventory(900, 100, 10, seed=5))
    small_estate = generate_inventory(100, 10, 2, seed=6)
    # Ids of their own: the benchmark's estates number their rows from 1.
    moved = {
        "sites": small_estate.sites.with_columns(pl.col("id") + 1_000),
        "equipment": small_estate.equipment.with_columns(pl.col("id") + 10_000, pl.col("site_id") + 1_000),
        "vms": small_estate.vms.with_columns(pl.col("id") + 10_000, pl.col("host_id") + 10_000),
        "applications": small_estate.applications.with_columns(pl.col("id") + 1_000),
        "app_links": small_estate.app_links.with_columns(
            pl.col("application_id") + 1_000, pl.col("vm_id") + 10_000
        ),
    }
    insert_inventory(sqlite_url, small, loader.Inventory(**moved))
    with session_scope(sqlite_url) as s:
        run = lambda sql, params: s.connection().execute(sa.text(sql), params).all()  # noqa: E731
        assert {"equipment", "virtual_machine", "site", "application"} <= loader._scanned(run, big)
        # (Each estate has 200 sites: the small one holds half of them.)
        assert loader._scanned(run, small) & {"equipment", "virtual_machine", "application"} == set()
        for org, rows in ((big, 900), (small, 100)):
            inventory = loader.load_inventory(s, org)
            assert inventory.equipment.height == rows
            assert inventory.vms.height == (100 if org == big else 10)
    assert "+org_id" in loader._select("equipment", loader.schema.EQUIPMENT, scan=True)
    assert "+org_id" not in loader._select("equipment", loader.schema.EQUIPMENT)
