"""Which row is which: the natural keys of equipment, inside one file and against the inventory.

An equipment row is identified, in this order, by

1. its source's own key (``external_key``: a GLPI item type and ID, ``glpi:Monitor:42``);
2. its manufacturer and serial number (serials that BIOSes write for "unknown", such as
   ``To be filled by O.E.M.`` or ``0123456789``, are no serial at all);
3. its name, only when it has neither (GLPI names monitors after their model: a name alone says little).

Inside one file, a key seen twice rejects every row that has it, naming the other rows: the same source
ID twice, the same serial twice for one manufacturer (reported on the serial column, with both rows), or
the same name twice among rows that have no other key.  Against the inventory, a row updates the item
with the same source key, else the same manufacturer and serial, else the one item with its name and no
conflicting key; otherwise it is new.  Pure Polars: the caller reads the existing rows.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import polars as pl

from sobre.inventory.chunks import ROW
from sobre.inventory.validate import Problem
from sobre.inventory.vocab import fold

#: Serial numbers firmware writes when the maker left the field empty: they identify nothing.
PLACEHOLDER_SERIALS = {
    fold(s)
    for s in (
        "To be filled by O.E.M.",
        "To Be Filled By O.E.M.",
        "Default string",
        "System Serial Number",
        "Chassis Serial Number",
        "Not Specified",
        "Not Applicable",
        "None",
        "N/A",
        "NA",
        "Unknown",
        "Inconnu",
        "0",
        "00000000",
        "0000000000",
        "0123456789",
        "1234567890",
        "123456789",
        "XXXXXXXXXX",
        "Serial",
        "SN",
        "Invalid",
        "OEM",
        "-",
    )
}
EXTERNAL = "__k_ext"
SERIAL = "__k_serial"
NAME = "__k_name"


def with_keys(frame: pl.DataFrame) -> pl.DataFrame:
    """Add the three key columns (null where a row has no such key); the name key only for rows
    with neither of the others."""
    cols = frame.columns
    ext = pl.col("external_key") if "external_key" in cols else pl.lit(None, pl.Utf8)
    if "serial" in cols:
        # Folded like vocab.fold (case and punctuation), column-wise: a million serials are all different.
        # Computed once as a column: as an expression it was evaluated for each of its four uses below.
        folded = (
            frame.select(
                pl.col("serial").str.to_lowercase().str.replace_all(r"[^\p{L}\p{N}]+", " ").str.strip_chars()
            )
            .to_series()
            .alias("__folded")
        )
        useful = folded.ne("") & ~folded.is_in(list(PLACEHOLDER_SERIALS))
        maker = pl.col("manufacturer").fill_null("") if "manufacturer" in cols else pl.lit("")
        serial_key: pl.Expr = pl.when(pl.lit(useful.fill_null(False))).then(
            pl.concat_str([maker.str.to_lowercase(), pl.lit(folded)], separator="\x1f")
        )
    else:
        serial_key = pl.lit(None, pl.Utf8)
    frame = frame.with_columns(ext.alias(EXTERNAL), serial_key.alias(SERIAL))
    name = pl.when(pl.col(EXTERNAL).is_null() & pl.col(SERIAL).is_null()).then(pl.col("name"))
    return frame.with_columns(name.alias(NAME))


def _repeats(frame: pl.DataFrame, key: str) -> dict[int, list[int]]:
    """Row line → the other lines holding the same value of ``key`` (only for repeated values)."""
    keyed = frame.select(ROW, key).filter(pl.col(key).is_not_null())
    # Repeated 64-bit hashes first (a third of the time of hashing a million strings for is_duplicated):
    # every occurrence of a repeated value is among them, so the exact check on those few is the same.
    keyed = keyed.filter(pl.col(key).hash().is_duplicated())
    keyed = keyed.filter(pl.col(key).is_duplicated())
    groups: dict[str, list[int]] = defaultdict(list)
    for line, value in keyed.iter_rows():
        groups[value].append(line)
    return {line: [x for x in groups[value] if x != line] for line, value in keyed.iter_rows()}


def file_duplicates(frame: pl.DataFrame, headers: dict[str, str]) -> list[Problem]:
    """Every row whose key appears more than once in the file, with the other rows named."""
    repeats = {key: _repeats(frame, key) for key in (EXTERNAL, SERIAL, NAME)}
    lines = set().union(*(r.keys() for r in repeats.values()))
    if not lines:
        return []
    cols = frame.columns
    values = {
        line: (name, serial, ext)
        for line, name, serial, ext in frame.filter(pl.col(ROW).is_in(list(lines)))
        .select(
            ROW,
            "name",
            (pl.col("serial") if "serial" in cols else pl.lit(None, pl.Utf8)).alias("__serial"),
            (pl.col("external_key") if "external_key" in cols else pl.lit(None, pl.Utf8)).alias("__ext"),
        )
        .iter_rows()
    }
    problems = []
    id_column = headers.get("glpi_id", headers.get("external_key", "external_key"))
    for line, others in repeats[EXTERNAL].items():
        ext = values[line][2] or ""
        problems.append(
            Problem(
                line,
                id_column,
                ext.rsplit(":", 1)[-1],
                f"{ext} appears more than once in the file (also on rows {_rows(others)}); each item must "
                "appear once",
            )
        )
    for line, others in repeats[SERIAL].items():
        serial = values[line][1] or ""
        problems.append(
            Problem(
                line,
                headers.get("serial", "serial"),
                serial,
                f"serial number {serial} appears more than once in the file for the same manufacturer "
                f"(rows {_rows(sorted([line, *others]))}); a serial identifies one item",
            )
        )
    for line, others in repeats[NAME].items():
        name = values[line][0] or ""
        problems.append(
            Problem(
                line,
                headers.get("name", "name"),
                name,
                f"{name} appears more than once in the file (also on rows {_rows(others)}) and these rows "
                "have no ID or serial number to tell them apart; give them one, or make the names unique",
            )
        )
    return problems


def _rows(lines: list[int]) -> str:
    return ", ".join(str(x) for x in lines)


def existing_keys(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    """The inventory's equipment (id, name, external_key, manufacturer, serial) with the same key columns."""
    frame = pl.DataFrame(
        rows,
        schema={
            "__id": pl.Int64,
            "name": pl.Utf8,
            "external_key": pl.Utf8,
            "manufacturer": pl.Utf8,
            "serial": pl.Utf8,
        },
        orient="row",
    )
    return with_keys(frame)


def match_existing(frame: pl.DataFrame, existing: pl.DataFrame) -> pl.Series:
    """The id of the existing item each row updates (null: a new item); see the module docstring."""
    rows = frame.select(ROW, EXTERNAL, SERIAL, "name").with_row_index("__pos")
    by_ext = existing.filter(pl.col(EXTERNAL).is_not_null()).select(EXTERNAL, pl.col("__id").alias("__e"))
    serials = existing.filter(pl.col(SERIAL).is_not_null())
    unique_serials = serials.filter(~pl.col(SERIAL).is_duplicated()).select(
        SERIAL, pl.col("__id").alias("__s"), pl.col(EXTERNAL).alias("__s_ext")
    )
    rows = rows.join(by_ext, on=EXTERNAL, how="left").join(unique_serials, on=SERIAL, how="left")
    # A serial match must not take an item that the source knows under another ID.
    serial_ok = (
        pl.col("__s_ext").is_null() | pl.col(EXTERNAL).is_null() | (pl.col("__s_ext") == pl.col(EXTERNAL))
    )
    rows = rows.with_columns(pl.coalesce(pl.col("__e"), pl.when(serial_ok).then(pl.col("__s"))).alias("__id"))
    claimed = set(rows["__id"].drop_nulls().to_list())
    # By name: only an item without a source key, whose serial does not contradict, and only one such.
    candidates = existing.filter(
        pl.col("external_key").is_null() & ~pl.col("__id").is_in(list(claimed))
    ).select("name", pl.col("__id").alias("__n"), pl.col(SERIAL).alias("__n_serial"))
    candidates = candidates.filter(~pl.col("name").is_duplicated())
    rows = rows.join(candidates, on="name", how="left")
    name_ok = pl.col("__id").is_null() & (
        pl.col("__n_serial").is_null() | pl.col(SERIAL).is_null() | (pl.col("__n_serial") == pl.col(SERIAL))
    )
    rows = rows.with_columns(pl.when(name_ok).then(pl.col("__n")).otherwise(pl.col("__id")).alias("__id"))
    # Two rows of the file must never update the same item (e.g. two new IDs with the old name).
    rows = rows.with_columns(
        pl.when(
            pl.col("__id").is_duplicated() & pl.col("__id").is_not_null() & (pl.col("__id") == pl.col("__n"))
        )
        .then(None)
        .otherwise(pl.col("__id"))
        .alias("__id")
    )
    return rows.sort("__pos")["__id"]
