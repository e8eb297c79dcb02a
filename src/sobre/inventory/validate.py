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
from sobre.inventory.chunks import EXTRA_BLANK, ROW, N
from sobre.inventory.mappings import FIELDS, REQUIRED, Field, Mapping

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


def _clean(series: pl.Series) -> pl.Series:
    """Strip spaces; empty means missing; undo the formula neutralisation of Sobre's exports (a leading
    ``'`` before ``=``, ``+``, ``-``, ``@``, tab or CR) so that an export re-imports as it was."""
    text = series.str.strip_chars()
    if text.str.starts_with("'").any():
        quoted = text.str.contains(r"^'[=+\-@\t\r]")
        text = pl.select(pl.when(quoted).then(text.str.slice(1)).otherwise(text)).to_series()
    return pl.select(pl.when(text == "").then(None).otherwise(text)).to_series().alias(series.name)


def _distinct(raw: pl.DataFrame, col: str, expr: pl.Expr | None = None) -> pl.Series:
    """``expr`` (a function of column ``col`` alone; None: :func:`_clean`) computed once per distinct
    value, then spread back to every row.

    A million inventory rows hold a few thousand distinct dates, amounts or statuses: parsing those is
    what makes date and number checking cheap.  Columns of mostly distinct values (names, serials) are
    computed directly; the first rows tell which is which without hashing the whole column.
    """
    series = raw[col]

    def apply(s: pl.Series) -> pl.Series:
        return _clean(s) if expr is None else s.to_frame(col).select(expr.alias(col)).to_series()

    head = series.head(4000)
    if head.n_unique() * 2 > head.len():
        return apply(series)
    distinct = series.drop_nulls().unique()
    if distinct.len() * 4 > series.len():
        return apply(series)
    return series.replace_strict(distinct, apply(distinct), default=None)


def _map_values(series: pl.Series, fn: object, dtype: pl.DataType | type[pl.DataType]) -> pl.Series:
    """Apply ``fn`` to the distinct values only (a million rows hold a few dozen statuses)."""
    uniques = series.drop_nulls().unique().to_list()
    mapping = {u: fn(u) for u in uniques}  # type: ignore[operator]
    return series.replace_strict(mapping, default=None, return_dtype=dtype)


def parse_chunk(
    mapping: Mapping, chunk: pl.DataFrame, *, width: int, xlsx: bool
) -> tuple[pl.DataFrame, list[Problem], set[str]]:
    """Parse one chunk of raw text (see :mod:`sobre.inventory.chunks`).

    Returns (frame of every row that parsed, problems, unmapped type labels).
    """
    problems: list[Problem] = []
    if not xlsx:
        # A row is ragged unless its extra fields are blank (a trailing separator) or the fields it lacks
        # are under empty-named columns; a ragged row is rejected whole, never shifted.
        named_width = max((i + 1 for i in range(width) if i not in mapping.unnamed), default=0)
        n = pl.col(N)
        fits = (n == width) | ((n > width) & pl.col(EXTRA_BLANK)) | ((n < width) & (n >= named_width))
        ragged = chunk.filter(~fits)
        for line, count in ragged.select(ROW, N).iter_rows():
            problems.append(
                Problem(
                    line,
                    "",
                    f"{count} fields",
                    (
                        f"the row has {count} fields but the header has {width}; "
                        "a separator or a quote is probably "
                        "missing or extra (nothing was shifted: fix the row and import it again)"
                    ),
                )
            )
        if ragged.height:
            chunk = chunk.filter(fits)
    fields = {f.name: f for f in FIELDS[mapping.kind]}
    used = {name: idx for name, idx in mapping.columns.items() if name in fields}
    kept_lines = chunk[ROW]
    raw = chunk.select(*[pl.col(f"c{idx}").alias(name) for name, idx in used.items()], ROW)
    raw = raw.with_columns(_distinct(raw, name) for name in used)

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
            parse = parse / 100 if name in percent else parse
            raw = raw.with_columns(_distinct(raw, name, parse).alias(f"__{name}"))
            v = pl.col(f"__{name}")
            bad.append((name, present & (v.is_null() | ~v.is_finite()), "not a number"))
            if f.type == "int":
                bad.append((name, present & v.is_finite() & (v != v.floor()), "must be a whole number"))
            limits = _reason_range(f)
            if name in percent:  # the file speaks in percent: say the limits in percent too
                limits = f"must be between {100 * (f.low or 0):g} and {100 * (f.high or 1):g} (a percentage)"
            bad.append((name, present & v.is_finite() & ~_in_range(v, f), limits))
            typed[name] = v.cast(pl.Int64, strict=False) if f.type == "int" else v
        elif f.type == "date":
            raw = raw.with_columns(_distinct(raw, name, _date(name, xlsx)).alias(f"__{name}"))
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
