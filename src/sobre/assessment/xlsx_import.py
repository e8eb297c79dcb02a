"""Import of a filled-in assessment workbook (layout in ``xlsx``): every row checked, then all or nothing."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.assessment import service as svc
from sobre.assessment import store
from sobre.assessment.checks import _parse_date
from sobre.assessment.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentEvidence,
    AssessmentPage,
    RgaaDerogation,
)
from sobre.assessment.referentials import Package
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.assessment.xlsx import (
    ANSWERS,
    COLUMNS,
    DEROGATION_COLUMNS,
    DEROGATIONS,
    FORMAT,
    META,
    PAGE_COLUMNS,
    PAGES,
    _header,
    _key_of,
    _split,
)
from sobre.core.errors import InputError, SobreError


@dataclass
class ImportReport:
    assessment_id: int
    changed: int
    unchanged: int
    pages: int
    derogations: int


@dataclass
class _Problem:
    sheet: str
    row: int | None
    column: str | None
    value: Any
    message: str
    expected: str | None = None


class _Checker:
    def __init__(self) -> None:
        self.problems: list[_Problem] = []

    def add(
        self,
        sheet: str,
        row: int | None,
        column: str | None,
        value: Any,
        message: str,
        expected: str | None = None,
    ) -> None:
        self.problems.append(_Problem(sheet, row, column, value, message, expected))


def _sheet_rows(
    wb: Any, name: str, keys: list[str], check: _Checker, required: set[str]
) -> list[tuple[int, dict[str, Any]]]:
    if name not in wb.sheetnames:
        check.add(
            name,
            None,
            None,
            None,
            f"sheet {name!r} is missing (sheets found: {', '.join(wb.sheetnames)})",
            expected="the sheets written by 'sobre assess export'",
        )
        return []
    ws = wb[name]
    header = next(ws.iter_rows(min_row=1, max_row=1, values_only=True), ())
    columns: dict[int, str] = {}
    for index, value in enumerate(header):
        key = _key_of(value, keys)
        if key is not None:
            columns[index] = key
    missing = required - set(columns.values())
    for key in sorted(missing):
        check.add(
            name,
            1,
            _header(key, "en"),
            None,
            "column is missing",
            expected=f"a column {_header(key, 'fr')!r}",
        )
    out = []
    for number, row in enumerate(ws.iter_rows(min_row=2, values_only=True), start=2):
        values = {columns[i]: v for i, v in enumerate(row) if i in columns}
        if all(v is None or str(v).strip() == "" for v in values.values()):
            continue
        out.append((number, values))
    return out


def _meta(wb: Any, check: _Checker) -> dict[str, Any]:
    if META not in wb.sheetnames:
        check.add(
            META,
            None,
            None,
            None,
            f"sheet {META!r} is missing (sheets found: {', '.join(wb.sheetnames)})",
            expected="a workbook written by 'sobre assess export'",
        )
        return {}
    return {str(r[0]).strip(): r[1] for r in wb[META].iter_rows(min_row=2, values_only=True) if r and r[0]}


def _target(
    session: Session, org: str, meta: dict[str, Any], *, into: int | None, new: bool, by: str, role: str
) -> Assessment:
    kind, code, version = meta.get("kind"), meta.get("referential"), meta.get("version")
    if new:
        view = svc.start(
            session,
            org,
            str(kind),
            by=by,
            role=role,
            referential=str(code),
            version=str(version),
            service=meta.get("service") or None,
            title=meta.get("title") or None,
            assessed_on=_parse_date(meta["assessed_on"], "assessed_on") if meta.get("assessed_on") else None,
        )
        target_id = view.id
    else:
        target_id = into or int(meta.get("assessment") or 0)
    a = svc._assessment(session, org, target_id)
    package = store.load(session, a.referential_id)
    if (package.code, package.version) != (str(code), str(version)):
        raise InputError(
            f"the file is for {code} {version}, assessment {a.id} uses {package.key}",
            file=META,
            column="referential",
            value=f"{code} {version}",
        )
    return a


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
) -> ImportReport:
    """Import a filled-in workbook into its assessment (or ``into``, or a new one): all rows or nothing."""
    from openpyxl import load_workbook

    if not path.is_file():
        raise InputError("file not found", file=str(path))
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises several kinds for a file that is not a workbook
        raise InputError(f"not an XLSX workbook ({type(exc).__name__})", file=str(path)) from exc
    check = _Checker()
    meta = _meta(wb, check)
    if meta and meta.get("format") != FORMAT:
        check.add(
            META, 2, "value", meta.get("format"), "not an assessment exported by Sobre", expected=FORMAT
        )
    if check.problems:
        _fail(path, check, rejects_dir)
    a = _target(session, org, meta, into=into, new=new, by=by, role=role)
    svc._editable(a)
    package = store.load(session, a.referential_id)
    kind = package.kind
    page_rows = _sheet_rows(wb, PAGES, PAGE_COLUMNS, check, {"code", "title"}) if kind == "rgaa" else []
    derogation_rows = (
        _sheet_rows(wb, DEROGATIONS, DEROGATION_COLUMNS, check, {"kind", "content"})
        if kind == "rgaa" and DEROGATIONS in wb.sheetnames
        else []
    )
    required = (
        {"item", "status"}
        | ({"page"} if kind == "rgaa" else set())
        | ({"level"} if kind == "maturity" else set())
    )
    answer_rows = _sheet_rows(wb, ANSWERS, COLUMNS[kind], check, required)
    wb.close()
    page_codes = _check_pages(page_rows, check)
    parsed = _check_answers(session, a, package, answer_rows, page_codes, check)
    _check_derogations(package, derogation_rows, page_codes, check)
    if check.problems:
        _fail(path, check, rejects_dir)
    pages_done = _apply_pages(session, a, page_rows, by, role) if kind == "rgaa" else 0
    derogations_done = _apply_derogations(session, a, derogation_rows) if kind == "rgaa" else 0
    changed, unchanged = _apply_answers(session, a, package, parsed, by, role)
    _apply_details(session, org, a, meta, by, role)
    svc._event(session, a, by, role, "import", after=f"{path.name}: {changed} changed, {unchanged} unchanged")
    session.flush()
    return ImportReport(a.id, changed, unchanged, pages_done, derogations_done)


def _check_pages(rows: list[tuple[int, dict[str, Any]]], check: _Checker) -> set[str]:
    codes: set[str] = set()
    for number, row in rows:
        code, title = str(row.get("code") or "").strip(), str(row.get("title") or "").strip()
        if not code:
            check.add(PAGES, number, "code", None, "missing page code")
        elif code in codes:
            check.add(PAGES, number, "code", code, "page code appears twice")
        if not title:
            check.add(PAGES, number, "title", None, "missing page title")
        url = str(row.get("url") or "").strip()
        if url and not url.startswith(("http://", "https://")):
            check.add(PAGES, number, "url", url, "invalid address", expected="http:// or https://")
        codes.add(code)
    return codes


@dataclass
class _Row:
    number: int
    item_id: str
    page: str
    status: str | None
    level: int | None
    target: int | None
    comment: str | None
    texts: list[str]
    links: list[str]
    files: list[str]


def _check_answers(
    session: Session,
    a: Assessment,
    package: Package,
    rows: list[tuple[int, dict[str, Any]]],
    page_codes: set[str],
    check: _Checker,
) -> list[_Row]:
    attached = {
        (r.item_id, r.page, e.file_name)
        for r, e in session.execute(
            sa.select(AssessmentAnswer, AssessmentEvidence)
            .join(AssessmentEvidence, AssessmentEvidence.answer_id == AssessmentAnswer.id)
            .where(AssessmentAnswer.assessment_id == a.id, AssessmentEvidence.kind == "file")
        )
    }
    seen: set[tuple[str, str]] = set()
    parsed = []
    for number, row in rows:
        item_id = str(row.get("item") or "").strip()
        page = str(row.get("page") or "").strip() if package.kind == "rgaa" else ""
        if item_id not in package.item_ids():
            check.add(
                ANSWERS,
                number,
                "item",
                item_id or None,
                f"unknown criterion or practice in {package.key}",
                expected=f"an id such as {package.items[0].id}",
            )
            continue
        if package.kind == "rgaa" and page not in page_codes:
            check.add(
                ANSWERS,
                number,
                "page",
                page or None,
                "page not in the Pages sheet",
                expected=", ".join(sorted(page_codes)) or "a page of the Pages sheet",
            )
            continue
        if (item_id, page) in seen:
            check.add(
                ANSWERS,
                number,
                "item",
                item_id,
                "this item appears twice" + (f" for page {page}" if page else ""),
            )
            continue
        seen.add((item_id, page))
        raw_status = row.get("status")
        raw_level = row.get("level") if package.kind == "maturity" else None
        raw_target = row.get("target") if package.kind == "maturity" else None
        texts = _split(row.get("evidence"), paragraphs=True)
        links = _split(row.get("links"))
        files = _split(row.get("files"))
        comment = str(row["comment"]).strip() if row.get("comment") not in (None, "") else None
        blank = all(v in (None, "") for v in (raw_status, raw_level, raw_target))
        status = level = target = None
        if not blank:
            try:
                status, level, target = svc.normalise(
                    package,
                    item_id,
                    status=None if raw_status in (None, "") else str(raw_status),
                    level=_int(raw_level),
                    target=_int(raw_target),
                )
            except InputError as exc:
                check.add(
                    ANSWERS,
                    number,
                    exc.column,
                    exc.value,
                    str(exc).split(": ", 1)[-1].split(" (expected")[0],
                    exc.expected,
                )
                continue
        for link in links:
            if not link.startswith(("http://", "https://")):
                check.add(
                    ANSWERS, number, "links", link, "invalid link", expected="one http(s):// address per line"
                )
        for name in files:
            if (item_id, page, name) not in attached:
                check.add(
                    ANSWERS,
                    number,
                    "files",
                    name,
                    "no such file attached to this answer",
                    expected="attach files with 'sobre assess answer --file'",
                )
        if package.kind == "rgesn" and status is not None:
            issue = eco.problem(package.item(item_id), status, len(texts) + len(links) + len(files))
            if issue:
                check.add(ANSWERS, number, "status", raw_status, issue)
        if blank and (comment or texts or links):
            check.add(
                ANSWERS,
                number,
                "status",
                None,
                "a comment or evidence without an answer",
                expected="a status" + (" or a level" if package.kind == "maturity" else ""),
            )
        parsed.append(_Row(number, item_id, page, status, level, target, comment, texts, links, files))
    return parsed


def _int(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _check_derogations(
    package: Package, rows: list[tuple[int, dict[str, Any]]], page_codes: set[str], check: _Checker
) -> None:
    for number, row in rows:
        kind = str(row.get("kind") or "").strip()
        if kind not in (aud.BURDEN, aud.EXEMPT):
            check.add(
                DEROGATIONS, number, "kind", kind, "unknown derogation kind", expected="burden or exempt"
            )
        if kind == aud.BURDEN and not str(row.get("justification") or "").strip():
            check.add(DEROGATIONS, number, "justification", None, "a burden derogation must be justified")
        for c in _list(row.get("criteria")):
            if c not in package.item_ids():
                check.add(DEROGATIONS, number, "criteria", c, f"unknown criterion of {package.key}")
        for p in _list(row.get("pages")):
            if p not in page_codes:
                check.add(DEROGATIONS, number, "pages", p, "page not in the Pages sheet")


def _list(value: Any) -> list[str]:
    return [x.strip() for x in str(value or "").replace(";", ",").split(",") if x.strip()]


def _fail(path: Path, check: _Checker, rejects_dir: Path | None) -> None:
    rejects = None
    if rejects_dir is not None:
        rejects_dir.mkdir(parents=True, exist_ok=True)
        rejects = rejects_dir / f"{path.stem}.rejects.csv"
        with rejects.open("w", encoding="utf-8", newline="") as f:
            writer = csv.writer(f)
            writer.writerow(["sheet", "row", "column", "value", "error", "expected"])
            for p in check.problems:
                writer.writerow(
                    [
                        p.sheet,
                        p.row or "",
                        p.column or "",
                        "" if p.value is None else p.value,
                        p.message,
                        p.expected or "",
                    ]
                )
    first = check.problems[0]
    more = len(check.problems) - 1
    suffix = (f"; {more} more problem(s)" if more else "") + (f"; all listed in {rejects}" if rejects else "")
    raise InputError(
        f"{first.message}{suffix}; nothing was imported",
        file=f"{path.name} [sheet {first.sheet}]",
        row=first.row,
        column=first.column,
        value=first.value,
        expected=first.expected,
    )


def _apply_pages(
    session: Session, a: Assessment, rows: list[tuple[int, dict[str, Any]]], by: str, role: str
) -> int:
    existing = {
        p.code: p
        for p in session.scalars(sa.select(AssessmentPage).where(AssessmentPage.assessment_id == a.id))
    }
    for position, (_number, row) in enumerate(rows, start=1):
        code = str(row["code"]).strip()
        page = existing.get(code)
        if page is None:
            page = AssessmentPage(assessment_id=a.id, code=code, position=position, title="")
            session.add(page)
        page.title, page.position = str(row["title"]).strip(), position
        page.url = str(row.get("url") or "").strip() or None
        page.process = str(row.get("process") or "").strip() or None
    session.flush()
    return len(rows)


def _apply_derogations(session: Session, a: Assessment, rows: list[tuple[int, dict[str, Any]]]) -> int:
    session.execute(sa.delete(RgaaDerogation).where(RgaaDerogation.assessment_id == a.id))
    for _number, row in rows:
        session.add(
            RgaaDerogation(
                assessment_id=a.id,
                kind=str(row["kind"]).strip(),
                content=str(row["content"]).strip(),
                justification=str(row.get("justification") or "").strip() or None,
                alternative=str(row.get("alternative") or "").strip() or None,
                criteria=_list(row.get("criteria")),
                pages=_list(row.get("pages")),
            )
        )
    session.flush()
    return len(rows)


def _apply_answers(
    session: Session, a: Assessment, package: Package, rows: list[_Row], by: str, role: str
) -> tuple[int, int]:
    current = {
        (r.item_id, r.page): r
        for r in session.scalars(sa.select(AssessmentAnswer).where(AssessmentAnswer.assessment_id == a.id))
    }
    evidence: dict[int, list[AssessmentEvidence]] = {}
    if current:
        for e in session.scalars(
            sa.select(AssessmentEvidence).where(
                AssessmentEvidence.answer_id.in_([r.id for r in current.values()])
            )
        ):
            evidence.setdefault(e.answer_id, []).append(e)
    now = datetime.now(UTC)
    changed = unchanged = 0
    for row in rows:
        old = current.get((row.item_id, row.page))
        pieces = evidence.get(old.id, []) if old else []
        old_texts = [e.text or "" for e in pieces if e.kind == "text"]
        old_links = [e.url or "" for e in pieces if e.kind == "link"]
        blank = row.status is None and row.level is None and row.target is None
        same = (old is None and blank) or (
            old is not None
            and (old.status, old.level, old.target_level, old.comment)
            == (row.status, row.level, row.target, row.comment)
            and old_texts == row.texts
            and old_links == row.links
        )
        if same:
            unchanged += 1
            continue
        changed += 1
        before = svc._describe(old)
        if blank:
            assert old is not None
            session.delete(old)
            svc._event(
                session,
                a,
                by,
                role,
                "answer",
                item=row.item_id,
                page=row.page or None,
                before=before,
                after="cleared",
            )
            continue
        if old is None:
            old = AssessmentAnswer(
                assessment_id=a.id, item_id=row.item_id, page=row.page, answered_by=by, answered_at=now
            )
            session.add(old)
        old.status, old.level, old.target_level, old.comment = row.status, row.level, row.target, row.comment
        old.answered_by, old.answered_at = by, now
        session.flush()
        kept = [e for e in pieces if e.kind == "file" and e.file_name in row.files]
        for e in pieces:
            if e not in kept and e.kind == "file":
                session.delete(e)
        if old_texts != row.texts or old_links != row.links:
            for e in pieces:
                if e.kind in ("text", "link"):
                    session.delete(e)
            for value in row.texts:
                session.add(
                    AssessmentEvidence(answer_id=old.id, kind="text", text=value, added_by=by, added_at=now)
                )
            for value in row.links:
                session.add(
                    AssessmentEvidence(answer_id=old.id, kind="link", url=value, added_by=by, added_at=now)
                )
        svc._event(
            session,
            a,
            by,
            role,
            "answer",
            item=row.item_id,
            page=row.page or None,
            before=before,
            after=svc._describe(old),
        )
    session.flush()
    return changed, unchanged


def _apply_details(
    session: Session, org: str, a: Assessment, meta: dict[str, Any], by: str, role: str
) -> None:
    fields = {}
    for key in svc.DETAIL_FIELDS:
        value = meta.get(f"detail.{key}")
        if value not in (None, "") and (a.details or {}).get(key) != value:
            fields[key] = value.isoformat()[:10] if isinstance(value, datetime) else value
    if fields:
        try:
            svc.set_details(session, org, a.id, by=by, role=role, **fields)
        except InputError as exc:
            raise InputError(str(exc), file=META, column=f"detail.{exc.column}", value=exc.value) from exc
    if a.status != "draft":
        raise SobreError(f"assessment {a.id} is {a.status}")
