"""The sample of an RGAA audit: its pages (grouped in processes) and its derogations."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.assessment import store
from sobre.assessment.models import (
    AssessmentPage,
    RgaaDerogation,
)
from sobre.assessment.reading import _assessment, _editable, _event, _pages, derogations
from sobre.assessment.scoring import rgaa as aud
from sobre.core.errors import InputError, SobreError


def add_page(
    session: Session,
    org: str,
    assessment_id: int,
    code: str,
    title: str,
    *,
    by: str,
    url: str | None = None,
    process: str | None = None,
    role: str | None = "referent",
) -> aud.Page:
    """Add (or update) a page of an RGAA audit's sample; pages of one ``process`` are judged together."""
    a = _assessment(session, org, assessment_id)
    _editable(a)
    if store.load(session, a.referential_id).kind != "rgaa":
        raise SobreError("only RGAA audits have a sample of pages")
    code, title = code.strip(), title.strip()
    if not code or not title:
        raise InputError("a page needs a code and a title", column="page", value=code or title)
    if url and not url.startswith(("http://", "https://")):
        raise InputError(
            "invalid page address", column="url", value=url, expected="an http:// or https:// address"
        )
    row = session.scalar(
        sa.select(AssessmentPage).where(AssessmentPage.assessment_id == a.id, AssessmentPage.code == code)
    )
    if row is None:
        position = len(_pages(session, a)) + 1
        row = AssessmentPage(assessment_id=a.id, code=code, title=title, position=position)
        session.add(row)
    row.title, row.url, row.process = title, url or None, (process or "").strip() or None
    _event(session, a, by, role, "page", page=code, after=title)
    session.flush()
    return aud.Page(row.code, row.title, row.url, row.process)


def add_derogation(
    session: Session,
    org: str,
    assessment_id: int,
    kind: str,
    content: str,
    *,
    by: str,
    criteria: list[str] | tuple[str, ...] = (),
    pages: list[str] | tuple[str, ...] = (),
    justification: str | None = None,
    alternative: str | None = None,
    role: str | None = "referent",
) -> dict[str, Any]:
    """Record content under a derogation for disproportionate burden (``burden``) or exempt (``exempt``)."""
    a = _assessment(session, org, assessment_id)
    _editable(a)
    package = store.load(session, a.referential_id)
    if package.kind != "rgaa":
        raise SobreError("derogations belong to RGAA audits")
    if kind not in (aud.BURDEN, aud.EXEMPT):
        raise InputError("unknown derogation kind", column="kind", value=kind, expected="burden or exempt")
    if not content.strip():
        raise InputError("describe the content concerned", column="content")
    if kind == aud.BURDEN and not (justification or "").strip():
        raise InputError("a derogation for disproportionate burden must be justified", column="justification")
    unknown = [c for c in criteria if c not in package.item_ids()]
    if unknown:
        raise InputError(f"no criterion {unknown[0]!r} in {package.key}", column="criteria", value=unknown[0])
    known_pages = {p.code for p in _pages(session, a)}
    if missing := [p for p in pages if p not in known_pages]:
        raise InputError(
            "unknown page", column="pages", value=missing[0], expected=", ".join(sorted(known_pages))
        )
    row = RgaaDerogation(
        assessment_id=a.id,
        kind=kind,
        content=content.strip(),
        justification=justification,
        alternative=alternative,
        criteria=list(criteria),
        pages=list(pages),
    )
    session.add(row)
    _event(session, a, by, role, "derogation", after=f"{kind}: {content.strip()[:80]}")
    session.flush()
    return derogations(session, org, assessment_id)[-1]
