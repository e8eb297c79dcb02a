"""The SLA clock: time to own and time to resolve, on a business calendar, paused while a ticket waits.

A ticket's timeline is its opening instant and its status changes.  Two clocks run from the opening:

- **time to own** (TTO) stops when an agent takes the ticket into account (assignment or first answer);
- **time to resolve** (TTR) stops when the ticket is solved.  While it is *pending* (waiting for the user or
  a supplier) the clock is paused; a ticket solved then reopened was not running while it stood solved, so
  that stretch is a pause as well (the clock resumes at the reopening).

Due dates move with the pauses, as in GLPI: the due date is the instant at which the target amount of
*business* time has run.  While a pause is still open and the target is not yet reached, the due date is
suspended (None).  A clock whose due date passed before it stopped is breached; escalation levels fire at
offsets from the due date (negative: before it, e.g. a warning 30 minutes before; 0: at the breach;
positive: after it), offsets counted in business time as well.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from sobre.core.errors import InputError
from sobre.servicedesk.businesstime import Calendar, Pause, add_business, business_seconds


class Status(StrEnum):
    """ITIL statuses, GLPI's six (with GLPI's numbers for imports)."""

    NEW = "new"
    ASSIGNED = "assigned"
    PLANNED = "planned"
    PENDING = "pending"
    SOLVED = "solved"
    CLOSED = "closed"


def status_named(name: str, *, extra: Sequence[str] = ()) -> Status:
    """The status called ``name``, or a refusal at the ``status`` field listing the statuses (and any
    ``extra`` words the caller also accepts, such as a list's ``open`` and ``all``)."""
    try:
        return Status(name)
    except ValueError:
        expected = ", ".join([*(s.value for s in Status), *extra])
        raise InputError("unknown status", column="status", value=name, expected=expected) from None


GLPI_STATUS = {
    1: Status.NEW,
    2: Status.ASSIGNED,
    3: Status.PLANNED,
    4: Status.PENDING,
    5: Status.SOLVED,
    6: Status.CLOSED,
}
OPEN = (Status.NEW, Status.ASSIGNED, Status.PLANNED, Status.PENDING)
DONE = (Status.SOLVED, Status.CLOSED)
#: Which status may follow which (a closed ticket is final; a solved one may be reopened or closed).
TRANSITIONS: dict[Status, tuple[Status, ...]] = {
    Status.NEW: (Status.ASSIGNED, Status.PLANNED, Status.PENDING, Status.SOLVED, Status.CLOSED),
    Status.ASSIGNED: (Status.NEW, Status.PLANNED, Status.PENDING, Status.SOLVED, Status.CLOSED),
    Status.PLANNED: (Status.ASSIGNED, Status.PENDING, Status.SOLVED, Status.CLOSED),
    Status.PENDING: (Status.ASSIGNED, Status.PLANNED, Status.SOLVED, Status.CLOSED),
    Status.SOLVED: (Status.ASSIGNED, Status.CLOSED),
    Status.CLOSED: (),
}


class Kind(StrEnum):
    OWN = "own"
    RESOLVE = "resolve"


class State(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True)
class Level:
    """An escalation level: ``action`` towards ``target`` at ``offset_minutes`` from the due date."""

    offset_minutes: int
    action: str = "notify"  # notify, raise_priority, assign_group
    target: str = ""


@dataclass(frozen=True)
class Target:
    """One SLA target: ``minutes`` of business time, with its escalation levels."""

    kind: Kind
    minutes: int
    levels: tuple[Level, ...] = ()


@dataclass(frozen=True)
class Timeline:
    """What the clock reads: opening, status changes (in order) and the instant the ticket was owned."""

    opened_at: datetime
    changes: tuple[tuple[datetime, Status], ...] = ()
    owned_at: datetime | None = None

    def status_at_end(self) -> Status:
        return self.changes[-1][1] if self.changes else Status.NEW


@dataclass(frozen=True)
class Fired:
    level: Level
    at: datetime


@dataclass(frozen=True)
class Clock:
    kind: Kind
    target_s: float
    due: datetime | None
    done_at: datetime | None
    elapsed_s: float
    state: State
    breached_at: datetime | None = None
    fired: tuple[Fired, ...] = field(default_factory=tuple)
    #: The next escalation still to come (level and instant), if any.
    upcoming: Fired | None = None

    @property
    def remaining_s(self) -> float:
        return self.target_s - self.elapsed_s


def _intervals(timeline: Timeline, statuses: Sequence[Status]) -> list[Pause]:
    """Intervals the ticket spent in ``statuses`` (the last one open if it is still there)."""
    out: list[Pause] = []
    since: datetime | None = None
    for at, status in timeline.changes:
        if status in statuses and since is None:
            since = at
        elif status not in statuses and since is not None:
            out.append((since, at))
            since = None
    if since is not None:
        out.append((since, None))
    return out


def resolution(timeline: Timeline) -> tuple[datetime | None, list[Pause]]:
    """When the ticket was (last) solved, if it stands solved or closed now, and the TTR pauses.

    Pauses are the pending stretches and the solved stretches that ended in a reopening.
    """
    pending = _intervals(timeline, (Status.PENDING,))
    done = _intervals(timeline, DONE)
    solved_at = None
    if done and done[-1][1] is None:
        solved_at = done[-1][0]
        done = done[:-1]
    return solved_at, sorted(pending + done, key=lambda p: p[0])


def _fire_at(
    cal: Calendar, level: Level, opened: datetime, target_s: float, due: datetime | None, pauses: list[Pause]
) -> datetime | None:
    if level.offset_minutes <= 0:
        return add_business(cal, opened, max(0.0, target_s + level.offset_minutes * 60), pauses)
    return None if due is None else add_business(cal, due, level.offset_minutes * 60, pauses)


def clock(target: Target, timeline: Timeline, cal: Calendar, now: datetime) -> Clock:
    """The state of one SLA target of a ticket at ``now``."""
    if target.minutes < 0:
        raise ValueError("an SLA target cannot be negative")
    opened = timeline.opened_at
    target_s = target.minutes * 60.0
    if target.kind is Kind.OWN:
        done_at = timeline.owned_at
        pauses = _intervals(timeline, (Status.PENDING,))
    else:
        done_at, pauses = resolution(timeline)
    if done_at is not None:
        # What happens after the clock stopped does not move it.
        pauses = [(a, b if b is None or b <= done_at else done_at) for a, b in pauses if a < done_at]
    due = add_business(cal, opened, target_s, pauses)
    stop = done_at if done_at is not None else now
    elapsed = business_seconds(cal, opened, max(stop, opened), pauses)
    breached_at = due if due is not None and due < stop else None
    if done_at is not None:
        state = State.BREACHED if breached_at else State.MET
    elif breached_at is not None:
        state = State.BREACHED
    elif due is None:
        state = State.PAUSED
    else:
        state = State.RUNNING
    fired: list[Fired] = []
    upcoming: Fired | None = None
    for level in sorted(target.levels, key=lambda lv: lv.offset_minutes):
        at = _fire_at(cal, level, opened, target_s, due, pauses)
        if at is None:
            continue
        if at < stop or (done_at is None and at == stop):
            fired.append(Fired(level, at))
        elif done_at is None and upcoming is None:
            upcoming = Fired(level, at)
    return Clock(target.kind, target_s, due, done_at, elapsed, state, breached_at, tuple(fired), upcoming)


#: Sobre's default targets per priority (business minutes): own, resolve.  These are starting values for
#: an organisation to adjust, not figures from a published source; they are shown with the status "default".
DEFAULT_TARGETS: dict[int, tuple[int, int]] = {
    6: (15, 120),
    5: (30, 240),
    4: (60, 480),
    3: (240, 960),
    2: (480, 2400),
    1: (960, 4800),
}
#: Default escalation of the time to resolve: warn the assignee an hour before, the group at the breach,
#: raise the priority a business day (8 h) later.
DEFAULT_LEVELS: tuple[Level, ...] = (
    Level(-60, "notify", "assignee"),
    Level(0, "notify", "group"),
    Level(480, "raise_priority", ""),
)


def default_targets(priority: int) -> tuple[Target, Target]:
    own, resolve = DEFAULT_TARGETS[priority]
    return Target(Kind.OWN, own), Target(Kind.RESOLVE, resolve, DEFAULT_LEVELS)
