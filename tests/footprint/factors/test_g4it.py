"""The G4IT/NumEcoEval referential importer on both dialects, with exact values."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

from sobre.core.errors import InputError
from sobre.footprint.factors.g4it import criterion_code, read_g4it_referential


def _value(df: pl.DataFrame, **match) -> float:
    for k, v in match.items():
        df = df.filter(pl.col(k) == v)
    assert df.height == 1, df
    return df["value"].item()


def test_french_referential(g4it_dir: Path) -> None:
    fs = read_g4it_referential(g4it_dir / "referential")
    assert fs.electricity.height == 1656
    assert fs.electricity["country"].n_unique() == 138
    assert fs.electricity.filter(pl.col("criterion") == "climate_change").height == 138
    assert _value(fs.electricity, country="FR", criterion="climate_change") == 0.0813225
    assert _value(fs.electricity, country="WORLD", criterion="acidification") == 2.32766  # 'Non spécifié'
    assert _value(fs.electricity, country="ZW", criterion="ozone_depletion") == 4.1716e-13
    assert fs.impacts.height == 60
    assert (
        _value(fs.impacts, ref="blade-server--28", stage="manufacturing", criterion="climate_change")
        == 2226.09317222576
    )
    assert set(fs.impacts["stage"]) == {"manufacturing", "distribution", "use", "end_of_life"}
    assert fs.hypotheses == {
        "default_pue": 1.75,
        "default_lifetime": 2.0,
        "cope_rate": 0.8,
        "byod_rate": 0.57,
    }
    server = fs.item_types.filter(pl.col("type") == "Server").row(0, named=True)
    assert server == {
        "type": "Server",
        "default_ref": "blade-server--28",
        "lifetime_years": 7.0,
        "is_server": True,
    }
    assert fs.model_matching.height == 3  # the third row is ragged (2 fields)
    assert fs.defaults.filter(pl.col("ref") == "blade-server--28")["annual_kwh"].item() == 3721.0
    assert fs.defaults.filter(pl.col("ref") == "laptop-3")["annual_kwh"].item() == 26.6
    crit = dict(zip(fs.criteria["code"], fs.criteria["unit"], strict=True))
    assert (
        crit["climate_change"] == "kgCO2e" and crit["adpe"] == "kgSbeq" and crit["fossil_resources"] == "MJ"
    )
    assert "land_use" in crit  # present in the mix rows though absent from criteria.csv
    assert fs.licence.startswith("Apache-2.0 (G4IT)")


@pytest.mark.parametrize("sub", ["tests/evaluate/eval_nominal/ref", "tests/load/load_nominal/ref"])
def test_english_dialect(g4it_dir: Path, sub: str) -> None:
    fs = read_g4it_referential(g4it_dir / sub, licence="test licence")
    assert (
        _value(fs.impacts, ref="blade-server-1", stage="manufacturing", criterion="climate_change")
        == 2226.09317222576
    )
    assert (
        _value(fs.impacts, ref="blade-server-1", stage="distribution", criterion="climate_change")
        == 46.3607713639849
    )
    assert (
        _value(fs.impacts, ref="blade-server-1", stage="use", criterion="climate_change") == 231.642666020108
    )
    assert (
        _value(fs.impacts, ref="blade-server-1", stage="end_of_life", criterion="climate_change")
        == 6.97183551903243
    )
    assert _value(fs.electricity, country="FR", criterion="climate_change") == 0.0813225
    assert (
        _value(fs.electricity, country="DE", criterion="climate_change") == 0.0813225
    )  # test data, as in G4IT
    assert fs.item_types.to_dicts() == [
        {"type": "Server", "default_ref": "blade-server-1", "lifetime_years": 7.0, "is_server": True}
    ]
    assert fs.defaults.filter(pl.col("ref") == "blade-server-1")["annual_kwh"].item() == 3721.0
    assert set(fs.impacts["licence"]) == {"test licence"}
    if "eval" in sub:
        assert fs.hypotheses["default_pue"] == 1.75
        assert set(fs.criteria["code"]) == {
            "climate_change",
            "adpe",
            "acidification",
            "ionising_radiation",
            "particulate_matter_and_respiratory_inorganics",
        }


def test_criterion_codes() -> None:
    assert criterion_code("Climate change") == "climate_change"
    assert criterion_code("CLIMATE_CHANGE") == "climate_change"
    assert criterion_code("Resource use (minerals and metals)") == "adpe"
    assert criterion_code("RESOURCE_USE") == "adpe"
    assert criterion_code("Resource use, fossils") == "fossil_resources"
    assert criterion_code("Eutrophication, marine") == "eutrophication_marine"


def test_quirks_and_errors(tmp_path: Path) -> None:
    ref = tmp_path / "ref"
    ref.mkdir()
    # trailing ';', quoted field with ';', ragged row, no final newline
    (ref / "itemImpact.csv").write_text(
        "criterion;lifecycleStep;name;category;avgElectricityConsumption;description;location;value;\n"
        'CLIMATE_CHANGE;MANUFACTURING;srv-1;IT;10.5;"a; quoted";France;12.25;\n'
        "CLIMATE_CHANGE;MANUFACTURING;Electricity Mix XK;electricity-mix;;;Kosovo;0.9",
        encoding="utf-8",
    )
    fs = read_g4it_referential(ref)
    assert _value(fs.impacts, ref="srv-1", stage="manufacturing", criterion="climate_change") == 12.25
    assert _value(fs.electricity, country="XK", criterion="climate_change") == 0.9  # ISO code from the name
    (ref / "itemImpact.csv").write_text(
        "criterion;lifecycleStep;name;category;value\nCLIMATE_CHANGE;MANUFACTURING;srv-1;IT;12,5x\n",
        encoding="utf-8",
    )
    with pytest.raises(InputError) as err:
        read_g4it_referential(ref)
    assert "itemImpact.csv" in str(err.value) and "row 2" in str(err.value) and "12,5x" in str(err.value)
    (ref / "itemImpact.csv").write_text(
        "criterion;lifecycleStep;name;category;value\nCLIMATE_CHANGE;BUILD;srv-1;IT;1\n", encoding="utf-8"
    )
    with pytest.raises(InputError, match="life-cycle step"):
        read_g4it_referential(ref)
    with pytest.raises(InputError, match="no G4IT referential"):
        read_g4it_referential(tmp_path / "missing")
