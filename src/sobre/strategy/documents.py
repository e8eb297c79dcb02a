"""The strategy document (vision, scope, governance, commitments, objectives, roadmap, action plan, KPIs,
scenarios, reviews) and the responsible-digital charter, in HTML and PDF, French and English."""

from __future__ import annotations

import functools
from datetime import date
from pathlib import Path
from typing import Any

import jinja2

from sobre.core.db import session_scope
from sobre.core.documents import environment
from sobre.core.errors import InputError
from sobre.core.i18n import format_number, t
from sobre.strategy import charts, people, service, steering

TEMPLATES = Path(__file__).parent / "templates"


def gather(
    database_url: str, org: str, lang: str, today: date | None = None, filters: dict[str, str] | None = None
) -> dict[str, Any]:
    """Everything the strategy page and documents show, as plain data with the charts drawn; ``filters``
    (status, horizon, origin) narrow the actions, their matrix and roadmap."""
    today = today or date.today()
    with session_scope(database_url) as session:
        vision = service.get_vision(session, org)
        commitments = service.commitments(session, org)
        actions = steering.list_actions(session, org, **(filters or {}))
        kpis = steering.kpis(session, org)
        reviews = steering.reviews(session, org)
        scenarios = [v.to_dict() for v in service.list_scenarios(session, org)]
        messages = people.messages(session, org)
        referents = people.referents(session, org)
        feedback = people.feedback_log(session, org)
    objectives = service.check_objectives(database_url, org)
    for a in actions:
        a["impact"] = ((a["avoided"] or {}).get("climate_change") or {}).get("value")
    labels = {k: t(f"st.effort.{k}", lang) for k in ("low", "medium", "high")}
    labels["impact"] = t("st.chart.impact_axis", lang)
    trend_labels = {"target": t("st.chart.target", lang), "measured": t("st.chart.measured", lang)}
    for i, k in enumerate(kpis):
        points = [(m["on"], m["value"]) for m in k["measurements"]]
        k["chart"] = (
            charts.trend(
                f"kpi-{i}",
                t("st.chart.trend", lang, name=k["name"]),
                t("st.chart.trend_desc", lang, unit=k["unit"]),
                points,
                k["target"],
                trend_labels,
            )
            if points
            else ""
        )
    return {
        "org_name": org,
        "lang": lang,
        "today": today.isoformat(),
        "vision": vision,
        "commitments": commitments,
        "objectives": objectives,
        "actions": actions,
        "kpis": kpis,
        "reviews": reviews,
        "scenarios": scenarios,
        "messages": messages,
        "referents": referents,
        "feedback": feedback,
        "matrix": charts.matrix(
            "matrix", t("st.chart.matrix", lang), t("st.chart.matrix_desc", lang), actions, labels
        ),
        "roadmap": charts.roadmap(
            "roadmap", t("st.chart.roadmap", lang), t("st.chart.roadmap_desc", lang), actions, today
        ),
    }


@functools.cache
def _env() -> jinja2.Environment:
    env = environment(TEMPLATES, "strategy")
    env.globals["t"] = t
    env.globals["num"] = lambda v, lang, digits=1: "—" if v is None else format_number(v, lang, digits)
    return env


def render(database_url: str, org: str, lang: str, document: str = "strategy") -> str:
    if document not in ("strategy", "charter"):
        raise InputError(
            "unknown document", column="--document", value=document, expected="strategy, charter"
        )
    data = gather(database_url, org, lang)
    return _env().get_template(f"strategy/{document}_document.html").render(**data)


def export(
    database_url: str, org: str, out: Path, *, lang: str, fmt: str, document: str = "strategy"
) -> Path:
    """Write the document as ``<document>-<lang>.html`` or ``.pdf`` in ``out``."""
    from sobre.core.i18n import check_language

    try:
        lang = check_language(lang)
    except ValueError:
        raise InputError("unsupported language", column="--lang", value=lang, expected="fr or en") from None
    if fmt not in ("html", "pdf"):
        raise InputError("unknown format", column="--format", value=fmt, expected="html or pdf")
    html = render(database_url, org, lang, document)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{document}-{lang}.{fmt}"
    if fmt == "html":
        path.write_text(html, encoding="utf-8")
        return path
    from sobre.core.pdf import html_to_pdf

    return html_to_pdf(html, path, base_url=str(out), pdf_variant="pdf/ua-1")
