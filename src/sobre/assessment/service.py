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
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
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
from sobre.assessment.recommendations import ProposedAction, for_maturity, for_rgaa, for_rgesn
from sobre.assessment.referentials import Package, text
from sobre.assessment.results import Result, compare_summaries, compute, summary
from sobre.assessment.scoring import Answer
from sobre.assessment.scoring import maturity as mat
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.orgs import service as orgs

KINDS = ("maturity", "rgesn", "rgaa")
#: The referential an assessment of each kind uses unless told otherwise.
DEFAULT_REFERENTIAL = {"maturity": "sobre-maturity", "rgesn": "rgesn", "rgaa": "rgaa"}
#: Declaration and scope fields an assessment may carry (see ``set_details``).
DETAIL_FIELDS = (
    "sample",
    "evaluator",
    "referent",
    "target_score",
    "target_date",
    "plan",
    "review_frequency",
    "contact",
    "technologies",
    "tools",
    "environment",
    "default_target",
    "scope",
)
MAX_FILE_BYTES = 20 * 1024 * 1024
#: When several answers of another version map to one item, the least favourable is carried.
_CARRY_RANK = {
    "rgesn": [eco.NOT_VALIDATED, eco.IN_PROGRESS, eco.TO_EVALUATE, eco.NOT_APPLICABLE, eco.VALIDATED],
    "rgaa": [aud.NC, aud.NT, aud.NA, aud.C],
}


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class AssessmentView:
    id: int
    org: str
    kind: str
    referential: str
    version: str
    service: str | None
    title: str
    status: str
    assessed_on: date
    started_by: str
    started_at: datetime
    submitted_by: str | None
    submitted_at: datetime | None
    validated_by: str | None
    validated_at: datetime | None
    previous_id: int | None
    details: dict[str, Any]
    answered: int
    items: int

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("assessed_on", "started_at", "submitted_at", "validated_at"):
            if data[key] is not None:
                data[key] = data[key].isoformat()
        return data


@dataclass
class EvidenceView:
    id: int
    kind: str
    text: str | None
    url: str | None
    file_name: str | None
    sha256: str | None
    size: int | None
    added_by: str
    added_at: datetime


@dataclass
class AnswerView:
    item_id: str
    page: str
    status: str | None
    level: int | None
    target_level: int | None
    comment: str | None
    answered_by: str
    answered_at: datetime
    evidence: list[EvidenceView] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["answered_at"] = self.answered_at.isoformat()
        for e in data["evidence"]:
            e["added_at"] = e["added_at"].isoformat()
        return data


# -- reading ------------------------------------------------------------------------------------------------


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


def orgs_name(session: Session, org_id: int) -> str:
    from sobre.orgs.models import Organisation

    org = session.get(Organisation, org_id)
    return org.name if org else str(org_id)


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


def _service_id(session: Session, org: str, name: str) -> int:
    from sobre.inventory import services

    return services.get(session, org, name).id


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


# -- starting -----------------------------------------------------------------------------------------------


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


def _check_details(fields: dict[str, Any]) -> dict[str, Any]:
    unknown = set(fields) - set(DETAIL_FIELDS)
    if unknown:
        raise SobreError(
            f"unknown assessment detail(s): {', '.join(sorted(unknown))}; known: {', '.join(DETAIL_FIELDS)}"
        )
    out = {k: v for k, v in fields.items() if v is not None}
    if "target_score" in out:
        try:
            out["target_score"] = float(out["target_score"])
        except (TypeError, ValueError) as exc:
            raise InputError(
                "invalid target score",
                column="target_score",
                value=out["target_score"],
                expected="a percentage between 0 and 100",
            ) from exc
        if not 0 <= out["target_score"] <= 100:
            raise InputError(
                "invalid target score",
                column="target_score",
                value=out["target_score"],
                expected="a percentage between 0 and 100",
            )
    if "target_date" in out:
        out["target_date"] = _parse_date(out["target_date"], "target_date").isoformat()
    if "default_target" in out:
        out["default_target"] = _level(out["default_target"], "default_target")
    return out


def _parse_date(value: Any, column: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError as exc:
        raise InputError("invalid date", column=column, value=value, expected="YYYY-MM-DD") from exc


def _level(value: Any, column: str) -> int:
    try:
        level = int(str(value).strip())
    except (TypeError, ValueError) as exc:
        raise InputError("invalid level", column=column, value=value, expected="0, 1, 2, 3 or 4") from exc
    if level not in mat.LEVELS:
        raise InputError("invalid level", column=column, value=value, expected="0, 1, 2, 3 or 4")
    return level


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


# -- answering ----------------------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class EvidenceInput:
    """A piece of evidence to attach: a text, a link, or a file (name and bytes)."""

    kind: str
    text: str | None = None
    url: str | None = None
    file_name: str | None = None
    content: bytes | None = None

    @classmethod
    def from_file(cls, path: Path) -> EvidenceInput:
        if not path.is_file():
            raise InputError("evidence file not found", file=str(path))
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise InputError(
                "evidence file too large",
                file=str(path),
                value=f"{size} bytes",
                expected=f"at most {MAX_FILE_BYTES // (1024 * 1024)} MB; link to it instead",
            )
        return cls("file", file_name=path.name, content=path.read_bytes())

    def check(self) -> None:
        if self.kind == "text" and not (self.text or "").strip():
            raise InputError("empty evidence text", column="evidence")
        if self.kind == "link" and not (self.url or "").startswith(("http://", "https://")):
            raise InputError(
                "invalid evidence link",
                column="link",
                value=self.url,
                expected="an http:// or https:// address",
            )
        if self.kind not in ("text", "link", "file"):
            raise InputError("unknown evidence kind", value=self.kind, expected="text, link or file")


def normalise(
    package: Package, item_id: str, *, status: str | None, level: int | str | None, target: int | str | None
) -> tuple[str | None, int | None, int | None]:
    """Check an answer's values against the referential's scale; returns (status code, level, target)."""
    item_id = item_id.strip()
    if item_id not in package.item_ids():
        raise InputError(
            f"no item {item_id!r} in {package.key}",
            column="item",
            value=item_id,
            expected=f"an id such as {package.items[0].id}",
        )
    lvl = _level(level, "level") if level not in (None, "") else None
    tgt = _level(target, "target") if target not in (None, "") else None
    code: str | None = None
    if package.kind == "maturity":
        if status not in (None, ""):
            if str(status).strip().lower() not in ("na", "n/a", "not applicable", "non applicable"):
                raise InputError(
                    "invalid status for a maturity practice",
                    column="status",
                    value=status,
                    expected="a level 0–4, or na (not applicable)",
                )
            code = mat.NOT_APPLICABLE
            if lvl is not None:
                raise InputError("a practice marked not applicable has no level", column="level", value=lvl)
        elif lvl is None and tgt is None:
            raise InputError("give a level (0–4), a target or na", column="level", value=level)
        return code, lvl, tgt
    if lvl is not None or tgt is not None:
        raise InputError(
            f"{package.kind.upper()} answers have a status, not a level", column="level", value=level
        )
    parse = eco.parse_status if package.kind == "rgesn" else aud.parse_status
    labels = eco.STATUSES if package.kind == "rgesn" else aud.STATUSES
    code = parse(str(status or ""))
    if code is None:
        raise InputError(
            "invalid status",
            column="status",
            value=status,
            expected=", ".join(fr for fr, _en in labels.values()),
        )
    return code, None, None


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


# -- workflow -----------------------------------------------------------------------------------------------


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


# -- scores, recommendations, comparison, history -----------------------------------------------------------


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
