"""Preventive maintenance schedules: the next date of a task repeated every N days, weeks, months or years.

Months and years keep the day of the month, moved back to the month's last day when it has fewer days
(a task done on 31 January every month is next due on 28 or 29 February).
"""

from __future__ import annotations

import calendar
from datetime import date, timedelta

UNITS = ("days", "weeks", "months", "years")


def add_months(day: date, months: int) -> date:
    total = day.year * 12 + (day.month - 1) + months
    year, month = divmod(total, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def next_due(done_on: date, every: int, unit: str) -> date:
    """The date a task done on ``done_on`` is due again."""
    if every < 1:
        raise ValueError("a task repeats every 1 or more units")
    if unit == "days":
        return done_on + timedelta(days=every)
    if unit == "weeks":
        return done_on + timedelta(weeks=every)
    if unit == "months":
        return add_months(done_on, every)
    if unit == "years":
        return add_months(done_on, 12 * every)
    raise ValueError(f"unknown unit {unit!r}; one of {', '.join(UNITS)}")


def occurrences(first: date, every: int, unit: str, until: date) -> list[date]:
    """Every due date from ``first`` to ``until`` (a yearly calendar of the plan), counted from ``first``
    so that a month-end date does not drift."""
    out: list[date] = []
    k = 0
    while True:
        if unit in ("months", "years"):
            day = add_months(first, k * every * (12 if unit == "years" else 1))
        else:
            day = first + timedelta(days=k * every * (7 if unit == "weeks" else 1))
        if day > until:
            return out
        out.append(day)
        k += 1
