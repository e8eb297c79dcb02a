"""Scores, recommendations, comparison and history of assessments."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.assessment import store
from sobre.assessment.models import (
    Assessment,
)
from sobre.assessment.reading import _answer_inputs, _assessment, _compute, _view, list_assessments
from sobre.assessment.recommendations import ProposedAction, for_maturity, for_rgaa, for_rgesn
from sobre.assessment.results import Result, compare_summaries, summary
from sobre.assessment.scoring import rgesn as eco
from sobre.assessment.views import AssessmentView
from sobre.core.errors import SobreError


def score(session: Session, org: str, assessment_id: int, lang: str = "en") -> Result:
    """The assessment's scores, computed now from its answers."""
    return _compute(session, _assessment(session, org, assessment_id), lang)


def recommendations(
    session: Session, org: str, assessment_id: int, *, limit: int | None = None
) -> list[ProposedAction]:
    """Proposed actions ordered by gap, priority and difficulty, each ready to become an action."""
    result = score(session, org, assessment_id)
    if result.maturity is not None:
        actions = for_maturity(result.package, result.maturity)
    elif result.rgesn is not None:
        statuses = {x.item_id: x.status or eco.TO_EVALUATE for x in result.answers}
        actions = for_rgesn(result.package, result.rgesn, statuses)
    else:
        assert result.rgaa is not None
        actions = for_rgaa(result.package, result.rgaa)
    return actions[:limit] if limit else actions


def _summary_of(session: Session, a: Assessment) -> dict[str, Any]:
    return a.frozen_scores if a.status == "validated" and a.frozen_scores else summary(_compute(session, a))


def compare(session: Session, org: str, first: int, second: int) -> dict[str, Any]:
    """What changed from assessment ``first`` to ``second``: overall and per theme, and per item."""
    a, b = _assessment(session, org, first), _assessment(session, org, second)
    pa, pb = store.load(session, a.referential_id), store.load(session, b.referential_id)
    if pa.kind != pb.kind:
        raise SobreError(f"cannot compare a {pa.kind} assessment with a {pb.kind} one")
    out = compare_summaries(_summary_of(session, a), _summary_of(session, b))
    out["first"] = _view(session, a).to_dict()
    out["second"] = _view(session, b).to_dict()
    before = {(x.item_id, x.page): x for x in _answer_inputs(session, a)}
    after = {(x.item_id, x.page): x for x in _answer_inputs(session, b)}
    same_version = (pa.code, pa.version) == (pb.code, pb.version)
    changes = []
    if same_version:
        for key in sorted(set(before) | set(after)):
            x, y = before.get(key), after.get(key)
            old = None if x is None else (x.status or (None if x.level is None else str(x.level)))
            new = None if y is None else (y.status or (None if y.level is None else str(y.level)))
            if old != new:
                changes.append({"item": key[0], "page": key[1], "before": old, "after": new})
    out["changes"] = changes
    out["same_version"] = same_version
    return out


def history(
    session: Session, org: str, *, kind: str | None = None, service: str | None = None
) -> list[dict[str, Any]]:
    """Assessments over time (oldest first) with their overall score: frozen if validated, live otherwise."""
    rows = list_assessments(session, org, kind=kind, service=service)
    out = []
    for view in sorted(rows, key=lambda v: (v.assessed_on, v.id)):
        s = _summary_of(session, _assessment(session, org, view.id))
        out.append(
            {
                "id": view.id,
                "kind": view.kind,
                "referential": f"{view.referential} {view.version}",
                "service": view.service,
                "assessed_on": view.assessed_on.isoformat(),
                "status": view.status,
                "overall": s["overall"],
                "themes": s["themes"],
            }
        )
    return out


def previous_validated(session: Session, org: str, assessment_id: int) -> dict[str, Any] | None:
    """The latest validated assessment of the same kind and scope assessed before this one, with its score."""
    a = _assessment(session, org, assessment_id)
    kind = store.load(session, a.referential_id).kind
    q = (
        sa.select(Assessment)
        .where(
            Assessment.org_id == a.org_id,
            Assessment.status == "validated",
            Assessment.id != a.id,
            Assessment.assessed_on <= a.assessed_on,
            Assessment.service_id.is_(None)
            if a.service_id is None
            else Assessment.service_id == a.service_id,
        )
        .order_by(Assessment.assessed_on.desc(), Assessment.id.desc())
    )
    for candidate in session.scalars(q):
        package = store.load(session, candidate.referential_id)
        if package.kind == kind:
            return {
                "id": candidate.id,
                "assessed_on": candidate.assessed_on.isoformat(),
                "referential": package.key,
                "overall": _summary_of(session, candidate)["overall"],
            }
    return None


def latest(
    session: Session, org: str, kind: str, *, service: str | None = None, validated_only: bool = False
) -> AssessmentView | None:
    """The most recent assessment of ``kind`` (validated first when ``validated_only``), if any."""
    views = list_assessments(session, org, kind=kind, service=service)
    if validated_only:
        views = [v for v in views if v.status == "validated"]
    return views[0] if views else None
