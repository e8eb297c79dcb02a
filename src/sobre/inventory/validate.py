"""Turning raw text rows into typed Polars frames, column by column, and collecting every problem.

Each chunk of rows becomes a frame of strings, then each field is parsed with one vectorised expression
(numbers with a decimal comma and the thousands separators spreadsheets and GLPI write, dates in the
accepted formats, vocabularies through their synonym tables applied to the distinct values only).  A
problem names the line, the column as written in the file, the value and what was expected; a row with
any problem is rejected whole.  Numbers have plausible ranges and dates a plausible window
(``mappings.FIELDS``); NaN and infinities are refused, so they never reach the engine or an export.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import polars as pl

from sobre.core.countries import to_code
from sobre.inventory import glpi, vocab
from sobre.inventory.chunks import EXTRA_BLANK, ROW, N
from sobre.inventory.mappings import FIELDS, REQUIRED, Field, Mapping
from sobre.inventory.xlsx import column_letters

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


@dataclass
class Parsed:
    """What :func:`parse_chunk` returns: the typed rows, the problems, and what to warn about."""

    frame: pl.DataFrame
    problems: list[Problem]
    unmapped_types: set[str] = field(default_factory=set)
    unknown_statuses: set[str] = field(default_factory=set)


def _num(x: float | None) -> str:
    return str(int(x)) if x is not None and float(x).is_integer() else f"{x:g}"


def _reason_range(f: Field) -> str:
    if f.positive and f.high is not None:
        return f"must be greater than 0 and at most {_num(f.high)}"
    if f.positive:
        return "must be greater than 0"
    if f.low is not None and f.high is not None:
        return f"must be between {_num(f.low)} and {_num(f.high)}"
    if f.low is not None:
        return "must not be negative" if f.low == 0 else f"must be at least {_num(f.low)}"
    return f"must be at most {_num(f.high)}"


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
    """Text → float.  Spaces, no-break spaces and apostrophes are thousands separators; a decimal comma is
    accepted; ``1,234.56`` and ``1.234,56`` (both separators, grouped by three) are read as written."""
    text = pl.col(col).str.replace_all(r"[\s\u00a0\u202f']", "")
    comma_thousands = text.str.contains(r"^[+-]?\d{1,3}(,\d{3})+\.\d+$")
    dot_thousands = text.str.contains(r"^[+-]?\d{1,3}(\.\d{3})+,\d+$")
    text = (
        pl.when(comma_thousands)
        .then(text.str.replace_all(",", "", literal=True))
        .when(dot_thousands)
        .then(text.str.replace_all(".", "", literal=True).str.replace(",", ".", literal=True))
        .otherwise(text.str.replace(",", ".", literal=True))
    )
    return text.cast(pl.Float64, strict=False)


def _date(col: str, numeric: str | None) -> pl.Expr:
    """Text → date; with ``numeric`` (the column telling which XLSX cells were numbers), a numeric cell is
    an Excel serial day.  A text cell of digits is never a serial."""
    text = pl.col(col).str.replace(r"^(\d{4}-\d{1,2}-\d{1,2})[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?$", "$1")
    parsed = pl.coalesce([text.str.to_date(fmt, strict=False) for fmt in DATE_FORMATS])
    if numeric is not None:
        serial = pl.col(col).cast(pl.Int64, strict=False)
        from_serial = pl.when(pl.col(numeric) & serial.is_between(61, 2_958_465)).then(
            pl.lit(_EXCEL_EPOCH) + pl.duration(days=serial)
        )
        parsed = pl.when(pl.col(numeric)).then(from_serial.cast(pl.Date)).otherwise(parsed)
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
    computed directly; the first rows tell which is which without hashing the whole column.  A parse
    (``expr``) costs far more per row than hashing: only a head of nearly all distinct values skips the
    distinct path (the dates of a few years repeat, yet half of 4,000 rows are distinct).
    """
    series = raw[col]

    def apply(s: pl.Series) -> pl.Series:
        return _clean(s) if expr is None else s.to_frame(col).select(expr.alias(col)).to_series()

    head = series.head(4000)
    if head.n_unique() * (2 if expr is None else 1.1) > head.len():
        return apply(series)
    distinct = series.drop_nulls().unique()
    if distinct.len() * 4 > series.len():
        return apply(series)
    done = apply(distinct)
    if expr is None and done.equals(distinct):  # nothing to clean (the usual case): no second hashing
        return series
    return series.replace_strict(distinct, done, default=None)


def _map_values(
    series: pl.Series, fn: Callable[[str], object], dtype: pl.DataType | type[pl.DataType]
) -> pl.Series:
    """Apply ``fn`` to the distinct values only (a million rows hold a few dozen statuses)."""
    uniques = series.drop_nulls().unique().to_list()
    mapping = {u: fn(u) for u in uniques}
    return series.replace_strict(mapping, default=None, return_dtype=dtype)


def _glpi_value(name: str, header: str) -> Callable[[str], str | None] | None:
    """How a GLPI column's displayed value becomes the text Sobre validates, or None to take it as is.

    GLPI shows "nothing" as ``&nbsp;`` or ``-``, a duration with its unit ("3 ans"), a size in MiB or with
    a unit ("8 Gio"), and 0 for a value or a duration never filled in (which is unknown, not zero).
    """
    if name in ("lifetime_years", "purchase_value"):
        convert = glpi.years if name == "lifetime_years" else (lambda v: v)

        def unset_is_unknown(value: str) -> str | None:
            value = convert(value)
            return None if value.strip() in ("0", "0.0", "0,0", "0.00", "0,00") else value

        return unset_is_unknown
    if name in ("ram_gb", "storage_gb"):
        folded = vocab.fold(header)
        unit = "G" if any(w in folded.split() for w in ("gb", "go", "gib", "gio")) else "M"
        return lambda value: glpi.size_in_gb(value, unit)
    return None


def _status(text: str) -> str | None:
    """Sobre's status for a source's status, also trying each level of a GLPI ``Parent > Child`` one."""
    found = vocab.lookup("status", text)
    if found is None and ">" in text:
        for part in reversed(text.split(">")):
            found = vocab.lookup("status", part)
            if found is not None:
                break
    return found


def _ragged(
    chunk: pl.DataFrame, mapping: Mapping, width: int, xlsx: bool
) -> tuple[pl.DataFrame, list[Problem]]:
    """Reject rows whose fields do not line up with the header; a ragged row is never shifted."""
    n = pl.col(N)
    if xlsx:
        # A sheet row simply ends at its last filled cell; only a value beyond the header is wrong.
        fits = (n <= width) | pl.col(EXTRA_BLANK)
    else:
        # Extra fields are fine when blank (a trailing separator), missing ones under empty-named columns.
        named_width = max((i + 1 for i in range(width) if i not in mapping.unnamed), default=0)
        fits = (n == width) | ((n > width) & pl.col(EXTRA_BLANK)) | ((n < width) & (n >= named_width))
    ragged = chunk.filter(~fits)
    problems = []
    for line, count in ragged.select(ROW, N).iter_rows():
        if xlsx:
            reason = (
                f"the row has a value in column {column_letters(count - 1)}, beyond the header's {width} "
                "columns (nothing was shifted: move or delete it and import again)"
            )
        else:
            reason = (
                f"the row has {count} fields but the header has {width}; a separator or a quote is probably "
                "missing or extra (nothing was shifted: fix the row and import it again)"
            )
        problems.append(Problem(line, "", f"{count} fields", reason))
    return (chunk.filter(fits) if ragged.height else chunk), problems


def parse_chunk(
    mapping: Mapping, chunk: pl.DataFrame, *, width: int, xlsx: bool, reference_date: date
) -> Parsed:
    """Parse one chunk of raw text (see :mod:`sobre.inventory.chunks`).

    ``reference_date`` bounds the dates (a purchase at most a year after it).  Returns the frame of every
    row that parsed, with the problems and what to warn about.
    """
    chunk, problems = _ragged(chunk, mapping, width, xlsx)
    fields = {f.name: f for f in FIELDS[mapping.kind]}
    used = {name: idx for name, idx in mapping.columns.items() if name in fields}
    kept_lines = chunk[ROW]
    numeric = {name: f"n{idx}" for name, idx in used.items() if xlsx and f"n{idx}" in chunk.columns}
    raw = chunk.select(
        *[pl.col(f"c{idx}").alias(name) for name, idx in used.items()],
        *[pl.col(col).alias(f"__num_{name}") for name, col in numeric.items()],
        ROW,
    )
    raw = raw.with_columns(_distinct(raw, name) for name in used)
    if mapping.fmt == "glpi":
        empty = {vocab.fold(e) for e in glpi.EMPTY}
        for name in used:
            prepare = _glpi_value(name, mapping.headers.get(name, name))

            def shown(v: str, prepare: Callable[[str], str | None] | None = prepare) -> str | None:
                if vocab.fold(v) in empty or v in glpi.EMPTY:
                    return None
                return prepare(v) if prepare else v

            raw = raw.with_columns(_map_values(raw[name], shown, pl.Utf8).alias(name))

    required = {f.name for f in fields.values() if f.required} | REQUIRED.get(
        (mapping.fmt, mapping.kind), set()
    )
    percent = PERCENT.get((mapping.fmt, mapping.kind), set())
    typed: dict[str, pl.Expr] = {}
    bad: list[tuple[str, pl.Expr, str | None]] = []  # (field, mask, reason)
    parsed = Parsed(pl.DataFrame(), problems)
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
            num = f"__num_{name}" if name in numeric else None
            if num is None:
                raw = raw.with_columns(_distinct(raw, name, _date(name, None)).alias(f"__{name}"))
            else:
                raw = raw.with_columns(raw.select(_date(name, num)).to_series().alias(f"__{name}"))
            v = pl.col(f"__{name}")
            bad.append(
                (
                    name,
                    present & v.is_null(),
                    (
                        "not a valid date (accepted: yyyy-mm-dd, dd/mm/yyyy, yyyymmdd, yyyy/mm/dd; "
                        "the day must exist; in a workbook, a date cell or a number cell)"
                    ),
                )
            )
            if f.earliest is not None:
                bad.append(
                    (name, present & (v < f.earliest), f"is before {f.earliest:%Y}: not a plausible date")
                )
            if f.latest_years is not None:
                latest = reference_date.replace(year=reference_date.year + int(f.latest_years))
                if reference_date.month == 2 and reference_date.day == 29:
                    latest = date(reference_date.year + int(f.latest_years), 2, 28)
                bad.append(
                    (
                        name,
                        present & (v > latest),
                        f"is after {latest.isoformat()} ({int(f.latest_years)} year"
                        f"{'s' if f.latest_years != 1 else ''} after the reference date "
                        f"{reference_date.isoformat()}): not a plausible date",
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
        elif f.type == "vocab:status":
            # A status Sobre does not know is kept as written and stored as unknown (with a warning).
            s = _map_values(raw[name], _status, pl.Utf8)
            raw = raw.with_columns(s.alias(f"__{name}"))
            unknown = raw.filter(present & pl.col(f"__{name}").is_null())
            parsed.unknown_statuses |= set(unknown[name].unique().to_list())
            typed[name] = pl.col(f"__{name}").fill_null("unknown")
            if "status_label" not in used:
                typed["status_label"] = col
        elif f.type.startswith("vocab:"):
            voc = f.type.split(":", 1)[1]
            s = _map_values(raw[name], functools.partial(vocab.lookup, voc), pl.Utf8)
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
        parsed.unmapped_types = set(unknown["type_label"].unique().to_list())
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
    parsed.frame = raw.select(ROW, *[expr.alias(n) for n, expr in typed.items()])
    return parsed
