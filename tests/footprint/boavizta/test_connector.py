"""BoaviztAPI connector with the in-memory fake and a mocked HTTP transport (no server needed)."""

from __future__ import annotations

import json
from typing import Any

import httpx
import polars as pl
import pytest

from sobre.footprint.boavizta import (
    BoaviztaError,
    FakeBoaviztClient,
    HttpBoaviztClient,
    Request,
    to_iso3,
)
from sobre.footprint.boavizta_rows import apply_boavizta, boavizta_factor_rows, boavizta_rows
from sobre.footprint.schema import CLOUD, EQUIPMENT, FACTOR_DEFAULTS, SITES, FactorSet, Inventory

# An answer shaped as BoaviztAPI 2.5.0's POST /v1/server/?verbose=true (values made up, rounded shape kept).
SERVER_ANSWER: dict[str, Any] = {
    "impacts": {
        "gwp": {
            "unit": "kgCO2eq",
            "description": "Total climate change",
            "embedded": {
                "value": 240.0,
                "min": 115.0,
                "max": 521.8,
                "warnings": ["End of life is not included in the calculation"],
            },
            "use": {"value": 460.0, "min": 95.58, "max": 796.9},
        },
        "adp": {
            "unit": "kgSbeq",
            "embedded": {"value": 0.036, "min": 0.0244, "max": 0.05329},
            "use": "not implemented",
        },
        "pe": {
            "unit": "MJ",
            "embedded": "not implemented",
            "use": {"value": 53000.0, "min": 11010.0, "max": 91800.0},
        },
    },
    "verbose": {
        "avg_power": {"value": 535.8, "min": 111.3, "max": 928.3, "unit": "W"},
        "hours_life_time": {"value": 35040.0, "min": 35040.0, "max": 35040.0},
        "use_time_ratio": {"value": 1.0},
        "usage_location": {"value": "FRA", "warnings": ["Location not found. Default value used."]},
    },
    "warnings": ["top-level warning"],
}


def _equipment(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame([{k: r.get(k) for k in EQUIPMENT} for r in rows], schema=EQUIPMENT)


def _inventory() -> Inventory:
    server = {"category": "rack_server", "quantity": 1.0, "ram_gb": 64.0, "cpu_threads": 32, "site_id": 1}
    equipment = _equipment(
        [
            {**server, "id": 1, "name": "srv-a"},
            {**server, "id": 2, "name": "srv-b"},  # same configuration and place as srv-a
            {**server, "id": 3, "name": "srv-c", "ram_gb": 256.0, "country": "DE"},
            {"id": 4, "name": "pc-1", "category": "laptop", "quantity": 1.0, "model_ref": "laptop"},
            {"id": 5, "name": "blade-1", "category": "blade_server", "quantity": 2.0, "country": "FR"},
        ]
    )
    cloud = pl.DataFrame(
        [
            {k: r.get(k) for k in CLOUD}
            for r in [
                {
                    "id": 10,
                    "name": "web",
                    "provider": "aws",
                    "instance_type": "m5.xlarge",
                    "region": "eu-west-3",
                    "quantity": 2.0,
                    "hours_per_year": 8760.0,
                    "average_load": 0.5,
                },
                {
                    "id": 11,
                    "name": "db",
                    "provider": "aws",
                    "instance_type": "r5.large",
                    "country": "DE",
                    "quantity": 1.0,
                    "hours_per_year": 4380.0,
                },
            ]
        ],
        schema=CLOUD,
    )
    sites = pl.DataFrame(
        [{"id": 1, "name": "DC Paris", "kind": "data_centre", "country": "FR", "pue": 1.4}], schema=SITES
    )
    return Inventory(sites=sites, equipment=equipment, cloud=cloud)


def test_countries_convert_to_boavizta_alpha3() -> None:
    assert [to_iso3(c) for c in ("FR", "DE", "us", "EU27", "WORLD", "FRA", None)] == [
        "FRA",
        "DEU",
        "USA",
        "EEE",
        "WOR",
        "FRA",
        None,
    ]
    with pytest.raises(BoaviztaError, match="'XX'"):
        to_iso3("XX")


def test_answer_maps_criteria_ranges_and_unknowns() -> None:
    client = FakeBoaviztClient(answers={"platform_compute_medium": SERVER_ANSWER})
    result = client.server(None, None, "FRA", 8760, None)
    assert set(result.criteria) == {"climate_change", "adpe", "primary_energy"}
    cc = result.criteria["climate_change"]
    assert cc.unit == "kgCO2e" and cc.boavizta_criterion == "gwp"
    assert cc.embedded is not None and (cc.embedded.value, cc.embedded.low, cc.embedded.high) == (
        240.0,
        115.0,
        521.8,
    )
    assert "End of life is not included in the calculation" in cc.embedded.warnings
    assert result.criteria["adpe"].use is None  # "not implemented" is unknown, never 0
    assert result.criteria["primary_energy"].embedded is None
    assert result.criteria["adpe"].unit == "kgSbeq" and result.criteria["primary_energy"].unit == "MJ"
    assert "usage_location: Location not found. Default value used." in result.warnings
    assert "top-level warning" in result.warnings
    # Whole-life embedded: BoaviztAPI allocated 8760 h of a 35040 h life.
    total = result.embedded_total("climate_change")
    assert total is not None and total.value == pytest.approx(960.0) and total.high == pytest.approx(2087.2)
    assert result.embedded_total("primary_energy") is None


def test_identical_servers_cost_one_call() -> None:
    client = FakeBoaviztClient()
    inventory = _inventory()
    big = Inventory(
        equipment=pl.concat([inventory.equipment.filter(pl.col("id") == 1)] * 50).with_columns(
            id=pl.int_range(1, 51, dtype=pl.Int64)
        ),
        sites=inventory.sites,
    )
    impacts, mapping = boavizta_factor_rows(big, client)
    assert client.calls == 1 and len(client.requests) == 1
    assert mapping.height == 50 and mapping["ref"].n_unique() == 1
    assert impacts["ref"].n_unique() == 1
    # The client's own cache also answers a repeated direct call without a request.
    client.server("platform_compute_medium", None, "FRA", 8760, None)
    client.server("platform_compute_medium", None, "FRA", 8760, None)
    assert client.calls == 2


def test_rows_requests_and_mapping() -> None:
    client = FakeBoaviztClient()
    rows = boavizta_rows(_inventory(), client)
    # srv-a and srv-b share one request; srv-c, blade-1, the laptop and two cloud instances have their own.
    assert client.calls == 6
    mapping = {(r["item_kind"], r["item_id"]): r["ref"] for r in rows.mapping.iter_rows(named=True)}
    assert set(mapping) == {
        ("equipment", 1),
        ("equipment", 2),
        ("equipment", 3),
        ("equipment", 4),
        ("equipment", 5),
        ("cloud", 10),
        ("cloud", 11),
    }
    laptop = next(r for r in client.requests if r.kind == "laptop")
    assert laptop.path == "/v1/terminal/laptop" and ("archetype", "laptop-pro") in laptop.params
    assert mapping["equipment", 4].startswith("boavizta:terminal:")
    assert mapping["equipment", 1] == mapping["equipment", 2] != mapping["equipment", 3]
    assert mapping["equipment", 1].startswith("boavizta:server:") and mapping["cloud", 10].startswith(
        "boavizta:cloud:"
    )
    bodies = {r.archetype + r.body for r in client.requests}
    first = next(json.loads(r.body) for r in client.requests if r.kind == "server")
    assert first["usage"] == {"usage_location": "FRA"}  # site country, converted to alpha-3
    assert first["configuration"] == {
        "cpu": {"units": 1, "core_units": 16},
        "ram": [{"units": 1, "capacity": 64}],
    }
    assert any('"model": {"type": "blade"}' in b for b in bodies)
    web = next(json.loads(r.body) for r in client.requests if r.archetype == "aws:m5.xlarge")
    assert web["usage"] == {"region": "eu-west-3", "time_workload": 50.0, "use_time_ratio": 1.0}
    db = next(json.loads(r.body) for r in client.requests if r.archetype == "aws:r5.large")
    assert db["usage"] == {"usage_location": "DEU", "use_time_ratio": 0.5}
    # Factor rows: whole-life manufacturing per unit; criteria the server does not compute have no row.
    srv_a = rows.impacts.filter(pl.col("ref") == mapping["equipment", 1])
    assert set(srv_a["stage"]) == {"manufacturing"}
    assert set(srv_a["criterion"]) == {"climate_change", "adpe"}  # fake's pe embedded is "not implemented"
    cc = srv_a.filter(pl.col("criterion") == "climate_change").row(0, named=True)
    assert cc["value"] == pytest.approx(1000 + 10 * 64 / 16)  # the fake's whole-life figure, undone exactly
    assert cc["low"] < cc["value"] < cc["high"]
    assert "AGPL-3.0" in cc["licence"] and "end of life not included" in cc["source"]
    defaults = rows.defaults.filter(pl.col("ref") == mapping["equipment", 1]).row(0, named=True)
    assert defaults["lifetime_years"] == pytest.approx(4.0)
    assert defaults["power_w"] == 300.0 and defaults["annual_kwh"] == pytest.approx(300 * 8.76)


def test_apply_boavizta_changes_servers_terminals_and_cloud() -> None:
    inventory = _inventory()
    factors = FactorSet(
        id="sobre-default",
        version="1",
        publisher="Sobre",
        year=2025,
        licence="CC-BY-4.0",
        defaults=pl.DataFrame(
            [{"ref": "laptop", "hours_per_day": 7.0, "days_per_year": 228.0}], schema=FACTOR_DEFAULTS
        ),
    )
    new_inventory, new_factors = apply_boavizta(inventory, factors, FakeBoaviztClient())
    refs = dict(zip(new_inventory.equipment["id"], new_inventory.equipment["model_ref"], strict=True))
    assert refs[4].startswith("boavizta:terminal:")  # the laptop goes to BoaviztAPI's terminal route
    assert all(refs[i].startswith("boavizta:server:") for i in (1, 2, 3, 5))
    laptop = new_factors.defaults.filter(pl.col("ref") == refs[4]).row(0, named=True)
    # BoaviztAPI's power with the category's usage profile (not its 24 h × 365 d use-time ratio).
    assert (laptop["power_w"], laptop["hours_per_day"], laptop["days_per_year"]) == (50.0, 7.0, 228.0)
    assert new_inventory.cloud["model_ref"].str.starts_with("boavizta:cloud:").all()
    assert new_inventory.equipment.drop("model_ref").equals(inventory.equipment.drop("model_ref"))
    assert new_inventory.sites.equals(inventory.sites)
    assert inventory.equipment.filter(pl.col("id") == 1)["model_ref"].item() is None  # input not modified
    assert "model_ref" not in inventory.cloud.columns or inventory.cloud["model_ref"].is_null().all()
    assert factors.impacts.height == 0 and new_factors.impacts.height > 0
    assert set(new_factors.impacts["ref"]) <= set(refs.values()) | set(new_inventory.cloud["model_ref"])
    assert new_factors.impacts.schema == factors.impacts.schema
    assert new_factors.defaults.height == 1 + 6  # the set's own row, one per distinct request


def test_failure_names_the_item_and_the_request() -> None:
    client = FakeBoaviztClient(failures={"aws:r5.large": "HTTP 404 r5.large at aws not found"})
    with pytest.raises(BoaviztaError) as caught:
        boavizta_rows(_inventory(), client)
    text = str(caught.value)
    assert "cloud 11 ('db')" in text and "POST /v1/cloud/instance" in text and "404" in text


def test_bad_country_names_the_item() -> None:
    inventory = _inventory()
    inventory.equipment = inventory.equipment.with_columns(
        country=pl.when(pl.col("id") == 3).then(pl.lit("Atlantis")).otherwise(pl.col("country"))
    )
    with pytest.raises(BoaviztaError, match=r"equipment 3 \('srv-c'\), column 'country'.*Atlantis"):
        boavizta_rows(inventory, FakeBoaviztClient())


def test_bad_load_is_refused() -> None:
    with pytest.raises(BoaviztaError, match="load 50"):
        FakeBoaviztClient().cloud_instance("aws", "m5.xlarge", "FRA", 8760, 50)


def _mock(handler: Any) -> HttpBoaviztClient:
    return HttpBoaviztClient("http://boavizta.test", transport=httpx.MockTransport(handler))


def test_http_client_sends_boavizta_request_shape() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json=SERVER_ANSWER)

    client = _mock(handler)
    result = client.server(
        "platform_compute_high", {"ram": [{"units": 4, "capacity": 32}]}, "DEU", 8760.0, 0.3
    )
    sent = seen[0]
    assert sent.method == "POST" and sent.url.path == "/v1/server/"
    params = sent.url.params
    assert params["archetype"] == "platform_compute_high" and params["verbose"] == "true"
    assert float(params["duration"]) == 8760.0 and params.get_list("criteria") == ["gwp", "adp", "pe"]
    body = json.loads(sent.content)
    assert body == {
        "configuration": {"ram": [{"units": 4, "capacity": 32}]},
        "usage": {"time_workload": 30.0, "usage_location": "DEU"},
    }
    assert result.criteria["climate_change"].use is not None
    client.server("platform_compute_high", {"ram": [{"units": 4, "capacity": 32}]}, "DEU", 8760.0, 0.3)
    assert len(seen) == 1  # cached
    client.terminal("laptop", None, "FRA", 8760)
    assert seen[-1].url.path == "/v1/terminal/laptop"
    client.cloud_instance("aws", "m5.xlarge", "FRA", 8760, None)
    assert seen[-1].url.path == "/v1/cloud/instance"
    assert json.loads(seen[-1].content)["usage"] == {"usage_location": "FRA"}


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (lambda r: httpx.Response(404, json={"detail": "nope not found"}), "HTTP 404.*nope not found"),
        (lambda r: httpx.Response(500, text="Internal Server Error"), "HTTP 500"),
        (lambda r: httpx.Response(200, text="<html>"), "not JSON"),
        (lambda r: httpx.Response(200, json={"detail": 1}), "no 'impacts'"),
        (
            lambda r: httpx.Response(200, json={"impacts": {"gwp": {"unit": "kgCO2eq", "embedded": 3}}}),
            "unexpected figure",
        ),
    ],
)
def test_http_errors_become_sobre_errors(handler: Any, expected: str) -> None:
    with pytest.raises(BoaviztaError, match=expected) as caught:
        _mock(handler).server(None, None, "FRA", 8760, None)
    assert "POST /v1/server/" in str(caught.value) and "http://boavizta.test" in str(caught.value)


def test_timeout_and_unreachable_server() -> None:
    def timeout(request: httpx.Request) -> httpx.Response:
        raise httpx.ReadTimeout("read timed out", request=request)

    with pytest.raises(BoaviztaError, match="timed out"):
        _mock(timeout).server(None, None, "FRA", 8760, None)
    with (
        pytest.raises(BoaviztaError, match="cannot reach"),
        HttpBoaviztClient("http://127.0.0.1:9", 2) as dead,
    ):
        dead.server(None, None, "FRA", 8760, None)


def test_request_is_a_stable_cache_key() -> None:
    a = FakeBoaviztClient()
    a.server(None, {"ram": [{"capacity": 8, "units": 2}]}, "FRA", 8760, None)
    a.server(None, {"ram": [{"units": 2, "capacity": 8}]}, "FRA", 8760, None)
    assert a.calls == 1 and isinstance(a.requests[0], Request)
    with pytest.raises(BoaviztaError, match="duration"):
        a.server(None, None, "FRA", 0, None)


def test_engine_uses_boavizta_rows_for_servers_and_terminals() -> None:
    from datetime import date

    engine = pytest.importorskip("sobre.footprint.engine")
    from benchmarks.boavizta_throughput import builtin_factor_set

    base = {
        "quantity": 1.0,
        "status": "in_use",
        "country": "FR",
        "lifetime_years": 4.0,
        "usage_rate": 1.0,
        "data_quality": "high",
    }
    inventory = Inventory(
        equipment=_equipment(
            [
                {**base, "id": 1, "name": "srv", "category": "rack_server"},
                {**base, "id": 2, "name": "pc", "category": "laptop"},
            ]
        )
    )
    factors = builtin_factor_set()
    new_inventory, new_factors = apply_boavizta(inventory, factors, FakeBoaviztClient())
    before = engine.compute(inventory, factors, reference_date=date(2025, 12, 31))
    after = engine.compute(new_inventory, new_factors, reference_date=date(2025, 12, 31))
    refs = dict(zip(after.items["item_id"], after.items["factor_ref"], strict=True))
    assert refs[1].startswith("boavizta:server:") and refs[2].startswith("boavizta:terminal:")

    def cc(result: Any, item: int, stage: str) -> Any:
        return result.impacts.filter(
            pl.col("item_id") == item,
            pl.col("item_kind") == "equipment",
            pl.col("criterion") == "climate_change",
            pl.col("stage") == stage,
        )["value"].item()

    assert cc(after, 1, "manufacturing") == pytest.approx(1000 / 4)  # fake whole-life figure / 4 years
    assert cc(after, 1, "end_of_life") is None  # BoaviztAPI has no end of life: unknown, not 0
    assert cc(after, 2, "manufacturing") == pytest.approx(200 / 4)  # the fake terminal's figure / 4 years
    assert cc(before, 2, "manufacturing") != cc(after, 2, "manufacturing")
    kwh = after.items.filter(pl.col("item_id") == 1)["annual_kwh"].item()
    assert kwh == pytest.approx(300 * 8.76)  # the fake's modelled power feeds the use stage


def test_engine_uses_boavizta_rows_for_cloud_instances() -> None:
    from datetime import date

    engine = pytest.importorskip("sobre.footprint.engine")
    from benchmarks.boavizta_throughput import builtin_factor_set

    inventory = _inventory()
    factors = builtin_factor_set()
    new_inventory, new_factors = apply_boavizta(inventory, factors, FakeBoaviztClient())
    after = engine.compute(new_inventory, new_factors, reference_date=date(2025, 12, 31))
    cloud = after.items.filter(pl.col("item_kind") == "cloud").sort("item_id")
    assert cloud.height == inventory.cloud.height
    assert cloud["factor_ref"].str.starts_with("boavizta:cloud:").all()
    assert set(cloud["share_method"]) == {"cloud_instance"}
    manufacturing = after.impacts.filter(
        pl.col("item_kind") == "cloud",
        pl.col("criterion") == "climate_change",
        pl.col("stage") == "manufacturing",
    )
    assert manufacturing["value"].is_not_null().all() and (manufacturing["value"] > 0).all()
    # Without BoaviztAPI the same instances are vCPU shares of the host archetype.
    before = engine.compute(inventory, factors, reference_date=date(2025, 12, 31))
    assert set(before.items.filter(pl.col("item_kind") == "cloud")["share_method"]) == {"cloud_vcpu"}
