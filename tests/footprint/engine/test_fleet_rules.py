"""Hand-computed organisation for the rules a diagnosis rests on: lifetimes of old items still in service,
idle capacity, departmental allocation, data-quality shares, usage rates, cloud sites and storage."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sobre.footprint.engine import compute
from sobre.footprint.engine.changes import (
    BuyRefurbished,
    EfficientModels,
    ExtendLifetime,
    Reschedule,
    ReuseAtEndOfLife,
    ScaleQuantity,
    apply_changes,
    subset,
)
from sobre.footprint.engine.departments import allocate_departments
from sobre.footprint.engine.quality import default_shares
from sobre.footprint.factors.consistency import check_factor_set
from sobre.footprint.schema import (
    APP_LINKS,
    APPLICATIONS,
    CLOUD,
    EQUIPMENT,
    FACTOR_IMPACTS,
    SITES,
    STORAGE,
    VMS,
    Inventory,
)
from tests.footprint.engine.builders import factor_set, item, value

REF = date(2025, 12, 31)
FR = 0.0813225
SITES_ = pl.DataFrame(
    [
        {"id": 1, "name": "Salle serveur", "kind": "server_room", "country": "FR", "pue": 2.0},
        {"id": 2, "name": "Mairie", "kind": "office", "country": "FR"},
        {"id": 3, "name": "OVHcloud Gravelines", "kind": "cloud_region", "country": "FR", "provider": "ovh"},
        {"id": 4, "name": "AWS Paris eu-west-3", "kind": "cloud_region", "country": "FR", "provider": "aws"},
        {
            "id": 5,
            "name": "AWS Frankfurt eu-central-1",
            "kind": "cloud_region",
            "country": "DE",
            "provider": "aws",
        },
    ],
    schema=SITES,
)


def eq(rows: list[dict]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=EQUIPMENT)


def test_an_old_item_in_service_is_amortised_over_its_age() -> None:
    """Bought 9 years before the reference date and still in use: 9 years, not the 4-year default."""
    bought = date(2016, 12, 31)
    inv = Inventory(
        sites=SITES_,
        equipment=eq(
            [
                {"id": 1, "category": "laptop", "purchase_date": bought, "status": "in_use", "site_id": 2},
                {"id": 2, "category": "laptop", "purchase_date": date(2024, 1, 1), "status": "in_use"},
                # Retired this year: its real lifetime, from both dates, wins.
                {
                    "id": 3,
                    "category": "laptop",
                    "purchase_date": bought,
                    "retirement_date": date(2025, 6, 30),
                    "status": "retired",
                },
                {"id": 4, "category": "laptop", "purchase_date": bought, "lifetime_years": 3.0},
            ]
        ),
    )
    r = compute(inv, factor_set(), reference_date=REF, org_country="FR")
    age = (REF - bought).days / 365.25
    one = item(r, "equipment", 1)
    assert one["lifetime_method"] == "age" and one["lifetime_years"] == pytest.approx(age)
    assert one["age_years"] == pytest.approx(age)
    assert value(r, "equipment", 1, "manufacturing") == pytest.approx(170.0 / age, rel=1e-12)
    assert "lifetime_age" in one["warnings"]
    # Young enough: the default lifetime (4 years) stays.
    assert item(r, "equipment", 2)["lifetime_method"] == "default"
    assert item(r, "equipment", 2)["lifetime_years"] == 4.0
    assert item(r, "equipment", 3)["lifetime_method"] == "dates"
    # A declared lifetime shorter than the age is raised to the age too.
    assert item(r, "equipment", 4)["lifetime_method"] == "age"
    # G4IT computes (reference − purchase) / 365 for equipment in use, as before.
    g = compute(inv, factor_set(), profile="g4it", reference_date=REF)
    assert item(g, "equipment", 1)["lifetime_years"] == pytest.approx((REF - bought).days / 365)


def _town() -> Inventory:
    """A host with two VMs of two departments, an array with one volume, a plain server linked to two
    applications, a laptop of department 1, a cloud instance without a department."""
    equipment = eq(
        [
            {
                "id": 1,
                "name": "esx-1",
                "category": "rack_server",
                "cpu_threads": 16,
                "site_id": 1,
                "lifetime_years": 5.0,
                "annual_kwh": 1500.0,
                "department_id": 9,
            },
            {
                "id": 2,
                "name": "baie-1",
                "category": "storage_array",
                "storage_gb": 1000.0,
                "site_id": 1,
                "lifetime_years": 5.0,
                "annual_kwh": 1500.0,
                "department_id": 9,
            },
            {
                "id": 3,
                "name": "srv-1",
                "category": "rack_server",
                "site_id": 1,
                "lifetime_years": 5.0,
                "annual_kwh": 1500.0,
                "department_id": 9,
            },
            {
                "id": 4,
                "name": "pc-1",
                "category": "laptop",
                "department_id": 1,
                "lifetime_years": 4.0,
                "site_id": 2,
            },
            {
                "id": 5,
                "name": "esx-2",
                "category": "rack_server",
                "site_id": 1,
                "lifetime_years": 5.0,
                "annual_kwh": 1500.0,
                "hypervisor": True,
            },
        ]
    )
    vms = pl.DataFrame(
        [
            {"id": 1, "name": "vm-a", "host_id": 1, "vcpu": 4.0, "department_id": 1},
            {"id": 2, "name": "vm-b", "host_id": 1, "vcpu": 8.0, "department_id": 2},
        ],
        schema=VMS,
    )
    storage = pl.DataFrame(
        [{"id": 1, "name": "vol-1", "capacity_gb": 400.0, "equipment_id": 2, "department_id": 2}],
        schema=STORAGE,
    )
    apps = pl.DataFrame(
        [
            {"id": 1, "name": "Paie", "users": 30, "department_id": 1},
            {"id": 2, "name": "Cadastre", "users": 10, "department_id": 2},
        ],
        schema=APPLICATIONS,
    )
    links = pl.DataFrame(
        [{"application_id": 1, "equipment_id": 3}, {"application_id": 2, "equipment_id": 3}], schema=APP_LINKS
    )
    cloud = pl.DataFrame(
        [{"id": 1, "name": "web", "provider": "aws", "region": "eu-west-3", "country": "FR", "vcpu": 8.0}],
        schema=CLOUD,
    )
    return Inventory(
        sites=SITES_,
        equipment=equipment,
        vms=vms,
        storage=storage,
        applications=apps,
        app_links=links,
        cloud=cloud,
    )


def test_idle_capacity_only_on_virtualisation_hosts() -> None:
    r = compute(_town(), factor_set(), reference_date=REF, org_country="FR")
    idle = r.items.filter(pl.col("item_kind") == "idle")
    # esx-1 carries VMs (12 of 16 threads: 1/4 idle); esx-2 is a declared hypervisor with no VM (all idle);
    # the array carries a volume but is no virtualisation host, the plain server carries nothing.
    assert dict(zip(idle["item_id"], idle["share"], strict=True)) == {1: pytest.approx(0.25), 5: 1.0}
    assert value(r, "idle", 1, "use") == pytest.approx(0.25 * 1500 * FR * 2.0, rel=1e-12)


def test_shared_infrastructure_is_allocated_to_departments() -> None:
    """Hand-computed for climate change, use stage (kWh × 0.0813225 × PUE 2):

    esx-1 = 1500 × 0.0813225 × 2 = 243.9675: vm-a 4/16 → dept 1, vm-b 8/16 → dept 2, idle 4/16 → shared;
    baie-1 = 243.9675: vol-1 400/1000 → dept 2, the rest → shared; srv-1 = 243.9675 split by the users
    of its two applications (30 → dept 1, 10 → dept 2); esx-2 all idle → shared; the laptop is its
    department's; the cloud instance runs no application and has no department → shared.
    """
    r = compute(_town(), factor_set(), reference_date=REF, org_country="FR")
    deps = allocate_departments(r, _town())
    use = deps.filter((pl.col("criterion") == "climate_change") & (pl.col("stage") == "use"))
    by_dept = use.group_by("department_id").agg(pl.col("value").sum())
    got = {row[0]: row[1] for row in by_dept.iter_rows()}
    host = 1500 * FR * 2.0
    laptop = value(r, "equipment", 4, "use")
    cloud = value(r, "cloud", 1, "use")
    assert got[1] == pytest.approx(host * 4 / 16 + host * 30 / 40 + laptop, rel=1e-12)
    assert got[2] == pytest.approx(host * 8 / 16 + host * 0.4 + host * 10 / 40, rel=1e-12)
    assert got[None] == pytest.approx(host * 4 / 16 + host * 0.6 + host + cloud, rel=1e-12)
    assert 9 not in got  # the IT department that manages the servers gets none of them
    # Every part of the total is allocated once: departments + shared = the organisation's total.
    total = (
        r.impacts.join(
            r.items.filter(pl.col("item_kind").is_in(["equipment", "cloud"])).select("item_kind", "item_id"),
            on=["item_kind", "item_id"],
        )
        .filter((pl.col("criterion") == "climate_change") & (pl.col("stage") == "use"))["value"]
        .sum()
    )
    assert sum(got.values()) == pytest.approx(total, rel=1e-12)
    keys = set(use["key"])
    assert {"vm", "volume", "application_users", "own", "unallocated"} <= keys


def test_cloud_instances_belong_to_their_provider_site() -> None:
    fs = factor_set(
        defaults=[{"ref": "rack_server", "lifetime_years": 5.0, "annual_kwh": 1500.0, "cpu_threads": 64}]
    )
    fs.cloud_pue = {"aws": 1.135}
    r = compute(_town(), fs, reference_date=REF)
    cloud = item(r, "cloud", 1)
    # The AWS site whose name holds the region code, its country; the provider's PUE (the site gives none).
    assert (cloud["site_id"], cloud["category"], cloud["pue"], cloud["pue_method"]) == (
        4,
        "cloud_instance",
        1.135,
        "provider",
    )


def test_cloud_storage_per_gb_by_media() -> None:
    fs = factor_set(
        embodied={"laptop": 170.0},
        defaults=[{"ref": "storage_gb:hdd", "lifetime_years": 5.0, "annual_kwh": 0.005694}],
    )
    hdd = pl.DataFrame(
        [
            {
                "ref": "storage_gb:hdd",
                "stage": s,
                "criterion": "climate_change",
                "value": v,
                "low": v,
                "high": v,
                "source": "t",
                "licence": "t",
                "row_id": s,
            }
            for s, v in (("manufacturing", 0.00433), ("distribution", 0.0), ("end_of_life", 0.0))
        ],
        schema=FACTOR_IMPACTS,
    )
    fs.impacts = pl.concat([fs.impacts, hdd])
    fs.cloud_pue = {"ovh": 1.3}
    inv = Inventory(
        sites=SITES_,
        storage=pl.DataFrame(
            [
                {
                    "id": 1,
                    "name": "backup",
                    "media": "hdd",
                    "capacity_gb": 60_000.0,
                    "replicas": 2.0,
                    "site_id": 3,
                }
            ],
            schema=STORAGE,
        ),
    )
    r = compute(inv, fs, reference_date=REF)
    vol = item(r, "storage", 1)
    assert (vol["category"], vol["factor_ref"], vol["pue"]) == ("cloud_storage", "storage_gb:hdd", 1.3)
    assert value(r, "storage", 1, "manufacturing") == pytest.approx(120_000 * 0.00433 / 5, rel=1e-12)
    assert value(r, "storage", 1, "use") == pytest.approx(120_000 * 0.005694 * FR * 1.3, rel=1e-12)


@pytest.mark.parametrize("profile", ["sobre", "g4it"])
def test_usage_rates_cope_byod_in_both_profiles(profile: str) -> None:
    """NumEcoEval multiplies every stage by the usage rate: the row's, else COPE 0.8 / BYOD 0.57."""
    inv = Inventory(
        equipment=eq(
            [
                {
                    "id": i,
                    "category": "laptop",
                    "type_label": "laptop",
                    "country": "FR",
                    "lifetime_years": 4.0,
                    "annual_kwh": 20.0,
                    "usage_mode": mode,
                    "usage_rate": rate,
                }
                for i, (mode, rate) in enumerate(
                    [(None, None), ("cope", None), ("byod", None), ("byod", 0.3)], 1
                )
            ]
        )
    )
    fs = factor_set()
    fs.item_types = pl.DataFrame({"type": ["laptop"], "default_ref": ["laptop"], "lifetime_years": [4.0]})
    r = compute(inv, fs, profile=profile, reference_date=REF, org_country="FR")
    full_m, full_u = value(r, "equipment", 1, "manufacturing"), value(r, "equipment", 1, "use")
    for item_id, rate in ((2, 0.8), (3, 0.57), (4, 0.3)):
        assert value(r, "equipment", item_id, "manufacturing") == pytest.approx(full_m * rate, rel=1e-12)
        assert value(r, "equipment", item_id, "use") == pytest.approx(full_u * rate, rel=1e-12)
        assert value(r, "equipment", item_id, "end_of_life") == pytest.approx(
            value(r, "equipment", 1, "end_of_life") * rate, rel=1e-12
        )
    assert [item(r, "equipment", i)["usage_method"] for i in (1, 2, 3, 4)] == [
        "full",
        "cope",
        "byod",
        "input",
    ]


def test_default_shares_follow_each_parameter() -> None:
    """Two laptops: one with a declared lifetime and energy, one on defaults for both.

    Default lifetime 4 y, default energy 30 W × 8 h × 220 d = 52.8 kWh; factors are the category's (an
    archetype) for both, so the factor share is 100 % of the embodied stages.
    """
    inv = Inventory(
        equipment=eq(
            [
                {"id": 1, "category": "laptop", "country": "FR", "lifetime_years": 5.0, "annual_kwh": 10.0},
                {"id": 2, "category": "laptop", "country": "FR"},
            ]
        )
    )
    r = compute(inv, factor_set(), reference_date=REF)
    shares = {(s.criterion, s.parameter): s for s in default_shares(r)}

    def embodied(i: int) -> float:
        return sum(value(r, "equipment", i, s) for s in ("manufacturing", "distribution", "end_of_life"))

    def use(i: int) -> float:
        return value(r, "equipment", i, "use")

    total = embodied(1) + use(1) + embodied(2) + use(2)
    life = shares["climate_change", "lifetime"]
    assert life.on_default == pytest.approx(embodied(2)) and life.share == pytest.approx(embodied(2) / total)
    assert shares["climate_change", "energy"].share == pytest.approx(use(2) / total)
    assert shares["climate_change", "factor"].share == pytest.approx((embodied(1) + embodied(2)) / total)
    assert shares["climate_change", "pue"].on_default == 0.0
    assert shares["climate_change", "any"].share == pytest.approx(
        (embodied(1) + embodied(2) + use(2)) / total
    )
    assert (life.items_default, life.items) == (1, 2)


def test_changes_compound_on_one_copy() -> None:
    inv = Inventory(
        equipment=eq(
            [
                {"id": 1, "category": "laptop", "country": "FR", "quantity": 10.0, "annual_kwh": 20.0},
                {"id": 2, "category": "laptop", "country": "FR", "quantity": 5.0, "annual_kwh": 20.0},
            ]
        )
    )
    fs = factor_set(hypotheses={"refurbished_factor:laptop": 0.3})
    base = compute(inv, fs, reference_date=REF)
    changes = [
        ExtendLifetime(frozenset({1}), 2.0),
        BuyRefurbished(frozenset({1}), 0.5),
        ScaleQuantity({2: 0.0}),
        Reschedule(frozenset({1}), 12.0, 365.0),
        ReuseAtEndOfLife(frozenset({1}), 1.0),
    ]
    new_inv, new_fs, touched = apply_changes(inv, fs, changes, base)
    assert touched == {1, 2, 3}  # the refurbished half of row 1 is a new row (id 3)
    after = compute(subset(new_inv, touched), new_fs, reference_date=REF)
    # Row 1: 6-year lifetime, half refurbished (0.3 of manufacturing), half the energy, no end of life.
    assert value(after, "equipment", 1, "manufacturing") == pytest.approx(5 * 170.0 / 6, rel=1e-12)
    assert value(after, "equipment", 3, "manufacturing") == pytest.approx(5 * 170.0 * 0.3 / 6, rel=1e-12)
    assert value(after, "equipment", 1, "use") == pytest.approx(5 * 10.0 * FR, rel=1e-12)
    assert value(after, "equipment", 1, "end_of_life") == 0.0
    assert value(after, "equipment", 2, "manufacturing") == 0.0  # removed
    assert inv.equipment.height == 2  # the inputs are not modified


def test_changes_act_on_measured_energy() -> None:
    """The engine ranks a measured kWh first: rescheduling scales it, an efficient model takes it × the
    model's energy factor (the declared 20 kWh of row 1 is not what it used), and so do a declared kWh
    (row 4) and a declared power (row 5)."""
    rows = ((1, 30.0, 20.0, None), (2, 30.0, None, None), (3, 30.0, None, None), (4, None, 40.0, None))
    inv = Inventory(
        equipment=eq(
            [
                {
                    "id": i,
                    "category": "laptop",
                    "country": "FR",
                    "measured_kwh": m,
                    "annual_kwh": kwh,
                    "power_w": w,
                }
                for i, m, kwh, w in (*rows, (5, None, None, 20.0))
            ]
        )
    )
    fs = factor_set()
    base = compute(inv, fs, reference_date=REF)
    assert value(base, "equipment", 1, "use") == pytest.approx(30.0 * FR, rel=1e-12)
    changes = [
        Reschedule(frozenset({1}), 12.0, 365.0),
        EfficientModels(frozenset({2, 4, 5}), {"laptop": 0.8}, {"laptop": 0.5}),
    ]
    new_inv, new_fs, touched = apply_changes(inv, fs, changes, base)
    after = compute(subset(new_inv, touched), new_fs, reference_date=REF)
    assert touched == {1, 2, 4, 5}
    assert value(after, "equipment", 1, "use") == pytest.approx(15.0 * FR, rel=1e-12)
    assert value(after, "equipment", 2, "use") == pytest.approx(15.0 * FR, rel=1e-12)
    assert value(after, "equipment", 4, "use") == pytest.approx(20.0 * FR, rel=1e-12)
    assert value(base, "equipment", 5, "use") > 0  # so that the halving below cannot hold by zero
    assert value(after, "equipment", 5, "use") == pytest.approx(
        0.5 * value(base, "equipment", 5, "use"), rel=1e-12
    )
    assert value(after, "equipment", 2, "manufacturing") == pytest.approx(
        0.8 * value(base, "equipment", 2, "manufacturing"), rel=1e-12
    )
    # Without the run's trace, the inventory's measured kWh is the one scaled.
    new_inv, new_fs, touched = apply_changes(inv, fs, changes[:1])
    after = compute(subset(new_inv, touched), new_fs, reference_date=REF)
    assert value(after, "equipment", 1, "use") == pytest.approx(15.0 * FR, rel=1e-12)
    assert inv.equipment["measured_kwh"].to_list() == [30.0] * 3 + [None] * 2  # the inputs are not modified


def test_consistency_check_names_sources_that_disagree() -> None:
    fs = factor_set()
    bad = pl.DataFrame(
        [
            {
                "ref": "laptop",
                "stage": "manufacturing",
                "criterion": c,
                "value": v,
                "low": v,
                "high": v,
                "source": "t",
                "licence": "t",
                "row_id": c,
            }
            for c, v in (("fossil_resources", 2410.0), ("primary_energy", 1300.0))
        ],
        schema=FACTOR_IMPACTS,
    )
    fs.impacts = pl.concat([fs.impacts, bad])
    problems = check_factor_set(fs)
    assert [(p.code, p.key, p.stage) for p in problems if p.code == "fossil_above_primary"] == [
        ("fossil_above_primary", "laptop", "manufacturing")
    ]
