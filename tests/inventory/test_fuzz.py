"""Fuzzing both readers with malformed files, on a fixed budget: never a traceback, never a hang.

Every outcome must be an import summary or an :class:`InputError` (a one-line message naming the file).
The budget is fixed (``max_examples``), the generator seeded (``derandomize``), so CI runs the same cases.
"""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.inventory.importer import import_file
from sobre.orgs import service

BUDGET = settings(
    max_examples=120,
    deadline=timedelta(seconds=20),  # a hang guard, not a speed target
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
HEADERS = [
    "Nom",
    "category",
    "Type",
    "Statut",
    "quantity",
    "purchase_date",
    "Date d'achat",
    "ID",
    "Numéro de série",
    "Fabricant",
    "Lieu",
    "Durée d'amortissement",
    "Valeur",
    "annual_kwh",
    "",
    "status",
]
PIECES = [
    "pc-1",
    "laptop",
    "Portable",
    "1",
    "-1",
    "1e400",
    "nan",
    "inf",
    "2021-02-30",
    "31/12/1979",
    "0",
    "1 234,5",
    "1,234.5",
    "=cmd()",
    '"',
    '""',
    "'",
    ";",
    ",",
    "\t",
    "\r",
    "\n",
    "\r\n",
    "\x00",
    "\x1b[2J",
    "é",
    "\ufeff",
    "\u202e",
    "Mairie > Bâtiment A",
    " > ",
    ">",
    "9" * 40,
    "x" * 2000,
    "3 ans",
    "LED",
]


@pytest.fixture(scope="module")
def fuzz_db(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, Path]:
    folder = tmp_path_factory.mktemp("fuzz")
    url = f"sqlite:///{folder / 'fuzz.db'}"
    with session_scope(url) as s:
        service.create(s, "Fuzz")
    return url, folder


def _outcome(url: str, path: Path, folder: Path) -> None:
    try:
        summary = import_file(url, "Fuzz", path, rejects_dir=folder / "rejects")
    except InputError as exc:
        text = str(exc)
        assert path.name in text or "column" in text or "--" in text, text
        return
    assert summary.rows_read >= summary.rejected


csv_text = st.builds(
    lambda head, rows, sep, nl: nl.join([sep.join(head)] + [sep.join(r) for r in rows]),
    st.lists(st.sampled_from(HEADERS), max_size=6, unique=True).map(lambda h: ["name", *h]),
    st.lists(st.lists(st.sampled_from(PIECES) | st.text(max_size=8), max_size=7), max_size=12),
    st.sampled_from([";", ",", "\t", "|"]),
    st.sampled_from(["\n", "\r\n", "\r"]),
)


@BUDGET
@given(
    text=csv_text,
    encoding=st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"]),
    cut=st.integers(min_value=0, max_value=64),
)
def test_csv_reader_never_fails_badly(fuzz_db: tuple[str, Path], text: str, encoding: str, cut: int) -> None:
    url, folder = fuzz_db
    data = text.encode(encoding, errors="replace")
    if cut:
        data = data[:-cut] if cut < len(data) else data
    path = folder / "fuzz.csv"
    path.write_bytes(data)
    _outcome(url, path, folder)


def _workbook(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


VALID = _workbook(
    [
        ["name", "category", "purchase_date", "quantity"],
        ["pc-1", "laptop", "2021-01-01", 1],
        ["pc-2", "desktop", 44320, 2],
    ]
)


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


_XML = st.tuples(st.just("xml"), st.sampled_from(sorted(_parts(VALID))), st.integers(0, 10_000))
_SHEET = st.tuples(
    st.just("xml"),
    st.sampled_from(["xl/worksheets/sheet1.xml", "xl/sharedStrings.xml"]),
    st.integers(0, 10_000),
)
# Mostly damage inside well-formed zips (what reaches the XML and cell readers), some damage to the zip.
MUTATIONS = st.one_of(
    _SHEET,
    _SHEET,
    _XML,
    st.tuples(st.just("flip"), st.integers(0, len(VALID) - 1), st.integers(1, 255)),
    st.tuples(st.just("truncate"), st.integers(1, len(VALID) - 1), st.just(0)),
)
XML_NOISE = [
    b"<",
    b">",
    b"</row>",
    b'<c r="A1" t="s"><v>77</v></c>',
    b"<!DOCTYPE x>",
    b"&amp;",
    b"\x00",
    b'<row r="9999999">',
    b'r="XFD1"',
    b't="b"',
    b"<v>nan</v>",
    b"]]>",
    b"<?xml?>",
]


@BUDGET
@given(mutations=st.lists(MUTATIONS, min_size=1, max_size=4), noise=st.sampled_from(XML_NOISE))
def test_xlsx_reader_never_fails_badly(
    fuzz_db: tuple[str, Path], mutations: list[tuple[str, object, int]], noise: bytes
) -> None:
    url, folder = fuzz_db
    data = bytearray(VALID)
    for kind, where, value in mutations:
        if kind == "flip":
            i = int(where) % len(data)  # type: ignore[call-overload]
            data[i] ^= value
        elif kind == "truncate":
            data = data[: int(where)]  # type: ignore[call-overload]
        else:
            try:
                parts = _parts(bytes(data))
            except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, Exception):
                continue
            part = parts.get(str(where), b"")
            cut = value % (len(part) + 1)
            parts[str(where)] = part[:cut] + noise + part[cut:]
            buf = io.BytesIO()
            with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
                for name, content in parts.items():
                    z.writestr(name, content)
            data = bytearray(buf.getvalue())
    path = folder / "fuzz.xlsx"
    path.write_bytes(bytes(data))
    _outcome(url, path, folder)
