"""Turning raw text rows into typed Polars frames, column by column, and collecting every problem.

Each chunk of rows becomes a frame of strings, then each field is parsed with one vectorised expression
(numbers with a decimal comma and space thousands separators, dates in the accepted formats, vocabularies
through their synonym tables applied to the distinct values only).  A problem names the line, the
column as written in the file, the value and what was expected; a row with any problem is rejected whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import polars as pl

from sobre.core.countries import to_code
from sobre.inventory import vocab
from sobre.inventory.mappings import FIELDS, REQUIRED, Field, Mapping

ROW = "__row"
#: Date formats accepted in text cells, tried in this order (G4IT's four, plus dd-mm-yyyy and dd.mm.yyyy).
DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%Y%m%d", "%Y/%m/%d", "%d-%m-%Y", "%d.%m.%Y")
#: Excel's day zero for serial dates (1900 system, with its leap-year bug already absorbed).
_EXCEL_EPOCH = date(1899, 12, 30)
#: Values given in percent by a format, converted to Sobre's 0..1 share.
PERCENT: dict[tuple[str, str], set[str]] = {("numecoeval", "cloud"): {"average_load"}}


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    reason: str


def _reason_range(f: Field) -> str:
    if f.positive and f.high is not None:
        return f"must be greater than 0 and at most {f.high:g}"
    if f.positive:
        return "must be greater than 0"
    if f.low is not None and f.high is not None:
        return f"must be between {f.low:g} and {f.high:g}"
    if f.low is not None:
        return "must not be negative" if f.low == 0 else f"must be at least {f.low:g}"
    return f"must be at most {f.high:g}"


def _in_range(v: pl.Expr, f: Field) -> pl.Expr:
    ok = pl.lit(True)
    if f.positive:
        ok = ok & (v > 0)
    if f.low is not None:
        ok = ok & (v >= f.low)
    if f.high is not None:
        ok = ok & (v <= f.high)
    return ok


def _number(col: str) -> pl.Expr:
    """Text → float: spaces and no-break spaces as thousands separators, decimal comma accepted."""
    text = pl.col(col).str.replace_all(r"[\s\u00a0\u202f]", "").str.replace(",", ".", literal=True)
    return text.cast(pl.Float64, strict=False)


def _date(col: str, xlsx: bool) -> pl.Expr:
    text = pl.col(col).str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "$1")
    parsed = pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])
    if xlsx:
        # A date cell stored as a plain number in a workbook is an Excel serial day count.
        serial = pl.col(col).cast(pl.Int64, strict=False)
        from_serial = pl.when(serial.is_between(1, 2_958_465)).then(
            pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)
        )
        parsed = pl.coalesce([parsed, from_serial.cast(pl.Date)])
    return parsed


def _map_values(series: pl.Series, fn: object, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    """Apply ``fn`` to the distinct values only (a million rows hold a few dozen statuses)."""
    uniques = series.drop_nulls().unique().to_list()
    mapping = {u: fn(u) for u in uniques}  # type: ignore[operator]
    return series.replace_strict(mapping, default=None, return_dtype=dtype)


def parse_chunk(
    mapping: Mapping,
    lines: list[int],
    rows: list[list[str]],
    *,
    width: int,
    xlsx: bool,
) -> tuple[pl.DataFrame, list[Problem], set[str]]:
    """Parse one chunk.  Returns (frame of every row that parsed, problems, unmapped type labels)."""
    problems: list[Problem] = []
    kept_lines: list[int] = []
    kept: list[list[str]] = []
    for line, cells in zip(lines, rows, strict=True):
        n = len(cells)
        if n != width and not xlsx and not _harmless_ragged(cells, width, mapping):
            problems.append(
                Problem(
                    line,
                    "",
                    f"{n} fields",
                    (
                        f"the row has {n} fields but the header has {width}; "
                        "a separator or a quote is probably "
                        "missing or extra (nothing was shifted: fix the row and import it again)"
                    ),
                )
            )
            continue
        if n < width:
            cells = cells + [""] * (width - n)
        kept_lines.append(line)
        kept.append(cells)
    fields = {f.name: f for f in FIELDS[mapping.kind]}
    used = {name: idx for name, idx in mapping.columns.items() if name in fields}
    if kept:
        columns = list(zip(*kept, strict=False))
        data = {name: list(columns[idx]) for name, idx in used.items()}
    else:
        data = {name: [] for name in used}
    raw = pl.DataFrame(data, schema={name: pl.Utf8 for name in used}).with_columns(
        pl.Series(ROW, kept_lines, dtype=pl.Int64)
    )
    stripped = pl.col(pl.Utf8).str.strip_chars()
    # Undo the spreadsheet-formula neutralisation of Sobre's exports, so that an export re-imports as it was.
    unneutral = (
        pl.when(stripped.str.contains(r"^'[=+\-@\t\r]")).then(stripped.str.slice(1)).otherwise(stripped)
    )
    raw = raw.with_columns(pl.when(unneutral == "").then(None).otherwise(unneutral).name.keep())

    required = {f.name for f in fields.values() if f.required} | REQUIRED.get(
        (mapping.fmt, mapping.kind), set()
    )
    percent = PERCENT.get((mapping.fmt, mapping.kind), set())
    typed: dict[str, pl.Expr] = {}
    bad: list[tuple[str, pl.Expr, str | None]] = []  # (field, mask, reason; None → reason per value)
    unmapped_types: set[str] = set()
    for name in used:
        f = fields[name]
        col = pl.col(name)
        present = col.is_not_null()
        if f.type in ("float", "int"):
            parse = _number(name)
            raw = raw.with_columns((parse / 100 if name in percent else parse).alias(f"__{name}"))
            v = pl.col(f"__{name}")
            bad.append((name, present & (v.is_null() | ~v.is_finite()), "not a number"))
            if f.type == "int":
                bad.append((name, present & v.is_finite() & (v != v.floor()), "must be a whole number"))
            bad.append((name, present & v.is_finite() & ~_in_range(v, f), _reason_range(f)))
            typed[name] = v.cast(pl.Int64, strict=False) if f.type == "int" else v
        elif f.type == "date":
            raw = raw.with_columns(_date(name, xlsx).alias(f"__{name}"))
            v = pl.col(f"__{name}")
            bad.append(
                (
                    name,
                    present & v.is_null(),
                    (
                        "not a valid date (accepted: yyyy-mm-dd, dd/mm/yyyy, yyyymmdd, yyyy/mm/dd; "
                        "the day must exist)"
                    ),
                )
            )
            typed[name] = v
        elif f.type == "bool":
            s = _map_values(raw[name], lambda u: vocab.BOOLEAN.get(vocab.fold(u)), pl.Boolean)
            raw = raw.with_columns(s.alias(f"__{name}"))
            bad.append(
                (name, present & pl.col(f"__{name}").is_null(), "expected yes/no (oui/non, true/false, 1/0)")
            )
            typed[name] = pl.col(f"__{name}")
        elif f.type == "country":
            s = _map_values(raw[name], to_code, pl.Utf8)
            raw = raw.with_columns(s.alias(f"__{name}"))
            bad.append(
                (
                    name,
                    present & pl.col(f"__{name}").is_null(),
                    "unknown country (expected a country name in English or French, or an ISO code)",
                )
            )
            typed[name] = pl.col(f"__{name}")
        elif f.type.startswith("vocab:"):
            voc = f.type.split(":", 1)[1]
            s = _map_values(raw[name], lambda u, voc=voc: vocab.lookup(voc, u), pl.Utf8)
            raw = raw.with_columns(s.alias(f"__{name}"))
            bad.append(
                (
                    name,
                    present & pl.col(f"__{name}").is_null(),
                    f"unknown value; accepted: {vocab.accepted(voc)}",
                )
            )
            typed[name] = pl.col(f"__{name}")
        else:  # text and references by name
            bad.append(
                (name, present & (col.str.len_chars() > f.max_len), f"longer than {f.max_len} characters")
            )
            typed[name] = col
        if name in required:
            bad.append((name, ~present, "must not be empty"))
    for name in required - set(used):
        # A required field without a column: every row lacks it.
        problems.extend(
            Problem(line, name, "", "must not be empty (the column is missing)") for line in kept_lines
        )
    if mapping.kind == "equipment" and "category" not in used and "type_label" in used:
        s = _map_values(raw["type_label"], lambda u: vocab.lookup("category", u), pl.Utf8)
        raw = raw.with_columns(s.alias("__category"))
        unknown = raw.filter(pl.col("type_label").is_not_null() & pl.col("__category").is_null())
        unmapped_types = set(unknown["type_label"].unique().to_list())
        typed["category"] = pl.col("__category")
    if mapping.kind == "equipment" and {"purchase_date", "retirement_date"} <= set(used):
        order = typed["purchase_date"] > typed["retirement_date"]
        bad.append(
            ("retirement_date", order.fill_null(False), "the purchase date is after the retirement date")
        )
    if bad and raw.height:
        # One pass computes every check; details are extracted only for the (rare) rows that fail.
        masks = raw.select(ROW, *[m.fill_null(False).alias(f"__m{i}") for i, (_n, m, _r) in enumerate(bad)])
        failing = masks.filter(pl.any_horizontal(pl.exclude(ROW)))
        if failing.height:
            values = raw.filter(pl.col(ROW).is_in(failing[ROW].implode()))
            for i, (name, _mask, reason) in enumerate(bad):
                hit_lines = failing.filter(pl.col(f"__m{i}"))[ROW]
                if hit_lines.is_empty():
                    continue
                hits = values.filter(pl.col(ROW).is_in(hit_lines.implode())).select(
                    ROW, pl.col(name).fill_null("")
                )
                column = mapping.headers.get(name, name)
                problems.extend(
                    Problem(line, column, value or "", reason or "") for line, value in hits.iter_rows()
                )
    frame = raw.select(ROW, *[expr.alias(n) for n, expr in typed.items()])
    return frame, problems, unmapped_types


def _harmless_ragged(cells: list[str], width: int, mapping: Mapping) -> bool:
    """Extra empty cells (a trailing separator) or missing cells under empty-named columns shift nothing."""
    if len(cells) > width:
        return all(not c.strip() for c in cells[width:])
    return all(i in mapping.unnamed for i in range(len(cells), width))
