"""The priority matrix and the SLA clock on hand-written timelines: business hours, holidays, pauses."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from sobre.core.errors import InputError
from sobre.servicedesk.businesstime import (
    GLPI_HOURS,
    Calendar,
    add_business,
    always_open,
    business_seconds,
    format_week,
    parse_week,
)
from sobre.servicedesk.priority import DEFAULT, GLPI_DEFAULT, Matrix, glpi_mask, levels_from_mask
from sobre.servicedesk.sla import Kind, Level, State, Status, Target, Timeline, clock

PARIS = ZoneInfo("Europe/Paris")
CAL = Calendar()  # Europe/Paris, Mon–Fri 08:30–12:30 and 13:30–17:30, French public holidays


def at(y: int, m: int, d: int, hh: int, mm: int = 0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=PARIS)


# ---------------------------------------------------------------- priority


@pytest.mark.parametrize(
    ("urgency", "impact", "priority"),
    [(1, 1, 1), (1, 5, 2), (5, 1, 2), (2, 4, 3), (4, 2, 3), (3, 3, 3), (3, 4, 4), (4, 5, 5), (5, 5, 5)],
)
def test_default_matrix_is_glpis(urgency: int, impact: int, priority: int) -> None:
    assert DEFAULT.priority(urgency, impact) == priority
    assert DEFAULT.priority(str(urgency), str(impact)) == priority


def test_matrix_from_glpis_setting_and_back() -> None:
    glpi_setting = (
        '{"1":{"1":1,"2":1,"3":2,"4":2,"5":2},"2":{"1":1,"2":2,"3":2,"4":3,"5":3},'
        '"3":{"1":2,"2":2,"3":3,"4":4,"5":4},"4":{"1":2,"2":3,"3":4,"4":4,"5":5},'
        '"5":{"1":2,"2":3,"3":4,"4":5,"5":5}}'
    )
    m = Matrix.from_json(glpi_setting)
    assert m.rows() == [[GLPI_DEFAULT[u][i] for i in range(1, 6)] for u in range(1, 6)]
    assert Matrix.from_json(m.to_json()) == m


def test_a_custom_matrix_and_levels_switched_off() -> None:
    strict = Matrix.from_rows(
        [[1, 1, 1, 2, 2], [1, 2, 2, 3, 3], [2, 2, 3, 4, 5], [2, 3, 4, 5, 6], [3, 4, 5, 6, 6]],
        urgencies=frozenset({2, 3, 4}),
    )
    assert strict.priority(4, 5) == 6  # major from the matrix
    assert strict.priority(3, 5) == 5
    with pytest.raises(InputError, match="urgency.*value '5'"):
        strict.priority(5, 1)
    with pytest.raises(InputError, match="impact"):
        strict.priority(3, 0)
    with pytest.raises(InputError, match="medium"):
        Matrix(impacts=frozenset({1, 2, 4, 5}))
    with pytest.raises(InputError, match="not a priority"):
        Matrix.from_rows([[1] * 5] * 4 + [[1, 1, 1, 1, 7]])
    assert glpi_mask(range(1, 6)) == 62  # GLPI's default urgency_mask and impact_mask
    assert levels_from_mask(62) == frozenset({1, 2, 3, 4, 5})


# ---------------------------------------------------------------- business time


def test_business_time_over_a_weekend() -> None:
    # Friday 2 May 2025, 16:00: 1 h 30 left that day, then Monday from 08:30.
    assert add_business(CAL, at(2025, 5, 2, 16), 4 * 3600) == at(2025, 5, 5, 11)
    assert business_seconds(CAL, at(2025, 5, 2, 16), at(2025, 5, 5, 11)) == 4 * 3600


def test_a_public_holiday_is_skipped() -> None:
    # Wednesday 7 May 2025 17:00; Thursday 8 May (Victoire 1945) is closed; Friday 8 h of opening.
    assert add_business(CAL, at(2025, 5, 7, 17), 8 * 3600) == at(2025, 5, 9, 17)
    # Ascension (29 May 2025) and Whit Monday (9 June 2025) are computed, not listed.
    assert CAL.is_closed(date(2025, 5, 29)) and CAL.is_closed(date(2025, 6, 9))
    assert CAL.is_closed(date(2026, 5, 14)) and CAL.is_closed(date(2026, 5, 25))
    # Whit Monday worked as the "journée de solidarité":
    worked = Calendar(worked=frozenset({date(2025, 6, 9)}))
    assert add_business(worked, at(2025, 6, 6, 17), 3600) == at(2025, 6, 9, 9)
    assert add_business(CAL, at(2025, 6, 6, 17), 3600) == at(2025, 6, 10, 9)


def test_alsace_moselle_closes_on_good_friday() -> None:
    moselle = Calendar(subdivision="57")
    # Thursday 17 April 2025 17:00 + 1 h: Good Friday (18th) and Easter Monday (21st) are closed there.
    assert add_business(moselle, at(2025, 4, 17, 17), 3600) == at(2025, 4, 22, 9)
    assert add_business(CAL, at(2025, 4, 17, 17), 3600) == at(2025, 4, 18, 9)


def test_daylight_saving_change() -> None:
    # Friday 28 March 2025 17:00 CET (UTC+1) + 1 h: Monday 31 March 09:00 CEST (UTC+2) = 07:00 UTC.
    due = add_business(CAL, at(2025, 3, 28, 17), 3600)
    assert due == datetime(2025, 3, 31, 7, 0, tzinfo=UTC)


def test_start_outside_opening_hours_and_lunch_break() -> None:
    # Saturday: the clock starts on Monday 08:30.
    assert add_business(CAL, at(2025, 6, 7, 10), 30 * 60) == at(2025, 6, 9 + 1, 9)  # 9 June is Whit Monday
    # 12:00 + 1 h crosses the lunch break.
    assert add_business(CAL, at(2025, 6, 3, 12), 3600) == at(2025, 6, 3, 14)
    assert add_business(CAL, at(2025, 6, 3, 12), 0) == at(2025, 6, 3, 12)


def test_glpi_calendar_and_calendar_time() -> None:
    glpi = Calendar(week=GLPI_HOURS)
    assert add_business(glpi, at(2025, 6, 3, 19), 2 * 3600) == at(2025, 6, 4, 9)
    assert add_business(always_open(), at(2025, 6, 7, 23), 2 * 3600) == at(2025, 6, 8, 1)


def test_week_text_round_trip_and_errors() -> None:
    week = parse_week("mon-fri 08:30-12:30,13:30-17:30; sat 09:00-12:00")
    assert week[5] == ((time(9), time(12)),) and 6 not in week
    assert parse_week(format_week(week)) == week
    with pytest.raises(InputError, match="weekday"):
        parse_week("moon 08:00-12:00")
    with pytest.raises(InputError, match="ordered"):
        Calendar(week={0: ((time(12), time(8)),)})
    with pytest.raises(InputError, match="time zone"):
        Calendar(timezone="Mars/Olympus")
    with pytest.raises(InputError, match="never open"):
        Calendar(week={})


def test_pauses_are_left_out() -> None:
    pause = [(at(2025, 6, 2, 10), at(2025, 6, 2, 14))]
    assert add_business(CAL, at(2025, 6, 2, 9), 4 * 3600, pause) == at(2025, 6, 2, 17)
    assert business_seconds(CAL, at(2025, 6, 2, 9), at(2025, 6, 2, 17), pause) == 4 * 3600
    # A pause still open suspends the due date.
    assert add_business(CAL, at(2025, 6, 2, 9), 4 * 3600, [(at(2025, 6, 2, 10), None)]) is None
    # ... unless the target was reached before it began.
    assert add_business(CAL, at(2025, 6, 2, 9), 1800, [(at(2025, 6, 2, 10), None)]) == at(2025, 6, 2, 9, 30)


# ---------------------------------------------------------------- SLA clock

RESOLVE_4H = Target(Kind.RESOLVE, 240)


def timeline(opened: datetime, *changes: tuple[datetime, Status], owned: datetime | None = None) -> Timeline:
    return Timeline(opened, tuple(changes), owned)


def test_time_to_own_met_and_breached() -> None:
    own = Target(Kind.OWN, 30)
    opened = at(2025, 6, 2, 9)
    met = clock(own, timeline(opened, owned=at(2025, 6, 2, 9, 20)), CAL, at(2025, 6, 2, 12))
    assert (met.state, met.due, met.elapsed_s) == (State.MET, at(2025, 6, 2, 9, 30), 20 * 60)
    late = clock(own, timeline(opened, owned=at(2025, 6, 2, 9, 45)), CAL, at(2025, 6, 2, 12))
    assert (late.state, late.breached_at) == (State.BREACHED, at(2025, 6, 2, 9, 30))
    waiting = clock(own, timeline(opened), CAL, at(2025, 6, 2, 9, 10))
    assert (waiting.state, waiting.remaining_s) == (State.RUNNING, 20 * 60)


def test_pending_moves_the_due_date() -> None:
    opened = at(2025, 6, 2, 9)
    pending = (at(2025, 6, 2, 10), Status.PENDING)
    back = (at(2025, 6, 2, 14), Status.ASSIGNED)
    ok = clock(
        RESOLVE_4H,
        timeline(opened, pending, back, (at(2025, 6, 2, 16, 30), Status.SOLVED)),
        CAL,
        at(2025, 6, 3, 9),
    )
    assert (ok.due, ok.state, ok.elapsed_s) == (at(2025, 6, 2, 17), State.MET, 3.5 * 3600)
    late = clock(
        RESOLVE_4H,
        timeline(opened, pending, back, (at(2025, 6, 2, 17, 15), Status.SOLVED)),
        CAL,
        at(2025, 6, 3, 9),
    )
    assert (late.state, late.breached_at) == (State.BREACHED, at(2025, 6, 2, 17))
    # Still pending the next day: the due date is suspended, one hour has run.
    paused = clock(RESOLVE_4H, timeline(opened, pending), CAL, at(2025, 6, 3, 12))
    assert (paused.state, paused.due, paused.elapsed_s) == (State.PAUSED, None, 3600)


def test_a_reopened_ticket_resumes_where_it_stopped() -> None:
    target = Target(Kind.RESOLVE, 120)
    tl = timeline(
        at(2025, 6, 3, 9),
        (at(2025, 6, 3, 10), Status.SOLVED),
        (at(2025, 6, 4, 9), Status.ASSIGNED),
        (at(2025, 6, 4, 9, 45), Status.SOLVED),
        (at(2025, 6, 5, 9), Status.CLOSED),
    )
    c = clock(target, tl, CAL, at(2025, 6, 6, 9))
    assert (c.due, c.done_at, c.state, c.elapsed_s) == (
        at(2025, 6, 4, 10),
        at(2025, 6, 4, 9, 45),
        State.MET,
        6300,
    )


def test_escalation_levels_fire_before_at_and_after_the_breach() -> None:
    levels = (Level(-60, "notify", "assignee"), Level(0, "notify", "group"), Level(480, "raise_priority"))
    target = Target(Kind.RESOLVE, 240, levels)
    c = clock(target, timeline(at(2025, 6, 2, 9)), CAL, at(2025, 6, 2, 15))
    assert c.due == at(2025, 6, 2, 14) and c.state is State.BREACHED
    assert [(f.level.offset_minutes, f.at) for f in c.fired] == [
        (-60, at(2025, 6, 2, 12)),
        (0, at(2025, 6, 2, 14)),
    ]
    assert c.upcoming is not None and c.upcoming.at == at(2025, 6, 3, 14)
    # Solved before the warning: nothing fires.
    done = clock(
        target, timeline(at(2025, 6, 2, 9), (at(2025, 6, 2, 11), Status.SOLVED)), CAL, at(2025, 6, 4, 9)
    )
    assert done.state is State.MET and done.fired == () and done.upcoming is None
