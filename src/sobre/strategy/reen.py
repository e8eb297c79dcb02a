"""The strategy's side of the REEN document (``reen.strategy``, defined by ``sobre.lifecycle.reports_reen``):
the action plan, the reduction objectives, the indicators and the measures in place, as plain entries."""

from __future__ import annotations

from typing import Any

from sobre.core.db import session_scope
from sobre.core.i18n import format_number, t
from sobre.strategy import service, steering


def _num(value: float | None, lang: str, digits: int = 1) -> str | None:
    return None if value is None else format_number(value, lang, digits)


def content(database_url: str, org: str, year: int, lang: str) -> dict[str, list[dict[str, Any]]]:
    """Entries for the REEN blocks: "actions" (planned or in progress), "measures" (done), "objectives"
    (checked against the plan) and "indicators" (latest measurement against target)."""
    with session_scope(database_url) as session:
        actions = steering.list_actions(session, org)
        indicators = steering.kpis(session, org)
    checked = service.check_objectives(database_url, org)

    def entry(a: dict[str, Any]) -> dict[str, Any]:
        return {
            "title": a["title"],
            "detail": a["description"] or None,
            "owner": a["owner_role"],
            "due": a["due_date"],
            "status": t(f"st.status.{a['status']}", lang),
        }

    return {
        "actions": [entry(a) for a in actions if a["status"] in ("planned", "in_progress")],
        "measures": [entry(a) for a in actions if a["status"] == "done"],
        "objectives": [
            {
                "title": o["title"],
                "detail": t(
                    "st.objective.detail",
                    lang,
                    reduction=format_number(100 * o["reduction"], lang, 0),
                    baseline_year=o["baseline_year"],
                    target_year=o["target_year"],
                ),
                "due": str(o["target_year"]),
                "baseline": _num(o["baseline"], lang),
                "target": _num(o["target"], lang),
                "value": _num(o["with_plan"], lang),
                "status": t(
                    "st.objective." + {True: "reached", False: "short", None: "unknown"}[o["reached"]], lang
                ),
            }
            for o in checked
        ],
        "indicators": [
            {
                "title": k["name"],
                "detail": k["definition"] or None,
                "unit": k["unit"],
                "baseline": _num(k["baseline"], lang, 2),
                "target": _num(k["target"], lang, 2),
                "value": _num((k["latest"] or {}).get("value"), lang, 2),
                "due": k["target_date"],
            }
            for k in indicators
        ],
    }
