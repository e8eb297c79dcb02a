"""What an import reports: its summary, its warnings, and the rejects file.

The rejects file holds the rejected rows as they were read, aligned on the header, with ``row`` (the line
in the file, header = 1), ``column`` (as written in the file), ``value`` and ``reason`` (several joined
with `` | ``).  Every cell, reasons included, is neutralised like an export (a spreadsheet never runs a
cell as a formula).
"""

from __future__ import annotations

import csv
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sobre.inventory.exporter import neutralise
from sobre.inventory.reading import Source
from sobre.inventory.validate import Problem


@dataclass
class ImportSummary:
    """What an import did (or, in a dry run, would do)."""

    kind: str
    format: str
    file: str = ""
    rows_read: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: int = 0
    rejects_path: Path | None = None
    warnings: list[str] = field(default_factory=list)
    review_count: int = 0
    created_departments: list[str] = field(default_factory=list)
    created_sites: list[str] = field(default_factory=list)
    changed_fields: dict[str, int] = field(default_factory=dict)
    item_type: str | None = None
    models_total: int = 0  # equipment rows with a model
    models_matched: int = 0  # … matched to a catalogue reference
    dry_run: bool = False
    refused: bool = False  # strict mode and at least one reject: nothing was written
    by_kind: dict[str, dict[str, int]] = field(default_factory=dict)
    kept_statuses: int = 0  # items whose status set in Sobre won over the file's unchanged one

    @property
    def exit_code(self) -> int:
        """0 everything imported, 3 imported with rejects, 2 nothing imported."""
        if self.refused or (self.rejected and not (self.inserted or self.updated or self.unchanged)):
            return 2
        return 3 if self.rejected else 0

    @property
    def match_rate(self) -> float | None:
        """Share of the rows with a model that matched the catalogue (None: no model column)."""
        return self.models_matched / self.models_total if self.models_total else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "kind": self.kind,
            "format": self.format,
            "item_type": self.item_type,
            "dry_run": self.dry_run,
            "rows_read": self.rows_read,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "changed_fields": self.changed_fields,
            "kept_statuses": self.kept_statuses,
            "rejected": self.rejected,
            "refused": self.refused,
            "rejects_path": str(self.rejects_path) if self.rejects_path else None,
            "review_count": self.review_count,
            "catalogue_match": {
                "rows_with_model": self.models_total,
                "matched": self.models_matched,
                "rate": round(self.match_rate, 4) if self.match_rate is not None else None,
            },
            "created_departments": self.created_departments,
            "created_sites": self.created_sites,
            "warnings": self.warnings,
            "by_kind": self.by_kind,
            "exit_code": self.exit_code,
        }


def write_rejects(source: Source, problems: dict[int, list[Problem]], path: Path) -> None:
    """The rejected rows, as read, with their reasons; every cell neutralised like an export.

    Rows shorter than the header are padded and cells beyond it go to an ``extra_fields`` column, so that
    every row stays aligned on the header.  Written to a temporary file renamed at the end: an
    interrupted import never leaves half a rejects file.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    sep = source.separator if source.kind == "csv" else ";"
    width = len(source.header)
    last = max(problems)
    rows = []
    for record in source.records():
        found = problems.get(record.line)
        if found is not None:
            rows.append((record, found))
        if record.line >= last:
            break  # the rest of the file holds no rejected row
    beyond = any(len(r.cells) > width for r, _ in rows)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8-sig", newline="") as fh:
            writer = csv.writer(fh, delimiter=sep, lineterminator="\r\n")
            head = (
                list(source.header)
                + (["extra_fields"] if beyond else [])
                + ["row", "column", "value", "reason"]
            )
            writer.writerow([neutralise(h) for h in head])
            for record, found in rows:
                cells = list(record.cells[:width]) + [""] * max(0, width - len(record.cells))
                if beyond:
                    cells.append(sep.join(record.cells[width:]))
                cells += [
                    str(record.line),
                    " | ".join(dict.fromkeys(p.column for p in found)),
                    " | ".join(dict.fromkeys(p.value for p in found)),
                    " | ".join(dict.fromkeys(p.reason for p in found)),
                ]
                writer.writerow([neutralise(c) for c in cells])
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def add_warnings(summary: ImportSummary, parts: dict[str, Any]) -> None:
    """Warnings about what the import could not use as written (types, statuses, item type, creations)."""
    for part in parts.values():
        if part.unmapped_types:
            summary.warnings.append(
                "types mapped to category 'other' (data quality low): "
                + ", ".join(sorted(part.unmapped_types)[:20])
            )
        if part.unknown_statuses:
            summary.warnings.append(
                "statuses not recognised, stored as 'unknown' (data quality lowered; kept in status_label): "
                + ", ".join(sorted(part.unknown_statuses)[:20])
            )
    equipment_part = parts.get("equipment")
    if equipment_part is not None and "status" not in equipment_part.mapping.columns:
        summary.warnings.append(
            "no status column: new items are stored with status 'unknown' (data quality lowered); "
            "items already in the inventory keep theirs"
        )
    if summary.kept_statuses:
        summary.warnings.append(
            f"{summary.kept_statuses} items keep the status set in Sobre since the last import "
            "(their status in the file has not changed)"
        )
    if (
        summary.format == "glpi"
        and summary.item_type is None
        and "glpi_id" in (equipment_part.mapping.columns if equipment_part else {})
    ):
        summary.warnings.append(
            "the export's item type is not known (no 'Item type' column, nothing in its name): its IDs are "
            "keyed by category; give --item-type Computer|Monitor|NetworkEquipment|Phone|Printer|Peripheral"
        )
    if summary.created_departments:
        summary.warnings.append(f"departments created: {', '.join(sorted(set(summary.created_departments)))}")
    if summary.created_sites:
        summary.warnings.append(f"sites created: {', '.join(sorted(set(summary.created_sites)))}")
