"""Reading assessments (views, answers, pages, derogations, trail) and record helpers of the use cases."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.assessment import store
from sobre.assessment.models import (
    Assessment,
    AssessmentAnswer,
    AssessmentEvent,
    AssessmentEvidence,
    AssessmentPage,
    RgaaDerogation,
)
from sobre.assessment.referentials import Package
from sobre.assessment.results import Result, compute
from sobre.assessment.scoring import Answer
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.views import AnswerView, AssessmentView, EvidenceView
from sobre.core.errors import NotFound, SobreError
from sobre.orgs import service as orgs


def _now() -> datetime:
    return datetime.now(UTC)


def _assessment(session: Session, org: str, assessment_id: int) -> Assessment:
    org_id = orgs.get(session, org).id
    found = session.get(Assessment, assessment_id)
    if found is None or found.org_id != org_id:
        raise NotFound(f"no assessment {assessment_id} in organisation {org!r}; see 'sobre assess list'")
    return found


def _service_name(session: Session, a: Assessment) -> str | None:
    if a.service_id is None:
        return None
    from sobre.inventory import services

    return services.get_by_id(session, a.org_id, a.service_id).name


def _service_id(session: Session, org: str, name: str) -> int:
    from sobre.inventory import services

    return services.get(session, org, name).id


def orgs_name(session: Session, org_id: int) -> str:
    from sobre.orgs.models import Organisation

    org = session.get(Organisation, org_id)
    return org.name if org else str(org_id)


def _view(session: Session, a: Assessment) -> AssessmentView:
    package = store.load(session, a.referential_id)
    answered = session.scalar(
        sa.select(sa.func.count(sa.distinct(AssessmentAnswer.item_id))).where(
            AssessmentAnswer.assessment_id == a.id
        )
    )
    return AssessmentView(
        id=a.id,
        org=orgs_name(session, a.org_id),
        kind=package.kind,
        referential=package.code,
        version=package.version,
        service=_service_name(session, a),
        title=a.title,
        status=a.status,
        assessed_on=a.assessed_on,
        started_by=a.started_by,
        started_at=a.started_at,
        submitted_by=a.submitted_by,
        submitted_at=a.submitted_at,
        validated_by=a.validated_by,
        validated_at=a.validated_at,
        previous_id=a.previous_id,
        details=dict(a.details or {}),
        answered=int(answered or 0),
        items=len(package.items),
    )


def get(session: Session, org: str, assessment_id: int) -> AssessmentView:
    return _view(session, _assessment(session, org, assessment_id))


def package_of(session: Session, org: str, assessment_id: int) -> Package:
    return store.load(session, _assessment(session, org, assessment_id).referential_id)


def list_assessments(
    session: Session, org: str, *, kind: str | None = None, service: str | None = None
) -> list[AssessmentView]:
    """The organisation's assessments, newest first (optionally of one kind or one digital service)."""
    org_id = orgs.get(session, org).id
    q = sa.select(Assessment).where(Assessment.org_id == org_id)
    if service is not None:
        q = q.where(Assessment.service_id == _service_id(session, org, service))
    views = [
        _view(session, a)
        for a in session.scalars(q.order_by(Assessment.assessed_on.desc(), Assessment.id.desc()))
    ]
    return [v for v in views if kind is None or v.kind == kind]


def _answer_rows(session: Session, a: Assessment) -> list[AssessmentAnswer]:
    return list(
        session.scalars(
            sa.select(AssessmentAnswer)
            .where(AssessmentAnswer.assessment_id == a.id)
            .order_by(AssessmentAnswer.id)
        )
    )


def _evidence_counts(session: Session, a: Assessment) -> dict[int, int]:
    return dict(
        session.execute(
            sa.select(AssessmentEvidence.answer_id, sa.func.count())
            .join(AssessmentAnswer, AssessmentAnswer.id == AssessmentEvidence.answer_id)
            .where(AssessmentAnswer.assessment_id == a.id)
            .group_by(AssessmentEvidence.answer_id)
        ).all()
    )


def _evidence_view(e: AssessmentEvidence) -> EvidenceView:
    return EvidenceView(
        e.id,
        e.kind,
        e.text,
        e.url,
        e.file_name,
        e.sha256,
        len(e.content) if e.content is not None else None,
        e.added_by,
        e.added_at,
    )


def answers(session: Session, org: str, assessment_id: int) -> list[AnswerView]:
    """Every answer with its evidence, in the referential's order (then page order)."""
    a = _assessment(session, org, assessment_id)
    package = store.load(session, a.referential_id)
    position = {i.id: i.position for i in package.items}
    pages = {p.code: p.position for p in _pages(session, a)}
    rows = _answer_rows(session, a)
    evidence: dict[int, list[EvidenceView]] = {}
    if rows:
        for e in session.scalars(
            sa.select(AssessmentEvidence)
            .where(AssessmentEvidence.answer_id.in_([r.id for r in rows]))
            .order_by(AssessmentEvidence.id)
        ):
            evidence.setdefault(e.answer_id, []).append(_evidence_view(e))
    views = [
        AnswerView(
            r.item_id,
            r.page,
            r.status,
            r.level,
            r.target_level,
            r.comment,
            r.answered_by,
            r.answered_at,
            evidence.get(r.id, []),
        )
        for r in rows
    ]
    return sorted(views, key=lambda v: (position.get(v.item_id, 0), pages.get(v.page, 0)))


def _pages(session: Session, a: Assessment) -> list[AssessmentPage]:
    return list(
        session.scalars(
            sa.select(AssessmentPage)
            .where(AssessmentPage.assessment_id == a.id)
            .order_by(AssessmentPage.position)
        )
    )


def pages(session: Session, org: str, assessment_id: int) -> list[aud.Page]:
    return [
        aud.Page(p.code, p.title, p.url, p.process)
        for p in _pages(session, _assessment(session, org, assessment_id))
    ]


def _derogations(session: Session, a: Assessment) -> list[RgaaDerogation]:
    return list(
        session.scalars(
            sa.select(RgaaDerogation).where(RgaaDerogation.assessment_id == a.id).order_by(RgaaDerogation.id)
        )
    )


def derogations(session: Session, org: str, assessment_id: int) -> list[dict[str, Any]]:
    a = _assessment(session, org, assessment_id)
    return [
        {
            "id": d.id,
            "kind": d.kind,
            "content": d.content,
            "justification": d.justification,
            "alternative": d.alternative,
            "criteria": list(d.criteria),
            "pages": list(d.pages),
        }
        for d in _derogations(session, a)
    ]


def events(session: Session, org: str, assessment_id: int) -> list[dict[str, Any]]:
    """The assessment's trail, oldest first: who did what, in which role, when, with before and after."""
    a = _assessment(session, org, assessment_id)
    rows = session.scalars(
        sa.select(AssessmentEvent).where(AssessmentEvent.assessment_id == a.id).order_by(AssessmentEvent.id)
    )
    return [
        {
            "at": e.at.isoformat(),
            "by": e.by,
            "role": e.role,
            "action": e.action,
            "item": e.item_id,
            "page": e.page,
            "before": e.before,
            "after": e.after,
        }
        for e in rows
    ]


def evidence_file(session: Session, org: str, assessment_id: int, evidence_id: int) -> tuple[str, bytes]:
    """The name and bytes of an attached file."""
    a = _assessment(session, org, assessment_id)
    e = session.get(AssessmentEvidence, evidence_id)
    answer = session.get(AssessmentAnswer, e.answer_id) if e else None
    if e is None or answer is None or answer.assessment_id != a.id or e.content is None:
        raise NotFound(f"no attached file {evidence_id} in assessment {assessment_id}")
    return e.file_name or f"evidence-{e.id}", e.content


def _event(
    session: Session,
    a: Assessment,
    by: str,
    role: str | None,
    action: str,
    *,
    item: str | None = None,
    page: str | None = None,
    before: str | None = None,
    after: str | None = None,
) -> None:
    session.add(
        AssessmentEvent(
            assessment_id=a.id,
            by=by,
            role=role,
            action=action,
            item_id=item,
            page=page,
            before=before,
            after=after,
            at=_now(),
        )
    )


def _editable(a: Assessment) -> None:
    if a.status != "draft":
        raise SobreError(
            f"assessment {a.id} is {a.status}: answers change only in a draft"
            + (
                " (a manager can send it back with 'sobre assess return')"
                if a.status == "submitted"
                else " (start a new one from it with 'sobre assess start --from')"
            )
        )


def _describe(row: AssessmentAnswer | None) -> str | None:
    if row is None:
        return None
    parts = [
        f"status={row.status}" if row.status else "",
        f"level={row.level}" if row.level is not None else "",
        f"target={row.target_level}" if row.target_level is not None else "",
    ]
    return " ".join(p for p in parts if p) or "-"


def _answer_inputs(session: Session, a: Assessment) -> list[Answer]:
    counts = _evidence_counts(session, a)
    return [
        Answer(
            r.item_id,
            status=r.status,
            level=r.level,
            target_level=r.target_level,
            page=r.page,
            evidence=counts.get(r.id, 0),
            comment=r.comment,
        )
        for r in _answer_rows(session, a)
    ]


def _compute(session: Session, a: Assessment, lang: str = "en") -> Result:
    package = store.load(session, a.referential_id)
    page_list = [aud.Page(p.code, p.title, p.url, p.process) for p in _pages(session, a)]
    derogation_list = [
        aud.Derogation(d.kind, tuple(d.criteria), tuple(d.pages), d.alternative)
        for d in _derogations(session, a)
    ]
    default_target = int((a.details or {}).get("default_target", mat.DEFAULT_TARGET))
    return compute(
        package,
        _answer_inputs(session, a),
        page_list,
        derogation_list,
        default_target=default_target,
        lang=lang,
    )
