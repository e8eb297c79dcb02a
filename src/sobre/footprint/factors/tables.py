"""A forgiving reader for the semicolon CSV files of factor referentials.

Real referential files end rows with a stray ``;``, miss a final newline, hold ragged rows and quoted fields
(see the G4IT README).  This reader accepts all of that, and names file, line and column when a value is bad.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sobre.core.errors import InputError


@dataclass
class Row:
    """One data row: values by header name, with the file and 1-based line number (header = line 1)."""

    file: str
    line: int
    values: dict[str, str]

    def get(self, *names: str) -> str:
        """First non-empty value among ``names`` (header spellings differ between dialects), else ''."""
        for name in names:
            value = self.values.get(name, "").strip()
            if value:
                return value
        return ""

    def number(self, *names: str, required: bool = False) -> float | None:
        """Parse a number with Python ``float`` (exact, no rounding); '' gives None unless required."""
        text = self.get(*names)
        if not text:
            if required:
                raise InputError(
                    "a number is required",
                    file=self.file,
                    row=self.line,
                    column=names[0],
                    value="",
                    expected="a number such as 0.0813225",
                )
            return None
        try:
            value = float(text.replace(",", ".")) if text.count(",") == 1 and "." not in text else float(text)
        except ValueError:
            raise InputError(
                "not a number",
                file=self.file,
                row=self.line,
                column=names[0],
                value=text,
                expected="a number such as 0.0813225 or 4.1716E-13",
            ) from None
        if not math.isfinite(value):
            raise InputError(
                "not a finite number", file=self.file, row=self.line, column=names[0], value=text
            )
        return value

    def boolean(self, *names: str) -> bool | None:
        text = self.get(*names).lower()
        if not text:
            return None
        if text in ("true", "1", "yes", "oui", "vrai"):
            return True
        if text in ("false", "0", "no", "non", "faux"):
            return False
        raise InputError(
            "not a boolean",
            file=self.file,
            row=self.line,
            column=names[0],
            value=text,
            expected="true or false",
        )


def read_rows(path: Path) -> Iterator[Row]:
    """Yield the data rows of a ``;`` (or ``,``) separated file, tolerating the quirks named above."""
    text = path.read_text(encoding="utf-8-sig")
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") >= first.count(",") else ","
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    header: list[str] | None = None
    for fields in reader:
        line = reader.line_num
        if header is None:
            header = [h.strip() for h in fields]
            # a trailing ';' makes an empty last column: drop it
            while header and not header[-1]:
                header.pop()
            continue
        if not any(f.strip() for f in fields):
            continue  # blank line
        extra = fields[len(header) :]
        if any(f.strip() for f in extra):
            raise InputError(
                f"row has {len(fields)} fields but the header has {len(header)}",
                file=path.name,
                row=line,
                value=";".join(fields),
                expected="one value per header column",
            )
        padded = fields[: len(header)] + [""] * (len(header) - len(fields))
        yield Row(path.name, line, dict(zip(header, padded, strict=True)))
    if header is None:
        raise InputError("the file is empty", file=path.name, expected="a header line")
