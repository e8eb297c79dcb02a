"""Reading a tabular file as Polars frames of raw text, a chunk at a time.

Every chunk has the same shape, whatever the reader: ``__row`` (the file line where the row starts, the
header being line 1), ``__n`` (how many fields the row has), ``__extra_blank`` (whether the fields beyond
the header's width are all blank) and one text column ``c<i>`` per wanted header position (missing → null).

Two readers produce it:

- the *simple* reader, for UTF-8 CSV files without any quote character, NUL byte or lone CR (most
  machine-written exports, and every G4IT sample): lines and fields are split by Polars in Rust, without
  one Python object per cell — the 1M-row import depends on it;
- the general reader, for everything else (quotes, embedded newlines, Windows-1252, XLSX): Python's csv
  module or openpyxl, rows gathered into chunks.

Both give the same frames for the same file (tests/inventory/test_chunks.py checks it), so validation has
one code path.  :func:`scan` makes the one extra pass over the bytes that decides between them, and also
counts the lines (for the progress bar) and computes the file's SHA-256 (for the import history).
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl

from sobre.inventory.reading import MAX_FIELD_CHARS, Source
from sobre.inventory.xlsx import Record

ROW = "__row"
N = "__n"
EXTRA_BLANK = "__extra_blank"
#: Rows per chunk of the general reader; the simple reader cuts chunks of about _BLOCK bytes.
CHUNK = 100_000
_BLOCK = 16 << 20
#: Python's str.strip() also removes the ASCII separators 0x1c-0x1f, which Unicode does not call spaces.
_SPACE = r"\s\x1c-\x1f"


@dataclass
class Scan:
    """What one pass over the bytes tells: line count, SHA-256, and whether the simple reader applies."""

    lines: int
    sha256: str
    simple: bool


def scan(path: Path, source: Source) -> Scan:
    """Hash the file, count its lines and decide whether the quote-free fast reader can read it."""
    digest = hashlib.sha256()
    lines = 0
    simple = source.kind == "csv" and source.encoding in ("utf-8", "utf-8-sig")
    carry = b""
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            digest.update(block)
            lines += block.count(b"\n")
            if not simple:
                continue
            data = carry + block
            cut = data.rfind(b"\n") + 1
            whole, carry = data[:cut], data[cut:]
            simple = _plain(whole) and len(carry) <= MAX_FIELD_CHARS
        if simple and carry:
            simple = _plain(carry + b"\n")
    return Scan(max(lines, 1), digest.hexdigest(), simple)


def _plain(data: bytes) -> bool:
    """No quote, NUL or lone CR, valid UTF-8, and no line long enough to hold an over-long field."""
    if b'"' in data or b"\x00" in data:
        return False
    if b"\r" in data and data.count(b"\r") != data.count(b"\r\n"):  # two counts only when there is a CR
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    if len(data) <= MAX_FIELD_CHARS:
        return True
    ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == 10)  # positions of "\n"
    return int(np.diff(ends, prepend=-1).max(initial=0)) <= MAX_FIELD_CHARS + 1


def simple_chunks(source: Source, wanted: list[int]) -> Iterator[pl.DataFrame]:
    """Chunks of a file that :func:`scan` found simple: Polars splits lines and fields."""
    sep = source.separator
    width = len(source.header)
    blank = f"^[{_SPACE}{re.escape(sep)}]*$"
    before = 0  # lines of the file before the current block
    header_seen = False
    carry = b""
    first = True
    with source.path.open("rb") as fh:
        while True:
            block = fh.read(_BLOCK)
            data = carry + block
            if not data:
                return
            cut = data.rfind(b"\n") + 1 if block else len(data)
            if cut == 0:
                carry = data
                continue
            whole, carry = data[:cut], data[cut:]
            if first:
                whole, first = whole.removeprefix(b"\xef\xbb\xbf"), False
            count = whole.count(b"\n") + (0 if whole.endswith(b"\n") else 1)
            lines = (
                _lines(whole, count)
                .with_row_index(ROW, offset=before + 1)
                .with_columns(pl.col("l").str.strip_suffix("\r"))
                .filter(~pl.col("l").str.contains(blank))
            )
            before += count
            if not header_seen and lines.height:
                lines, header_seen = lines.slice(1), True
            if lines.is_empty():
                continue
            yield _split(lines, sep, width, wanted)


def _lines(data: bytes, count: int) -> pl.DataFrame:
    """The ``count`` lines of ``data`` (UTF-8 without NUL, as :func:`scan` checked) as one text column ``l``.

    Polars' CSV reader with NUL as its separator splits them in Rust over both cores, without decoding the
    block into one Python string first (about a third of the simple reader's time at 1,000,000 rows); an
    empty line comes back as a null, which the blank-line filter drops like an empty string.  Should it
    ever give another number of lines, the lines are split as a string instead, so the line numbers stay
    right."""
    if not data:  # a file holding only its byte-order mark: the reader wants at least one byte
        return pl.DataFrame({"l": [""]})
    lines = pl.read_csv(
        data,
        separator="\x00",
        quote_char=None,
        has_header=False,
        infer_schema=False,
        new_columns=["l"],
    )
    if lines.height == count:
        return lines
    return pl.Series("l", [data.decode("utf-8")]).str.split("\n").explode().head(count).to_frame()


def _split(lines: pl.DataFrame, sep: str, width: int, wanted: list[int]) -> pl.DataFrame:
    """Split lines into the header's ``width`` fields; field ``width`` holds whatever is beyond."""
    fields = lines.select(pl.col("l").str.splitn(sep, width + 1).alias("s")).unnest("s")
    last, rest = fields[f"field_{width - 1}"], fields[f"field_{width}"]
    counts = pl.Series(N, [width] * lines.height, dtype=pl.Int64)
    odd = last.is_null() | rest.is_not_null()
    if odd.any():
        # Rare rows with too few or too many fields: count them exactly, for the reject message.
        exact = lines["l"].filter(odd).str.count_matches(sep, literal=True).cast(pl.Int64) + 1
        counts = counts.scatter(odd.arg_true(), exact)
    extra_blank = rest.is_null() | rest.str.contains(f"^[{_SPACE}{re.escape(sep)}]*$")
    return pl.DataFrame(
        [
            lines[ROW].cast(pl.Int64),
            counts,
            extra_blank.alias(EXTRA_BLANK),
            *[fields[f"field_{i}"].alias(f"c{i}") for i in wanted],
        ]
    )


def general_chunks(source: Source, wanted: list[int]) -> Iterator[pl.DataFrame]:
    """Chunks of any file, read row by row with the csv module (or the XLSX reader, or from memory).

    XLSX chunks also hold ``n<i>``: whether the cell at position ``i`` was a numeric cell."""
    batch: list[Record] = []
    for record in source.records():
        batch.append(record)
        if len(batch) >= CHUNK:
            yield _frame(batch, len(source.header), wanted, source.kind == "xlsx")
            batch = []
    if batch:
        yield _frame(batch, len(source.header), wanted, source.kind == "xlsx")


def _frame(batch: list[Record], width: int, wanted: list[int], xlsx: bool) -> pl.DataFrame:
    rows = [r.cells for r in batch]
    counts = [r.n for r in batch]
    extra_blank = [True] * len(rows)
    if min(counts) != width or max(counts) != width or any(len(c) != width for c in rows):
        # Rare ragged rows: pad or cut them to the header's width, remembering what was beyond it.
        for i, cells in enumerate(rows):
            if len(cells) > width:
                extra_blank[i] = not "".join(cells[width:]).strip() and counts[i] <= len(cells)
                rows[i] = cells[:width]
            elif len(cells) < width:
                rows[i] = cells + [None] * (width - len(cells))  # type: ignore[list-item]
    columns = list(zip(*rows, strict=True)) if width else []
    numeric = {}
    if xlsx:
        numeric = {f"n{i}": pl.Series([i in r.numeric for r in batch], dtype=pl.Boolean) for i in wanted}
    return pl.DataFrame(
        {
            ROW: pl.Series([r.line for r in batch], dtype=pl.Int64),
            N: pl.Series(counts, dtype=pl.Int64),
            EXTRA_BLANK: pl.Series(extra_blank, dtype=pl.Boolean),
            **{
                f"c{i}": pl.Series(columns[i] if i < width else [None] * len(rows), dtype=pl.Utf8)
                for i in wanted
            },
            **numeric,
        }
    )


def chunks(source: Source, wanted: list[int], simple: bool) -> Iterator[pl.DataFrame]:
    """The chunks of ``source`` with the columns at positions ``wanted``."""
    return simple_chunks(source, wanted) if simple else general_chunks(source, wanted)
