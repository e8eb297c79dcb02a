"""Use cases of eco-design: EcoIndex history, opportunity and periodic reviews of services, objectives.

Services are the inventory's digital services (``sobre.inventory.services``); the expected footprint
comes from the footprint engine and factor set, storage from the data-sobriety storage model.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import NotFound
from sobre.core.i18n import t
from sobre.ecodesign import ecoindex, objectives, opportunity
from sobre.ecodesign.measure import PageMeasure
from sobre.ecodesign.models import EcoIndexMeasure, ServiceObjective, ServiceReview
from sobre.inventory import services
from sobre.orgs import service as orgs


def _service(session: Session, org: str, name: str) -> services.ServiceView:
    return services.get(session, org, name)


def _match_service(session: Session, org: str, url: str) -> int | None:
    """The service whose address is the longest prefix of ``url`` (measures find their service alone)."""
    best: tuple[int, int] | None = None
    for s in services.list_services(session, org):
        if s.url and url.startswith(s.url.rstrip("/")) and (best is None or len(s.url) > best[0]):
            best = (len(s.url), s.id)
    return best[1] if best else None


# ------------------------------------------------------------------ measures


def record_measures(
    session: Session, org: str, measures: Iterable[PageMeasure], service: str | None = None
) -> list[int]:
    """Store measures for the organisation, under ``service`` or the service whose URL they start with."""
    org_id = orgs.get(session, org).id
    fixed = _service(session, org, service).id if service else None
    ids = []
    for m in measures:
        row = EcoIndexMeasure(
            org_id=org_id,
            service_id=fixed if fixed else _match_service(session, org, m.url),
            url=m.url,
            journey=m.journey,
            step=m.step,
            measured_at=m.measured_at,
            dom=m.dom,
            requests=m.requests,
            bytes=m.bytes,
            score=m.score,
            grade=m.grade,
            ghg_g=m.ghg_g,
            water_cl=m.water_cl,
            error=m.error,
            browser=m.browser,
            width=m.width,
            height=m.height,
            method=ecoindex.METHOD,
        )
        session.add(row)
        session.flush()
        ids.append(row.id)
    return ids


def _as_measure(r: EcoIndexMeasure) -> PageMeasure:
    at = r.measured_at if r.measured_at.tzinfo else r.measured_at.replace(tzinfo=UTC)
    return PageMeasure(
        url=r.url,
        step=r.step,
        journey=r.journey,
        dom=r.dom,
        requests=r.requests,
        bytes=r.bytes,
        score=r.score,
        grade=r.grade,
        ghg_g=r.ghg_g,
        water_cl=r.water_cl,
        error=r.error,
        measured_at=at,
        browser=r.browser or "",
        width=r.width or 0,
        height=r.height or 0,
    )


def history(
    session: Session,
    org: str,
    *,
    service: str | None = None,
    url: str | None = None,
    limit: int | None = None,
) -> list[dict[str, Any]]:
    """Measures newest first, of one service and/or one URL (the history pages and charts read this)."""
    org_id = orgs.get(session, org).id
    q = sa.select(EcoIndexMeasure).where(EcoIndexMeasure.org_id == org_id)
    if service:
        q = q.where(EcoIndexMeasure.service_id == _service(session, org, service).id)
    if url:
        q = q.where(EcoIndexMeasure.url == url)
    q = q.order_by(EcoIndexMeasure.measured_at.desc(), EcoIndexMeasure.id.desc())
    if limit:
        q = q.limit(limit)
    return [{"id": r.id, "service_id": r.service_id, **_as_measure(r).to_dict()} for r in session.scalars(q)]


# ------------------------------------------------------------------ objectives


def set_objective(
    session: Session,
    org: str,
    service: str,
    kind: str,
    target: str,
    *,
    due: date | None = None,
    note: str | None = None,
) -> dict[str, Any]:
    """Add or change one eco-design objective of a service."""
    target = objectives.check_target(kind, target)
    view = _service(session, org, service)
    row = session.scalar(
        sa.select(ServiceObjective).where(
            ServiceObjective.service_id == view.id, ServiceObjective.kind == kind
        )
    )
    if row is None:
        row = ServiceObjective(org_id=view.org_id, service_id=view.id, kind=kind)
        session.add(row)
    row.target, row.due, row.note = target, due, note
    session.flush()
    return _objective(row)


def _objective(r: ServiceObjective) -> dict[str, Any]:
    return {
        "kind": r.kind,
        "label": objectives.KINDS[r.kind][0],
        "target": r.target,
        "due": r.due.isoformat() if r.due else None,
        "note": r.note,
    }


def list_objectives(session: Session, org: str, service: str) -> list[dict[str, Any]]:
    view = _service(session, org, service)
    rows = session.scalars(
        sa.select(ServiceObjective)
        .where(ServiceObjective.service_id == view.id)
        .order_by(ServiceObjective.kind)
    )
    return [_objective(r) for r in rows]


def remove_objective(session: Session, org: str, service: str, kind: str) -> None:
    view = _service(session, org, service)
    done = session.execute(
        sa.delete(ServiceObjective).where(
            ServiceObjective.service_id == view.id, ServiceObjective.kind == kind
        )
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        raise NotFound(f"service {service!r} has no {kind} objective")


# ------------------------------------------------------------------ reviews


@dataclass
class ReviewView:
    id: int
    service: str
    kind: str
    reviewed_at: datetime
    reviewer: str | None
    recommendation: str
    reasons: list[Any]
    inputs: dict[str, Any]
    results: dict[str, Any]

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "service": self.service,
            "kind": self.kind,
            "reviewed_at": self.reviewed_at.isoformat(),
            "reviewer": self.reviewer,
            "recommendation": self.recommendation,
            "reasons": self.reasons,
            "inputs": self.inputs,
            "results": self.results,
        }


def _save(
    session: Session,
    view: services.ServiceView,
    kind: str,
    reviewer: str | None,
    inputs: dict[str, Any],
    results: dict[str, Any],
    recommendation: str,
    reasons: list[Any],
) -> ReviewView:
    row = ServiceReview(
        org_id=view.org_id,
        service_id=view.id,
        kind=kind,
        reviewer=reviewer,
        inputs=inputs,
        results=results,
        recommendation=recommendation,
        reasons=reasons,
    )
    session.add(row)
    session.flush()
    return ReviewView(
        row.id, view.name, kind, row.reviewed_at, reviewer, recommendation, reasons, inputs, results
    )


def opportunity_review(
    session: Session,
    org: str,
    service: str,
    expectation: opportunity.Expectation,
    *,
    rules: opportunity.Rules | None = None,
    reviewer: str | None = None,
    reference_date: date | None = None,
) -> ReviewView:
    """Review a planned service before build: expected footprint (engine) and go / rework / no-go."""
    from sobre.datasobriety import storage
    from sobre.footprint.factors.store import load_factor_set

    view = _service(session, org, service)
    factors = load_factor_set(session, org_id=view.org_id)
    infra = opportunity.infrastructure_footprint(expectation, factors, reference_date or date.today())
    params = storage.StorageParams(
        replicas=1,
        backups=max(expectation.storage_copies - 1, 0),
        country=expectation.country,
        pue=expectation.pue,
        given=frozenset({"replicas", "backups"}),
    )
    stored = storage.footprint(expectation.storage_gb * 1e9, params, factors).impacts
    result = opportunity.review(expectation, infra, stored, rules)
    return _save(
        session,
        view,
        "opportunity",
        reviewer,
        {"expectation": expectation.to_dict(), "rules": (rules or opportunity.Rules()).__dict__},
        result.to_dict(),
        result.recommendation,
        result.reasons,
    )


def periodic_review(session: Session, org: str, service: str, *, reviewer: str | None = None) -> ReviewView:
    """Judge the service against each of its objectives with its latest measures (and RGESN score)."""
    view = _service(session, org, service)
    rows = session.scalars(
        sa.select(EcoIndexMeasure)
        .where(EcoIndexMeasure.service_id == view.id)
        .order_by(EcoIndexMeasure.measured_at.desc(), EcoIndexMeasure.id.desc())
    )
    measures = [_as_measure(r) for r in rows]
    provider = objectives.rgesn_provider()
    rgesn = provider(session, view.org_id, view.id) if provider else None
    rgesn_value = getattr(rgesn, "value", rgesn)
    results = [
        objectives.evaluate(o["kind"], o["target"], measures, rgesn_value)
        for o in list_objectives(session, org, service)
    ]
    verdict = objectives.verdict(results)
    reasons = [objective_reason(r) for r in results] or [
        {"code": "none", "met": None, "params": {}, "text": t("ecodesign.objective.none", "en")}
    ]
    return _save(
        session,
        view,
        "periodic",
        reviewer,
        {"measures": len(measures), "rgesn": rgesn_value},
        {"objectives": [r.to_dict() for r in results]},
        verdict,
        reasons,
    )


def objective_reason(r: objectives.Result) -> dict[str, Any]:
    """One objective's result as a reason: catalogue key ``ecodesign.objective.result`` and its values."""
    measured = "?" if r.measured is None else r.measured
    params = {"kind": r.kind, "measured": measured, "target": r.target, "note": r.note}
    return {"code": r.kind, "met": r.met, "params": params, "text": reason_text({"params": params}, "en")}


def reason_text(reason: dict[str, Any], lang: str) -> str:
    """A stored reason in ``lang`` (for pages): opportunity reasons and objective results alike."""
    params = dict(reason.get("params") or {})
    if "kind" in params:
        note = params.pop("note", "")
        text = t(
            "ecodesign.objective.result",
            lang,
            label=t(f"ecodesign.objective.{params['kind']}", lang),
            measured=params["measured"],
            target=params["target"],
        )
        return text + (f" ({t(f'ecodesign.objective.{note}', lang)})" if note else "")
    if reason.get("code") == "none":
        return t("ecodesign.objective.none", lang)
    return t(f"ecodesign.reason.{reason['code']}", lang, **params)


def list_reviews(session: Session, org: str, service: str) -> list[ReviewView]:
    view = _service(session, org, service)
    rows = session.scalars(
        sa.select(ServiceReview).where(ServiceReview.service_id == view.id).order_by(ServiceReview.id)
    )
    return [
        ReviewView(
            r.id,
            view.name,
            r.kind,
            r.reviewed_at,
            r.reviewer,
            r.recommendation,
            r.reasons,
            r.inputs,
            r.results,
        )
        for r in rows
    ]
