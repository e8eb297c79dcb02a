"""Moving VMs and applications to another site, deleting stored data: deltas computed by hand.

Factors (``tests.footprint.engine.builders``): electricity FR 0.05, DE 0.4 kgCO2e/kWh; a rack server's
embodied stages 2226.09 × 1.15 kgCO2e, kept 5 years; storage 0.5 × 1.15 kgCO2e per GB over 5 years and
0.01 kWh per GB a year.  Sites: "Salle" (server room, FR, PUE 2.0), "DC" (data centre, DE, PUE 1.2).

- esx-1 (1000 kWh) carries VMs a and b, 8 vCPU each of 32 threads: a share of 0.25 each, half idle;
  esx-2 (1000 kWh) carries VM c alone (32 vCPU: its whole capacity).  Application Paie runs on a and c.
- A kWh used in the server room weighs 2.0 × 0.05 = 0.1 kgCO2e; in the data centre 1.2 × 0.4 = 0.48.
  Moving a moves a quarter of esx-1: 0.25 × 1000 × (0.48 − 0.1) = +95 kgCO2e a year, and nothing embodied.
- "baie" (500 kWh, 10,000 GB) holds the volumes partage (4,000 GB) and archives (2,000 GB × 2 replicas):
  its capacity is max(8,000, 10,000) = 10,000 GB.  Its footprint: 2226.09 × 1.15 / 5 + 500 × 0.1.
  Deleting 500 GB of partage frees 5 % of it.
- NAS, a volume of 2,000 GB × 2 replicas on no equipment: 4,000 GB × (0.575 / 5 + 0.01 × 0.1) a year;
  paie-db, Paie's 100 GB on no equipment.  Both are held in the server room (and move with it).
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from sobre.core.errors import InputError
from sobre.footprint.engine import compute
from sobre.footprint.schema import (
    APP_LINKS,
    APPLICATIONS,
    EQUIPMENT,
    FACTOR_DEFAULTS,
    SITES,
    STORAGE,
    VMS,
    FactorSet,
    Inventory,
)
from sobre.strategy.scenarios import ChangeSpec, Effect, check_spec, evaluate
from tests.footprint.engine.builders import factor_set

REF = date(2025, 12, 31)
SERVER_YEAR = 2226.09 * 1.15 / 5  # embodied kgCO2e a year of one rack server
SALLE, DC = 2.0 * 0.05, 1.2 * 0.4  # kgCO2e per kWh used at each site (PUE × factor)
BAIE = SERVER_YEAR + 500 * SALLE
PER_GB = 0.5 * 1.15 / 5 + 0.01 * SALLE


def _org() -> Inventory:
    sites = pl.DataFrame(
        [
            {"id": 1, "name": "Salle", "kind": "server_room", "country": "FR", "pue": 2.0},
            {"id": 2, "name": "DC", "kind": "data_centre", "country": "DE", "pue": 1.2},
        ],
        schema=SITES,
    )
    server = {
        "category": "rack_server",
        "quantity": 1.0,
        "lifetime_years": 5.0,
        "site_id": 1,
        "country": "FR",
    }
    equipment = pl.DataFrame(
        [
            {**server, "id": 10, "name": "esx-1", "annual_kwh": 1000.0, "cpu_threads": 32},
            {**server, "id": 11, "name": "esx-2", "annual_kwh": 1000.0, "cpu_threads": 32},
            {**server, "id": 20, "name": "baie", "annual_kwh": 500.0, "storage_gb": 10000.0},
        ],
        schema=EQUIPMENT,
    )
    vms = pl.DataFrame(
        [
            {"id": 1, "name": "a", "host_id": 10, "vcpu": 8.0},
            {"id": 2, "name": "b", "host_id": 10, "vcpu": 8.0},
            {"id": 3, "name": "c", "host_id": 11, "vcpu": 32.0},
        ],
        schema=VMS,
    )
    apps = pl.DataFrame([{"id": 1, "name": "Paie"}, {"id": 2, "name": "Fichiers"}], schema=APPLICATIONS)
    links = pl.DataFrame(
        [
            {"application_id": 1, "vm_id": 1},
            {"application_id": 1, "vm_id": 3},
            {"application_id": 2, "equipment_id": 20},
        ],
        schema=APP_LINKS,
    )
    storage = pl.DataFrame(
        [
            {"id": 1, "name": "NAS", "capacity_gb": 2000.0, "used_gb": 1500.0, "replicas": 2.0, "site_id": 1},
            {"id": 2, "name": "partage", "capacity_gb": 4000.0, "used_gb": 3000.0, "equipment_id": 20},
            {"id": 3, "name": "archives", "capacity_gb": 2000.0, "replicas": 2.0, "equipment_id": 20},
            {
                "id": 4,
                "name": "paie-db",
                "capacity_gb": 100.0,
                "used_gb": 80.0,
                "application_id": 1,
                "site_id": 1,
            },
        ],
        schema=STORAGE,
    )
    return Inventory(
        sites=sites, equipment=equipment, vms=vms, applications=apps, app_links=links, storage=storage
    )


def _factors() -> FactorSet:
    fs = factor_set(embodied={"rack_server": 2226.09, "storage_gb": 0.5}, electricity={"FR": 0.05, "DE": 0.4})
    storage = pl.DataFrame(
        [{"ref": "storage_gb", "lifetime_years": 5.0, "annual_kwh": 0.01}], schema=FACTOR_DEFAULTS
    )
    fs.defaults = pl.concat([fs.defaults, storage])
    return fs


def _effect(*specs: ChangeSpec) -> Effect:
    inv, fs = _org(), _factors()
    base = compute(inv, fs, reference_date=REF)
    return evaluate([check_spec(s.kind, s.params) for s in specs], inv, fs, base, compute, reference_date=REF)


def _total(effect: Effect, stage: str = "total") -> float:
    value = effect.delta("climate_change", stage)
    assert value is not None
    return value


MOVE_A = ChangeSpec("move_to_site", {"to_site": "DC", "vms": "a"})
MOVE_FILES = ChangeSpec("move_to_site", {"to_site": "DC", "applications": "Fichiers"})
DELETE_500 = ChangeSpec("delete_data", {"volume": "partage", "gb": 500})


def test_the_organisation_is_what_the_notes_say() -> None:
    base = compute(_org(), _factors(), reference_date=REF)
    climate = base.impacts.filter(pl.col("criterion") == "climate_change")

    def figure(kind: str, item: int) -> float:
        return climate.filter((pl.col("item_kind") == kind) & (pl.col("item_id") == item))["value"].sum()

    assert figure("equipment", 20) == pytest.approx(BAIE, rel=1e-12)
    assert figure("vm", 1) == pytest.approx(0.25 * (SERVER_YEAR + 1000 * SALLE), rel=1e-12)
    assert figure("storage", 1) == pytest.approx(4000 * PER_GB, rel=1e-12)


def test_moving_one_vm_moves_its_share_of_the_host() -> None:
    effect = _effect(MOVE_A)
    assert _total(effect) == pytest.approx(0.25 * 1000 * (DC - SALLE), rel=1e-12)
    assert _total(effect, "use") == pytest.approx(95.0, rel=1e-12)
    assert _total(effect, "manufacturing") == pytest.approx(0.0, abs=1e-9)
    # The VM's own figure and the application's (which runs on it) change by as much; b and c do not.
    assert effect.allocations["vm"]["climate_change"].delta == pytest.approx(95.0, rel=1e-9)
    assert effect.allocations["application"]["climate_change"].delta == pytest.approx(95.0, rel=1e-9)
    assert effect.changes[0]["vms"] == 1


def test_moving_a_site_moves_whole_hosts_with_their_idle_capacity() -> None:
    effect = _effect(ChangeSpec("move_to_site", {"to_site": "DC", "from_site": "Salle"}))
    # esx-1 and esx-2 move whole (all their VMs go), baie, which runs an application, and the volumes on
    # no equipment held there: NAS (4,000 GB × 0.01 kWh) and paie-db (100 GB).
    assert _total(effect) == pytest.approx((2500 + 40 + 1) * (DC - SALLE), rel=1e-12)
    assert effect.changes[0]["volumes"] == 2
    assert effect.allocations["vm"]["climate_change"].delta == pytest.approx(
        1.5 * 1000 * (DC - SALLE), rel=1e-9
    )


def test_moving_an_application_moves_its_vms_and_servers() -> None:
    paie = _effect(ChangeSpec("move_to_site", {"to_site": "DC", "applications": "Paie"}))
    # a (a quarter of esx-1), c (all of esx-2) and the application's volume paie-db (100 GB × 0.01 kWh).
    assert _total(paie) == pytest.approx((1.25 * 1000 + 1) * (DC - SALLE), rel=1e-12)
    assert paie.allocations["application"]["climate_change"].delta == pytest.approx(475.0, rel=1e-9)
    files = _effect(MOVE_FILES)
    assert _total(files) == pytest.approx(500 * (DC - SALLE), rel=1e-12)


def test_deleting_data_releases_capacity() -> None:
    assert _total(_effect(DELETE_500)) == pytest.approx(-0.05 * BAIE, rel=1e-12)
    nas = _effect(ChangeSpec("delete_data", {"volume": "NAS", "tb": 1}))
    # 1 TB of data is 2 TB of storage with its replica.
    assert _total(nas) == pytest.approx(-2000 * PER_GB, rel=1e-12)
    assert nas.changes[0]["gb_deleted"] == 1000.0
    # Half of the application's stored data: 40 GB of paie-db (on no equipment, one copy).
    half = _effect(ChangeSpec("delete_data", {"application": "Paie", "share": 0.5}))
    assert _total(half) == pytest.approx(-40 * PER_GB, rel=1e-12)
    # With no place named, the GB are taken pro rata of the stored GB of every volume (1,500 + 3,000 +
    # 2,000 + 80 GB): 6,580 GB deleted is all the data; the space never used stays (NAS keeps 500 GB × 2,
    # paie-db 20 GB), baie frees 3,000 + 2,000 × 2 GB of its 10,000.
    everything = _effect(ChangeSpec("delete_data", {"gb": 6580}))
    expected = -(1500 * 2 * PER_GB + 80 * PER_GB + BAIE * (3000 + 2000 * 2) / 10000)
    assert _total(everything) == pytest.approx(expected, rel=1e-9)


def test_a_move_and_a_deletion_on_the_same_hardware_compound() -> None:
    move, delete = _total(_effect(MOVE_FILES)), _total(_effect(DELETE_500))
    both = _effect(MOVE_FILES, DELETE_500)
    # baie moves to the data centre, then 5 % of it goes: 0.95 × its figure there − its figure now.
    moved = SERVER_YEAR + 500 * DC
    assert _total(both) == pytest.approx(0.95 * moved - BAIE, rel=1e-12)
    assert _total(both) != pytest.approx(move + delete, rel=1e-6)
    assert _total(_effect(DELETE_500, MOVE_FILES)) == pytest.approx(0.95 * moved - BAIE, rel=1e-12)


def test_moving_the_same_vm_twice_ends_where_it_ends() -> None:
    back = _effect(MOVE_A, ChangeSpec("move_to_site", {"to_site": "Salle", "vms": "a"}))
    assert _total(back) == pytest.approx(0.0, abs=1e-9)
    # Once a has gone, b is all esx-1 still carries: the host goes with it, as when both move at once.
    twice = _effect(MOVE_A, ChangeSpec("move_to_site", {"to_site": "DC", "vms": "b"}))
    together = _effect(ChangeSpec("move_to_site", {"to_site": "DC", "vms": "a; b"}))
    assert _total(twice) == pytest.approx(1000 * (DC - SALLE), rel=1e-12)
    assert _total(together) == pytest.approx(1000 * (DC - SALLE), rel=1e-12)


def test_an_effect_with_allocations_survives_storage() -> None:
    effect = _effect(MOVE_A)
    again = Effect.from_dict(effect.to_dict())
    assert again.allocations["vm"]["climate_change"].delta == effect.allocations["vm"]["climate_change"].delta


@pytest.mark.parametrize(
    ("kind", "params", "column"),
    [
        ("move_to_site", {"vms": "a"}, "to_site"),
        ("move_to_site", {"to_site": "DC"}, "vms"),
        ("delete_data", {"volume": "NAS"}, "gb"),
        ("delete_data", {"gb": 10, "tb": 1}, "tb"),
        ("delete_data", {"gb": -3}, "gb"),
        ("delete_data", {"share": 1.2}, "share"),
        ("delete_data", {"share": 0}, "share"),
        ("delete_data", {"gb": 1, "volume": "NAS", "application": "Paie"}, "application"),
        ("delete_data", {"gb": 1, "rot_scan": "x"}, "rot_scan"),
    ],
)
def test_bad_parameters_are_named(kind: str, params: dict, column: str) -> None:
    with pytest.raises(InputError) as err:
        check_spec(kind, params)
    assert err.value.column == column


@pytest.mark.parametrize(
    ("spec", "column", "value"),
    [
        (ChangeSpec("move_to_site", {"to_site": "Lune", "vms": "a"}), "to_site", "Lune"),
        (ChangeSpec("move_to_site", {"to_site": "DC", "vms": "a, zz"}), "vms", "zz"),
        (ChangeSpec("move_to_site", {"to_site": "DC", "applications": "Compta"}), "applications", "Compta"),
        (ChangeSpec("delete_data", {"volume": "NAS", "tb": 2}), "tb", "2.0"),
        (ChangeSpec("delete_data", {"volume": "disque", "gb": 1}), "volume", "disque"),
        (ChangeSpec("delete_data", {"application": "Fichiers", "gb": 1}), "application", "Fichiers"),
    ],
)
def test_what_the_inventory_does_not_hold_is_named(spec: ChangeSpec, column: str, value: str) -> None:
    with pytest.raises(InputError) as err:
        _effect(spec)
    assert err.value.column == column and str(err.value.value) == value
