"""Sobre's built-in factor sets, shipped as package data (CSV files and a ``meta.json`` per set)."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import polars as pl

from sobre.footprint.schema import (
    FACTOR_CRITERIA,
    FACTOR_DEFAULTS,
    FACTOR_ELECTRICITY,
    FACTOR_IMPACTS,
    FACTOR_ITEM_TYPES,
    FACTOR_MODEL_MATCHING,
    FactorSet,
)

DEFAULT_SET_ID = "sobre-default"


def builtin_dir(set_id: str = DEFAULT_SET_ID) -> Path:
    return Path(str(resources.files(__package__))) / set_id


def _frame(path: Path, schema: dict) -> pl.DataFrame:
    if not path.is_file():
        return pl.DataFrame(schema=schema)
    # read every column as text first, then cast: polars would otherwise guess types from the first rows
    raw = pl.read_csv(path, infer_schema=False)
    return raw.select(
        [
            pl.col(c).replace("", None).cast(t) if c in raw.columns else pl.lit(None, t).alias(c)
            for c, t in schema.items()
        ]
    )


def read_builtin(set_id: str = DEFAULT_SET_ID) -> FactorSet:
    """The built-in set as a FactorSet, straight from the package files (no database)."""
    folder = builtin_dir(set_id)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    hypotheses: dict[str, float] = {}
    cloud_pue: dict[str, float] = {}
    for row in _frame(
        folder / "hypotheses.csv", {"kind": pl.Utf8, "key": pl.Utf8, "value": pl.Float64}
    ).iter_rows(named=True):
        (cloud_pue if row["kind"] == "cloud_pue" else hypotheses)[row["key"]] = row["value"]
    item_types = _frame(folder / "item_types.csv", {**FACTOR_ITEM_TYPES, "is_server": pl.Utf8})
    item_types = item_types.with_columns(pl.col("is_server").str.to_lowercase().eq("true"))
    return FactorSet(
        id=meta["id"],
        version=meta["version"],
        publisher=meta["publisher"],
        year=int(meta["year"]),
        licence=meta["licence"],
        description=meta.get("description", ""),
        criteria=_frame(folder / "criteria.csv", FACTOR_CRITERIA),
        impacts=_frame(folder / "impacts.csv", FACTOR_IMPACTS),
        electricity=_frame(folder / "electricity.csv", FACTOR_ELECTRICITY),
        defaults=_frame(folder / "defaults.csv", FACTOR_DEFAULTS),
        model_matching=_frame(folder / "model_matching.csv", FACTOR_MODEL_MATCHING),
        item_types=item_types,
        hypotheses=hypotheses,
        cloud_pue=cloud_pue,
    )


def parameter_sources(set_id: str = DEFAULT_SET_ID) -> dict[tuple[str, str], tuple[str, str]]:
    """(kind, key) → (source, licence) of the built-in hypotheses and cloud PUEs."""
    frame = _frame(
        builtin_dir(set_id) / "hypotheses.csv",
        {"kind": pl.Utf8, "key": pl.Utf8, "source": pl.Utf8, "licence": pl.Utf8},
    )
    return {(r["kind"], r["key"]): (r["source"], r["licence"]) for r in frame.iter_rows(named=True)}
