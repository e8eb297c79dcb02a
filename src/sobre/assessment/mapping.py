"""Correspondences between referential versions (RGESN v1 → 2024 renumbered its criteria), so answers carry.

A mapping comes from a CSV the user writes (``from_item,to_item``), or is suggested by matching the wording
of questions (rapidfuzz, token-set ratio on accent-folded text): a suggestion is recorded with its score and
method ``text`` so that it can be told apart from a declared or manual one.
"""

from __future__ import annotations

import csv
from pathlib import Path

from sqlalchemy.orm import Session

from sobre.assessment import store
from sobre.assessment.referentials import Mapping, Package, plain, text
from sobre.assessment.scoring import fold
from sobre.core.errors import InputError


def parse_ref(value: str, option: str) -> tuple[str, str | None]:
    code, _, version = value.partition("@")
    if not code.strip():
        raise InputError("expected CODE@VERSION", column=option, value=value, expected="e.g. rgesn@2024")
    return code.strip(), version.strip() or None


def _package(session: Session, value: str, option: str) -> Package:
    code, version = parse_ref(value, option)
    return store.load(session, store.referential_row(session, code, version).id)


def from_csv(path: Path, source: Package, target: Package) -> list[Mapping]:
    """Pairs read from a CSV of ``from_item,to_item`` (a header row is allowed); unknown ids are refused."""
    if not path.is_file():
        raise InputError("file not found", file=str(path))
    found = []
    with path.open(encoding="utf-8-sig", newline="") as f:
        for row_number, row in enumerate(csv.reader(f), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) < 2:
                raise InputError(
                    "expected two columns",
                    file=str(path),
                    row=row_number,
                    value=",".join(row),
                    expected="from_item,to_item",
                )
            a, b = row[0].strip(), row[1].strip()
            if row_number == 1 and (a.lower(), b.lower()) == ("from_item", "to_item"):
                continue
            if a not in source.item_ids():
                raise InputError(
                    f"no item in {source.key}", file=str(path), row=row_number, column="from_item", value=a
                )
            if b not in target.item_ids():
                raise InputError(
                    f"no item in {target.key}", file=str(path), row=row_number, column="to_item", value=b
                )
            found.append(Mapping(source.code, source.version, a, target.code, target.version, b, "manual"))
    return found


def suggest(source: Package, target: Package, min_score: float = 85.0) -> list[Mapping]:
    """For each target item, the source item whose question reads the most alike, if alike enough."""
    from rapidfuzz import fuzz, process

    choices = {i.id: fold(plain(text(i.question, "fr"))) for i in source.items}
    found = []
    for item in target.items:
        query = fold(plain(text(item.question, "fr")))
        best = process.extractOne(query, choices, scorer=fuzz.token_set_ratio, score_cutoff=min_score)
        if best is not None:
            _choice, score, source_id = best
            found.append(
                Mapping(
                    source.code,
                    source.version,
                    str(source_id),
                    target.code,
                    target.version,
                    item.id,
                    "text",
                    round(float(score), 1),
                )
            )
    return found


def build(
    session: Session,
    source: str,
    target: str,
    *,
    csv_file: Path | None = None,
    suggest_text: bool = False,
    min_score: float = 85.0,
) -> list[Mapping]:
    """The mapping from ``source`` (CODE@VERSION) to ``target``, from a CSV and/or suggested on wording."""
    a, b = _package(session, source, "--from"), _package(session, target, "--to")
    if a.key == b.key:
        raise InputError("source and target are the same referential version", column="--to", value=target)
    if not csv_file and not suggest_text:
        raise InputError("give --csv FILE or --suggest", column="--csv")
    found = from_csv(csv_file, a, b) if csv_file else []
    if suggest_text:
        covered = {m.to_item for m in found}
        found += [m for m in suggest(a, b, min_score) if m.to_item not in covered]
    return found


def record(session: Session, mappings: list[Mapping]) -> int:
    return store.add_mappings(session, mappings)
