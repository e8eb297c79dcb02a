"""The diagnosis report's maturity section (the ``report`` hook): radar, domain scores and main gaps.

It shows the organisation's latest validated maturity assessment, else its latest one (marked as not yet
validated), and the latest RGESN and RGAA scores of its digital services when there are some.
"""

from __future__ import annotations

from sobre.assessment import declarations as docs
from sobre.assessment import documents
from sobre.assessment import service as svc
from sobre.assessment.referentials import text
from sobre.core.capabilities import ReportSection
from sobre.core.db import session_scope
from sobre.core.i18n import t


def sections(database_url: str, org: str, lang: str) -> list[ReportSection]:
    with session_scope(database_url) as session:
        view = svc.latest(session, org, "maturity", validated_only=True) or svc.latest(
            session, org, "maturity"
        )
        services = [v for kind in ("rgesn", "rgaa") for v in svc.list_assessments(session, org, kind=kind)]
        if view is None and not services:
            return []
        blocks: list[docs.Block] = []
        summary: list[str] = []
        if view is not None:
            result = svc.score(session, org, view.id, lang)
            state = "" if view.status == "validated" else " " + t("assessment.report.not_validated", lang)
            blocks.append(
                docs.Para(
                    t(
                        "assessment.report.intro",
                        lang,
                        title=text(result.package.title, lang),
                        date=docs.long_date(view.assessed_on, lang),
                    )
                    + state
                )
            )
            blocks += documents.maturity_blocks(result, lang, chart_id="report-maturity-radar")
            actions = svc.recommendations(session, org, view.id)
            if actions:
                blocks += [
                    docs.Heading(3, t("assessment.report.gaps", lang)),
                    documents.gap_table(actions, result.package, lang, limit=5),
                ]
            blocks.append(docs.Para(" ".join(docs.attribution_lines(result.package, lang)), note=True))
            summary.append(
                t(
                    "assessment.maturity.overall",
                    lang,
                    score=docs.pct(result.overall, lang),
                    target=docs.pct(result.maturity.target if result.maturity else None, lang),
                )
            )
        latest: dict[tuple[str, str], svc.AssessmentView] = {}
        for v in services:  # newest first: keep the first of each (service, kind)
            latest.setdefault((v.service or "", v.kind), v)
        if latest:
            rows = []
            for (service, kind), v in sorted(latest.items()):
                overall = svc.score(session, org, v.id, lang).overall
                rows.append(
                    [
                        service,
                        kind.upper(),
                        f"{v.referential} {v.version}",
                        docs.long_date(v.assessed_on, lang),
                        t(f"assessment.status.{v.status}", lang),
                        docs.pct(overall, lang),
                    ]
                )
            blocks += [
                docs.Heading(3, t("assessment.report.services", lang)),
                docs.Table(
                    t("assessment.report.services_caption", lang),
                    [
                        t("assessment.report.service", lang),
                        t("assessment.report.kind", lang),
                        t("assessment.report.referential", lang),
                        t("assessment.report.date", lang),
                        t("assessment.doc.status", lang),
                        t("assessment.doc.score", lang),
                    ],
                    rows,
                    numeric=(5,),
                ),
            ]
    html = docs.render_blocks(blocks, lang)
    return [ReportSection("maturity", t("assessment.report.title", lang), html, summary)]
