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

from sobre.core.errors import InputError, NotFound
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
    params = {k: _local(v, lang) for k, v in (reason.get("params") or {}).items()}
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


def _local(value: Any, lang: str) -> Any:
    """Numbers in the language's notation (920,5 in French); text as it is."""
    from sobre.core.i18n import format_number

    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return format_number(float(value), lang, 0 if float(value).is_integer() else 1)


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


def get_review(session: Session, org: str, review_id: int) -> ReviewView:
    """One review of the organisation, whatever its service."""
    org_id = orgs.get(session, org).id
    r = session.get(ServiceReview, review_id) if 0 < review_id <= MAX_ID else None
    if r is None or r.org_id != org_id:
        raise NotFound(f"no review {review_id} in this organisation")
    view = services.get_by_id(session, org_id, r.service_id)
    return ReviewView(
        r.id, view.name, r.kind, r.reviewed_at, r.reviewer, r.recommendation, r.reasons, r.inputs, r.results
    )


# ------------------------------------------------------------------ pages and API (queries in the database)

#: Row ids are 32-bit integers.
MAX_ID = 2**31 - 1
#: Addresses and journey steps one request may measure (each page takes seconds in the browser).
MAX_URLS = 10
MAX_STEPS = 20


def get_service(session: Session, org: str, service_id: int) -> services.ServiceView:
    if not 0 < service_id <= MAX_ID:  # larger ids name no row (and SQLite cannot bind them)
        raise NotFound(f"no digital service with id {service_id} in this organisation")
    return services.get_by_id(session, orgs.get(session, org).id, service_id)


def under(base: str, url: str) -> bool:
    """Whether ``url`` is an address of the service at ``base``: same scheme and host, path below."""
    from urllib.parse import urlsplit

    b, u = urlsplit(base), urlsplit(url)
    if u.scheme not in ("http", "https") or (u.scheme, u.netloc.lower()) != (b.scheme, b.netloc.lower()):
        return False
    root = b.path.rstrip("/")
    return not root or u.path == root or u.path.startswith(root + "/")


def measure_problems(
    base: str | None, urls: list[str], journey: Any = None
) -> list[tuple[str, str, dict[str, Any]]]:
    """What stops measuring these pages of the service at ``base``: (field, code, values) triples.

    Codes: ``nothing``, ``too_many_urls``, ``too_many_steps``, ``no_address``, ``not_under``.
    """
    problems: list[tuple[str, str, dict[str, Any]]] = []
    if not urls and journey is None:
        problems.append(("urls", "nothing", {}))
    if len(urls) > MAX_URLS:
        problems.append(("urls", "too_many_urls", {"n": MAX_URLS}))
    if journey is not None and len(journey.steps) > MAX_STEPS:
        problems.append(("journey", "too_many_steps", {"n": MAX_STEPS}))
    if not base:
        return [*problems, ("service_id", "no_address", {})]
    targets = [("urls", u) for u in urls]
    if journey is not None:
        targets += [("journey", a) for s in journey.steps for k, a in s.actions if k == "goto"]
    problems += [(f, "not_under", {"url": u, "base": base}) for f, u in targets if not under(base, str(u))]
    return problems


_PROBLEMS = {
    "nothing": "give at least one address or a journey",
    "too_many_urls": f"at most {MAX_URLS} addresses at a time",
    "too_many_steps": f"at most {MAX_STEPS} journey steps",
    "no_address": "the service has no address; set it with 'sobre service update NAME --url'",
    "not_under": "not an address of this service",
}


def measurable(
    session: Session, org: str, service_id: int, urls: list[str], journey: Any = None
) -> services.ServiceView:
    """The service whose pages are to be measured, once every address (and journey ``goto``) is its own.

    Measuring from the pages or the API runs a browser on the server: it may only open the addresses of
    the organisation's own digital services, never any address a caller types.
    """
    view = get_service(session, org, service_id)
    for column, code, values in measure_problems(view.url, urls, journey):
        expected = f"under {values['base']}" if code == "not_under" else None
        raise InputError(_PROBLEMS[code], column=column, value=values.get("url"), expected=expected)
    return view


def measures_query(
    session: Session, org: str, *, service_id: int | None = None, url: str | None = None
) -> Any:
    """Measures newest first as a SELECT (the caller paginates it), of one service and/or one address."""
    org_id = orgs.get(session, org).id
    stmt = sa.select(EcoIndexMeasure).where(EcoIndexMeasure.org_id == org_id)
    if service_id is not None:
        stmt = stmt.where(EcoIndexMeasure.service_id == get_service(session, org, service_id).id)
    if url is not None:
        stmt = stmt.where(EcoIndexMeasure.url == url)
    return stmt.order_by(EcoIndexMeasure.measured_at.desc(), EcoIndexMeasure.id.desc())


def get_measures(session: Session, org: str, ids: Iterable[int]) -> list[EcoIndexMeasure]:
    """Some measures of the organisation by id (those just recorded), in id order."""
    org_id = orgs.get(session, org).id
    stmt = sa.select(EcoIndexMeasure).where(
        EcoIndexMeasure.org_id == org_id, EcoIndexMeasure.id.in_(list(ids))
    )
    return list(session.scalars(stmt.order_by(EcoIndexMeasure.id)))


def measure_row(r: EcoIndexMeasure) -> dict[str, Any]:
    return {"id": r.id, "service_id": r.service_id, **_as_measure(r).to_dict()}


#: Sort keys of the measured pages → columns of their latest measure.
PAGE_SORTS = ("url", "score", "weight", "requests", "measured", "measures")


def _latest(session: Session, org: str, service_id: int | None) -> Any:
    """Per measured address (and service): the id of its latest measure and its number of measures."""
    org_id = orgs.get(session, org).id
    latest = sa.select(sa.func.max(EcoIndexMeasure.id).label("id"), sa.func.count().label("measures")).where(
        EcoIndexMeasure.org_id == org_id
    )
    if service_id is not None:
        latest = latest.where(EcoIndexMeasure.service_id == get_service(session, org, service_id).id)
    return latest.group_by(EcoIndexMeasure.url, EcoIndexMeasure.service_id).subquery()


def pages_query(session: Session, org: str, *, service_id: int | None = None, sort: str = "url") -> Any:
    """Each measured address (per service) with its latest measure and its number of measures.

    Rows are ``(EcoIndexMeasure, measures)``; unknown figures (failed measures) sort last.
    """
    last = _latest(session, org, service_id)
    columns = {
        "url": EcoIndexMeasure.url,
        "score": EcoIndexMeasure.score,
        "weight": EcoIndexMeasure.bytes,
        "requests": EcoIndexMeasure.requests,
        "measured": EcoIndexMeasure.measured_at,
        "measures": last.c.measures,
    }
    key = sort.lstrip("-")
    if key not in columns:
        raise InputError("unknown sort", column="sort", value=sort, expected=", ".join(PAGE_SORTS))
    order = columns[key].desc() if sort.startswith("-") else columns[key].asc()
    return (
        sa.select(EcoIndexMeasure, last.c.measures)
        .join(last, last.c.id == EcoIndexMeasure.id)
        .order_by(order.nulls_last(), EcoIndexMeasure.url, EcoIndexMeasure.id)
    )


def grade_counts(session: Session, org: str, service_id: int | None = None) -> dict[str, int]:
    """How many measured addresses have each EcoIndex grade by their latest measure (``?``: failed)."""
    last = _latest(session, org, service_id)
    rows = session.execute(
        sa.select(EcoIndexMeasure.grade, sa.func.count())
        .join(last, last.c.id == EcoIndexMeasure.id)
        .group_by(EcoIndexMeasure.grade)
    ).all()
    counts = {g: 0 for g in ecoindex.GRADE_ORDER}
    for grade, n in rows:
        counts[grade or "?"] = counts.get(grade or "?", 0) + int(n)
    return counts


def criteria(session: Session, org: str) -> list[dict[str, Any]]:
    """The criteria of the organisation's factor set (code, label_en, label_fr, unit), for review pages."""
    from sobre.footprint.factors.store import load_factor_set

    factors = load_factor_set(session, org_id=orgs.get(session, org).id)
    return list(factors.criteria.iter_rows(named=True))


def service_summaries(session: Session, org: str) -> list[dict[str, Any]]:
    """The organisation's digital services with their objectives, latest reviews and measured pages."""
    org_id = orgs.get(session, org).id
    objectives_count = dict(
        session.execute(
            sa.select(ServiceObjective.service_id, sa.func.count())
            .where(ServiceObjective.org_id == org_id)
            .group_by(ServiceObjective.service_id)
        ).all()
    )
    latest_ids = (
        sa.select(sa.func.max(ServiceReview.id))
        .where(ServiceReview.org_id == org_id)
        .group_by(ServiceReview.service_id, ServiceReview.kind)
    )
    latest: dict[int, dict[str, ServiceReview]] = {}
    for r in session.scalars(sa.select(ServiceReview).where(ServiceReview.id.in_(latest_ids))):
        latest.setdefault(r.service_id, {})[r.kind] = r
    pages = dict(
        session.execute(
            sa.select(EcoIndexMeasure.service_id, sa.func.count(sa.distinct(EcoIndexMeasure.url)))
            .where(EcoIndexMeasure.org_id == org_id, EcoIndexMeasure.service_id.is_not(None))
            .group_by(EcoIndexMeasure.service_id)
        ).all()
    )
    out = []
    for view in services.list_services(session, org):
        reviews = latest.get(view.id, {})
        out.append(
            {
                "service": view,
                "objectives": int(objectives_count.get(view.id, 0)),
                "pages": int(pages.get(view.id, 0)),
                "opportunity": reviews.get("opportunity"),
                "periodic": reviews.get("periodic"),
            }
        )
    return out
