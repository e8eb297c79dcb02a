"""Reading tabular files (CSV or XLSX) into a header and numbered rows, whatever their dialect.

CSV: the encoding is detected (BOM → UTF-8-sig, valid UTF-8, else Windows-1252) and the separator is
sniffed among ``;``, ``,`` and tab on the header and the first rows, quote-aware.  Quoted fields may hold
separators, doubled quotes and newlines (RFC 4180).  Blank lines are skipped.  Lines and fields are limited
in size so that a hostile or broken file gives a clear error instead of exhausting memory.

XLSX: the first sheet (or a named one) is read with openpyxl in read-only mode; cells come back as text so
that every importer validates one representation, except dates, which come back in ISO form.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path

from sobre.core.errors import InputError

#: A data line longer than this is refused: real inventories stay far below, a runaway file does not.
MAX_LINE_CHARS = 1_000_000
#: A single field longer than this is refused (the csv module's own guard).
MAX_FIELD_CHARS = 100_000
SEPARATORS = (";", ",", "\t")
_SAMPLE_BYTES = 1 << 20
#: Windows-1252 leaves these bytes undefined; finding one means the file is in no encoding we know.
_CP1252_UNDEFINED = {0x81, 0x8D, 0x8F, 0x90, 0x9D}

csv.field_size_limit(MAX_FIELD_CHARS)


@dataclass
class Source:
    """An opened tabular file: its header, how it was read, and a way to iterate its rows."""

    path: Path
    header: list[str]
    kind: str  # "csv" or "xlsx"
    encoding: str = "utf-8"
    separator: str = ";"
    sheet: str | None = None

    def rows(self) -> Iterator[tuple[int, list[str]]]:
        """Yield ``(line, cells)`` for each non-blank data row; ``line`` counts the header as line 1."""
        if self.kind == "xlsx":
            yield from _xlsx_rows(self.path, self.sheet, skip_header=True)
        else:
            yield from _csv_rows(self.path, self.encoding, self.separator, skip_header=True)


def open_source(path: Path, sheet: str | None = None) -> Source:
    """Open ``path`` and read its header; raise :class:`InputError` when the file cannot be read."""
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    with path.open("rb") as fh:
        head = fh.read(_SAMPLE_BYTES)
    if head.startswith(b"PK\x03\x04") or path.suffix.lower() in {".xlsx", ".xlsm"}:
        header = next((cells for _line, cells in _xlsx_rows(path, sheet, skip_header=False)), None)
        if header is None:
            raise InputError("the sheet is empty: no header row", file=str(path))
        return Source(path, _clean_header(header), "xlsx", sheet=sheet)
    if not head.strip():
        raise InputError("the file is empty", file=str(path))
    encoding = detect_encoding(head, str(path))
    text = head.decode(encoding, errors="ignore")
    separator = sniff_separator(text)
    first = next(_csv_rows(path, encoding, separator, skip_header=False), None)
    if first is None:
        raise InputError("the file has no header line", file=str(path))
    return Source(path, _clean_header(first[1]), "csv", encoding=encoding, separator=separator)


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


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value)


def _xlsx_rows(path: Path, sheet: str | None, *, skip_header: bool) -> Iterator[tuple[int, list[str]]]:
    import zipfile

    from openpyxl import load_workbook

    file = str(path)
    try:
        book = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise InputError(f"not a readable XLSX workbook ({exc})", file=file) from None
    try:
        if sheet is not None:
            if sheet not in book.sheetnames:
                raise InputError(f"no sheet named {sheet!r}; sheets: {', '.join(book.sheetnames)}", file=file)
            ws = book[sheet]
        else:
            ws = book.worksheets[0]
        first = True
        for line, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = [_cell_text(v) for v in values]
            while cells and cells[-1] == "":
                cells.pop()
            if not cells or all(not c.strip() for c in cells):
                continue
            if first:
                first = False
                if skip_header:
                    continue
            yield line, cells
    finally:
        book.close()
