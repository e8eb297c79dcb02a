"""Use cases of assessments: start, answer with evidence, submit, validate, score, compare, recommend.

The CLI, the pages and the API call these functions.  Roles are plain parameters for now (a referent
answers and submits, a manager validates or sends back): each call records who acted, in which role and
when, and the web's permission table will decide who may call what.

An assessment goes ``draft`` → ``submitted`` → ``validated``.  Answers change only in ``draft``; a manager
may send a submitted assessment back to ``draft``; a validated one is history (start a new one from it to
carry its answers over).
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

# This module is the capability's entry point: the names imported "as" themselves below are its public
# reading, scoring and RGAA-sample functions, kept in smaller modules.
from sobre.assessment import store
from sobre.assessment.checks import DETAIL_FIELDS as DETAIL_FIELDS
from sobre.assessment.checks import _check_details
from sobre.assessment.checks import normalise as normalise
from sobre.assessment.insights import _summary_of
from sobre.assessment.insights import compare as compare
from sobre.assessment.insights import history as history
from sobre.assessment.insights import latest as latest
from sobre.assessment.insights import previous_validated as previous_validated
from sobre.assessment.insights import recommendations as recommendations
from sobre.assessment.insights import score as score
from sobre.assessment.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentEvent,
    AssessmentEvidence,
    AssessmentPage,
    Referential,
    RgaaDerogation,
)
from sobre.assessment.reading import (
    _answer_rows,
    _assessment,
    _compute,
    _derogations,
    _describe,
    _editable,
    _event,
    _evidence_view,
    _now,
    _pages,
    _service_id,
    _view,
)
from sobre.assessment.reading import answers as answers
from sobre.assessment.reading import derogations as derogations
from sobre.assessment.reading import events as events
from sobre.assessment.reading import evidence_file as evidence_file
from sobre.assessment.reading import get as get
from sobre.assessment.reading import list_assessments as list_assessments
from sobre.assessment.reading import package_of as package_of
from sobre.assessment.reading import pages as pages
from sobre.assessment.referentials import text
from sobre.assessment.results import Result, summary
from sobre.assessment.sample import add_derogation as add_derogation
from sobre.assessment.sample import add_page as add_page
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.assessment.views import AnswerView as AnswerView
from sobre.assessment.views import AssessmentView as AssessmentView
from sobre.assessment.views import EvidenceInput as EvidenceInput
from sobre.assessment.views import EvidenceView as EvidenceView
from sobre.core.errors import InputError, SobreError
from sobre.core.estimate import Estimate, Status
from sobre.orgs import service as orgs

KINDS = ("maturity", "rgesn", "rgaa")
#: The referential an assessment of each kind uses unless told otherwise.
DEFAULT_REFERENTIAL = {"maturity": "sobre-maturity", "rgesn": "rgesn", "rgaa": "rgaa"}
#: When several answers of another version map to one item, the least favourable is carried.
_CARRY_RANK = {
    "rgesn": [eco.NOT_VALIDATED, eco.IN_PROGRESS, eco.TO_EVALUATE, eco.NOT_APPLICABLE, eco.VALIDATED],
    "rgaa": [aud.NC, aud.NT, aud.NA, aud.C],
}


def start(
    session: Session,
    org: str,
    kind: str,
    *,
    by: str,
    role: str = "referent",
    referential: str | None = None,
    version: str | None = None,
    service: str | None = None,
    title: str | None = None,
    assessed_on: date | None = None,
    from_assessment: int | None = None,
    details: dict[str, Any] | None = None,
) -> AssessmentView:
    """Open a draft assessment; ``from_assessment`` carries that one's answers (through a mapping)."""
    if kind not in KINDS:
        raise InputError("unknown kind of assessment", column="kind", value=kind, expected=", ".join(KINDS))
    if not by.strip():
        raise SobreError("say who starts the assessment (--by)")
    org_id = orgs.get(session, org).id
    row = store.referential_row(session, referential or DEFAULT_REFERENTIAL[kind], version)
    if row.kind != kind:
        raise SobreError(f"referential {row.code} {row.version} is a {row.kind} referential, not {kind}")
    service_id = None
    if kind in ("rgesn", "rgaa"):
        if not service:
            raise SobreError(
                f"an {kind.upper()} assessment is made of a digital service: give --service NAME"
            )
        service_id = _service_id(session, org, service)
    elif service:
        raise SobreError("a maturity assessment is of the organisation, not of a digital service")
    when = assessed_on or date.today()
    a = Assessment(
        org_id=org_id,
        referential_id=row.id,
        service_id=service_id,
        title=(title or f"{text(row.meta['title'], 'en')} — {service or org} — {when.isoformat()}")[:255],
        status="draft",
        assessed_on=when,
        started_by=by,
        started_at=_now(),
        details=_check_details(details or {}),
    )
    session.add(a)
    session.flush()
    _event(session, a, by, role, "start", after=f"{row.code} {row.version}")
    if from_assessment is not None:
        _carry_over(session, org, a, _assessment(session, org, from_assessment), by, role)
    session.flush()
    return _view(session, a)


def _carry_over(session: Session, org: str, new: Assessment, old: Assessment, by: str, role: str) -> None:
    old_pkg, new_pkg = store.load(session, old.referential_id), store.load(session, new.referential_id)
    if old_pkg.kind != new_pkg.kind:
        raise SobreError(f"cannot carry {old_pkg.kind} answers into a {new_pkg.kind} assessment")
    if new.service_id != old.service_id:
        raise SobreError("the previous assessment is of another digital service")
    new.previous_id = old.id
    new.details = {**(old.details or {}), **(new.details or {})}
    for old_page in _pages(session, old):
        session.add(
            AssessmentPage(
                assessment_id=new.id,
                code=old_page.code,
                title=old_page.title,
                url=old_page.url,
                process=old_page.process,
                position=old_page.position,
            )
        )
    for d in _derogations(session, old):
        session.add(
            RgaaDerogation(
                assessment_id=new.id,
                kind=d.kind,
                content=d.content,
                justification=d.justification,
                alternative=d.alternative,
                criteria=list(d.criteria),
                pages=list(d.pages),
            )
        )
    if (old_pkg.code, old_pkg.version) == (new_pkg.code, new_pkg.version):
        targets = {i.id: [i.id] for i in new_pkg.items}
    else:
        targets = {}
        for m in store.mappings_between(
            session, (old_pkg.code, old_pkg.version), (new_pkg.code, new_pkg.version)
        ):
            targets.setdefault(m.to_item, []).append(m.from_item)
        if not targets:
            raise SobreError(
                f"no mapping from {old_pkg.key} to {new_pkg.key}; record one with 'sobre referential map'"
            )
    old_rows: dict[tuple[str, str], AssessmentAnswer] = {
        (r.item_id, r.page): r for r in _answer_rows(session, old)
    }
    page_codes = [p.code for p in _pages(session, old)] or [""]
    for target in (i.id for i in new_pkg.items if i.id in targets):
        for page in page_codes:
            sources = [old_rows[s, page] for s in targets[target] if (s, page) in old_rows]
            if not sources:
                continue
            chosen = _least_favourable(new_pkg.kind, sources)
            comment = chosen.comment
            if (old_pkg.code, old_pkg.version) != (new_pkg.code, new_pkg.version):
                note = f"carried over from {old_pkg.key} {', '.join(s.item_id for s in sources)}"
                comment = f"{comment} ({note})" if comment else note
            answer = AssessmentAnswer(
                assessment_id=new.id,
                item_id=target,
                page=page,
                status=chosen.status,
                level=chosen.level,
                target_level=chosen.target_level,
                comment=comment,
                answered_by=chosen.answered_by,
                answered_at=chosen.answered_at,
            )
            session.add(answer)
            session.flush()
            for source in sources:
                for e in session.scalars(
                    sa.select(AssessmentEvidence).where(AssessmentEvidence.answer_id == source.id)
                ):
                    session.add(
                        AssessmentEvidence(
                            answer_id=answer.id,
                            kind=e.kind,
                            text=e.text,
                            url=e.url,
                            file_name=e.file_name,
                            sha256=e.sha256,
                            content=e.content,
                            added_by=e.added_by,
                            added_at=e.added_at,
                        )
                    )
    _event(
        session, new, by, role, "carry", before=f"assessment {old.id}", after=f"{old_pkg.key} → {new_pkg.key}"
    )


def _least_favourable(kind: str, rows: list[AssessmentAnswer]) -> AssessmentAnswer:
    if len(rows) == 1:
        return rows[0]
    if kind == "maturity":
        rated = [r for r in rows if r.level is not None]
        return min(rated, key=lambda r: r.level or 0) if rated else rows[0]
    rank = _CARRY_RANK[kind]
    return min(rows, key=lambda r: rank.index(r.status) if r.status in rank else 0)


def set_details(
    session: Session, org: str, assessment_id: int, *, by: str, role: str | None = None, **fields: Any
) -> AssessmentView:
    """Set declaration and scope details (sample, evaluator, target score and date, plan, contact…)."""
    a = _assessment(session, org, assessment_id)
    _editable(a)
    changes = _check_details(fields)
    a.details = {**(a.details or {}), **changes}
    _event(session, a, by, role, "details", after=", ".join(f"{k}={v}" for k, v in sorted(changes.items())))
    session.flush()
    return _view(session, a)


def answer(
    session: Session,
    org: str,
    assessment_id: int,
    item_id: str,
    *,
    by: str,
    role: str = "referent",
    status: str | None = None,
    level: int | str | None = None,
    target: int | str | None = None,
    comment: str | None = None,
    page: str | None = None,
    evidence: list[EvidenceInput] | tuple[EvidenceInput, ...] = (),
    at: datetime | None = None,
) -> AnswerView:
    """Record (or change) one answer with its comment and evidence; who and when are recorded."""
    a = _assessment(session, org, assessment_id)
    _editable(a)
    if not by.strip():
        raise SobreError("say who answers (--by)")
    package = store.load(session, a.referential_id)
    code, lvl, tgt = normalise(package, item_id, status=status, level=level, target=target)
    item = package.item(item_id.strip())
    page_code = ""
    if package.kind == "rgaa":
        known = [p.code for p in _pages(session, a)]
        if not page:
            raise InputError(
                "an RGAA answer is given for one page of the sample",
                column="page",
                expected=", ".join(known) or "add pages with 'sobre assess page'",
            )
        if page not in known:
            raise InputError(
                "unknown page", column="page", value=page, expected=", ".join(known) or "no page yet"
            )
        page_code = page
    elif page:
        raise InputError("only RGAA answers are given per page", column="page", value=page)
    for e in evidence:
        e.check()
    row = session.scalar(
        sa.select(AssessmentAnswer).where(
            AssessmentAnswer.assessment_id == a.id,
            AssessmentAnswer.item_id == item.id,
            AssessmentAnswer.page == page_code,
        )
    )
    before = _describe(row)
    if package.kind == "rgesn" and code is not None:
        existing = (
            0
            if row is None
            else int(
                session.scalar(sa.select(sa.func.count()).where(AssessmentEvidence.answer_id == row.id)) or 0
            )
        )
        if issue := eco.problem(item, code, existing + len(evidence)):
            raise InputError(issue, column="status", value=eco.STATUSES[code][0])
    when = at or _now()
    if row is None:
        row = AssessmentAnswer(
            assessment_id=a.id, item_id=item.id, page=page_code, answered_by=by, answered_at=when
        )
        session.add(row)
    if package.kind == "maturity":
        if code == mat.NOT_APPLICABLE:
            row.status, row.level = code, None
        elif lvl is not None:
            row.status, row.level = None, lvl
        if tgt is not None:
            row.target_level = tgt
    else:
        row.status = code
    if comment is not None:
        row.comment = comment.strip() or None
    row.answered_by, row.answered_at = by, when
    session.flush()
    for e in evidence:
        _attach(session, row, e, by, when)
    _event(
        session,
        a,
        by,
        role,
        "answer",
        item=item.id,
        page=page_code or None,
        before=before,
        after=_describe(row),
    )
    session.flush()
    pieces = session.scalars(
        sa.select(AssessmentEvidence)
        .where(AssessmentEvidence.answer_id == row.id)
        .order_by(AssessmentEvidence.id)
    )
    return AnswerView(
        row.item_id,
        row.page,
        row.status,
        row.level,
        row.target_level,
        row.comment,
        row.answered_by,
        row.answered_at,
        [_evidence_view(e) for e in pieces],
    )


def _attach(session: Session, row: AssessmentAnswer, e: EvidenceInput, by: str, when: datetime) -> None:
    sha = hashlib.sha256(e.content).hexdigest() if e.content is not None else None
    session.add(
        AssessmentEvidence(
            answer_id=row.id,
            kind=e.kind,
            text=e.text,
            url=e.url,
            file_name=e.file_name,
            sha256=sha,
            content=e.content,
            added_by=by,
            added_at=when,
        )
    )


def submit(
    session: Session, org: str, assessment_id: int, *, by: str, role: str = "referent"
) -> AssessmentView:
    """The referent hands the draft to a manager for review."""
    a = _assessment(session, org, assessment_id)
    _editable(a)
    a.status, a.submitted_by, a.submitted_at = "submitted", by, _now()
    _event(session, a, by, role, "submit")
    session.flush()
    return _view(session, a)


def send_back(
    session: Session, org: str, assessment_id: int, *, by: str, reason: str, role: str = "manager"
) -> AssessmentView:
    """A manager returns a submitted assessment to its referent, saying why."""
    a = _assessment(session, org, assessment_id)
    if a.status != "submitted":
        raise SobreError(f"assessment {a.id} is {a.status}; only a submitted one can be sent back")
    if not reason.strip():
        raise SobreError("say why the assessment goes back (--reason)")
    a.status = "draft"
    _event(session, a, by, role, "return", after=reason.strip())
    session.flush()
    return _view(session, a)


def validate(
    session: Session,
    org: str,
    assessment_id: int,
    *,
    by: str,
    role: str = "manager",
    allow_incomplete: bool = False,
) -> AssessmentView:
    """A manager validates a submitted assessment; its scores are frozen into its history."""
    a = _assessment(session, org, assessment_id)
    if a.status != "submitted":
        raise SobreError(f"assessment {a.id} is {a.status}; submit it first ('sobre assess submit')")
    result = _compute(session, a)
    problems = _problems(result)
    if problems:
        raise SobreError(
            f"assessment {a.id} breaks the method: {problems[0]}"
            + (f" (and {len(problems) - 1} more)" if len(problems) > 1 else "")
        )
    missing = _unanswered(result)
    if missing and not allow_incomplete:
        raise SobreError(
            f"{missing} item(s) are not answered yet; answer them or validate with --allow-incomplete"
        )
    a.status, a.validated_by, a.validated_at = "validated", by, _now()
    a.frozen_scores = summary(result)
    _event(session, a, by, role, "validate", after=_overall_text(result))
    session.flush()
    return _view(session, a)


def _problems(result: Result) -> list[str]:
    return list(result.rgesn.problems) if result.rgesn is not None else []


def _unanswered(result: Result) -> int:
    if result.maturity is not None:
        return result.maturity.unrated
    if result.rgesn is not None:
        return result.rgesn.counts[eco.TO_EVALUATE]
    assert result.rgaa is not None
    return sum(p.counts[aud.NT] for p in result.rgaa.pages) if result.rgaa.pages else 1


def _overall_text(result: Result) -> str:
    value = summary(result)["overall"]["value"]
    return "unknown" if value is None else f"{value:.1f} %"


def delete(session: Session, org: str, assessment_id: int) -> None:
    a = _assessment(session, org, assessment_id)
    session.delete(a)
    session.flush()


# -- lists for pages and the API (filtered, sorted and paginated by the database) ---------------------------

#: Sort keys of :func:`assessments_query` and the columns they sort by.
SORTS = {
    "date": Assessment.assessed_on,
    "title": Assessment.title,
    "status": Assessment.status,
    "kind": Referential.kind,
    "id": Assessment.id,
}
STATUSES = ("draft", "submitted", "validated")


def assessments_query(
    session: Session,
    org: str,
    *,
    kind: str | None = None,
    status: str | None = None,
    service: str | None = None,
    sort: str = "date",
    descending: bool = True,
) -> sa.Select[Any]:
    """The organisation's assessments as a ``SELECT`` to paginate, optionally of one kind, status, service."""
    org_id = orgs.get(session, org).id
    q = (
        sa.select(Assessment)
        .join(Referential, Referential.id == Assessment.referential_id)
        .where(Assessment.org_id == org_id)
    )
    if kind:
        q = q.where(Referential.kind == kind)
    if status:
        q = q.where(Assessment.status == status)
    if service:
        q = q.where(Assessment.service_id == _service_id(session, org, service))
    column = SORTS.get(sort, Assessment.assessed_on)
    return q.order_by(column.desc() if descending else column.asc(), Assessment.id.desc())


def scores(session: Session, org: str, assessment_id: int, lang: str = "en") -> dict[str, Any]:
    """The assessment's figures (``results.summary``): frozen at validation, else computed now.

    Frozen summaries keep the labels of the language they were frozen in; callers label themes from the
    referential (``package_of``).
    """
    a = _assessment(session, org, assessment_id)
    return _summary_of(session, a) if a.status == "validated" else summary(_compute(session, a, lang), lang)


def views_of(session: Session, rows: list[Assessment]) -> list[tuple[AssessmentView, dict[str, Any]]]:
    """Each assessment's view and overall score (frozen if validated, computed now otherwise)."""
    return [(_view(session, a), _summary_of(session, a)["overall"]) for a in rows]


def events_query(session: Session, org: str, assessment_id: int) -> sa.Select[Any]:
    """The assessment's trail as a ``SELECT`` to paginate, newest first."""
    a = _assessment(session, org, assessment_id)
    return (
        sa.select(AssessmentEvent)
        .where(AssessmentEvent.assessment_id == a.id)
        .order_by(AssessmentEvent.id.desc())
    )


def readiness(session: Session, org: str, assessment_id: int) -> tuple[int, list[str]]:
    """What validation would object to: how many items are not answered yet, and the answers that break
    the method (item ids)."""
    a = _assessment(session, org, assessment_id)
    result = _compute(session, a)
    broken = []
    if result.rgesn is not None:
        for x in result.answers:
            if eco.problem(result.package.item(x.item_id), x.status or eco.TO_EVALUATE, x.evidence):
                broken.append(x.item_id)
    return _unanswered(result), broken


# -- the RGESN score other capabilities read (``provides={"rgesn.score": …}``) ------------------------------


def estimate_of(figure: dict[str, Any]) -> Estimate:
    """A frozen or summarised figure (see ``results.figure``) back as an Estimate."""
    if figure.get("value") is None:
        return Estimate.unknown(figure.get("unit") or "%", figure.get("reason") or "unknown")
    return Estimate(
        float(figure["value"]),
        figure.get("unit") or "%",
        figure.get("low"),
        figure.get("high"),
        Status(figure.get("status") or Status.INPUT),
        figure.get("source") or "",
        tuple(figure.get("warnings") or ()),
    )


def rgesn_score(session: Session, org_id: int, service_id: int) -> Estimate | None:
    """The latest validated RGESN score of a digital service, in % (None when it has none).

    Provided to other capabilities as ``rgesn.score`` (the eco-design objectives read it); the score is
    the one frozen at validation.
    """
    row = session.scalar(
        sa.select(Assessment)
        .join(Referential, Referential.id == Assessment.referential_id)
        .where(
            Assessment.org_id == org_id,
            Assessment.service_id == service_id,
            Assessment.status == "validated",
            Referential.kind == "rgesn",
        )
        .order_by(Assessment.assessed_on.desc(), Assessment.validated_at.desc(), Assessment.id.desc())
        .limit(1)
    )
    return None if row is None else estimate_of(_summary_of(session, row)["overall"])
