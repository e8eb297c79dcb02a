"""Business time: opening hours per weekday in a time zone, public holidays computed, pauses removed.

A :class:`Calendar` says when the service desk is open: segments per weekday in local time (several a day,
for a lunch break), the country (and subdivision) whose public holidays close it, computed by the
``holidays`` library (Easter Monday, Ascension and Whit Monday move every year; Alsace-Moselle,
subdivision ``57``, ``67`` or ``68``, adds Good Friday and St Stephen's Day), extra closed days (a bridge
day) and holidays worked anyway (Whit Monday as "journée de solidarité").  Daylight-saving changes are
handled by the time zone: opening hours are local wall-clock times.

:func:`business_seconds` measures business time between two instants and :func:`add_business` finds the
instant a given amount of business time after another; both leave out *pauses* (a ticket pending), which may
be still open (``end is None``).  All instants are timezone-aware.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sobre.core.errors import InputError

Segment = tuple[time, time]
Pause = tuple[datetime, datetime | None]

#: Sobre's default opening hours: Monday to Friday, 08:30–12:30 and 13:30–17:30 (8 h a day).
OFFICE_HOURS: dict[int, tuple[Segment, ...]] = {
    d: ((time(8, 30), time(12, 30)), (time(13, 30), time(17, 30))) for d in range(5)
}
#: GLPI's default calendar: Monday to Friday, 08:00–20:00.
GLPI_HOURS: dict[int, tuple[Segment, ...]] = {d: ((time(8, 0), time(20, 0)),) for d in range(5)}
#: Every hour of every day (an SLA counted in calendar time).
ALWAYS: dict[int, tuple[Segment, ...]] = {d: ((time(0, 0), time(0, 0)),) for d in range(7)}

#: How far :func:`add_business` looks ahead before deciding the target can never be reached.
_HORIZON_DAYS = 366 * 20


@lru_cache(maxsize=256)
def _public_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    import holidays

    try:
        return dict(holidays.country_holidays(country, subdiv=subdivision, years=year))
    except NotImplementedError:
        raise InputError(
            "no public-holiday calendar for this country", column="country", value=country
        ) from None
    except ValueError as exc:
        raise InputError(str(exc), column="subdivision", value=subdivision) from None


def _aware(moment: datetime, what: str) -> datetime:
    if moment.tzinfo is None:
        raise ValueError(f"{what} must be timezone-aware: {moment!r}")
    return moment


@dataclass(frozen=True)
class Calendar:
    """When the desk is open."""

    timezone: str = "Europe/Paris"
    #: Weekday (0 = Monday) → opening segments in local time; an end of 00:00 means midnight.
    week: Mapping[int, tuple[Segment, ...]] = field(default_factory=lambda: OFFICE_HOURS)
    #: ISO 3166 country whose public holidays close the desk (None: no holidays).
    country: str | None = "FR"
    subdivision: str | None = None
    #: Extra closed days, and public holidays worked anyway.
    closed: frozenset[date] = frozenset()
    worked: frozenset[date] = frozenset()

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise InputError("unknown time zone", column="timezone", value=self.timezone) from None
        total = 0.0
        for day, segments in self.week.items():
            if day not in range(7):
                raise InputError("a weekday is 0 (Monday) to 6 (Sunday)", column="week", value=day)
            previous_end = 0.0
            for start, end in segments:
                a, b = _seconds(start), _seconds(end, end_of_day=True)
                if b <= a or a < previous_end:
                    raise InputError(
                        "opening segments must be ordered and each end after it starts",
                        column=f"week day {day}",
                        value=f"{start:%H:%M}-{end:%H:%M}",
                    )
                previous_end = b
                total += b - a
        if total == 0:
            raise InputError("the calendar is never open", column="week", value="no opening hours")
        if self.country:
            _public_holidays(self.country, self.subdivision, 2000)  # fail early on a bad country

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def holidays(self, year: int) -> dict[date, str]:
        """Public holidays of ``year`` that close the desk (name by date), worked ones left out."""
        found = _public_holidays(self.country, self.subdivision, year) if self.country else {}
        return {d: n for d, n in found.items() if d not in self.worked}

    def is_closed(self, day: date) -> bool:
        return day in self.closed or day in self.holidays(day.year)

    def opening(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open intervals of one local day, as UTC instants (none on a closed day)."""
        if self.is_closed(day):
            return []
        zone = self.zone
        out = []
        for start, end in self.week.get(day.weekday(), ()):
            a = datetime.combine(day, start, tzinfo=zone)
            b = (
                datetime.combine(day + timedelta(days=1), time(0), tzinfo=zone)
                if end == time(0)
                else datetime.combine(day, end, tzinfo=zone)
            )
            out.append((a.astimezone(UTC), b.astimezone(UTC)))
        return out

    def weekly_hours(self) -> float:
        return (
            sum(_seconds(b, end_of_day=True) - _seconds(a) for segs in self.week.values() for a, b in segs)
            / 3600
        )


def _seconds(t: time, end_of_day: bool = False) -> float:
    if end_of_day and t == time(0):
        return 86400.0
    return t.hour * 3600 + t.minute * 60 + t.second


def always_open() -> Calendar:
    """Every hour counts (an SLA in calendar time)."""
    return Calendar(timezone="UTC", week=ALWAYS, country=None)


def _open_from(cal: Calendar, start: datetime) -> Iterator[tuple[datetime, datetime]]:
    """Open intervals from ``start`` on, in order, the first one cut at ``start``."""
    day = start.astimezone(cal.zone).date() - timedelta(days=1)  # a segment of the day before may run on
    for _ in range(_HORIZON_DAYS):
        for a, b in cal.opening(day):
            if b > start:
                yield max(a, start), b
        day += timedelta(days=1)


def _clean_pauses(pauses: Iterable[Pause]) -> list[Pause]:
    out = []
    for a, b in sorted(pauses, key=lambda p: p[0]):
        _aware(a, "a pause start")
        if b is not None and _aware(b, "a pause end") <= a:
            continue
        out.append((a, b))
    return out


def _without_pauses(a: datetime, b: datetime, pauses: Sequence[Pause]) -> Iterator[tuple[datetime, datetime]]:
    """Pieces of [a, b) outside every pause."""
    cursor = a
    for p_start, p_end in pauses:
        if p_end is not None and p_end <= cursor:
            continue
        if p_start >= b:
            break
        if p_start > cursor:
            yield cursor, p_start
        if p_end is None:
            return
        cursor = max(cursor, p_end)
        if cursor >= b:
            return
    if cursor < b:
        yield cursor, b


def business_seconds(cal: Calendar, start: datetime, end: datetime, pauses: Iterable[Pause] = ()) -> float:
    """Business time in [start, end), pauses left out; 0 when ``end`` is not after ``start``."""
    _aware(start, "start")
    _aware(end, "end")
    if end <= start:
        return 0.0
    clean = _clean_pauses(pauses)
    total = 0.0
    for a, b in _open_from(cal, start):
        if a >= end:
            break
        for x, y in _without_pauses(a, min(b, end), clean):
            total += (y - x).total_seconds()
    return total


def add_business(
    cal: Calendar, start: datetime, seconds: float, pauses: Iterable[Pause] = ()
) -> datetime | None:
    """The instant when ``seconds`` of business time have passed since ``start``, pauses left out.

    None when a pause still open stops the clock before the target is reached (the due date is suspended).
    A target of zero is reached at ``start`` itself.
    """
    _aware(start, "start")
    if seconds < 0:
        raise ValueError("a duration cannot be negative")
    if seconds == 0:
        return start
    clean = _clean_pauses(pauses)
    open_pause = next((p[0] for p in clean if p[1] is None), None)
    remaining = float(seconds)
    for a, b in _open_from(cal, start):
        if open_pause is not None and a >= open_pause:
            return None
        for x, y in _without_pauses(a, b, clean):
            span = (y - x).total_seconds()
            if span >= remaining:
                return x + timedelta(seconds=remaining)
            remaining -= span
    raise InputError("the calendar opens too seldom to reach this target", value=seconds)


def parse_week(text: str) -> dict[int, tuple[Segment, ...]]:
    """Read opening hours written ``mon-fri 08:30-12:30,13:30-17:30; sat 09:00-12:00``."""
    names = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}
    names |= {"lun": 0, "mar": 1, "mer": 2, "jeu": 3, "ven": 4, "sam": 5, "dim": 6}
    week: dict[int, tuple[Segment, ...]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        days_text, _, hours_text = part.partition(" ")
        first, _, last = days_text.lower().partition("-")
        if first[:3] not in names or (last and last[:3] not in names):
            raise InputError("unknown weekday", column="hours", value=days_text, expected="mon … sun")
        lo, hi = names[first[:3]], names[(last or first)[:3]]
        days = range(lo, hi + 1) if lo <= hi else [*range(lo, 7), *range(0, hi + 1)]
        segments = []
        for chunk in filter(None, (c.strip() for c in hours_text.split(","))):
            try:
                a, b = (time.fromisoformat(x.strip().replace("24:00", "00:00")) for x in chunk.split("-"))
            except ValueError:
                raise InputError(
                    "not a time range", column="hours", value=chunk, expected="08:30-12:30"
                ) from None
            segments.append((a, b))
        for d in days:
            week[d] = tuple(segments)
    return week


def format_week(week: Mapping[int, tuple[Segment, ...]]) -> str:
    """The inverse of :func:`parse_week`, one weekday a part."""
    names = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
    return "; ".join(
        f"{names[d]} " + ",".join(f"{a:%H:%M}-{b:%H:%M}".replace("-00:00", "-24:00") for a, b in week[d])
        for d in sorted(week)
        if week[d]
    )
