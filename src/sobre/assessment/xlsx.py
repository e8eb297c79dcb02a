"""Answers to and from XLSX, so that a referent can fill an assessment in offline.

The workbook has an ``Assessment`` sheet (which assessment, referential and details, as key/value rows), an
``Answers`` sheet (one row per item, or per item and page for RGAA, with drop-down lists of the allowed
values) and, for RGAA audits, ``Pages`` and ``Derogations``.  Headers are written in the chosen language and
read in either language (or as their codes).  Evidence cells hold one text per paragraph (blank line between
two) and one link per line; attached files are listed by name and stay attached.

Import is all or nothing: every row is checked first; on any error nothing changes, a rejects CSV naming
sheet, row, column, value and reason is written, and the first error is raised with the count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from sobre.assessment import service as svc
from sobre.assessment.referentials import Package, text
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.core.i18n import LANGUAGES, t

FORMAT = "sobre-assessment/1"
META, ANSWERS, PAGES, DEROGATIONS = "Assessment", "Answers", "Pages", "Derogations"

COLUMNS = {
    "maturity": [
        "item",
        "theme",
        "question",
        "priority",
        "difficulty",
        "level",
        "target",
        "status",
        "comment",
        "evidence",
        "links",
        "files",
        "answered_by",
        "answered_at",
    ],
    "rgesn": [
        "item",
        "theme",
        "question",
        "priority",
        "difficulty",
        "applicability",
        "status",
        "comment",
        "evidence",
        "links",
        "files",
        "answered_by",
        "answered_at",
    ],
    "rgaa": [
        "item",
        "page",
        "theme",
        "question",
        "level",
        "status",
        "comment",
        "evidence",
        "links",
        "files",
        "answered_by",
        "answered_at",
    ],
}
#: Columns the importer reads; the others are there to help the person filling the file in.
READ = {"item", "page", "level", "target", "status", "comment", "evidence", "links", "files"}
PAGE_COLUMNS = ["code", "title", "url", "process"]
DEROGATION_COLUMNS = ["kind", "content", "justification", "alternative", "criteria", "pages"]


def _header(key: str, lang: str) -> str:
    return t(f"assessment.xlsx.col.{key}", lang)


def _key_of(header: Any, keys: list[str]) -> str | None:
    value = str(header or "").strip().lower()
    for key in keys:
        if value == key or any(value == _header(key, lang).lower() for lang in LANGUAGES):
            return key
    return None


def _status_choices(kind: str, lang: str) -> list[str]:
    if kind == "rgesn":
        return [eco.STATUSES[s][0] for s in eco.STATUSES]
    if kind == "rgaa":
        return list(aud.STATUSES)
    return ["na"]


def _split(value: Any, *, paragraphs: bool = False) -> list[str]:
    if value is None:
        return []
    raw = str(value).replace("\r\n", "\n")
    parts = raw.split("\n\n") if paragraphs else raw.split("\n")
    return [p.strip() for p in parts if p.strip()]


# -- export -------------------------------------------------------------------------------------------------


def export(session: Session, org: str, assessment_id: int, path: Path, lang: str = "fr") -> Path:
    """Write the assessment to ``path`` (XLSX)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.worksheet.datavalidation import DataValidation

    view = svc.get(session, org, assessment_id)
    package = svc.package_of(session, org, assessment_id)
    rows = {(a.item_id, a.page): a for a in svc.answers(session, org, assessment_id)}
    pages = svc.pages(session, org, assessment_id)
    wb = Workbook()
    meta = wb.active
    meta.title = META
    meta.append([_header("key", lang), _header("value", lang), _header("note", lang)])
    for key, value, note in _meta_rows(view, package, lang):
        meta.append([key, value, note])
    meta.column_dimensions["A"].width, meta.column_dimensions["B"].width = 22, 60
    meta.column_dimensions["C"].width = 80

    sheet = wb.create_sheet(ANSWERS)
    columns = COLUMNS[package.kind]
    sheet.append([_header(c, lang) for c in columns])
    page_codes = [p.code for p in pages] if package.kind == "rgaa" else [""]
    for item in package.items:
        for page in page_codes:
            answer = rows.get((item.id, page))
            evidence = answer.evidence if answer else []
            values = {
                "item": item.id,
                "page": page,
                "theme": text(package.theme(item.theme).label, lang),
                "question": text(item.question, lang),
                "priority": item.priority_label
                or (t(f"assessment.priority.{item.priority}", lang) if item.priority else ""),
                "difficulty": item.difficulty_label
                or (t(f"assessment.difficulty.{item.difficulty}", lang) if item.difficulty else ""),
                "applicability": item.applicability or "",
                "level": item.extra.get("level")
                if package.kind == "rgaa"
                else (answer.level if answer else None),
                "target": answer.target_level if answer else None,
                "status": _status_text(package.kind, answer.status if answer else None),
                "comment": answer.comment if answer else None,
                "evidence": "\n\n".join(e.text or "" for e in evidence if e.kind == "text") or None,
                "links": "\n".join(e.url or "" for e in evidence if e.kind == "link") or None,
                "files": "\n".join(e.file_name or "" for e in evidence if e.kind == "file") or None,
                "answered_by": answer.answered_by if answer else None,
                "answered_at": answer.answered_at.isoformat() if answer else None,
            }
            sheet.append([values[c] for c in columns])
    for index, column in enumerate(columns, start=1):
        letter = sheet.cell(1, index).column_letter
        sheet.column_dimensions[letter].width = {"question": 70, "comment": 40, "evidence": 40}.get(
            column, 14
        )
        sheet.cell(1, index).font = Font(bold=True)
        if column in ("question", "comment", "evidence"):
            for cell in sheet[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    last = max(sheet.max_row, 2)
    status_col = sheet.cell(1, columns.index("status") + 1).column_letter
    choices = DataValidation(
        type="list", formula1='"' + ",".join(_status_choices(package.kind, lang)) + '"', allow_blank=True
    )
    choices.add(f"{status_col}2:{status_col}{last}")
    sheet.add_data_validation(choices)
    if package.kind == "maturity":
        for key in ("level", "target"):
            col = sheet.cell(1, columns.index(key) + 1).column_letter
            levels = DataValidation(
                type="whole", operator="between", formula1="0", formula2="4", allow_blank=True
            )
            levels.add(f"{col}2:{col}{last}")
            sheet.add_data_validation(levels)
    if package.kind == "rgaa":
        ps = wb.create_sheet(PAGES)
        ps.append([_header(c, lang) for c in PAGE_COLUMNS])
        for p in pages:
            ps.append([p.code, p.title, p.url, p.process])
        ds = wb.create_sheet(DEROGATIONS)
        ds.append([_header(c, lang) for c in DEROGATION_COLUMNS])
        for d in svc.derogations(session, org, assessment_id):
            ds.append(
                [
                    d["kind"],
                    d["content"],
                    d["justification"],
                    d["alternative"],
                    ", ".join(d["criteria"]),
                    ", ".join(d["pages"]),
                ]
            )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def _status_text(kind: str, status: str | None) -> str | None:
    if status is None:
        return None
    if kind == "rgesn":
        return eco.STATUSES[status][0]
    return status


def _meta_rows(view: svc.AssessmentView, package: Package, lang: str) -> list[tuple[str, Any, str]]:
    rows: list[tuple[str, Any, str]] = [
        ("format", FORMAT, t("assessment.xlsx.note.format", lang)),
        ("assessment", view.id, t("assessment.xlsx.note.assessment", lang)),
        ("organisation", view.org, ""),
        ("kind", view.kind, ""),
        ("referential", package.code, text(package.title, lang)),
        ("version", package.version, ""),
        ("service", view.service, ""),
        ("title", view.title, ""),
        ("assessed_on", view.assessed_on.isoformat(), ""),
        ("status", view.status, ""),
    ]
    for key in svc.DETAIL_FIELDS:
        rows.append((f"detail.{key}", view.details.get(key), t(f"assessment.detail.{key}", lang)))
    scale = {
        "maturity": t("assessment.xlsx.scale.maturity", lang),
        "rgesn": t("assessment.xlsx.scale.rgesn", lang),
        "rgaa": t("assessment.xlsx.scale.rgaa", lang),
    }[package.kind]
    rows += [
        ("scale", scale, ""),
        ("licence", package.licence, package.licence_url or ""),
        ("attribution", text(package.attribution, lang), text(package.modified, lang)),
    ]
    return rows


def import_file(
    session: Session,
    org: str,
    path: Path,
    *,
    by: str,
    role: str = "referent",
    into: int | None = None,
    new: bool = False,
    rejects_dir: Path | None = None,
) -> Any:
    """Import a filled-in workbook into its assessment (or ``into``, or a new one): all rows or nothing."""
    from sobre.assessment.xlsx_import import import_file as run

    return run(session, org, path, by=by, role=role, into=into, new=new, rejects_dir=rejects_dir)
