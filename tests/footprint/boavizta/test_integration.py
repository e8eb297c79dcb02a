"""The connector against a real BoaviztAPI 2.5.0 server started on loopback (in its own venv).

Reference figures (1 year, kgCO2e) are BoaviztAPI 2.5.0's own, as listed in DESIGN.md §5; they follow from
its archetypes, e.g. laptop use = 0.098 kgCO2e/kWh (FRA) × 75 W × 0.3 × 8760 h = 19.32.
"""

from __future__ import annotations

import math
from collections.abc import Iterator

import polars as pl
import pytest

from sobre.footprint.boavizta import BoaviztaError, BoaviztImpacts, HttpBoaviztClient
from sobre.footprint.boavizta_rows import boavizta_rows
from sobre.footprint.schema import CLOUD, EQUIPMENT, Inventory
from tests.footprint.boavizta.server import VERSION, BoaviztaServer, BoaviztaUnavailable, ensure_venv

pytestmark = pytest.mark.integration
YEAR = 8760.0


@pytest.fixture(scope="module")
def client() -> Iterator[HttpBoaviztClient]:
    try:
        python = ensure_venv()
    except BoaviztaUnavailable as exc:
        pytest.skip(f"BoaviztAPI {VERSION} cannot be installed here: {exc}")
    with BoaviztaServer(python) as server, HttpBoaviztClient(server.url, timeout=30) as http:
        assert http.version() == VERSION
        yield http


def _gwp(result: BoaviztImpacts) -> tuple[float, float]:
    cc = result.criteria["climate_change"]
    assert cc.unit == "kgCO2e" and cc.embedded is not None and cc.use is not None
    return cc.embedded.value, cc.use.value


def test_laptop_france_and_germany(client: HttpBoaviztClient) -> None:
    embedded, use = _gwp(client.terminal("laptop", None, "FRA", YEAR))
    assert embedded == pytest.approx(45.25, rel=0.01)
    assert use == pytest.approx(19.32, rel=0.01)
    embedded_de, use_de = _gwp(client.terminal("laptop", None, "DEU", YEAR))
    assert embedded_de == pytest.approx(45.25, rel=0.01)
    assert use_de == pytest.approx(83.18, rel=0.01)


def test_smartphone(client: HttpBoaviztClient) -> None:
    embedded, use = _gwp(client.terminal("smartphone", None, "FRA", YEAR))
    assert embedded == pytest.approx(33.6, rel=0.01)
    assert use == pytest.approx(0.26, rel=0.02)


def test_default_rack_server_france(client: HttpBoaviztClient) -> None:
    result = client.server(None, None, "FRA", YEAR, None)
    embedded, use = _gwp(result)
    assert embedded == pytest.approx(236.9, rel=0.01)
    assert use == pytest.approx(460, rel=0.01)
    cc = result.criteria["climate_change"]
    assert cc.embedded is not None and cc.embedded.low < embedded < cc.embedded.high
    assert result.lifetime_hours == 4 * YEAR and result.details["usage_location"] == "FRA"
    assert result.criteria["adpe"].embedded is not None and result.criteria["primary_energy"].use is not None


def test_cloud_instance(client: HttpBoaviztClient) -> None:
    for location in ("FRA", "eu-west-3"):
        result = client.cloud_instance("aws", "m5.xlarge", location, YEAR, 0.5)
        for crit in result.criteria.values():
            for figure in (crit.embedded, crit.use):
                assert figure is not None and math.isfinite(figure.value) and figure.value > 0
                assert figure.low <= figure.value <= figure.high


def test_unknown_archetype_is_a_clear_error(client: HttpBoaviztClient) -> None:
    with pytest.raises(BoaviztaError, match=r"HTTP 404.*no_such_server not found") as caught:
        client.server("no_such_server", None, "FRA", YEAR, None)
    assert "POST /v1/server/" in str(caught.value)


def test_factor_rows_from_a_real_server(client: HttpBoaviztClient) -> None:
    equipment = pl.DataFrame(
        [
            {k: r.get(k) for k in EQUIPMENT}
            for r in [
                {"id": i, "name": f"srv-{i}", "category": "rack_server", "quantity": 1.0, "country": "FR"}
                for i in range(1, 21)
            ]
            + [
                {
                    "id": 99,
                    "name": "big",
                    "category": "rack_server",
                    "quantity": 1.0,
                    "country": "DE",
                    "ram_gb": 512.0,
                    "cpu_threads": 64,
                }
            ]
        ],
        schema=EQUIPMENT,
    )
    cloud = pl.DataFrame(
        [
            {k: r.get(k) for k in CLOUD}
            for r in [
                {
                    "id": 1,
                    "name": "web",
                    "provider": "aws",
                    "instance_type": "m5.xlarge",
                    "region": "eu-west-3",
                    "quantity": 1.0,
                    "average_load": 0.5,
                }
            ]
        ],
        schema=CLOUD,
    )
    before = client.calls
    rows = boavizta_rows(Inventory(equipment=equipment, cloud=cloud), client)
    assert client.calls - before <= 3  # 20 identical servers: one request
    ref = rows.mapping.filter(pl.col("item_id") == 1, pl.col("item_kind") == "equipment")["ref"].item()
    cc = rows.impacts.filter(pl.col("ref") == ref, pl.col("criterion") == "climate_change").row(0, named=True)
    # Whole-life manufacture = one year's share × 4 years of BoaviztAPI's lifetime.
    assert cc["stage"] == "manufacturing" and cc["value"] == pytest.approx(4 * 236.9, rel=0.01)
    big = rows.mapping.filter(pl.col("item_id") == 99)["ref"].item()
    big_cc = rows.impacts.filter(pl.col("ref") == big, pl.col("criterion") == "climate_change")[
        "value"
    ].item()
    assert big_cc != cc["value"]  # the configuration reached BoaviztAPI
    defaults = rows.defaults.filter(pl.col("ref") == ref).row(0, named=True)
    assert defaults["lifetime_years"] == pytest.approx(4.0) and defaults["annual_kwh"] > 1000


def test_footprint_run_with_boavizta_from_the_cli(
    client: HttpBoaviztClient, tmp_path: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`sobre footprint run --boavizta-url` makes servers and cloud instances use BoaviztAPI's figures."""
    from pathlib import Path

    from typer.testing import CliRunner

    from sobre.cli import app
    from sobre.footprint.runs.service import latest_run, load_run

    home = Path(str(tmp_path)) / "home"
    monkeypatch.setenv("SOBRE_HOME", str(home))
    monkeypatch.delenv("SOBRE_DATABASE_URL", raising=False)
    runner = CliRunner()
    sites = Path(str(tmp_path)) / "sites.csv"
    sites.write_text("name;kind;country;pue\nDC;data_centre;France;1.5\n", encoding="utf-8")
    equipment = Path(str(tmp_path)) / "equipment.csv"
    equipment.write_text(
        "name;category;quantity;status;site;lifetime_years\n"
        "srv-1;rack_server;2;in_use;DC;5\npc-1;laptop;1;in_use;;4\n",
        encoding="utf-8",
    )
    assert runner.invoke(app, ["org", "create", "B", "--country", "France"]).exit_code == 0
    for path, kind in ((sites, "site"), (equipment, "equipment")):
        result = runner.invoke(app, ["import", str(path), "--org", "B", "--kind", kind, "--format", "sobre"])
        assert result.exit_code == 0, result.output
    result = runner.invoke(
        app, ["footprint", "run", "--org", "B", "--boavizta-url", client.base_url, "--json"]
    )
    assert result.exit_code == 0, result.output
    url = f"sqlite:///{home / 'sobre.db'}"
    meta = latest_run(url, "B")
    assert meta is not None and meta.methodology_version.endswith("+boavizta")
    _, res = load_run(url, meta.id)
    refs = dict(zip(res.items["name"], res.items["factor_ref"], strict=False))
    assert refs["srv-1"].startswith("boavizta:server:") and refs["pc-1"].startswith("boavizta:terminal:")
    srv_id = res.items.filter(pl.col("name") == "srv-1")["item_id"].item()
    made = res.impacts.filter(
        pl.col("item_id") == srv_id,
        pl.col("item_kind") == "equipment",
        pl.col("criterion") == "climate_change",
        pl.col("stage") == "manufacturing",
    )["value"].item()
    # BoaviztAPI's whole-life embedded figure for the default server, over the declared 5 years, × 2 units.
    whole_life = client.server(None, None, "FRA", YEAR, None).embedded_total("climate_change")
    assert whole_life is not None
    assert made == pytest.approx(2 * whole_life.value / 5, rel=1e-6)
    # The run's BoaviztAPI rows were kept with it: every item can be explained afterwards.
    for name in ("srv-1", "pc-1"):
        shown = runner.invoke(app, ["footprint", "explain", "--org", "B", name, "--json"])
        assert shown.exit_code == 0, shown.output
        assert "boavizta:" in shown.output and "unknown methodology" not in shown.output
