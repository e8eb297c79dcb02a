"""What the declarations and the maturity summary say, as blocks (see ``declarations`` for the formats).

The eco-design declaration follows the RGESN 2024 model (Arcep, May 2024): summary, criteria validated, not
validated and not applicable, progress score now, before and aimed at, progress plan, samples, referent, then
each theme's criteria.  The accessibility declaration follows the mandatory format of the RGAA
("Déclaration d'accessibilité", DINUM).  The maturity summary shows the radar, domain scores and main gaps.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from sobre.assessment import service as svc
from sobre.assessment.declarations import (
    Block,
    Bullets,
    Chart,
    Document,
    Heading,
    Para,
    Table,
    _justification,
    attribution_lines,
    long_date,
    pct,
)
from sobre.assessment.referentials import Package, text
from sobre.assessment.results import Result
from sobre.assessment.scoring import rgaa as aud
from sobre.assessment.scoring import rgesn as eco
from sobre.core.i18n import format_number, t

# -- RGESN --------------------------------------------------------------------------------------------------


def rgesn(session: Session, org: str, view: svc.AssessmentView, result: Result, lang: str) -> Document:
    package, score = result.package, result.rgesn
    assert score is not None
    service = view.service or ""
    details = view.details
    answers = {a.item_id: a for a in svc.answers(session, org, view.id)}
    doc = Document(
        "rgesn", lang, t("assessment.rgesn.title", lang, service=service), long_date(view.assessed_on, lang)
    )
    doc.add(
        Heading(2, t("assessment.rgesn.summary", lang)),
        Heading(3, t("assessment.rgesn.objective", lang)),
        Para(
            t(
                "assessment.rgesn.objective_text",
                lang,
                service=service,
                date=long_date(view.assessed_on, lang),
                version=package.version,
            )
        ),
        Para(
            t(
                "assessment.rgesn.referential_text",
                lang,
                title=text(package.title, lang),
                publisher=package.publisher,
            )
        ),
        Heading(3, t("assessment.rgesn.validated", lang)),
        Para(", ".join(score.validated) or t("assessment.doc.none", lang)),
        Heading(3, t("assessment.rgesn.not_validated", lang)),
        Para(", ".join(score.not_validated) or t("assessment.doc.none", lang)),
        Heading(3, t("assessment.rgesn.not_applicable", lang)),
        Para(", ".join(score.not_applicable) or t("assessment.doc.none", lang)),
        Heading(3, t("assessment.rgesn.score", lang)),
        Para(
            t(
                "assessment.rgesn.score_now",
                lang,
                date=long_date(view.assessed_on, lang),
                score=pct(score.overall, lang),
            )
        ),
    )
    previous = svc.previous_validated(session, org, view.id)
    doc.add(
        Para(
            t(
                "assessment.rgesn.score_previous",
                lang,
                score=pct(previous["overall"], lang),
                date=long_date(previous["assessed_on"], lang),
                version=previous["referential"],
            )
            if previous
            else t("assessment.rgesn.score_no_previous", lang)
        )
    )
    if details.get("target_score") is not None:
        doc.add(
            Para(
                t(
                    "assessment.rgesn.score_target",
                    lang,
                    service=service,
                    score=f"{format_number(float(details['target_score']), lang, 0)}\u00a0%",
                    date=long_date(details["target_date"], lang) if details.get("target_date") else "—",
                )
            )
        )
    if score.pending:
        doc.add(Para(t("assessment.rgesn.pending", lang, count=score.pending), note=True))
    doc.add(
        Table(
            t("assessment.rgesn.themes_caption", lang),
            [
                t("assessment.doc.theme", lang),
                t("assessment.doc.score", lang),
                t("assessment.rgesn.weights", lang),
            ],
            [
                [
                    f"{th.theme} – {th.label}",
                    pct(th.score, lang)
                    if th.score.value is not None
                    else eco.label(eco.NOT_APPLICABLE, lang),
                    f"{format_number(th.validated_weight, lang, 2)} / "
                    f"{format_number(th.applicable_weight, lang, 2)}",
                ]
                for th in score.themes
            ],
            numeric=(1, 2),
        )
    )
    doc.add(Para(t("assessment.rgesn.method", lang), note=True))
    doc.add(Heading(3, t("assessment.rgesn.plan", lang)))
    if details.get("plan"):
        doc.add(Para(str(details["plan"])))
    actions = svc.recommendations(session, org, view.id, limit=10)
    if actions:
        doc.add(Para(t("assessment.rgesn.plan_actions", lang)))
        doc.add(Bullets([f"{a.origin[2]} — {text(a.title, lang)}" for a in actions]))
    if details.get("review_frequency"):
        doc.add(Para(t("assessment.rgesn.reviews", lang, frequency=details["review_frequency"])))
    doc.add(
        Heading(3, t("assessment.rgesn.sample", lang)),
        Para(str(details.get("sample") or t("assessment.doc.not_given", lang))),
        Heading(3, t("assessment.rgesn.referent", lang)),
        Para(str(details.get("referent") or t("assessment.doc.not_given", lang))),
        Heading(3, t("assessment.doc.evaluation", lang)),
        Para(
            t(
                "assessment.doc.evaluation_text",
                lang,
                evaluator=details.get("evaluator") or view.org,
                by=view.started_by,
                status=t(f"assessment.status.{view.status}", lang),
                validated=view.validated_by or "—",
            )
        ),
        Heading(2, t("assessment.rgesn.details", lang)),
    )
    for theme in package.themes:
        rows = []
        for item in package.items_of(theme.code):
            answer = answers.get(item.id)
            status = answer.status if answer and answer.status else eco.TO_EVALUATE
            rows.append(
                [
                    item.id,
                    text(item.question, lang),
                    item.priority_label or "",
                    eco.label(status, lang),
                    _justification(answer),
                ]
            )
        doc.add(
            Heading(3, f"{theme.code} {text(theme.label, lang)}"),
            Table(
                t("assessment.rgesn.theme_caption", lang, theme=text(theme.label, lang)),
                [
                    t("assessment.doc.criterion", lang),
                    t("assessment.doc.question", lang),
                    t("assessment.doc.priority", lang),
                    t("assessment.doc.status", lang),
                    t("assessment.doc.justification", lang),
                ],
                rows,
            ),
        )
    if lang != "fr":
        doc.add(Para(t("assessment.doc.quoted_in_french", lang), note=True))
    doc.attribution = attribution_lines(package, lang)
    return doc


# -- RGAA ---------------------------------------------------------------------------------------------------


def rgaa(session: Session, org: str, view: svc.AssessmentView, result: Result, lang: str) -> Document:
    package, score = result.package, result.rgaa
    assert score is not None
    details, service = view.details, view.service or ""
    from sobre.inventory import services as inventory

    url = inventory.get(session, org, service).url if service else None
    answers = svc.answers(session, org, view.id)
    comments: dict[str, list[str]] = {}
    for a in answers:
        if a.status == aud.NC and (a.comment or a.evidence):
            comments.setdefault(a.item_id, []).append(f"{a.page}: {_justification(a)}")
    doc = Document(
        "rgaa", lang, t("assessment.rgaa.title", lang), f"{service} — {long_date(view.assessed_on, lang)}"
    )
    doc.add(Para(t("assessment.rgaa.commitment", lang, org=view.org)))
    if details.get("plan"):
        doc.add(Para(t("assessment.rgaa.strategy", lang, plan=details["plan"])))
    doc.add(
        Para(t("assessment.rgaa.applies", lang, service=service + (f" ({url})" if url else ""))),
        Heading(2, t("assessment.rgaa.state", lang)),
    )
    state = score.state
    doc.add(
        Para(
            t(
                f"assessment.rgaa.state_{state or 'incomplete'}",
                lang,
                service=service,
                version=package.version,
            )
        )
    )
    doc.add(
        Heading(3, t("assessment.rgaa.results", lang)),
        Para(t("assessment.rgaa.results_text", lang, evaluator=details.get("evaluator") or view.org)),
        Bullets(
            [
                t("assessment.rgaa.rate", lang, rate=pct(score.rate, lang), version=package.version),
                t("assessment.rgaa.average", lang, rate=pct(score.average, lang)),
            ]
        ),
        Table(
            t("assessment.rgaa.counts_caption", lang),
            [
                t("assessment.rgaa.applicable", lang),
                aud.label(aud.C, lang),
                aud.label(aud.NC, lang),
                aud.label(aud.NA, lang),
                aud.label(aud.NT, lang),
            ],
            [
                [
                    str(score.count(aud.C) + score.count(aud.NC)),
                    str(score.count(aud.C)),
                    str(score.count(aud.NC)),
                    str(score.count(aud.NA)),
                    str(score.count(aud.NT)),
                ]
            ],
            numeric=(0, 1, 2, 3, 4),
        ),
        Table(
            t("assessment.rgaa.pages_caption", lang),
            [
                t("assessment.rgaa.page", lang),
                aud.label(aud.C, lang),
                aud.label(aud.NC, lang),
                aud.label(aud.NA, lang),
                t("assessment.rgaa.page_rate", lang),
            ],
            [
                [
                    f"{p.page.code} – {p.page.title}",
                    str(p.counts[aud.C]),
                    str(p.counts[aud.NC]),
                    str(p.counts[aud.NA]),
                    pct(p.rate, lang),
                ]
                for p in score.pages
            ],
            numeric=(1, 2, 3, 4),
        ),
        Heading(2, t("assessment.rgaa.inaccessible", lang)),
        Para(t("assessment.rgaa.inaccessible_text", lang)),
        Heading(3, t("assessment.rgaa.nonconformities", lang)),
    )
    failing = [c for c in score.criteria if c.status == aud.NC]
    doc.add(
        Bullets(
            [
                f"{c.item_id} {text(package.item(c.item_id).question, lang)} — "
                f"{t('assessment.rgaa.on_pages', lang)} "
                f"{', '.join(c.failing_pages)}"
                + (f" ({'; '.join(comments[c.item_id])})" if c.item_id in comments else "")
                for c in failing
            ]
        )
        if failing
        else Para(t("assessment.doc.none", lang))
    )
    all_derogations = svc.derogations(session, org, view.id)
    for kind, heading in ((aud.BURDEN, "assessment.rgaa.burden"), (aud.EXEMPT, "assessment.rgaa.exempt")):
        doc.add(Heading(3, t(heading, lang)))
        rows = [d for d in all_derogations if d["kind"] == kind]
        doc.add(
            Bullets(
                [
                    d["content"]
                    + (f" — {d['justification']}" if d["justification"] else "")
                    + (
                        f" — {t('assessment.rgaa.alternative', lang)} {d['alternative']}"
                        if d["alternative"]
                        else ""
                    )
                    for d in rows
                ]
            )
            if rows
            else Para(t("assessment.doc.none", lang))
        )
    doc.add(
        Heading(2, t("assessment.rgaa.established", lang)),
        Para(t("assessment.rgaa.established_text", lang, date=long_date(view.assessed_on, lang))),
    )
    for key in ("technologies", "environment", "tools"):
        doc.add(
            Heading(3, t(f"assessment.rgaa.{key}", lang)),
            Para(str(details.get(key) or t("assessment.doc.not_given", lang))),
        )
    doc.add(
        Heading(3, t("assessment.rgaa.pages", lang)),
        Bullets([f"{p.code} {p.title}" + (f" — {p.url}" if p.url else "") for p in result.pages]),
        Heading(2, t("assessment.rgaa.contact", lang)),
        Para(t("assessment.rgaa.contact_text", lang, service=service)),
        Para(str(details.get("contact") or t("assessment.doc.not_given", lang))),
        Heading(2, t("assessment.rgaa.appeal", lang)),
        Para(t("assessment.rgaa.appeal_text", lang)),
        Bullets(
            [
                t("assessment.rgaa.appeal_1", lang),
                t("assessment.rgaa.appeal_2", lang),
                t("assessment.rgaa.appeal_3", lang),
            ]
        ),
    )
    if lang != "fr":
        doc.add(Para(t("assessment.doc.quoted_in_french", lang), note=True))
    doc.attribution = attribution_lines(package, lang)
    return doc


# -- maturity -----------------------------------------------------------------------------------------------


def maturity_blocks(result: Result, lang: str, *, chart_id: str = "maturity-radar") -> list[Block]:
    """Radar, domain table and overall figures of a maturity result (also used by the diagnosis report)."""
    score = result.maturity
    assert score is not None
    domains = [d for d in score.domains if d.rated or d.unrated]
    labels = [d.label for d in domains]
    values = [d.score.value for d in domains]
    targets = [d.target.value for d in domains]
    legend = (t("assessment.maturity.current", lang), t("assessment.maturity.target", lang))
    title = t("assessment.maturity.radar_title", lang)
    desc = t(
        "assessment.maturity.radar_desc",
        lang,
        items="; ".join(f"{d.label} {pct(d.score, lang)}" for d in domains),
    )
    return [
        Para(
            t(
                "assessment.maturity.overall",
                lang,
                score=pct(score.overall, lang),
                target=pct(score.target, lang),
            )
        ),
        Chart(chart_id, title, desc, labels, values, targets, legend),
        Table(
            t("assessment.maturity.table_caption", lang),
            [
                t("assessment.doc.theme", lang),
                t("assessment.maturity.current", lang),
                t("assessment.maturity.target", lang),
                t("assessment.maturity.gap", lang),
                t("assessment.maturity.rated", lang),
            ],
            [
                [
                    f"{d.theme}. {d.label}",
                    pct(d.score, lang),
                    pct(d.target, lang),
                    "—" if d.gap is None else f"{format_number(d.gap, lang, 1)}",
                    f"{d.rated}/{d.rated + d.unrated}",
                ]
                for d in domains
            ],
            numeric=(1, 2, 3, 4),
        ),
    ]


def gap_table(actions: list[Any], package: Package, lang: str, limit: int = 10) -> Table:
    return Table(
        t("assessment.maturity.gaps_caption", lang),
        [
            t("assessment.doc.practice", lang),
            t("assessment.maturity.current", lang),
            t("assessment.maturity.target", lang),
            t("assessment.doc.priority", lang),
            t("assessment.doc.difficulty", lang),
            t("assessment.doc.owner", lang),
            t("assessment.doc.kpis", lang),
        ],
        [
            [
                f"{a.origin[2]} {text(a.title, lang)}",
                a.current or "",
                a.target or "",
                t(f"assessment.priority.{a.priority}", lang) if a.priority else "",
                t(f"assessment.difficulty.{a.difficulty}", lang) if a.difficulty else "",
                role_label(a.owner_role, lang),
                "; ".join(text(k, lang) for k in a.kpis),
            ]
            for a in actions[:limit]
        ],
    )


def role_label(role: str | None, lang: str) -> str:
    from sobre.core.i18n import has

    if not role:
        return ""
    key = f"assessment.role.{role}"
    return t(key, lang) if has(key) else role


def maturity(session: Session, org: str, view: svc.AssessmentView, result: Result, lang: str) -> Document:
    package = result.package
    doc = Document(
        "maturity",
        lang,
        t("assessment.maturity.title", lang, org=view.org),
        f"{text(package.title, lang)} — {long_date(view.assessed_on, lang)}",
    )
    doc.add(Heading(2, t("assessment.maturity.scores", lang)), *maturity_blocks(result, lang))
    previous = svc.previous_validated(session, org, view.id)
    if previous:
        doc.add(
            Para(
                t(
                    "assessment.maturity.previous",
                    lang,
                    score=pct(previous["overall"], lang),
                    date=long_date(previous["assessed_on"], lang),
                )
            )
        )
    actions = svc.recommendations(session, org, view.id)
    doc.add(
        Heading(2, t("assessment.maturity.gaps", lang)),
        Para(t("assessment.maturity.gaps_text", lang)),
        gap_table(actions, package, lang, limit=15) if actions else Para(t("assessment.doc.none", lang)),
        Heading(2, t("assessment.doc.evaluation", lang)),
        Para(
            t(
                "assessment.doc.evaluation_text",
                lang,
                evaluator=view.details.get("evaluator") or view.org,
                by=view.started_by,
                status=t(f"assessment.status.{view.status}", lang),
                validated=view.validated_by or "—",
            )
        ),
        Para(t("assessment.maturity.method", lang), note=True),
    )
    doc.attribution = attribution_lines(package, lang)
    return doc
