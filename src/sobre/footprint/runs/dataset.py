"""A run's results as a columnar dataset: a folder of Parquet files, one row per result item.

Layout (format 1)::

    results.parquet   every column of the Result's ``items`` frame, then, for every (criterion, stage) pair
                      found in its ``impacts`` frame, ``<criterion>|<stage>|present`` (the engine produced
                      that pair for the item) and one column per measure of the impacts frame
                      (``value``, ``low``, ``high`` and whatever the engine adds later)
    <frame>.parquet   every other frame of the Result (``criteria`` today), as it is
    meta.json         the format, the Result's other fields and the column map of results.parquet

Nothing here is a hand-written list of result columns: the columns come from the frames, so a field the
engine adds flows through.  One row per item (rather than one per item, criterion and stage) makes a
million-item run about 1.2 million rows: an item's figures are one row, a breakdown reads the few columns it
needs, and two runs join on their keys.

The folder is written by :func:`write` into a temporary place and fsynced; making it visible (a rename, or
rows in the database) and marking the run ``done`` is the caller's job (``runs.locations``).  This module
does no database, web or CLI work.
"""

from __future__ import annotations

import dataclasses
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from sobre.core.errors import SobreError
from sobre.footprint import schema
from sobre.footprint.schema import Result

FORMAT = 1
RESULTS = "results.parquet"
META = "meta.json"
#: An item's key, and the key of an impact row within an item.
KEYS = ("item_kind", "item_id")
PAIR = ("criterion", "stage")
#: The Result's frames stored in results.parquet; any other frame gets a file of its own.
_WIDE_FRAMES = ("items", "impacts")
#: zstd at a low level: about 2.6× smaller than raw floats, and fast to write and read (docs/decisions.md).
_COMPRESSION: dict[str, Any] = {"compression": "zstd", "compression_level": 1}


@dataclass
class Layout:
    """Where each (criterion, stage, measure) lives in results.parquet."""

    item_columns: list[str]
    impact_columns: list[str]
    measures: list[str]
    #: (criterion, stage) pairs in the order the engine gave them.
    pairs: list[tuple[str, str]] = field(default_factory=list)

    @staticmethod
    def column(criterion: str, stage: str, measure: str) -> str:
        return f"{criterion}|{stage}|{measure}"

    def value(self, criterion: str, stage: str) -> str:
        return self.column(criterion, stage, "value")

    def present(self, criterion: str, stage: str) -> str:
        return self.column(criterion, stage, "present")

    def stages_of(self, criterion: str) -> list[str]:
        return [s for c, s in self.pairs if c == criterion]

    @property
    def criteria(self) -> list[str]:
        return list(dict.fromkeys(c for c, _ in self.pairs))

    def to_json(self) -> dict[str, Any]:
        return {
            "item_columns": self.item_columns,
            "impact_columns": self.impact_columns,
            "measures": self.measures,
            "pairs": [list(p) for p in self.pairs],
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Layout:
        return cls(
            item_columns=list(data["item_columns"]),
            impact_columns=list(data["impact_columns"]),
            measures=list(data["measures"]),
            pairs=[(str(c), str(s)) for c, s in data["pairs"]],
        )


# ---------------------------------------------------------------- long ↔ wide


def widen(items: pl.DataFrame, impacts: pl.DataFrame) -> tuple[pl.DataFrame, Layout]:
    """One row per item: the items frame, then presence and measures of every (criterion, stage) pair.

    Raises :class:`SobreError` when the frames cannot be stored faithfully: an item key repeated, an impact
    row for an item the items frame lacks, or two impact rows for one item, criterion and stage.
    """
    for frame, name, needed in ((items, "items", KEYS), (impacts, "impacts", (*KEYS, *PAIR))):
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise SobreError(f"the engine's {name} frame lacks columns {missing}")
    measures = [c for c in impacts.columns if c not in (*KEYS, *PAIR)]
    layout = Layout(list(items.columns), list(impacts.columns), measures)
    if not _unique_keys(items):
        raise SobreError("the engine's result lists an item twice; it cannot be stored")
    blocks = _blocks(items, impacts)
    columns: list[pl.Series] = []
    if blocks is not None:
        for (criterion, stage), block in blocks:
            layout.pairs.append((criterion, stage))
            columns.append(
                pl.repeat(True, items.height, dtype=pl.Boolean, eager=True).alias(
                    layout.present(criterion, stage)
                )
            )
            columns += [block.get_column(m).alias(layout.column(criterion, stage, m)) for m in measures]
    else:
        columns = _general_columns(items, impacts, layout)
    names = set(items.columns)
    clash = [s.name for s in columns if s.name in names]
    if clash:
        raise SobreError(f"result columns {clash[:3]} clash with item columns; they cannot be stored")
    return items.hstack(columns), layout


def _unique_keys(items: pl.DataFrame) -> bool:
    """Whether no (item_kind, item_id) repeats.  Kinds are few and ids below 2**40 in practice, so both fit
    one integer whose distinct count is cheap; otherwise the general (hashing) check."""
    if items.height == 0:
        return True
    ids = items.get_column("item_id")
    kinds = items.get_column("item_kind")
    names = kinds.unique().to_list()
    if ids.dtype.is_integer() and not ids.null_count() and len(names) < 2**20:
        low, high = int(ids.min() or 0), int(ids.max() or 0)  # type: ignore[arg-type]
    else:
        low = high = -1
    if low >= 0 and high < 2**40:
        code = kinds.replace_strict({k: i for i, k in enumerate(names)}, return_dtype=pl.Int64)
        return (code * 2**40 + ids.cast(pl.Int64)).n_unique() == items.height
    return not items.select(KEYS).is_duplicated().any()


def _blocks(items: pl.DataFrame, impacts: pl.DataFrame) -> list[tuple[tuple[str, str], pl.DataFrame]] | None:
    """The engine's own layout: one block per (criterion, stage), each listing the items frame's keys in the
    items frame's order.  Every part of that claim is checked (vectorised, no hashing); None sends the caller
    to the general path, which joins."""
    size = items.height
    if size == 0 or impacts.height % size:
        return None
    kinds, ids = items.get_column("item_kind"), items.get_column("item_id")
    out = []
    seen: set[tuple[str, str]] = set()
    for b in range(impacts.height // size):
        block = impacts.slice(b * size, size)
        pair = (block.item(0, "criterion"), block.item(0, "stage"))
        if pair in seen or None in pair:
            return None
        for name, value in zip(PAIR, pair, strict=True):
            if (block.get_column(name) != value).any():
                return None
        if not (block.get_column("item_id").equals(ids) and block.get_column("item_kind").equals(kinds)):
            return None
        seen.add(pair)
        out.append((pair, block))
    return out


def _general_columns(items: pl.DataFrame, impacts: pl.DataFrame, layout: Layout) -> list[pl.Series]:
    """Any other layout: each pair's rows joined onto the items' keys (slower, but exact)."""
    if impacts.select(*KEYS, *PAIR).is_duplicated().any():
        raise SobreError("the engine's result has two impact rows for one item, criterion and stage")
    keys = items.select(KEYS)
    orphans = impacts.select(KEYS).unique().join(keys, on=list(KEYS), how="anti")
    if orphans.height:
        first = orphans.row(0)
        raise SobreError(f"the engine's result has impacts for {first[0]}:{first[1]}, which is not an item")
    pairs = impacts.select(PAIR).unique(maintain_order=True)
    columns: list[pl.Series] = []
    for criterion, stage in pairs.iter_rows():
        if criterion is None or stage is None:
            raise SobreError("the engine's result has an impact row with no criterion or stage")
        layout.pairs.append((criterion, stage))
        rows = impacts.filter((pl.col("criterion") == criterion) & (pl.col("stage") == stage))
        joined = keys.join(
            rows.select(*KEYS, *layout.measures).with_columns(pl.lit(True).alias("__present")),
            on=list(KEYS),
            how="left",
            maintain_order="left",
        )
        columns.append(
            joined.get_column("__present").fill_null(False).alias(layout.present(criterion, stage))
        )
        columns += [joined.get_column(m).alias(layout.column(criterion, stage, m)) for m in layout.measures]
    return columns


def long_impacts(wide: pl.DataFrame, layout: Layout) -> pl.DataFrame:
    """The inverse of :func:`widen` for the impacts: one row per present (item, criterion, stage), block by
    block in the stored pair order, so the engine's own layout comes back row for row."""
    parts = []
    for criterion, stage in layout.pairs:
        present = layout.present(criterion, stage)
        rows = wide if wide.get_column(present).all() else wide.filter(pl.col(present))
        exprs: dict[str, pl.Expr] = {k: pl.col(k) for k in KEYS}
        exprs["criterion"] = pl.lit(criterion, dtype=pl.Utf8)
        exprs["stage"] = pl.lit(stage, dtype=pl.Utf8)
        for m in layout.measures:
            exprs[m] = pl.col(layout.column(criterion, stage, m))
        parts.append(rows.select([exprs[c].alias(c) for c in layout.impact_columns]))
    if not parts:
        return pl.DataFrame(schema=_empty_impacts_schema(wide, layout))
    return pl.concat(parts, rechunk=False)


def _empty_impacts_schema(wide: pl.DataFrame, layout: Layout) -> dict[str, Any]:
    types: dict[str, Any] = {**schema.RESULT_IMPACTS}
    for k in KEYS:
        if k in wide.columns:
            types[k] = wide.schema[k]
    return {c: types.get(c, pl.Float64) for c in layout.impact_columns}


# ---------------------------------------------------------------- files


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _encode(value: Any) -> Any:
    if isinstance(value, date):
        return {"__date__": value.isoformat()}
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict) and set(value) == {"__date__"}:
        return date.fromisoformat(value["__date__"])
    return value


def write(folder: Path, result: Result, wide: pl.DataFrame, layout: Layout) -> dict[str, int]:
    """Write the dataset of ``result`` (already widened) into the empty ``folder`` and fsync every file and
    the folder.  Returns each file's size in bytes (the caller records them as the completeness check)."""
    folder.mkdir(parents=True, exist_ok=False)
    files: dict[str, int] = {}
    wide.write_parquet(folder / RESULTS, **_COMPRESSION)
    files[RESULTS] = (folder / RESULTS).stat().st_size
    others: dict[str, Any] = {}
    for f in dataclasses.fields(result):
        value = getattr(result, f.name)
        if f.name in _WIDE_FRAMES:
            continue
        if isinstance(value, pl.DataFrame):
            name = f"{f.name}.parquet"
            value.write_parquet(folder / name, **_COMPRESSION)
            files[name] = (folder / name).stat().st_size
        else:
            others[f.name] = _encode(value)
    meta = {"format": FORMAT, "layout": layout.to_json(), "result": others, "rows": wide.height}
    (folder / META).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    files[META] = (folder / META).stat().st_size
    for name in files:
        _fsync(folder / name)
    _fsync(folder)
    return files


def check(folder: Path, files: dict[str, int] | None) -> None:
    """Raise unless ``folder`` holds exactly the files recorded for the run, at their recorded sizes."""
    for name, size in (files or {}).items():
        path = folder / name
        actual = path.stat().st_size if path.is_file() else None
        if actual != size:
            state = "missing" if actual is None else f"{actual} bytes instead of {size}"
            raise SobreError(
                f"the stored results in {folder} are incomplete or altered ({name} {state}); "
                "compute the run again with 'sobre footprint run'"
            )


def read_meta(folder: Path) -> dict[str, Any]:
    try:
        meta = json.loads((folder / META).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SobreError(f"cannot read the stored results in {folder}: {exc}") from None
    if meta.get("format") != FORMAT:
        raise SobreError(
            f"the stored results in {folder} use format {meta.get('format')!r}; this Sobre reads {FORMAT}"
        )
    return dict(meta)


def layout_of(folder: Path) -> Layout:
    return Layout.from_json(read_meta(folder)["layout"])


def scan(folder: Path) -> pl.LazyFrame:
    """A lazy scan of results.parquet: filters and column choices are pushed down to the Parquet reader."""
    return pl.scan_parquet(folder / RESULTS)


def read_result(folder: Path) -> Result:
    """The Result stored in ``folder``: the engine's frames and fields as they were written.  Columns the
    contract gained since (``schema.RESULT_ITEMS``) are added as nulls, so older runs still read."""
    meta = read_meta(folder)
    layout = Layout.from_json(meta["layout"])
    wide = _read_parquet(folder / RESULTS)
    items = wide.select(layout.item_columns)
    missing = {c: t for c, t in schema.RESULT_ITEMS.items() if c not in items.columns}
    if missing:
        items = items.with_columns(pl.lit(None, dtype=t).alias(c) for c, t in missing.items())
        items = items.select(
            [c for c in schema.RESULT_ITEMS if c in items.columns]
            + [c for c in items.columns if c not in schema.RESULT_ITEMS]
        )
    kwargs: dict[str, Any] = {"items": items, "impacts": long_impacts(wide, layout)}
    names = {f.name for f in dataclasses.fields(Result)}
    for name, value in meta["result"].items():
        if name in names:
            kwargs[name] = _decode(value)
    for f in dataclasses.fields(Result):
        path = folder / f"{f.name}.parquet"
        if f.name not in kwargs and path.is_file():
            kwargs[f.name] = _read_parquet(path)
    if "criteria" not in kwargs:
        kwargs["criteria"] = pl.DataFrame(schema=schema.FACTOR_CRITERIA)
    return Result(**kwargs)


def _read_parquet(path: Path) -> pl.DataFrame:
    try:
        return pl.read_parquet(path)
    except (OSError, pl.exceptions.PolarsError) as exc:
        raise SobreError(f"cannot read the stored results {path}: {exc}") from None


def file_chunks(folder: Path, files: dict[str, int], size: int) -> Iterator[tuple[str, int, bytes]]:
    """(file name, chunk number, bytes) of every file, ``size`` bytes at a time."""
    for name in files:
        with (folder / name).open("rb") as fh:
            part = 0
            while chunk := fh.read(size):
                yield name, part, chunk
                part += 1
