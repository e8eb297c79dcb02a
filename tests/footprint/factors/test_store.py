"""Storage round trip on SQLite and PostgreSQL, the built-in set, overrides."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.footprint.factors import store
from sobre.footprint.factors.builtin import read_builtin
from sobre.footprint.factors.g4it import import_g4it_referential, read_g4it_referential
from sobre.orgs import service


def _sorted(df: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    return df.sort(keys)


def test_builtin_round_trip_and_idempotent(db_url: str) -> None:
    with session_scope(db_url) as s:
        store.ensure_builtin(s)
        store.ensure_builtin(s)
        loaded = store.load_factor_set(s)
        sets = store.list_factor_sets(s)
    assert [(x["id"], x["builtin"]) for x in sets] == [("sobre-default", True)]
    expected = read_builtin()
    assert (loaded.id, loaded.version) == (expected.id, expected.version)
    for attr, keys in (
        ("impacts", ["row_id"]),
        ("electricity", ["row_id"]),
        ("defaults", ["ref"]),
        ("item_types", ["type"]),
        ("criteria", ["code"]),
    ):
        assert_frame_equal(_sorted(getattr(loaded, attr), keys), _sorted(getattr(expected, attr), keys))
    assert loaded.hypotheses == expected.hypotheses and loaded.cloud_pue == expected.cloud_pue


def test_g4it_round_trip_exact(db_url: str, g4it_dir: Path) -> None:
    with session_scope(db_url) as s:
        import_g4it_referential(s, g4it_dir / "referential", "g4it", "2025.04")
    with session_scope(db_url) as s:
        loaded = store.load_factor_set(s, "g4it")
        with pytest.raises(SobreError, match="already exists"):
            import_g4it_referential(s, g4it_dir / "referential", "g4it", "2025.04")
    expected = read_g4it_referential(g4it_dir / "referential", set_id="g4it", version="2025.04")
    assert_frame_equal(loaded.electricity.sort("row_id"), expected.electricity.sort("row_id"))
    assert_frame_equal(loaded.impacts.sort("row_id"), expected.impacts.sort("row_id"))
    assert loaded.hypotheses == expected.hypotheses
    fr = loaded.electricity.filter((pl.col("country") == "FR") & (pl.col("criterion") == "climate_change"))
    assert fr["value"].item() == 0.0813225


def test_new_builtin_version_is_loaded_over_an_older_one(sqlite_url: str) -> None:
    """A database holding an earlier built-in version gets the shipped one added, and it is the default."""
    from dataclasses import replace

    current = read_builtin()
    with session_scope(sqlite_url) as s:
        store.save_factor_set(s, replace(current, version="2026.1"), builtin=True, source_format="builtin")
    with session_scope(sqlite_url) as s:
        loaded = store.load_factor_set(s)
        versions = sorted(x["version"] for x in store.list_factor_sets(s))
    assert loaded.version == current.version != "2026.1"
    assert versions == sorted(["2026.1", current.version])
    assert loaded.hypotheses == current.hypotheses


def test_versions_and_not_found(sqlite_url: str, g4it_dir: Path) -> None:
    with session_scope(sqlite_url) as s:
        import_g4it_referential(s, g4it_dir / "tests/load/load_nominal/ref", "g4it", "2024.9")
        import_g4it_referential(s, g4it_dir / "tests/evaluate/eval_nominal/ref", "g4it", "2024.10")
        assert store.load_factor_set(s, "g4it").version == "2024.10"  # newest, not the last written
        assert store.load_factor_set(s, "g4it", "2024.9").version == "2024.9"
        with pytest.raises(NotFound, match="no factor set nope"):
            store.load_factor_set(s, "nope")


def test_overrides(db_url: str) -> None:
    with session_scope(db_url) as s:
        org = service.create(s, "Mairie")
        other = service.create(s, "Other")
        store.set_override(
            s,
            org.id,
            "laptop",
            "manufacturing",
            "climate_change",
            250.0,
            low=200.0,
            high=300.0,
            source="supplier PCF 2025",
        )
        store.set_override(s, org.id, "laptop", "manufacturing", "climate_change", 240.0, source="PCF v2")
        store.set_override(s, org.id, "dell-latitude-5400", "manufacturing", "climate_change", 310.0)
        store.set_default_override(s, org.id, "laptop", lifetime_years=7, annual_kwh=30.0, source="policy")
        store.set_default_override(s, org.id, "dell-latitude-5400", power_w=45.0)
        org_id, other_id = org.id, other.id
    with session_scope(db_url) as s:
        base = store.load_factor_set(s)
        mine = store.load_factor_set(s, org_id=org_id)
        theirs = store.load_factor_set(s, org_id=other_id)
    assert_frame_equal(theirs.impacts, base.impacts)
    laptop = mine.impacts.filter(
        (pl.col("ref") == "laptop")
        & (pl.col("stage") == "manufacturing")
        & (pl.col("criterion") == "climate_change")
    )
    assert laptop.height == 1
    row = laptop.row(0, named=True)
    assert (row["value"], row["low"], row["high"]) == (240.0, 240.0, 240.0)
    assert row["source"] == "user override: PCF v2"
    assert mine.impacts.height == base.impacts.height + 1  # one replaced, one new ref
    assert mine.impacts.filter(pl.col("ref") == "dell-latitude-5400")["value"].item() == 310.0
    d = mine.defaults.filter(pl.col("ref") == "laptop").row(0, named=True)
    assert (d["lifetime_years"], d["lifetime_low"], d["lifetime_high"], d["annual_kwh"]) == (
        7.0,
        7.0,
        7.0,
        30.0,
    )
    base_d = base.defaults.filter(pl.col("ref") == "laptop").row(0, named=True)
    assert d["power_w"] == base_d["power_w"]  # fields not overridden keep the set's value
    assert d["source"].startswith("user override")
    assert mine.defaults.filter(pl.col("ref") == "dell-latitude-5400")["power_w"].item() == 45.0


def test_override_validation(sqlite_url: str) -> None:
    with session_scope(sqlite_url) as s:
        org = service.create(s, "X")
        with pytest.raises(InputError, match="unknown stage"):
            store.set_override(s, org.id, "laptop", "build", "climate_change", 1.0)
        with pytest.raises(InputError, match="low"):
            store.set_override(s, org.id, "laptop", "manufacturing", "climate_change", 10.0, low=20.0)
        with pytest.raises(InputError, match="value must be"):
            store.set_override(s, org.id, "laptop", "manufacturing", "climate_change", -1.0)
        with pytest.raises(InputError, match="hours_per_day"):
            store.set_default_override(s, org.id, "laptop", hours_per_day=25)
        with pytest.raises(InputError, match="at least one"):
            store.set_default_override(s, org.id, "laptop")
