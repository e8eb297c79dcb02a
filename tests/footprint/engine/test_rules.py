"""Hand-computed cases of the Sobre profile: exact numbers."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sobre.footprint.engine import ENGINE_VERSION, PROFILES, compute, explain
from sobre.footprint.engine.messages import describe, describe_all
from sobre.footprint.schema import APP_LINKS, CLOUD, EQUIPMENT, SITES, STORAGE, VMS, Inventory
from tests.footprint.engine.builders import factor_set, item, value

REF = date(2024, 12, 31)
DC = pl.DataFrame(
    [
        {"id": 1, "name": "DC Paris", "kind": "data_centre", "country": "FR", "pue": 1.8},
        {"id": 2, "name": "Office", "kind": "office", "country": "FR", "pue": 1.9},
        {"id": 3, "name": "Room", "kind": "server_room", "country": "FR", "pue": None},
    ],
    schema=SITES,
)


def eq(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=EQUIPMENT)


def said(result, kind: str, item_id: int, lang: str = "en") -> str:
    """An item's warnings in words (the engine stores codes; the item row gives their context)."""
    row = item(result, kind, item_id)
    context = {"ref": row["factor_ref"], "country": row["country"], "category": row["category"]}
    return " | ".join(describe_all(row["warnings"], lang, context | {"host": row["host_id"]}))


def test_api_constants() -> None:
    assert set(PROFILES) == {"sobre", "g4it"} and ENGINE_VERSION
    with pytest.raises(ValueError, match="unknown methodology profile"):
        compute(Inventory(), factor_set(), profile="nope", reference_date=REF)


def test_ten_servers_use_stage() -> None:
    inv = Inventory(
        sites=DC,
        equipment=eq(
            [
                {
                    "id": 1,
                    "category": "rack_server",
                    "quantity": 10.0,
                    "status": "in_use",
                    "annual_kwh": 17082.0,
                    "site_id": 1,
                }
            ]
        ),
    )
    r = compute(inv, factor_set(), reference_date=REF)
    assert value(r, "equipment", 1, "use") == pytest.approx(25004.7, abs=0.05)
    assert value(r, "equipment", 1, "use") == pytest.approx(10 * 17082 * 0.0813225 * 1.8, rel=1e-12)
    it = item(r, "equipment", 1)
    assert (it["kwh_method"], it["pue"], it["country"]) == ("declared", 1.8, "FR")
    detail = explain(inv, factor_set(), r, "equipment", 1)
    use = next(i for i in detail["impacts"] if i["stage"] == "use" and i["criterion"] == "climate_change")
    assert "17082 kWh" in use["formula"] and "PUE 1.8" in use["formula"]
    assert use["factor_rows"][0]["row_id"] == "el/FR/climate_change"
    assert detail["inputs"]["pue"]["method"] == "site"


def test_vm_shares_and_application_on_shared_vms() -> None:
    inv = Inventory(
        sites=DC,
        equipment=eq(
            [
                {
                    "id": 1,
                    "category": "rack_server",
                    "quantity": 1.0,
                    "status": "in_use",
                    "annual_kwh": 1000.0,
                    "site_id": 1,
                    "lifetime_years": 4.0,
                }
            ]
        ),
        vms=pl.DataFrame(
            [
                {"id": 1, "host_id": 1, "vcpu": 2.0},
                {"id": 2, "host_id": 1, "vcpu": 4.0},
                {"id": 3, "host_id": 1, "vcpu": 10.0},
            ],
            schema=VMS,
        ),
        applications=pl.DataFrame({"id": [10, 11, 12]}),
        # app 10 on VMs 1 and 2; VM 1 also runs app 11, VM 2 also runs apps 11 and 12.
        app_links=pl.DataFrame(
            [
                {"application_id": 10, "vm_id": 1},
                {"application_id": 10, "vm_id": 2},
                {"application_id": 11, "vm_id": 1},
                {"application_id": 11, "vm_id": 2},
                {"application_id": 12, "vm_id": 2},
            ],
            schema=APP_LINKS,
        ),
    )
    r = compute(inv, factor_set(), reference_date=REF)
    assert [item(r, "vm", i)["share"] for i in (1, 2, 3)] == [1 / 8, 1 / 4, 5 / 8]
    host = value(r, "equipment", 1, "manufacturing")
    assert host == pytest.approx(2226.09 / 4, rel=1e-15)
    assert value(r, "vm", 3, "manufacturing") == pytest.approx(host * 5 / 8, rel=1e-15)
    assert value(r, "idle", 1, "manufacturing") == 0.0
    for stage in ("manufacturing", "use"):
        h = value(r, "equipment", 1, stage)
        assert value(r, "application", 10, stage) == pytest.approx(h / 8 / 2 + h / 4 / 3, rel=1e-12)
    # With 32 host threads, 16 vCPU allocate half: the other half is idle capacity, reported as such.
    inv.equipment = inv.equipment.with_columns(pl.lit(32, dtype=pl.Int64).alias("cpu_threads"))
    r = compute(inv, factor_set(), reference_date=REF)
    assert item(r, "vm", 3)["share"] == 10 / 32
    assert value(r, "idle", 1, "use") == pytest.approx(value(r, "equipment", 1, "use") / 2, rel=1e-12)
    chain = explain(inv, factor_set(), r, "vm", 3)
    assert chain["host"]["item"]["item_id"] == 1 and chain["inputs"]["share"]["method"] == "vcpu"


def test_unknown_is_never_zero() -> None:
    inv = Inventory(
        sites=DC,
        equipment=eq(
            [
                {"id": 1, "category": "switch", "quantity": 1.0, "status": "in_use", "country": "FR"},
                {"id": 2, "category": "laptop", "quantity": 1.0, "status": "in_use", "country": "DE"},
            ]
        ),
        applications=pl.DataFrame({"id": [1]}),
    )
    r = compute(inv, factor_set(), reference_date=REF)
    assert value(r, "equipment", 1, "manufacturing") is None  # no factor for 'switch'
    assert value(r, "equipment", 1, "use") is None  # no default energy for 'switch'
    assert value(r, "equipment", 2, "manufacturing") is not None
    assert value(r, "equipment", 2, "use") is None  # no electricity factor for DE: no silent fallback
    assert value(r, "application", 1, "use") is None  # no link
    assert item(r, "equipment", 1)["status"] == "unknown"
    assert "no impact factor for 'switch'" in said(r, "equipment", 1)
    assert "no electricity factor for 'DE'" in said(r, "equipment", 2)
    assert "aucun facteur d'impact pour « switch »" in said(r, "equipment", 1, "fr")
    assert any(
        describe(w, "en").startswith("1 × equipment: no impact factor for 'switch'") for w in r.warnings
    )


def test_lifetime_rules_and_reference_date() -> None:
    rows = [
        {
            "id": 1,
            "category": "laptop",
            "purchase_date": date(2021, 1, 1),
            "retirement_date": date(2025, 1, 1),
        },
        {"id": 2, "category": "laptop", "lifetime_years": 6.0},
        {"id": 3, "category": "laptop"},
        {
            "id": 4,
            "category": "laptop",
            "purchase_date": date(2024, 6, 1),
            "retirement_date": date(2024, 9, 1),
        },
        {"id": 5, "category": "laptop", "status": "retired", "retirement_date": date(2024, 3, 1)},
        {"id": 6, "category": "laptop", "status": "retired", "retirement_date": date(2023, 3, 1)},
        {"id": 7, "category": "laptop", "purchase_date": date(2025, 3, 1)},
    ]
    inv = Inventory(equipment=eq([{"quantity": 1.0, "country": "FR", **r} for r in rows]))
    r = compute(inv, factor_set(), reference_date=REF)
    assert item(r, "equipment", 1)["lifetime_years"] == 1461 / 365.25
    assert item(r, "equipment", 1)["lifetime_method"] == "dates"
    assert value(r, "equipment", 1, "manufacturing") == pytest.approx(170 / (1461 / 365.25), rel=1e-15)
    assert (item(r, "equipment", 2)["lifetime_years"], item(r, "equipment", 2)["lifetime_method"]) == (
        6,
        "declared",
    )
    assert (item(r, "equipment", 3)["lifetime_years"], item(r, "equipment", 3)["lifetime_method"]) == (
        4,
        "default",
    )
    assert item(r, "equipment", 4)["lifetime_years"] == 1.0  # 92 days raised to the 1-year minimum
    assert "raised to 1 year" in said(r, "equipment", 4)
    assert "retired during the reporting year" in said(r, "equipment", 5)
    ids = set(r.items.filter(pl.col("item_kind") == "equipment")["item_id"])
    assert ids == {1, 2, 3, 4, 5}  # 6 retired before the year, 7 bought after the reference date
    # Only the range of a default lifetime widens the result.
    imp = r.impacts.filter((pl.col("stage") == "manufacturing") & (pl.col("criterion") == "climate_change"))
    by_id = {row["item_id"]: row for row in imp.filter(pl.col("item_kind") == "equipment").to_dicts()}
    assert by_id[2]["low"] == by_id[2]["high"] == by_id[2]["value"]
    assert (by_id[3]["low"], by_id[3]["high"]) == (170 / 6, 170 / 3)
    # The same inventory a year earlier: item 6 counts, the reference date replaces "today".
    earlier = compute(inv, factor_set(), reference_date=date(2023, 12, 31))
    assert 6 in set(earlier.items["item_id"]) and earlier.reference_date == date(2023, 12, 31)
    # G4IT: days / 365 and (reference date − purchase) without retirement date.
    inv2 = Inventory(
        equipment=eq(
            [
                {
                    "id": 1,
                    "category": "laptop",
                    "quantity": 1.0,
                    "status": "in_use",
                    "purchase_date": date(2022, 12, 31),
                    "country": "FR",
                }
            ]
        )
    )
    g = compute(inv2, factor_set(), profile="g4it", reference_date=REF)
    assert item(g, "equipment", 1)["lifetime_years"] == 731 / 365
    assert item(g, "equipment", 1)["lifetime_method"] == "purchase_to_reference"


def test_cope_byod_and_stock() -> None:
    inv = Inventory(
        equipment=eq(
            [
                {"id": 1, "category": "laptop", "quantity": 1.0, "usage_mode": "cope", "country": "FR"},
                {"id": 2, "category": "laptop", "quantity": 1.0, "usage_mode": "byod", "country": "FR"},
                {
                    "id": 3,
                    "category": "laptop",
                    "quantity": 1.0,
                    "usage_mode": "byod",
                    "usage_rate": 0.5,
                    "country": "FR",
                },
                {"id": 4, "category": "laptop", "quantity": 1.0, "status": "in_stock", "country": "FR"},
            ]
        )
    )
    r = compute(inv, factor_set(), reference_date=REF)
    full = 170 / 4
    assert value(r, "equipment", 1, "manufacturing") == pytest.approx(full * 0.8, rel=1e-15)
    assert value(r, "equipment", 2, "manufacturing") == pytest.approx(full * 0.57, rel=1e-15)
    assert value(r, "equipment", 3, "manufacturing") == pytest.approx(full * 0.5, rel=1e-15)
    # Modelled energy from the laptop default profile: 30 W × 8 h × 220 d.
    assert item(r, "equipment", 1)["annual_kwh"] == pytest.approx(52.8)
    assert value(r, "equipment", 1, "use") == pytest.approx(52.8 * 0.0813225 * 0.8, rel=1e-12)
    assert value(r, "equipment", 4, "use") == 0.0 and item(r, "equipment", 4)["kwh_method"] == "not_powered"
    assert value(r, "equipment", 4, "manufacturing") == pytest.approx(full, rel=1e-15)


def test_pue_only_in_data_centres() -> None:
    rows = [
        {"id": i, "category": "rack_server", "quantity": 1.0, "annual_kwh": 1000.0, "site_id": s}
        for i, s in ((1, 1), (2, 2), (3, 3), (4, None))
    ]
    inv = Inventory(sites=DC, equipment=eq([{**r, "country": "FR"} for r in rows]))
    r = compute(inv, factor_set(), reference_date=REF)
    assert [item(r, "equipment", i)["pue"] for i in (1, 2, 3, 4)] == [1.8, 1.0, 1.58, 1.0]
    g = compute(inv, factor_set(), profile="g4it", reference_date=REF)
    # G4IT applies a PUE to any equipment placed in a data centre record (site set), whatever its kind.
    assert [item(g, "equipment", i)["pue"] for i in (1, 2, 3, 4)] == [1.8, 1.9, 1.58, 1.0]


def test_cloud_and_storage() -> None:
    fs = factor_set(
        embodied={"rack_server": 2226.09, "storage_gb": 1.0},
        defaults=[
            {"ref": "rack_server", "lifetime_years": 5.0, "annual_kwh": 1500.0, "cpu_threads": 64},
            {"ref": "storage_gb", "lifetime_years": 5.0, "annual_kwh": 0.01},
        ],
    )
    fs.cloud_pue = {"aws": 1.135}
    inv = Inventory(
        sites=DC,
        equipment=eq(
            [
                {
                    "id": 1,
                    "category": "rack_server",
                    "quantity": 1.0,
                    "lifetime_years": 5.0,
                    "annual_kwh": 1500.0,
                    "site_id": 1,
                    "storage_gb": 1000.0,
                }
            ]
        ),
        cloud=pl.DataFrame(
            [
                {
                    "id": 1,
                    "provider": "aws",
                    "country": "FR",
                    "vcpu": 8.0,
                    "quantity": 2.0,
                    "hours_per_year": 4380.0,
                },
                {"id": 2, "provider": "aws", "country": "FR"},
            ],
            schema=CLOUD,
        ),
        storage=pl.DataFrame(
            [
                {"id": 1, "capacity_gb": 200.0, "equipment_id": 1},
                {"id": 2, "capacity_gb": 300.0, "replicas": 2.0, "site_id": 1},
            ],
            schema=STORAGE,
        ),
    )
    r = compute(inv, fs, reference_date=REF)
    share = 8 / 64 * 0.5
    assert item(r, "cloud", 1)["share"] == share
    assert value(r, "cloud", 1, "manufacturing") == pytest.approx(2 * share * 2226.09 / 5, rel=1e-12)
    assert value(r, "cloud", 1, "use") == pytest.approx(2 * share * 1500 * 0.0813225 * 1.135, rel=1e-12)
    assert value(r, "cloud", 2, "use") is None and "no vCPU" in said(r, "cloud", 2)
    assert item(r, "cloud", 1)["category"] == "cloud_instance"
    assert item(r, "storage", 1)["share"] == 0.2  # 200 GB of the array's 1000 GB
    # A host that carries only volumes (a storage array) has no idle capacity: its remainder is not waste
    # of compute, and the report must not list it among idle hosts.
    assert r.items.filter(pl.col("item_kind") == "idle").height == 0
    assert value(r, "storage", 2, "manufacturing") == pytest.approx(600 * 1.0 / 5, rel=1e-12)
    assert value(r, "storage", 2, "use") == pytest.approx(600 * 0.01 * 0.0813225 * 1.8, rel=1e-12)


REFURB = {
    "default_pue": 1.58,
    "refurbished_factor:laptop": 0.3,
    "refurbished_factor_low:laptop": 0.03,
    "refurbished_factor_high:laptop": 0.57,
}


def test_refurbished_manufacturing_factor() -> None:
    inv = Inventory(
        equipment=eq(
            [
                {"id": 1, "category": "laptop", "quantity": 2.0, "refurbished": True, "country": "FR"},
                {"id": 2, "category": "rack_server", "quantity": 1.0, "refurbished": True, "country": "FR"},
                {"id": 3, "category": "laptop", "quantity": 2.0, "refurbished": False, "country": "FR"},
            ]
        )
    )
    r = compute(inv, factor_set(hypotheses=REFURB), reference_date=REF)
    # Laptop: 2 × 170 kgCO2e × 0.3 / 4 y (default lifetime, range 3–6 y; factor range 0.03–0.57).
    m = r.impacts.filter(
        (pl.col("item_id") == 1)
        & (pl.col("stage") == "manufacturing")
        & (pl.col("criterion") == "climate_change")
    ).row(0, named=True)
    assert m["value"] == pytest.approx(2 * 170 * 0.3 / 4, rel=1e-15)
    assert m["low"] == pytest.approx(2 * 170 * 0.03 / 6, rel=1e-15)
    assert m["high"] == pytest.approx(2 * 170 * 0.57 / 3, rel=1e-15)
    # Other embodied stages and use are those of a new laptop.
    for stage in ("distribution", "end_of_life", "use"):
        assert value(r, "equipment", 1, stage) == pytest.approx(value(r, "equipment", 3, stage), rel=1e-15)
    assert value(r, "equipment", 3, "manufacturing") == pytest.approx(2 * 170 / 4, rel=1e-15)
    assert item(r, "equipment", 1)["warnings"] is None
    # No factor for servers: counted as new, with a warning naming the category.
    assert value(r, "equipment", 2, "manufacturing") == pytest.approx(2226.09 / 5, rel=1e-15)
    assert "no refurbished factor for category 'rack_server'" in said(r, "equipment", 2)
    assert any("refurbished: counted as new" in describe(w, "en") for w in r.warnings)
    # The trace shows the factor and how it was chosen.
    detail = explain(inv, factor_set(hypotheses=REFURB), r, "equipment", 1)
    assert detail["inputs"]["refurbished_factor"] == {
        "value": 0.3,
        "unit": "1",
        "method": "refurbished_factor:laptop",
        "low": 0.03,
        "high": 0.57,
    }
    formula = next(
        x["formula"]
        for x in detail["impacts"]
        if x["stage"] == "manufacturing" and x["criterion"] == "climate_change"
    )
    assert "× 0.3 (refurbished" in formula and formula.endswith(f"= {2 * 170 * 0.3 / 4:.6g}")
    assert (
        "refurbished_factor" not in explain(inv, factor_set(hypotheses=REFURB), r, "equipment", 3)["inputs"]
    )
    # The G4IT profile has no refurbished rule: refurbished or not, the same figure and no warning.
    g = compute(inv, factor_set(hypotheses=REFURB), profile="g4it", reference_date=REF)
    assert value(g, "equipment", 1, "manufacturing") == value(g, "equipment", 3, "manufacturing")
    assert "refurbished" not in (item(g, "equipment", 1)["warnings"] or "")
