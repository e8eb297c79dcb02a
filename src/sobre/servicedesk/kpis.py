"""Service desk indicators of a period, from plain ticket records.  Pure.

- backlog: tickets still open at the end of the period (and those open longer than 30 days);
- opened, solved: tickets opened, solved in the period;
- time to own, time to resolve: median and mean business minutes of the tickets owned / solved in it;
- SLA compliance: share of the tickets solved in the period whose time-to-resolve (or own) target was met;
- first-contact resolution: share of the solved tickets solved by whoever first handled them, without
  reassignment, escalation or reopening;
- satisfaction: mean score (1–5) of the surveys answered, and the answer rate;
- recurring problems: open problems, known errors, incidents that recur without a problem;
- incident energy and cost: sums over the incidents opened in the period whose impact is known, with how
  many incidents have no figure (they are not counted as zero);
- maintenance overdue: preventive tasks past their date at the end of the period.

Each indicator is an Estimate; one with nothing to count is unknown with a reason, never zero.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sobre.core.estimate import Estimate, Status

COUNT, RATIO, MINUTES, SCORE, KWH, KG, EUR = "tickets", "ratio", "min", "score", "kWh", "kgCO2e", "EUR"


@dataclass(frozen=True)
class TicketRecord:
    kind: str
    opened_at: datetime
    status: str
    priority: int
    owned_at: datetime | None = None
    solved_at: datetime | None = None
    own_minutes: float | None = None  # business minutes to own, once owned
    resolve_minutes: float | None = None  # business minutes to solve, once solved
    own_met: bool | None = None
    resolve_met: bool | None = None
    first_contact: bool | None = None
    satisfaction: int | None = None
    energy_kwh: Estimate | None = None
    kgco2e: Estimate | None = None
    cost_eur: Estimate | None = None


@dataclass
class Kpi:
    code: str
    estimate: Estimate
    count: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        e = self.estimate
        return {
            "code": self.code,
            "value": e.value,
            "low": e.low,
            "high": e.high,
            "unit": e.unit,
            "status": str(e.status),
            "reason": e.reason,
            "source": e.source,
            "count": self.count,
            "detail": self.detail,
        }


def _in(moment: datetime | None, start: datetime, end: datetime) -> bool:
    return moment is not None and start <= moment < end


def _count(code: str, n: int, detail: dict[str, Any] | None = None) -> Kpi:
    return Kpi(code, Estimate(float(n), COUNT, status=Status.MEASURED), n, detail or {})


def _ratio(code: str, hits: int, total: int, reason: str) -> Kpi:
    if total == 0:
        return Kpi(code, Estimate.unknown(RATIO, reason))
    return Kpi(code, Estimate(hits / total, RATIO, status=Status.MEASURED), total)


def _durations(code: str, values: list[float], reason: str) -> Kpi:
    if not values:
        return Kpi(code, Estimate.unknown(MINUTES, reason))
    med = statistics.median(values)
    return Kpi(
        code,
        Estimate(
            med,
            MINUTES,
            min(values),
            max(values),
            Status.MEASURED,
            "median business minutes (range: fastest to slowest)",
        ),
        len(values),
        {"mean": statistics.fmean(values)},
    )


def _sum(code: str, unit: str, figures: list[Estimate | None], reason: str) -> Kpi:
    known = [f for f in figures if f is not None and f.known]
    missing = len(figures) - len(known)
    if not known:
        return Kpi(
            code,
            Estimate.unknown(
                unit, reason if not figures else f"no figure for the {len(figures)} incident(s) of the period"
            ),
            0,
            {"without_figure": missing},
        )
    total = known[0]
    for f in known[1:]:
        total = total + f
    return Kpi(code, total, len(known), {"without_figure": missing})


def compute(
    tickets: Iterable[TicketRecord],
    start: datetime,
    end: datetime,
    *,
    problems_open: int = 0,
    known_errors: int = 0,
    recurring_groups: int = 0,
    maintenance_overdue: int = 0,
) -> dict[str, Kpi]:
    """The indicators of [start, end)."""
    rows = list(tickets)
    opened = [t for t in rows if _in(t.opened_at, start, end)]
    solved = [t for t in rows if _in(t.solved_at, start, end)]
    backlog = [t for t in rows if t.opened_at < end and (t.solved_at is None or t.solved_at >= end)]
    old = [t for t in backlog if end - t.opened_at > timedelta(days=30)]
    by_priority: dict[str, int] = {}
    for t in backlog:
        by_priority[str(t.priority)] = by_priority.get(str(t.priority), 0) + 1
    owned = [t for t in rows if _in(t.owned_at, start, end) and t.own_minutes is not None]
    survey = [t.satisfaction for t in solved if t.satisfaction]
    incidents = [t for t in opened if t.kind == "incident"]
    out = [
        _count("sd.backlog", len(backlog), {"by_priority": by_priority, "older_than_30_days": len(old)}),
        _count(
            "sd.opened",
            len(opened),
            {
                "incidents": sum(t.kind == "incident" for t in opened),
                "requests": sum(t.kind == "request" for t in opened),
            },
        ),
        _count("sd.solved", len(solved)),
        _durations(
            "sd.time_to_own",
            [t.own_minutes for t in owned if t.own_minutes is not None],
            "no ticket was taken into account in the period",
        ),
        _durations(
            "sd.time_to_resolve",
            [t.resolve_minutes for t in solved if t.resolve_minutes is not None],
            "no ticket was solved in the period",
        ),
        _ratio(
            "sd.sla_resolve_compliance",
            sum(1 for t in solved if t.resolve_met),
            sum(1 for t in solved if t.resolve_met is not None),
            "no ticket was solved in the period",
        ),
        _ratio(
            "sd.sla_own_compliance",
            sum(1 for t in owned if t.own_met),
            sum(1 for t in owned if t.own_met is not None),
            "no ticket was taken into account in the period",
        ),
        _ratio(
            "sd.first_contact_resolution",
            sum(1 for t in solved if t.first_contact),
            sum(1 for t in solved if t.first_contact is not None),
            "no ticket was solved in the period",
        ),
        (
            Kpi(
                "sd.satisfaction",
                Estimate(statistics.fmean(survey), SCORE, min(survey), max(survey), Status.MEASURED),
                len(survey),
                {"answer_rate": len(survey) / len(solved)},
            )
            if survey
            else Kpi("sd.satisfaction", Estimate.unknown(SCORE, "no satisfaction survey answered"))
        ),
        _count(
            "sd.problems_open",
            problems_open,
            {"known_errors": known_errors, "recurring_without_problem": recurring_groups},
        ),
        _sum("sd.incident_energy", KWH, [t.energy_kwh for t in incidents], "no incident in the period"),
        _sum("sd.incident_emissions", KG, [t.kgco2e for t in incidents], "no incident in the period"),
        _sum("sd.incident_cost", EUR, [t.cost_eur for t in incidents], "no incident in the period"),
        _count("sd.maintenance_overdue", maintenance_overdue),
    ]
    return {k.code: k for k in out}


def months(year: int, timezone: str = "Europe/Paris") -> list[tuple[datetime, datetime]]:
    """The twelve months of ``year`` in the desk's time zone, as [start, end) instants."""
    from zoneinfo import ZoneInfo

    zone = ZoneInfo(timezone)
    bounds = [datetime(year, m, 1, tzinfo=zone) for m in range(1, 13)] + [
        datetime(year + 1, 1, 1, tzinfo=zone)
    ]
    return list(zip(bounds, bounds[1:], strict=False))
