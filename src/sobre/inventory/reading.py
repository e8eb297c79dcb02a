"""Reading tabular files (CSV or XLSX) into a header and numbered rows, whatever their dialect.

CSV: the encoding is detected (BOM → UTF-8-sig, valid UTF-8, else Windows-1252) and the separator is
sniffed among ``;``, ``,`` and tab on the header and the first rows, quote-aware.  Quoted fields may hold
separators, doubled quotes and newlines (RFC 4180).  Blank lines are skipped.  Lines and fields are limited
in size so that a hostile or broken file gives a clear error instead of exhausting memory.

XLSX: the first sheet (or a named one) is streamed by :mod:`sobre.inventory.xlsx`; cells come back as
text (dates in ISO form), with the positions of numeric cells, so that every importer validates one
representation and only a numeric cell can be an Excel serial date.

Rows from elsewhere (the GLPI API) come as an in-memory :class:`Source` of kind ``rows``.
"""

from __future__ import annotations

import csv
import io
import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from sobre.core.errors import InputError
from sobre.inventory.xlsx import MAX_COL, Record, Workbook

#: A data line longer than this is refused: real inventories stay far below, a runaway file does not.
MAX_LINE_CHARS = 1_000_000
#: A single field longer than this is refused (the csv module's own guard).
MAX_FIELD_CHARS = 100_000
SEPARATORS = (";", ",", "\t")
_SAMPLE_BYTES = 1 << 20
#: Windows-1252 leaves these bytes undefined; finding one means the file is in no encoding we know.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}
#: Old Excel (.xls) and encrypted workbooks are OLE compound files.
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

csv.field_size_limit(MAX_FIELD_CHARS)


@dataclass
class Source:
    """An opened tabular file: its header, how it was read, and a way to iterate its rows."""

    path: Path
    header: list[str]
    kind: str  # "csv", "xlsx" or "rows"
    encoding: str = "utf-8"
    separator: str = ";"
    sheet: str | None = None
    data: list[list[str]] = field(default_factory=list)  # kind "rows": the rows themselves
    name: str = ""  # how the source is named in messages (the file path, or e.g. "glpi:Computer")

    def __post_init__(self) -> None:
        self.name = self.name or str(self.path)

    def records(self) -> Iterator[Record]:
        """Each non-blank data row as a :class:`Record`; ``line`` counts the header as line 1."""
        width = len(self.header)
        if self.kind == "xlsx":
            with Workbook(self.path) as book:
                rows = book.records(self.sheet, keep=width + 1)
                next(rows, None)  # the header
                yield from rows
        elif self.kind == "rows":
            for i, cells in enumerate(self.data, start=2):
                if any(c.strip() for c in cells):
                    yield Record(i, cells, len(cells), frozenset())
        else:
            for line, cells in _csv_rows(self.path, self.encoding, self.separator, skip_header=True):
                yield Record(line, cells, len(cells), frozenset())

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """``(line, cells)`` of each non-blank data row."""
        for record in self.records():
            yield record.line, record.cells


def _regular_file(path: Path) -> None:
    """Refuse what is not a readable regular file (a folder, a FIFO that would block, a device)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise InputError("file not found", file=str(path)) from None
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    if stat.S_ISDIR(mode):
        raise InputError("this is a folder, not a file", file=str(path), expected="a CSV or XLSX file")
    if not stat.S_ISREG(mode):
        raise InputError(
            "this is not a regular file (a device, pipe or socket)",
            file=str(path),
            expected="a CSV or XLSX file",
        )
    if not os.access(path, os.R_OK):
        raise InputError("the file is not readable (permission denied)", file=str(path))


def open_source(path: Path, sheet: str | None = None) -> Source:
    """Open ``path`` and read its header; raise :class:`InputError` when the file cannot be read."""
    _regular_file(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(_SAMPLE_BYTES)
    except OSError as exc:
        raise InputError(f"cannot read the file ({exc.strerror})", file=str(path)) from None
    if head.startswith(_OLE):
        raise InputError(
            "an old Excel (.xls) or password-protected workbook; save it as .xlsx (without password) or CSV",
            file=str(path),
        )
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in {".xlsx", ".xlsm"}:
        with Workbook(path) as book:
            first = next(book.records(sheet, keep=MAX_COL), None)
        if first is None:
            raise InputError("the sheet is empty: no header row", file=str(path))
        return Source(path, _clean_header(first.cells), "xlsx", sheet=sheet)
    if not head.strip():
        raise InputError("the file is empty", file=str(path))
    encoding = detect_encoding(head, str(path))
    text = head.decode(encoding, errors="ignore")
    separator = sniff_separator(text)
    first_row = next(_csv_rows(path, encoding, separator, skip_header=False), None)
    if first_row is None:
        raise InputError("the file has no header line", file=str(path))
    return Source(path, _clean_header(first_row[1]), "csv", encoding=encoding, separator=separator)


def rows_source(name: str, header: list[str], data: list[list[str]]) -> Source:
    """A source made of rows already in memory (the GLPI API's answers)."""
    return Source(Path(name), _clean_header(header), "rows", data=data, name=name)


def detect_encoding(head: bytes, file: str = "") -> str:
    """BOM → ``utf-8-sig``; valid UTF-8 → ``utf-8``; else ``cp1252``; binary content → InputError."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError("the file is in UTF-16; save it as UTF-8 or Windows-1252 CSV", file=file)
    if b"\x00" in head:
        raise InputError(
            "the file looks binary (it contains NUL bytes); expected a CSV or XLSX file", file=file
        )
    try:
        head.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # The sample may end in the middle of a multi-byte character: that is still UTF-8.
        if exc.start >= len(head) - 3 and exc.reason.startswith("unexpected end"):
            return "utf-8"
    bad = next((b for b in head if b in _CP1252_UNDEFINED), None)
    if bad is not None:
        raise InputError(
            f"unknown text encoding (byte 0x{bad:02x} is neither UTF-8 nor Windows-1252)",
            file=file,
            expected="a CSV file in UTF-8 or Windows-1252, or an XLSX workbook",
        )
    controls = sum(1 for b in head if b < 9 or 13 < b < 32)
    if controls > len(head) // 100 + 2:
        raise InputError("the file looks binary, not like a CSV text file", file=file)
    return "cp1252"


def sniff_separator(text: str) -> str:
    """Pick the separator that splits the header and the first rows into the most consistent columns."""
    lines = text.splitlines()[:30]
    sample = "\n".join(lines)
    best, best_score = ";", (-1, -1)
    for sep in SEPARATORS:
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), delimiter=sep) if r]
        except csv.Error:
            continue
        if not rows or len(rows[0]) < 2:
            continue
        width = len(rows[0])
        # Consistent rows first, then the wider header; the last row may be cut by the sample.
        consistent = sum(1 for r in rows[1:-1] if len(r) in (width, width - 1, width + 1))
        score = (consistent, width)
        if score > best_score:
            best, best_score = sep, score
    return best


def _clean_header(cells: list[str]) -> list[str]:
    return [c.strip().lstrip("\ufeff").strip() for c in cells]


def _lines(fh: io.TextIOBase, file: str) -> Iterator[str]:
    """Lines of ``fh``, refusing any longer than MAX_LINE_CHARS instead of reading it whole."""
    line_no = 0
    while True:
        line = fh.readline(MAX_LINE_CHARS + 1)
        if not line:
            return
        line_no += 1
        if len(line) > MAX_LINE_CHARS and not line.endswith("\n"):
            raise InputError(
                f"line is longer than {MAX_LINE_CHARS:,} characters",
                file=file,
                row=line_no,
                expected="one record per line (is this really a CSV file?)",
            )
        yield line


def _csv_rows(
    path: Path, encoding: str, separator: str, *, skip_header: bool
) -> Iterator[tuple[int, list[str]]]:
    file = str(path)
    with path.open("r", encoding=encoding, newline="") as fh:
        reader = csv.reader(_lines(fh, file), delimiter=separator, strict=False)
        start = 1
        first = True
        while True:
            try:
                cells = next(reader)
            except StopIteration:
                return
            except UnicodeDecodeError as exc:
                raise InputError(
                    f"the file is not valid {encoding} text near line {reader.line_num + 1} ({exc.reason})",
                    file=file,
                    row=reader.line_num + 1,
                    expected="one encoding for the whole file",
                ) from None
            except csv.Error as exc:
                raise InputError(
                    f"unreadable CSV: {exc}",
                    file=file,
                    row=reader.line_num,
                    expected=f"fields shorter than {MAX_FIELD_CHARS:,} characters, no NUL byte",
                ) from None
            line, start = start, reader.line_num + 1
            if not cells or (not cells[0].strip() and not "".join(cells).strip()):
                continue  # blank lines, and rows made only of separators, carry nothing
            if first:
                first = False
                if skip_header:
                    continue
            yield line, cells
