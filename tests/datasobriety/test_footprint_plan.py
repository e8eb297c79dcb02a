"""Storage footprint (TB-year × factor × copies) and the clean-up plan: figures checked, no byte twice."""

from __future__ import annotations

from datetime import UTC, datetime

import polars as pl
import pytest

from sobre.core.errors import InputError
from sobre.core.estimate import Status
from sobre.datasobriety import plan, rot, storage
from sobre.datasobriety.rot import DuplicateFile, DuplicateGroup, Findings, Item
from sobre.footprint.factors.builtin import read_builtin

AS_OF = datetime(2026, 12, 1, tzinfo=UTC)
OLD = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


@pytest.fixture(scope="module")
def factors():  # type: ignore[no-untyped-def]
    return read_builtin()


def test_footprint_of_a_terabyte_year(factors) -> None:  # type: ignore[no-untyped-def]
    params = storage.StorageParams(
        media="hdd",
        replicas=2,
        backups=1,
        country="FR",
        pue=1.5,
        given=frozenset({"media", "replicas", "backups", "pue"}),
    )
    fp = storage.footprint(10**12, params, factors)
    elec = factors.electricity.filter(
        (pl.col("country") == "FR") & (pl.col("criterion") == "climate_change")
    ).row(0, named=True)
    # 1 TB × 3 copies × (0.65 Wh/TB·h × 8,760 h × PUE 1.5 × FR factor + 31.1 kg / 8 TB / 5 y)
    kwh = 3 * 0.65 * 8.76 * 1.5
    assert fp.tb_year == 3
    assert fp.kwh.value == pytest.approx(kwh)
    climate = fp.impacts["climate_change"]
    assert climate.value == pytest.approx(kwh * elec["value"] + 3 * 31.1 / 8 / 5)
    assert climate.low < climate.value < climate.high
    assert climate.status == Status.MODELLED and "Cloud Carbon Footprint" in fp.kwh.source
    assert "BoaviztAPI" in climate.source and elec["row_id"] in climate.source
    # SSD: energy and embodied per TB both higher
    ssd = storage.footprint(10**12, storage.StorageParams(media="ssd"), factors)
    assert (
        ssd.impacts["climate_change"].value
        > storage.footprint(10**12, storage.StorageParams(), factors).impacts["climate_change"].value
    )  # type: ignore[operator]
    assert ssd.kwh.status == Status.DEFAULT  # media given, copies not: rests on defaults


def test_unknown_country_is_not_zero(factors) -> None:  # type: ignore[no-untyped-def]
    fp = storage.footprint(10**12, storage.StorageParams(country="ZZ"), factors)
    climate = fp.impacts["climate_change"]
    assert climate.value == pytest.approx(2 * 31.1 / 8 / 5)  # embodied only, and said so
    assert any("no electricity factor for ZZ" in w for w in fp.warnings)
    fossil = fp.impacts["fossil_resources"]
    assert fossil.value is None and fossil.reason


def test_bad_storage_params() -> None:
    with pytest.raises(InputError, match="media"):
        storage.StorageParams(media="floppy")
    with pytest.raises(InputError, match="replicas"):
        storage.StorageParams(replicas=0)


def _findings() -> Findings:
    f = Findings(root=".", as_of=AS_OF, obsolete_after="3y")
    f.duplicate_groups = [
        DuplicateGroup(
            1000,
            "d1",
            (
                DuplicateFile("a/new.doc", OLD + 10, "x"),
                DuplicateFile("b/old.doc", OLD, "x"),
                DuplicateFile("c/copy.doc", OLD + 5, "x"),
            ),
        ),
    ]
    f.obsolete = [
        Item("b/old.doc", 1000, OLD),
        Item("c/copy.doc", 1000, OLD + 5),
        Item("d/cv_2019.pdf", 300, OLD),
        Item("e/rapport.odt", 50, OLD),
    ]
    f.trivial = [Item("e/~$rapport.odt", 10, OLD, reason="~$*")]
    f.empty = [Item("e/vide.txt", 0, OLD)]
    f.retention = [Item("d/cv_2019.pdf", 300, OLD, reason="recruitment")]
    f.orphans = [
        Item("e/rapport.odt", 50, OLD, "parti", "parti"),
        Item("b/old.doc", 1000, OLD, "parti", "parti"),
    ]
    return f


def test_plan_counts_each_file_once(factors) -> None:  # type: ignore[no-untyped-def]
    policies = [p for p in plan.default_policies() if p.category == "recruitment"]
    items = plan.build_plan(_findings(), policies, storage.StorageParams(), factors)
    by_kind = {i.kind: i for i in items}
    # the oldest copy is kept; the two others go
    assert by_kind["duplicates"].kept == ["b/old.doc"]
    assert sorted(i.path for i in by_kind["duplicates"].files) == ["a/new.doc", "c/copy.doc"]
    assert by_kind["retention:recruitment"].action == "delete"
    assert [i.path for i in by_kind["retention:recruitment"].files] == ["d/cv_2019.pdf"]
    # b/old.doc is the kept copy: archived as obsolete; c/copy.doc already deleted as a duplicate
    assert sorted(i.path for i in by_kind["obsolete"].files) == ["b/old.doc", "e/rapport.odt"]
    assert "orphans" not in by_kind  # every orphan file already has an action
    paths = [f.path for i in items for f in i.files]
    assert len(paths) == len(set(paths))
    assert sum(i.bytes for i in items) == 2000 + 10 + 0 + 300 + 1050
    action = by_kind["duplicates"].as_action(7)
    assert action["origin"] == {"kind": "rot_finding", "scan_id": 7, "finding": "duplicates"}
    assert action["scenario_change"] == {"kind": "delete_data", "bytes": 2000, "finding": "duplicates"}
    assert action["avoided_kgco2e_per_year"]["value"] > 0


def test_default_policies_are_sourced_and_valid() -> None:
    policies = plan.default_policies()
    assert {p.category for p in policies} >= {"recruitment", "video", "payroll", "accounting"}
    for p in policies:
        assert p.source and p.legal_basis and p.patterns
        rot.cutoff(AS_OF, p.retention)
    with pytest.raises(InputError, match="action"):
        plan.Policy("x", "1y", "burn", ("*",))
    with pytest.raises(InputError, match="duration"):
        plan.Policy("x", "soon", "delete", ("*",))


def test_durations_are_calendar_aware() -> None:
    leap = datetime(2028, 2, 29, tzinfo=UTC)
    assert rot.cutoff(leap, "1y") == datetime(2027, 2, 28, tzinfo=UTC)
    assert rot.cutoff(AS_OF, "18m") == datetime(2025, 6, 1, tzinfo=UTC)
    assert rot.cutoff(AS_OF, "90d") == datetime(2026, 9, 2, tzinfo=UTC)
    assert rot.parse_as_of("1764547200") == datetime(2025, 12, 1, tzinfo=UTC)
    assert rot.parse_as_of("2026-12-01") == AS_OF
    with pytest.raises(InputError):
        rot.parse_as_of("yesterday")
