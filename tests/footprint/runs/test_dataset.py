"""The columnar dataset: the engine's output comes back exactly; odd layouts, extra fields, bad frames."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import polars as pl
import pytest
from benchmarks.estate import benchmark_factor_set, generate_inventory
from polars.testing import assert_frame_equal

from sobre.core.errors import SobreError
from sobre.footprint import engine
from sobre.footprint.runs import aggregates, dataset, service, store
from sobre.footprint.schema import Result
from tests.footprint.runs.helpers import make_result, seed_inventory

_ORDER = ["item_kind", "item_id", "criterion", "stage"]
_IDS = {k: i for i, k in enumerate(["org", "dc", "office", "it", "rh", "srv", "pc", "odd", "vm", "app"], 1)}


def _round_trip(result: Result, folder: Path) -> Result:
    prepared = store.prepare(result)
    dataset.write(folder, result, prepared.wide, prepared.layout)
    return dataset.read_result(folder)


def test_the_engine_output_comes_back_exactly_row_for_row(tmp_path: Path) -> None:
    # A real estate through the real engine: VMs, idle capacity, applications, every criterion and stage.
    result = engine.compute(
        generate_inventory(3_000, 600, 60, seed=4),
        benchmark_factor_set(),
        reference_date=date(2025, 12, 31),
        org_country="FR",
    )
    back = _round_trip(result, tmp_path / "run")
    # Same frames, same column order and types, same rows in the same order, floats bit for bit.
    assert_frame_equal(back.items, result.items, check_exact=True)
    assert_frame_equal(back.impacts, result.impacts, check_exact=True)
    assert_frame_equal(back.criteria, result.criteria, check_exact=True)
    assert (back.reference_date, back.methodology, back.warnings) == (
        result.reference_date,
        result.methodology,
        result.warnings,
    )
    assert result.impacts.get_column("value").null_count() < result.impacts.height  # a real result


def test_a_stored_run_reads_back_as_the_engine_computed_it(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    seed_inventory(db_url)
    computed: list[Result] = []
    real = engine.compute

    def keep(*args: object, **kwargs: object) -> Result:
        computed.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return computed[-1]

    monkeypatch.setattr(engine, "compute", keep)
    run = service.run_footprint(db_url, "Ville A", reference_date=date(2025, 6, 30))
    _, back = service.load_run(db_url, run.id)
    assert_frame_equal(back.items, computed[0].items, check_exact=True)
    assert_frame_equal(back.impacts, computed[0].impacts, check_exact=True)


def test_any_other_layout_is_stored_exactly_and_missing_stages_are_not_invented(tmp_path: Path) -> None:
    result = make_result(_IDS)  # hand-built: adpe has two stages, vm/idle/app no distribution stage
    shuffled = Result(
        reference_date=result.reference_date,
        methodology=result.methodology,
        items=result.items.reverse(),
        impacts=result.impacts.sample(fraction=1.0, shuffle=True, seed=7),
        criteria=result.criteria,
        warnings=result.warnings,
    )
    wide, layout = dataset.widen(shuffled.items, shuffled.impacts)
    assert wide.height == result.items.height
    back = _round_trip(shuffled, tmp_path / "run")
    assert_frame_equal(back.items, shuffled.items, check_exact=True)
    assert_frame_equal(back.impacts.sort(_ORDER), result.impacts.sort(_ORDER), check_exact=True)
    # pc-lot's adpe use stage is unknown (a row with a null value): it stays a row, present and unknown.
    pc = back.impacts.filter(
        (pl.col("item_id") == _IDS["pc"]) & (pl.col("criterion") == "adpe") & (pl.col("stage") == "use")
    )
    assert pc.height == 1 and pc.item(0, "value") is None
    # The VM has no distribution row and gets none back.
    vm = back.impacts.filter((pl.col("item_kind") == "vm") & (pl.col("stage") == "distribution"))
    assert vm.height == 0


def test_fields_the_engine_adds_flow_through_without_code_changes(tmp_path: Path) -> None:
    result = make_result(_IDS)
    result.items = result.items.with_columns(
        pl.lit("trace-7").alias("trace_ref"), pl.col("quantity").cast(pl.Int32).alias("units")
    )
    result.impacts = result.impacts.with_columns(
        pl.when(pl.col("value").is_null())
        .then(pl.lit("unknown"))
        .otherwise(pl.lit("modelled"))
        .alias("status")
    )
    back = _round_trip(result, tmp_path / "run")
    assert back.items.columns == result.items.columns and back.items.schema["units"] == pl.Int32
    assert_frame_equal(back.items, result.items, check_exact=True)
    assert back.impacts.columns == result.impacts.columns
    assert_frame_equal(back.impacts.sort(_ORDER), result.impacts.sort(_ORDER), check_exact=True)


def test_an_older_dataset_gains_the_contract_columns_added_since(tmp_path: Path) -> None:
    result = make_result(_IDS)
    result.items = result.items.drop("share_method")
    back = _round_trip(result, tmp_path / "run")
    assert back.items.get_column("share_method").null_count() == back.items.height


def test_results_that_cannot_be_stored_faithfully_are_refused() -> None:
    result = make_result(_IDS)
    items, impacts = result.items, result.impacts
    with pytest.raises(SobreError, match="lists an item twice"):
        dataset.widen(items.vstack(items.head(1)), impacts)
    with pytest.raises(SobreError, match="two impact rows"):
        dataset.widen(items, impacts.vstack(impacts.head(1)))
    stray = impacts.head(1).with_columns(pl.lit(999, dtype=pl.Int64).alias("item_id"))
    with pytest.raises(SobreError, match="not an item"):
        dataset.widen(items, impacts.vstack(stray))


def test_a_truncated_or_missing_file_is_an_error_not_a_result(tmp_path: Path) -> None:
    result = make_result(_IDS)
    prepared = store.prepare(result)
    files = dataset.write(tmp_path / "run", result, prepared.wide, prepared.layout)
    dataset.check(tmp_path / "run", files)
    path = tmp_path / "run" / dataset.RESULTS
    path.write_bytes(path.read_bytes()[:-20])
    with pytest.raises(SobreError, match="incomplete or altered"):
        dataset.check(tmp_path / "run", files)
    with pytest.raises(SobreError, match="cannot read"):
        dataset.read_result(tmp_path / "run")


def test_stored_aggregates_match_an_independent_sum_of_the_long_impacts() -> None:
    result = engine.compute(
        generate_inventory(2_000, 400, 40, seed=9),
        benchmark_factor_set(),
        reference_date=date(2025, 12, 31),
        org_country="FR",
    )
    prepared = store.prepare(result)
    table = prepared.aggregates
    joined = result.impacts.join(result.items, on=["item_kind", "item_id"]).filter(aggregates.in_total())
    expected = joined.group_by("category", "criterion", "stage").agg(
        pl.col("value").sum(), pl.col("value").is_null().sum().alias("unknown"), pl.len().alias("items")
    )
    got = table.filter(pl.col("dimension") == "category", pl.col("stage").is_not_null()).select(
        pl.col("key").alias("category"),
        "criterion",
        "stage",
        pl.col("value").fill_null(0.0),
        "unknown",
        "items",
    )
    compared = expected.join(got, on=["category", "criterion", "stage"], how="full", coalesce=True)
    assert compared.height == expected.height == got.height
    assert (compared["value"] - compared["value_right"]).abs().max() <= 1e-9 * compared["value"].abs().max()
    assert compared["unknown"].cast(pl.Int64).equals(compared["unknown_right"])
    # Totals: every criterion's sum over equipment, cloud and storage not on equipment.
    for code, total in prepared.totals.items():
        rows = joined.filter(pl.col("criterion") == code)
        assert total["value"] == pytest.approx(rows["value"].sum(), rel=1e-12)
        unknown_items = rows.filter(pl.col("value").is_null()).select("item_kind", "item_id").unique().height
        assert total["unknown"] == unknown_items
