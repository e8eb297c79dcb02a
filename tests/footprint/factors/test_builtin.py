"""Sobre's built-in default set: complete, sourced, consistent."""

from __future__ import annotations

import polars as pl
import pytest

from sobre.core import units
from sobre.footprint.factors.builtin import read_builtin
from sobre.footprint.schema import EMBODIED_STAGES
from sobre.inventory.taxonomy import Category


@pytest.fixture(scope="module")
def fs():
    return read_builtin()


def test_every_category_has_embodied_climate_rows(fs) -> None:
    climate = fs.impacts.filter(pl.col("criterion") == "climate_change")
    have = set(zip(climate["ref"], climate["stage"], strict=True))
    missing = [(c.value, s) for c in Category for s in EMBODIED_STAGES if (c.value, s) not in have]
    assert missing == []


def test_no_use_stage_rows_and_no_duplicates(fs) -> None:
    assert fs.impacts.filter(pl.col("stage") == "use").height == 0
    assert fs.impacts.select(["ref", "stage", "criterion"]).is_duplicated().sum() == 0
    assert fs.electricity.select(["country", "criterion"]).is_duplicated().sum() == 0


@pytest.mark.parametrize("frame", ["impacts", "electricity"])
def test_rows_have_source_licence_and_consistent_range(fs, frame) -> None:
    df = getattr(fs, frame)
    assert df.filter(pl.col("source").is_null() | (pl.col("source") == "")).height == 0
    assert df.filter(pl.col("licence").is_null() | (pl.col("licence") == "")).height == 0
    assert df.filter(pl.col("row_id").is_null()).height == 0
    bad = df.filter(~((pl.col("low") <= pl.col("value")) & (pl.col("value") <= pl.col("high"))))
    assert bad.height == 0, bad
    assert df.filter(pl.col("value") < 0).height == 0


def test_criteria_units_come_from_code(fs) -> None:
    got = dict(zip(fs.criteria["code"], fs.criteria["unit"], strict=True))
    assert got["climate_change"] == units.KG_CO2E
    assert got["adpe"] == units.KG_SB_EQ
    assert got["primary_energy"] == units.MJ
    used = set(fs.impacts["criterion"]) | set(fs.electricity["criterion"])
    assert used <= set(got)


def test_required_countries_with_year(fs) -> None:
    climate = fs.electricity.filter(pl.col("criterion") == "climate_change")
    countries = set(climate["country"])
    required = {"EU27", "GB", "CH", "NO", "US", "CA", "CN", "IN", "JP", "WORLD", "FR", "DE"}
    assert required <= countries
    eu_members = {
        "AT",
        "BE",
        "BG",
        "HR",
        "CY",
        "CZ",
        "DK",
        "EE",
        "FI",
        "FR",
        "DE",
        "GR",
        "HU",
        "IE",
        "IT",
        "LV",
        "LT",
        "LU",
        "MT",
        "NL",
        "PL",
        "PT",
        "RO",
        "SK",
        "SI",
        "ES",
        "SE",
    }
    assert eu_members <= countries
    assert climate.filter(pl.col("year").is_null()).height == 0
    fr = climate.filter(pl.col("country") == "FR").row(0, named=True)
    # Ember 2024, via co2.js: 44.18 gCO2e/kWh (DESIGN.md §5 quotes 0.0442)
    assert fr["value"] == pytest.approx(0.04418)
    assert fr["year"] == 2024 and "Ember" in fr["source"] and fr["licence"].startswith("CC BY")


def test_defaults_item_types_and_hypotheses(fs) -> None:
    cats = {c.value for c in Category}
    assert cats <= set(fs.item_types["type"])
    assert set(fs.item_types["default_ref"]) == cats | {"projector"}
    servers = fs.item_types.filter(pl.col("is_server"))["type"].to_list()
    assert sorted(servers) == ["blade_server", "rack_server", "tower_server"]
    assert cats | {"projector"} <= set(fs.defaults["ref"])
    d = fs.defaults.filter(pl.col("lifetime_years").is_not_null())
    assert (
        d.filter(
            ~(
                (pl.col("lifetime_low") <= pl.col("lifetime_years"))
                & (pl.col("lifetime_years") <= pl.col("lifetime_high"))
            )
        ).height
        == 0
    )
    assert fs.defaults.filter(pl.col("source").is_null()).height == 0
    assert fs.defaults.filter(pl.col("ref") == "rack_server")["cpu_threads"].item() == 48
    assert fs.hypotheses["default_pue"] == 1.58
    assert fs.hypotheses["cope_rate"] == 0.8 and fs.hypotheses["byod_rate"] == 0.57
    assert fs.cloud_pue == {"aws": 1.135, "gcp": 1.1, "azure": 1.185}


def test_refurbished_factors_are_ranged_shares(fs) -> None:
    keys = [k for k in fs.hypotheses if k.startswith("refurbished_factor:")]
    assert {k.split(":", 1)[1] for k in keys} == {"smartphone", "tablet", "laptop", "desktop"}
    for k in keys:
        cat = k.split(":", 1)[1]
        low = fs.hypotheses[f"refurbished_factor_low:{cat}"]
        high = fs.hypotheses[f"refurbished_factor_high:{cat}"]
        assert 0 < low <= fs.hypotheses[k] <= high <= 1
    # ADEME 2022: a refurbished laptop avoids 43-97 % of a new one's annual impact.
    assert fs.hypotheses["refurbished_factor_low:laptop"] == pytest.approx(0.03)
    assert fs.hypotheses["refurbished_factor_high:laptop"] == pytest.approx(0.57)


def test_ip_phone_and_network_defaults(fs) -> None:
    d = {r["ref"]: r for r in fs.defaults.iter_rows(named=True)}
    phone = d["ip_phone"]
    assert (phone["power_w"], phone["hours_per_day"], phone["days_per_year"]) == (3.9, 24.0, 365.0)
    assert "Cisco" in phone["source"]
    for ref in ("switch", "router", "firewall"):
        assert d[ref]["lifetime_years"] == 5.0 and "Cisco" in d[ref]["source"]


def test_the_set_is_consistent(fs) -> None:
    """No range or sign error, and fossil resources never above primary energy (one source per item)."""
    from sobre.footprint.factors.consistency import ERRORS, check_factor_set

    problems = check_factor_set(fs)
    assert [p for p in problems if p.code in ERRORS] == []
    # What stays partial is known and said: servers' and network gear's ADPe/primary energy cover
    # manufacturing only (their sources give no transport or end of life).
    partial = {(p.key, p.criterion) for p in problems if p.code == "partial_stages"}
    assert ("rack_server", "primary_energy") in partial and all(c != "climate_change" for _, c in partial)


def test_reviewed_categories(fs) -> None:
    """The defaults that were 2x off or more (issue review of the demo town's hotspots)."""
    d = {r["ref"]: r for r in fs.defaults.iter_rows(named=True)}
    climate = fs.impacts.filter(pl.col("criterion") == "climate_change", pl.col("stage") == "manufacturing")
    made = dict(zip(climate["ref"], climate["value"], strict=True))
    # Video projectors have ADEME's own figures (2025 update), not a television's.
    assert made["projector"] == pytest.approx(39.2) and d["projector"]["annual_kwh"] == pytest.approx(36.5)
    assert "videoprojecteur" in fs.impacts.filter(pl.col("ref") == "projector")["source"][0]
    types = dict(zip(fs.item_types["type"], fs.item_types["default_ref"], strict=True))
    assert types["vidéoprojecteur"] == types["projector"] == "projector"
    # Thin clients live as long as the desktops they replace, not the 2 years of a PCF's use period.
    assert d["thin_client"]["lifetime_years"] == 6.0
    # Storage arrays scale with their capacity: a chassis plus drives per GB.
    assert made["storage_array"] < 2000 and made["storage_array_gb"] == pytest.approx(0.00724)
    assert d["storage_array_gb"]["annual_kwh"] == pytest.approx(0.925 * 8.76 / 1000, rel=1e-3)
    # Wi-Fi access points: ADEME's box, not a home mesh unit.
    assert made["wifi_access_point"] == pytest.approx(60.8)
    # Office devices follow the French working year (1,607 h ≈ 228 days × 7 h), not 7.2 h × 365 d.
    for ref in ("laptop", "desktop", "monitor", "display"):
        assert (d[ref]["hours_per_day"], d[ref]["days_per_year"]) == (7.0, 228.0), ref
    # Cloud storage: per-GB figures by media, with their energy from Cloud Carbon Footprint.
    assert d["storage_gb:hdd"]["annual_kwh"] == pytest.approx(0.65 * 8.76 / 1000)
    assert d["storage_gb:ssd"]["annual_kwh"] == pytest.approx(1.2 * 8.76 / 1000)


def test_default_sources_name_each_parameter(fs) -> None:
    """Default-table sources are 'parameter: citation' parts, so a report can label them in any language."""
    allowed = {"lifetime", "energy", "power", "profile", "cpu_threads", "note"}
    for row in fs.defaults.iter_rows(named=True):
        labels = {part.split(":", 1)[0].strip() for part in row["source"].split("; ") if ":" in part}
        assert labels and labels <= allowed, (row["ref"], labels)
