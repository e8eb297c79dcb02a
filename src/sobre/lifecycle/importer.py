"""Reading a bulk lifecycle-events file (CSV or XLSX): a whole batch collected, given away or repaired.

Files are read with the inventory's tabular reader (encoding and separator detection: UTF-8 or
Windows-1252, ``;`` ``,`` or tab, CRLF, quoted fields).  Headers are matched in French or English, numbers
accept a decimal comma, spaces as thousands separators and a trailing € sign, dates the inventory's formats.
Every problem of every row is collected with its line, column and value; the caller writes nothing when
there is any (all rows or none).
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from sobre.core.errors import InputError
from sobre.inventory.reading import open_source
from sobre.inventory.validate import DATE_FORMATS
from sobre.inventory.vocab import fold
from sobre.lifecycle.events import EventFacts, Kind, check, parse_kind

#: Field → accepted headers (folded: lower case, no accents).
HEADERS: dict[str, tuple[str, ...]] = {
    "item": ("item", "equipment", "equipement", "nom", "name", "asset", "materiel", "actif", "inventaire"),
    "kind": ("event", "evenement", "kind", "type", "action", "operation"),
    "date": ("date", "event date", "date evenement", "jour"),
    "by": ("by", "par", "recorded by", "auteur", "agent", "operateur"),
    "counterpart": (
        "to",
        "counterpart",
        "destinataire",
        "beneficiaire",
        "organisme",
        "recipient",
        "a",
        "acheteur",
        "buyer",
        "prestataire",
    ),
    "reason": ("reason", "motif", "raison"),
    "cost": ("cost", "cout", "cout ht", "cost eur", "montant reparation"),
    "parts": ("parts", "pieces", "pieces changees"),
    "price": ("price", "prix", "prix de vente", "prix ht", "resale price"),
    "certificate": ("certificate", "certificat", "n certificat", "numero certificat", "bsd", "bordereau"),
    "weight_kg": ("weight kg", "weight", "poids", "poids kg"),
    "approved_body": ("approved", "agree", "organisme agree", "approved body"),
    "reuse_commitment": ("reuse commitment", "commitment", "engagement reemploi", "engagement"),
    "restricted": ("restricted", "classified", "donnees sensibles", "classifie", "confidentiel"),
    "erasure_method": ("erasure", "erasure method", "effacement", "methode effacement", "destruction"),
    "notes": ("notes", "note", "comment", "commentaire", "remarque"),
}
REQUIRED_HEADERS = ("item", "kind", "date")
_TRUE = {"oui", "yes", "true", "vrai", "1", "x", "o", "y"}
_FALSE = {"non", "no", "false", "faux", "0", "n"}
_EXCEL_EPOCH = date(1899, 12, 30)
_NUMBER_JUNK = re.compile(r"[\s\u00a0\u202f€]|eur$", re.I)


@dataclass(frozen=True)
class Problem:
    line: int
    column: str
    value: str
    reason: str


@dataclass
class Row:
    line: int
    item: str
    facts: EventFacts


@dataclass
class Parsed:
    path: Path
    rows: list[Row] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    columns: dict[str, str] = field(default_factory=dict)  # field → header as written
    header: list[str] = field(default_factory=list)
    raw: dict[int, list[str]] = field(default_factory=dict)


def _number(text: str) -> float:
    cleaned = _NUMBER_JUNK.sub("", text).replace(",", ".")
    return float(cleaned)


def _date(text: str) -> date:
    text = text.strip()
    if re.fullmatch(r"\d{4}-\d{1,2}-\d{1,2}[T ]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?", text):
        text = re.split(r"[T ]", text)[0]
    for fmt in DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    if text.isdigit() and 20_000 < int(text) < 80_000:  # an Excel serial day from a workbook
        return _EXCEL_EPOCH + timedelta(days=int(text))
    raise ValueError(text)


def _bool(text: str) -> bool:
    key = fold(text)
    if key in _TRUE:
        return True
    if key in _FALSE:
        return False
    raise ValueError(text)


def _columns(header: list[str]) -> dict[str, int]:
    index: dict[str, int] = {}
    for position, name in enumerate(header):
        key = fold(name)
        for field_name, names in HEADERS.items():
            if key in names and field_name not in index:
                index[field_name] = position
    return index


def parse(path: Path, default_by: str | None = None, sheet: str | None = None) -> Parsed:
    """Read and check every row of ``path`` (without looking anything up in the database)."""
    source = open_source(path, sheet)
    out = Parsed(path, header=source.header)
    index = _columns(source.header)
    missing = [f for f in REQUIRED_HEADERS if f not in index]
    if "by" not in index and not default_by:
        missing.append("by")
    if missing:
        raise InputError(
            f"missing column(s): {', '.join(missing)}",
            file=str(path),
            row=1,
            expected="a header with item, event, date and by (or --by), in French or English",
        )
    out.columns = {f: source.header[i] for f, i in index.items()}
    for line, cells in source.rows():
        out.raw[line] = cells
        values = {f: (cells[i].strip() if i < len(cells) else "") for f, i in index.items()}
        problems: list[Problem] = []

        def bad(
            field_name: str,
            reason: str,
            values: dict[str, str] = values,
            line: int = line,
            problems: list[Problem] = problems,
        ) -> None:
            problems.append(
                Problem(line, out.columns.get(field_name, field_name), values.get(field_name, ""), reason)
            )

        typed: dict[str, object] = {}
        for field_name in ("cost", "price", "weight_kg"):
            if values.get(field_name):
                try:
                    typed[field_name] = _number(values[field_name])
                except ValueError:
                    bad(field_name, "not a number")
        for field_name in ("approved_body", "reuse_commitment", "restricted"):
            if values.get(field_name):
                try:
                    typed[field_name] = _bool(values[field_name])
                except ValueError:
                    bad(field_name, "not yes/no (oui/non)")
        kind: Kind | None = None
        try:
            kind = parse_kind(values["kind"]) if values.get("kind") else None
            if kind is None:
                bad("kind", "the event is missing")
        except InputError as exc:
            bad("kind", f"unknown event (expected: {exc.expected})")
        day: date | None = None
        if not values.get("date"):
            bad("date", "the date is missing")
        else:
            try:
                day = _date(values["date"])
            except ValueError:
                bad("date", "not a date (expected 2025-03-14 or 14/03/2025)")
        if day is not None and day > date.today():
            bad("date", "the date is in the future")
        if not values.get("item"):
            bad("item", "the item name is missing")
        reason = fold(values["reason"]).replace(" ", "_") if values.get("reason") else None
        if kind is not None and day is not None and not problems:
            facts = EventFacts(
                kind=kind,
                event_date=day,
                recorded_by=values.get("by") or default_by or "",
                counterpart=values.get("counterpart") or None,
                reason=reason,
                parts=values.get("parts") or None,
                certificate=values.get("certificate") or None,
                erasure_method=values.get("erasure_method") or None,
                notes=values.get("notes") or None,
                restricted=bool(typed.pop("restricted", False)),
                **typed,  # type: ignore[arg-type]
            )
            try:
                check(facts)
            except InputError as exc:
                problems.append(
                    Problem(
                        line,
                        out.columns.get(exc.column or "", exc.column or ""),
                        "" if exc.value is None else str(exc.value),
                        str(exc).split(": ", 1)[-1],
                    )
                )
            else:
                out.rows.append(Row(line, values["item"], facts))
        out.problems.extend(problems)
    if not out.raw:
        raise InputError("the file has a header but no rows", file=str(path))
    return out


def write_rejects(parsed: Parsed, target: Path) -> Path:
    """One line per problem, with the original cells, so the user can fix the file and import it again."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(["line", "column", "value", "problem", *parsed.header])
        for p in sorted(parsed.problems, key=lambda p: (p.line, p.column)):
            writer.writerow([p.line, p.column, p.value, p.reason, *parsed.raw.get(p.line, [])])
    return target
