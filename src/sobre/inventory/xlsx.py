"""A streaming, defensive XLSX reader: rows of text cells, with which cells were numbers.

Why not openpyxl for reading: its read-only mode fills the rows and columns between two cells (a cell in
row 1,048,576 walks a million empty rows, one in column XFD pads every row to 16,384 cells) and it turns
a malformed part into whatever exception its parser raises.  Here:

- the zip is checked (a real zip, the parts the package needs, declared sizes and compression ratios
  bounded, so a zip bomb is refused before it is inflated; corrupt compression is a clear error);
- every XML part is parsed with ``defusedxml``, which refuses DTDs, entity declarations (billion laughs)
  and external entities;
- rows come with their own number (``r``), gaps are not walked; a cell's column comes from its reference,
  which must be valid and in its row; cells beyond a bound are counted, not stored;
- a shared-string index must exist; a number must be a number; a cell longer than the field limit is
  refused, as in CSV;
- a numeric cell whose style is a date format is returned as an ISO date, as Excel shows it; any other
  numeric cell is marked numeric (an Excel serial in a date column is only ever read from those).

Every problem is an :class:`InputError` naming the file (and the cell when there is one).
"""

from __future__ import annotations

import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from sobre.core.errors import InputError

MAX_FIELD_CHARS = 100_000
#: Inflated size allowed for one part, and the largest inflate ratio accepted for a part above 1 MB.
MAX_PART_BYTES = 2 << 30
MAX_SHARED_STRINGS_BYTES = 512 << 20
MAX_RATIO = 1000
MAX_ROW = 1_048_576
MAX_COL = 16_384
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_STRICT_REL = "http://purl.oclc.org/ooxml/officeDocument/relationships"
_REF = re.compile(r"^\$?([A-Z]{1,3})\$?([0-9]{1,7})$")
#: Built-in number formats that are dates or times (ECMA-376 Part 1, 18.8.30).
_DATE_FORMAT_IDS = set(range(14, 23)) | set(range(27, 37)) | set(range(45, 48)) | set(range(50, 59))
_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


@dataclass
class Record:
    """One non-blank row: its number, its cells (text, trimmed of trailing blanks, at most ``keep``
    stored), how many fields it really has, and the positions of its numeric cells."""

    line: int
    cells: list[str]
    n: int
    numeric: frozenset[int]


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attr(element: Any, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name and (key == name or key.startswith(("{" + _REL, "{" + _STRICT_REL))):
            return str(value)
    return None


def column_index(letters: str) -> int:
    """``A`` → 0, ``Z`` → 25, ``AA`` → 26, … ``XFD`` → 16383."""
    index = 0
    for ch in letters:
        index = index * 26 + (ord(ch) - 64)
    return index - 1


def column_letters(index: int) -> str:
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def _is_date_format(code: str) -> bool:
    text = _QUOTED.sub("", code).lower()
    return bool(re.search(r"[dmyhs]", text)) and "general" not in text


class Workbook:
    """An opened XLSX file.  Use as a context manager; :meth:`records` streams one sheet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.file = str(path)
        try:
            self.zip = zipfile.ZipFile(path)
        except zipfile.BadZipFile:
            raise self._error("not a readable XLSX workbook (it is not a zip archive)") from None
        except (OSError, ValueError) as exc:
            raise self._error(f"not a readable XLSX workbook ({exc})") from None
        try:
            self._open()
        except BaseException:
            self.zip.close()
            raise

    def __enter__(self) -> Workbook:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.zip.close()

    def _error(self, message: str, **where: Any) -> InputError:
        return InputError(message, file=self.file, **where)

    # -- package ---------------------------------------------------------------------------------------
    def _member(self, name: str, limit: int = MAX_PART_BYTES) -> zipfile.ZipInfo:
        try:
            info = self.zip.getinfo(name)
        except KeyError:
            raise self._error(f"not a readable XLSX workbook: the part {name} is missing") from None
        if info.flag_bits & 0x1:
            raise self._error("the workbook is encrypted; save it without a password")
        if info.file_size > limit:
            raise self._error(f"the part {name} inflates to {info.file_size:,} bytes (limit {limit:,})")
        if info.file_size > 1 << 20 and info.file_size > MAX_RATIO * max(info.compress_size, 1):
            raise self._error(
                f"the part {name} inflates {info.file_size // max(info.compress_size, 1):,} times "
                "(a zip bomb?); refused"
            )
        return info

    def _parse(self, name: str, limit: int = MAX_PART_BYTES) -> Iterator[tuple[str, Any]]:
        """(event, element) pairs of one XML part, parsed without DTDs or entities."""
        from defusedxml import DefusedXmlException
        from defusedxml.ElementTree import ParseError, iterparse

        info = self._member(name, limit)
        try:
            with self.zip.open(info) as raw:
                stream: IO[bytes] = raw
                yield from iterparse(stream, events=("start", "end"), forbid_dtd=True)
        except DefusedXmlException:
            raise self._error(
                f"the part {name} declares a DTD or entities, which a workbook never needs (an XML bomb or "
                "an external entity?); refused"
            ) from None
        except ParseError as exc:
            raise self._error(f"the part {name} is not well-formed XML ({exc})") from None
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise self._error(f"the part {name} is corrupt in the zip ({exc})") from None
        except NotImplementedError as exc:
            raise self._error(f"the part {name} uses an unsupported compression ({exc})") from None

    def _tree(self, name: str, limit: int = 64 << 20) -> Any:
        root = None
        for event, element in self._parse(name, limit):
            if event == "start" and root is None:
                root = element
        if root is None:
            raise self._error(f"the part {name} is empty")
        return root

    def _rels(self, part: str) -> dict[str, str]:
        folder, _, base = part.rpartition("/")
        rels_name = f"{folder}/_rels/{base}.rels" if folder else f"_rels/{base}.rels"
        if rels_name not in self.zip.NameToInfo:
            return {}
        out = {}
        for rel in self._tree(rels_name).iter():
            if _local(rel.tag) == "Relationship" and rel.get("Id") and rel.get("Target"):
                if rel.get("TargetMode") == "External":
                    continue
                out[rel.get("Id")] = self._resolve(folder, rel.get("Target"))
        return out

    @staticmethod
    def _resolve(folder: str, target: str) -> str:
        if target.startswith("/"):
            return target.lstrip("/")
        parts = [p for p in (folder.split("/") if folder else [])]
        for piece in target.split("/"):
            if piece == "..":
                if parts:
                    parts.pop()
            elif piece not in ("", "."):
                parts.append(piece)
        return "/".join(parts)

    def _open(self) -> None:
        names = set(self.zip.namelist())
        if "[Content_Types].xml" not in names:
            raise self._error("not a readable XLSX workbook: a zip archive, but not an Office document")
        workbook = next(
            (t for rid, t in self._rels("").items() if t.endswith(".xml") and "workbook" in t.lower()),
            None,
        ) or ("xl/workbook.xml" if "xl/workbook.xml" in names else None)
        if workbook is None:
            raise self._error(
                "not a readable XLSX workbook: no workbook part (is this a Word or other file?)"
            )
        root = self._tree(workbook)
        rels = self._rels(workbook)
        self.date1904 = False
        self.sheets: list[tuple[str, str]] = []
        for element in root.iter():
            tag = _local(element.tag)
            if tag == "workbookPr":
                self.date1904 = element.get("date1904") in ("1", "true")
            elif tag == "sheet":
                rid = _attr(element, "id")
                target = rels.get(rid or "")
                if target is not None:
                    self.sheets.append((element.get("name") or f"Sheet{len(self.sheets) + 1}", target))
        if not self.sheets:
            raise self._error("the workbook has no sheet")
        self.shared: list[str] | None = None
        self._shared_part = next((t for t in rels.values() if t.lower().endswith("sharedstrings.xml")), None)
        styles = next((t for t in rels.values() if t.lower().endswith("styles.xml")), None)
        self.date_styles = self._date_styles(styles) if styles and styles in names else set()

    @property
    def sheet_names(self) -> list[str]:
        return [name for name, _ in self.sheets]

    def _date_styles(self, part: str) -> set[int]:
        root = self._tree(part)
        custom: dict[int, str] = {}
        dates: set[int] = set()
        for element in root.iter():
            if _local(element.tag) == "numFmt":
                try:
                    custom[int(element.get("numFmtId", "-1"))] = element.get("formatCode", "")
                except ValueError:
                    raise self._error(f"the part {part} has a bad number format id") from None
        for element in root.iter():
            if _local(element.tag) == "cellXfs":
                for index, xf in enumerate(x for x in element if _local(x.tag) == "xf"):
                    try:
                        fmt = int(xf.get("numFmtId", "0"))
                    except ValueError:
                        raise self._error(f"the part {part} has a bad number format id") from None
                    if fmt in _DATE_FORMAT_IDS or (fmt in custom and _is_date_format(custom[fmt])):
                        dates.add(index)
        return dates

    def _shared_strings(self) -> list[str]:
        if self.shared is None:
            self.shared = []
            if self._shared_part is not None and self._shared_part in self.zip.NameToInfo:
                texts: list[str] = []
                depth_rph = 0
                for event, element in self._parse(self._shared_part, MAX_SHARED_STRINGS_BYTES):
                    tag = _local(element.tag)
                    if tag == "rPh":  # phonetic runs are not part of the text
                        depth_rph += 1 if event == "start" else -1
                    elif event == "end" and tag == "t" and not depth_rph:
                        texts.append(element.text or "")
                    elif event == "end" and tag == "si":
                        self.shared.append("".join(texts))
                        texts = []
                        element.clear()
        return self.shared

    # -- cells -----------------------------------------------------------------------------------------
    def _date_text(self, serial: float, ref: str) -> str:
        if serial < 0 or serial > 2_958_465:
            raise self._error(f"cell {ref} holds a date out of Excel's range ({serial:g})")
        if self.date1904:
            moment = datetime(1904, 1, 1) + timedelta(days=serial)
        else:
            # Excel's 1900 system counts a 29 February 1900 that never was.
            moment = datetime(1899, 12, 30 if serial >= 61 else 31) + timedelta(days=serial)
        moment = moment.replace(microsecond=0) + timedelta(seconds=round(moment.microsecond / 1e6))
        if moment.time() == datetime.min.time():
            return moment.date().isoformat()
        return moment.isoformat(sep=" ")

    def records(self, sheet: str | None = None, *, keep: int = MAX_COL) -> Iterator[Record]:
        """The non-blank rows of ``sheet`` (default: the first).  At most ``keep`` cells of a row are
        stored; ``Record.n`` still counts up to its last non-blank cell."""
        if sheet is None:
            part = self.sheets[0][1]
        else:
            found = [t for name, t in self.sheets if name == sheet]
            if not found:
                raise self._error(f"no sheet named {sheet!r}; sheets: {', '.join(self.sheet_names)}")
            part = found[0]
        shared = None
        last_row = 0
        data_parent = None
        row_cells: dict[int, str] = {}
        numeric: set[int] = set()
        row_no = 0
        next_col = 0
        cell: dict[str, Any] = {}
        for event, element in self._parse(part):
            tag = _local(element.tag)
            if event == "start":
                if tag == "sheetData":
                    data_parent = element
                elif tag == "row":
                    row_no = self._row_number(element.get("r"), last_row)
                    row_cells, numeric, next_col = {}, set(), 0
                elif tag == "c":
                    cell = {"ref": element.get("r"), "t": element.get("t", "n"), "s": element.get("s")}
                continue
            if tag == "c":
                col, ref = self._cell_column(cell["ref"], row_no, next_col)
                next_col = col + 1
                if cell["t"] == "s" and shared is None:
                    shared = self._shared_strings()
                value, is_number = self._cell_value(element, cell, ref, shared or [])
                if value != "":
                    if len(value) > MAX_FIELD_CHARS:
                        raise self._error(
                            f"cell {ref} is longer than {MAX_FIELD_CHARS:,} characters", row=row_no
                        )
                    row_cells[col] = value
                    if is_number:
                        numeric.add(col)
                element.clear()
            elif tag == "row":
                last_row = row_no
                if data_parent is not None:
                    data_parent.clear()  # keeps memory flat: processed rows are dropped
                if any(v.strip() for v in row_cells.values()):
                    n = max(row_cells) + 1
                    cells = [row_cells.get(i, "") for i in range(min(n, keep))]
                    yield Record(row_no, cells, n, frozenset(i for i in numeric if i < keep))

    def _row_number(self, raw: str | None, last: int) -> int:
        if raw is None:
            return last + 1
        try:
            number = int(raw)
        except ValueError:
            raise self._error(f"a row has a bad number {raw[:20]!r}") from None
        if not 1 <= number <= MAX_ROW:
            raise self._error(f"row number {number} is out of range (1 to {MAX_ROW:,})")
        if number <= last:
            raise self._error(f"row {number} comes after row {last} (rows out of order)", row=number)
        return number

    def _cell_column(self, ref: str | None, row: int, next_col: int) -> tuple[int, str]:
        if ref is None:
            col = next_col
        else:
            found = _REF.match(ref)
            if found is None:
                raise self._error(f"bad cell reference {ref[:20]!r}", row=row)
            col = column_index(found.group(1))
            if int(found.group(2)) != row:
                raise self._error(f"cell {ref} is written in row {row}", row=row)
        if not 0 <= col < MAX_COL:
            raise self._error(f"cell {ref} is beyond the last column (XFD)", row=row)
        return col, ref or f"{column_letters(col)}{row}"

    def _cell_value(
        self, element: Any, cell: dict[str, Any], ref: str, shared: list[str]
    ) -> tuple[str, bool]:
        kind = cell["t"]
        v = next((c.text for c in element if _local(c.tag) == "v"), None)
        if kind == "inlineStr":
            return "".join(t.text or "" for t in element.iter() if _local(t.tag) == "t"), False
        if v is None:
            return "", False
        if kind == "s":
            try:
                index = int(v)
            except ValueError:
                raise self._error(f"cell {ref} has a bad shared-string index {v[:20]!r}") from None
            if not 0 <= index < len(shared):
                raise self._error(
                    f"cell {ref} refers to shared string {index}, but the workbook has {len(shared)}"
                )
            return shared[index], False
        if kind in ("str", "e"):
            return v, False
        if kind == "b":
            if v.strip() not in ("0", "1"):
                raise self._error(f"cell {ref} holds a boolean that is neither 0 nor 1 ({v[:20]!r})")
            return ("true" if v.strip() == "1" else "false"), False
        if kind == "d":
            return v.strip().replace("T", " ").removesuffix(" 00:00:00"), False
        try:
            number = float(v)
        except ValueError:
            raise self._error(f"cell {ref} holds a number that is not a number ({v[:20]!r})") from None
        style = cell["s"]
        if style is not None and style.isdigit() and int(style) in self.date_styles:
            return self._date_text(number, ref), False
        if number.is_integer() and abs(number) < 1e15:
            return str(int(number)), True
        return repr(number), True


def read_header(path: Path, sheet: str | None) -> tuple[list[str], list[str]]:
    """The first non-blank row of the sheet, and the workbook's sheet names."""
    with Workbook(path) as book:
        first = next(book.records(sheet, keep=MAX_COL), None)
        if first is None:
            raise InputError("the sheet is empty: no header row", file=str(path))
        return first.cells, book.sheet_names
