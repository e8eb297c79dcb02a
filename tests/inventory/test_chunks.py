"""The fast quote-free reader and the general csv-module reader give the same chunks."""

from __future__ import annotations

import random
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

from sobre.inventory import chunks
from sobre.inventory.reading import open_source

QUOTE_FREE = {
    "plain": "name;category;quantity\npc-1;laptop;1\npc-2;desktop;2\n",
    "crlf_bom_no_final_newline": "\ufeffname;category;quantity\r\npc-1;laptop;1\r\npc-2;desktop;2",
    "blank_and_separator_lines": "\n\nname;category;quantity\n\n;;\n  ; \t;\npc-1;laptop;1\n\x1c\npc-2;;\n",
    "ragged": (
        "name;category;quantity\nshort;laptop\nlong;laptop;1;extra\ntrail;laptop;1;\ntrail2;laptop;1; ;\n"
    ),
    "trailing_separator_header": "name;category;\npc-1;laptop;\npc-2;laptop\npc-3;laptop;;x\n",
    "unicode_spaces": "name,category,quantity\n\u00a0pc-1\u00a0, laptop ,1\u202f000\n\u2003,\u2003,\n",
    "tabs": "name\tcategory\tquantity\npc-1\tlaptop\t1\n\npc-2\t\t\n",
}


def _both(path: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    source = open_source(path)
    wanted = list(range(len(source.header)))
    fast = pl.concat(list(chunks.simple_chunks(source, wanted)))
    slow = pl.concat(list(chunks.general_chunks(source, wanted)))
    return fast, slow


@pytest.mark.parametrize("name", sorted(QUOTE_FREE))
def test_fast_reader_equals_general_reader(tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.csv"
    path.write_bytes(QUOTE_FREE[name].encode("utf-8"))
    assert chunks.scan(path, open_source(path)).simple
    fast, slow = _both(path)
    assert fast.height > 0
    assert_frame_equal(fast, slow)


def test_fast_reader_across_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Blocks cut between lines: line numbers and fields stay right, with a ragged row in each block."""
    monkeypatch.setattr(chunks, "_BLOCK", 64)
    lines = ["name;model;quantity"] + [
        f"pc-{i};Modèle é{i};{i}" if i % 7 else f"bad-{i};x" for i in range(1, 60)
    ]
    path = tmp_path / "blocks.csv"
    path.write_text("\n".join(lines) + "\n\n", encoding="utf-8")
    fast, slow = _both(path)
    assert fast.height == 59 and fast["__row"].to_list() == list(range(2, 61))
    assert_frame_equal(fast, slow)


def test_fast_reader_on_random_quote_free_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Random files of blank, whitespace, ragged and non-ASCII lines (LF or CRLF, with or without a BOM or a
    final newline), cut into small blocks: the fast reader's line numbers and fields are the general one's."""
    monkeypatch.setattr(chunks, "_BLOCK", 48)
    rnd = random.Random(14)
    pieces = ["pc", "é", " ", "\t", ";", ";", "", "1", "\x1c", "\u00a0"]
    for n in range(60):
        lines = ["name;model;quantity"] + [
            "".join(rnd.choice(pieces) for _ in range(rnd.randrange(8))) for _ in range(rnd.randrange(1, 30))
        ]
        text = rnd.choice(["\n", "\r\n"]).join(lines) + rnd.choice(["", "\n", "\n\n"])
        path = tmp_path / f"random-{n}.csv"
        path.write_bytes((rnd.choice(["", "\ufeff"]) + text).encode("utf-8"))
        assert chunks.scan(path, open_source(path)).simple
        fast, slow = _both(path)
        assert_frame_equal(fast, slow)


@pytest.mark.parametrize(
    ("data", "why"),
    [
        (b'name;category\n"pc;1";laptop\n', "quotes"),
        (b"name;category\npc\xe9;laptop\n", "Windows-1252"),
        (b"name;category\npc-1\rpc-2;laptop\n", "lone CR"),
        (b"name;category\n" + b"a" * 100_001 + b";laptop\n", "a line longer than the field limit"),
    ],
)
def test_scan_sends_other_files_to_the_general_reader(tmp_path: Path, data: bytes, why: str) -> None:
    path = tmp_path / "f.csv"
    path.write_bytes(data)
    facts = chunks.scan(path, open_source(path))
    assert not facts.simple, why
    assert facts.lines == data.count(b"\n") and len(facts.sha256) == 64
