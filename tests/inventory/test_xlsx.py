"""XLSX like CSV, and every malformed workbook a one-line error naming the file (exit 2, no traceback)."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from openpyxl import Workbook
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.db import get_engine
from sobre.core.errors import InputError
from sobre.inventory.importer import import_file
from sobre.inventory.models import Equipment

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
    'content-types"><Default Extension="xml" ContentType="application/xml"/></Types>'
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{MAIN}" xmlns:r="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships"><sheets><sheet name="Feuil1" sheetId="1" r:id="rId1"/></sheets>'
    "</workbook>"
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
    '2006/relationships"><Relationship Id="rId1" Type="x/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="x/sharedStrings" Target="sharedStrings.xml"/>'
    '<Relationship Id="rId3" Type="x/styles" Target="styles.xml"/></Relationships>'
)
STYLES = (
    f'<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="{MAIN}"><cellXfs count="2">'
    '<xf numFmtId="0"/><xf numFmtId="14"/></cellXfs></styleSheet>'
)


def _sheet(rows: str) -> str:
    head = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{MAIN}">'
    return f"{head}<sheetData>{rows}</sheetData></worksheet>"


def _strings(*texts: str) -> str:
    items = "".join(f"<si><t>{t}</t></si>" for t in texts)
    return f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{MAIN}">{items}</sst>'


HEADER_ROW = (
    '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c></row>'
)
GOOD_ROW = '<row r="2"><c r="A2" t="inlineStr"><is><t>pc-1</t></is></c><c r="B2" t="s"><v>3</v></c></row>'


def _book(
    path: Path,
    *,
    parts: dict[str, str | bytes] | None = None,
    drop: tuple[str, ...] = (),
    sheet: str | None = None,
    strings: str | None = None,
) -> Path:
    files: dict[str, str | bytes] = {
        "[Content_Types].xml": CONTENT_TYPES,
        "_rels/.rels": ROOT_RELS,
        "xl/workbook.xml": WORKBOOK,
        "xl/_rels/workbook.xml.rels": WORKBOOK_RELS,
        "xl/styles.xml": STYLES,
        "xl/sharedStrings.xml": strings or _strings("name", "category", "purchase_date", "laptop"),
        "xl/worksheets/sheet1.xml": sheet or _sheet(HEADER_ROW + GOOD_ROW),
    }
    files.update(parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in files.items():
            if name not in drop:
                z.writestr(name, data)
    return path


def _corrupt_compression(path: Path) -> Path:
    _book(
        path,
        sheet=_sheet(
            HEADER_ROW
            + GOOD_ROW * 1
            + "".join(
                f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>pc-{i}</t></is></c></row>'
                for i in range(3, 400)
            )
        ),
    )
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    for i in range(start + 40, start + 200):
        data[i] ^= 0x5A
    path.write_bytes(bytes(data))
    return path


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    f'<sst xmlns="{MAIN}"><si><t>&lol3;</t></si></sst>'
)
EXTERNAL_ENTITY = (
    '<?xml version="1.0"?><!DOCTYPE sst [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    f'<sst xmlns="{MAIN}"><si><t>&xxe;</t></si></sst>'
)

MALFORMED = {
    "not_a_zip": (lambda p: (p.write_bytes(b"PK\x03\x04 this is not a zip at all" * 10), p)[1], "not a zip"),
    "zip_not_a_workbook": (lambda p: _zip_of(p, {"readme.txt": "hello"}), "not an Office document"),
    "word_document": (
        lambda p: _zip_of(p, {"[Content_Types].xml": CONTENT_TYPES, "word/document.xml": "<w/>"}),
        "no workbook part",
    ),
    "broken_xml": (lambda p: _book(p, sheet="<worksheet><sheetData><row>"), "not well-formed"),
    "not_xml_at_all": (
        lambda p: _book(p, parts={"xl/workbook.xml": b"\x89PNG\r\n\x1a\n binary"}),
        "not well-formed",
    ),
    "no_sheet": (
        lambda p: _book(
            p,
            parts={"xl/workbook.xml": WORKBOOK.replace('<sheet name="Feuil1" sheetId="1" r:id="rId1"/>', "")},
        ),
        "no sheet",
    ),
    "missing_sheet_part": (lambda p: _book(p, drop=("xl/worksheets/sheet1.xml",)), "is missing"),
    "missing_workbook": (lambda p: _book(p, drop=("xl/workbook.xml",)), "is missing"),
    "shared_string_out_of_range": (
        lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>99</v></c></row>')),
        "shared string 99",
    ),
    "shared_string_not_a_number": (
        lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>x</v></c></row>')),
        "bad shared-string index",
    ),
    "bad_cell_reference": (
        lambda p: _book(
            p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="2A" t="inlineStr"><is><t>x</t></is></c></row>')
        ),
        "bad cell reference",
    ),
    "cell_in_another_row": (
        lambda p: _book(
            p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="A7" t="inlineStr"><is><t>x</t></is></c></row>')
        ),
        "is written in row 2",
    ),
    "beyond_last_column": (
        lambda p: _book(
            p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="ZZZ2" t="inlineStr"><is><t>x</t></is></c></row>')
        ),
        "beyond the last column",
    ),
    "bad_row_number": (lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="zero"></row>')), "bad number"),
    "row_out_of_range": (
        lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="2000000"></row>')),
        "out of range",
    ),
    "rows_out_of_order": (lambda p: _book(p, sheet=_sheet(HEADER_ROW + GOOD_ROW + GOOD_ROW)), "out of order"),
    "number_not_a_number": (
        lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="A2"><v>12abc</v></c></row>')),
        "not a number",
    ),
    "bad_boolean": (
        lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="A2" t="b"><v>7</v></c></row>')),
        "boolean",
    ),
    "date_out_of_range": (
        lambda p: _book(p, sheet=_sheet(HEADER_ROW + '<row r="2"><c r="C2" s="1"><v>9999999</v></c></row>')),
        "out of Excel's range",
    ),
    "corrupt_compression": (_corrupt_compression, "corrupt"),
    "entity_expansion": (lambda p: _book(p, strings=BILLION_LAUGHS), "DTD or entities"),
    "external_entity": (lambda p: _book(p, strings=EXTERNAL_ENTITY), "DTD or entities"),
    "empty_sheet": (lambda p: _book(p, sheet=_sheet("")), "empty"),
    "old_xls": (lambda p: (p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600), p)[1], ".xls"),
}


def _zip_of(path: Path, files: dict[str, str]) -> Path:
    with zipfile.ZipFile(path, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return path


@pytest.mark.parametrize("case", sorted(MALFORMED))
def test_malformed_workbooks_fail_in_one_line(org_sqlite: str, tmp_path: Path, case: str) -> None:
    make, words = MALFORMED[case]
    path = make(tmp_path / f"{case}.xlsx")
    with pytest.raises(InputError) as info:
        import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
    message = str(info.value)
    assert path.name in message and words in message and "\n" not in message
    assert info.value.exit_code == 2


def test_malformed_workbook_from_the_cli(home: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["org", "create", "Acme"]).exit_code == 0
    path = _book(tmp_path / "bomb.xlsx", strings=BILLION_LAUGHS)
    result = runner.invoke(app, ["import", str(path), "--org", "Acme"])
    assert result.exit_code == 2 and "bomb.xlsx" in result.output and "Traceback" not in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_a_zip_bomb_is_refused_before_inflating(org_sqlite: str, tmp_path: Path) -> None:
    path = tmp_path / "bomb.xlsx"
    _book(path, parts={"xl/worksheets/sheet1.xml": _sheet(HEADER_ROW) + " " * (50 << 20)})  # 50 MB of blanks
    with pytest.raises(InputError, match="zip bomb|inflates"):
        import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)


def _rows(url: str) -> dict[str, Equipment]:
    with get_engine(url).connect() as conn:
        return {e.name: e for e in conn.execute(sa.select(Equipment)).all()}


def test_xlsx_rows_are_validated_like_csv(org_sqlite: str, tmp_path: Path) -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "category", "purchase_date", "quantity"])
    sheet.append(["serial-date", "laptop", 44320, 1])  # a numeric cell: an Excel serial (2021-05-04)
    sheet.append(["text-digits", "laptop", "44320", 1])  # text of digits in a date column: rejected
    sheet.append(["date-cell", "desktop", datetime(2021, 5, 4), 2])
    sheet.append(["text-date", "desktop", "04/05/2021", 1])
    sheet.append(["too-many", "laptop", "2021-05-04", 1, "surprise"])  # a value beyond the header
    sheet.append(["trailing-blank", "laptop", "2021-05-04", 1, None, ""])
    sheet.append(["short", "laptop"])  # a row may end early
    sheet.cell(row=1_048_576, column=1, value="far-away")  # Excel's last row: no walk through the gap
    sheet.cell(row=1_048_576, column=2, value="laptop")
    path = tmp_path / "eq.xlsx"
    book.save(path)
    s = import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path, reference_date=date(2026, 1, 1))
    assert (s.rows_read, s.inserted, s.rejected) == (8, 6, 2), s.to_dict()
    stored = _rows(org_sqlite)
    assert str(stored["serial-date"].purchase_date) == "2021-05-04"
    assert str(stored["date-cell"].purchase_date) == str(stored["text-date"].purchase_date) == "2021-05-04"
    assert stored["far-away"].category == "laptop"
    text = (tmp_path / "eq.rejects.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    header = rows[0]
    assert header == [
        "name",
        "category",
        "purchase_date",
        "quantity",
        "extra_fields",
        "row",
        "column",
        "value",
        "reason",
    ]
    assert all(len(r) == len(header) for r in rows), rows  # aligned on the header
    by_name = {r[0]: r for r in rows[1:]}
    assert by_name["text-digits"][6] == "purchase_date" and "not a valid date" in by_name["text-digits"][8]
    assert by_name["too-many"][4] == "surprise" and "column E" in by_name["too-many"][8]


def test_the_field_size_limit_applies_to_workbooks(org_sqlite: str, tmp_path: Path) -> None:
    path = _book(
        tmp_path / "big.xlsx",
        sheet=_sheet(
            HEADER_ROW + f'<row r="2"><c r="A2" t="inlineStr"><is><t>{"x" * 100_001}</t></is></c></row>'
        ),
    )
    with pytest.raises(InputError, match="longer than 100,000 characters"):
        import_file(org_sqlite, "Acme", path, rejects_dir=tmp_path)
