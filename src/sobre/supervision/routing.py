"""What happens to a firing alert: silences, maintenance windows, inhibition, grouping and escalation.

Pure functions over plain data, applied in Alertmanager's order: an alert muted by a silence or a
maintenance window, or inhibited by another alert (a host down mutes that host's other alerts), sends
nothing; the others are grouped (one message per group, channel and step) and escalated step by step
while nobody acknowledges them.

Escalation policy: a list of steps, each "after N minutes of firing, if the grade is at least G, tell
TARGET through CHANNEL".  Steps fire once each per alert; an acknowledged or resolved alert escalates no
further, and the targets already told of an alert are told when it resolves.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sobre.supervision.grading import Grade

Labels = Mapping[str, str]

_MATCHER = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*\"?(.*?)\"?\s*$")


@dataclass(frozen=True)
class Matcher:
    name: str
    op: str  # =, !=, =~, !~
    value: str

    def matches(self, labels: Labels) -> bool:
        held = labels.get(self.name, "")
        if self.op == "=":
            return held == self.value
        if self.op == "!=":
            return held != self.value
        found = re.fullmatch(self.value, held) is not None
        return found if self.op == "=~" else not found


def parse_matchers(text: str) -> tuple[Matcher, ...]:
    """``host=web01,alertname=~"Disk.*"`` → matchers (Alertmanager's syntax; commas separate)."""
    out = []
    for part in (p for p in text.split(",") if p.strip()):
        m = _MATCHER.match(part)
        if not m:
            raise ValueError(
                f"not a matcher: {part.strip()!r} (expected e.g. host=web01 or alertname=~Disk.*)"
            )
        name, op, value = m.groups()
        if op in ("=~", "!~"):
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"bad regular expression in {part.strip()!r}: {exc}") from None
        out.append(Matcher(name, op, value))
    if not out:
        raise ValueError("at least one matcher is needed")
    return tuple(out)


def matches_all(matchers: Iterable[Matcher], labels: Labels) -> bool:
    return all(m.matches(labels) for m in matchers)


@dataclass(frozen=True)
class Silence:
    """Mutes matching alerts between ``starts`` and ``ends``; a maintenance window may repeat weekly."""

    id: int
    matchers: tuple[Matcher, ...]
    starts: datetime
    ends: datetime
    kind: str = "silence"  # silence or maintenance
    #: Weekly repetition: weekdays (0 = Monday) on which the window opens at ``starts``'s time of day
    #: (in ``timezone``) and lasts ``ends - starts``; ``until`` bounds the repetition.
    weekdays: tuple[int, ...] = ()
    timezone: str = "UTC"
    until: datetime | None = None

    def active_at(self, at: datetime) -> bool:
        if not self.weekdays:
            return self.starts <= at < self.ends
        if at < self.starts or (self.until is not None and at >= self.until):
            return False
        zone = ZoneInfo(self.timezone)
        length = self.ends - self.starts
        start_local = self.starts.astimezone(zone)
        local = at.astimezone(zone)
        # The window that may cover ``at`` opened today or on one of the days before (a window may
        # cross midnight or last several days).
        for back in range(0, length.days + 2):
            day = (local - timedelta(days=back)).date()
            if day.weekday() not in self.weekdays:
                continue
            opened = datetime.combine(day, start_local.timetz().replace(tzinfo=None), tzinfo=zone)
            if opened <= local < opened + length:
                return True
        return False


@dataclass(frozen=True)
class Inhibition:
    """While an alert matching ``source`` fires, alerts matching ``target`` with the same ``equal``
    labels are muted (Alertmanager's ``inhibit_rules``)."""

    source: tuple[Matcher, ...]
    target: tuple[Matcher, ...]
    equal: tuple[str, ...] = ("host",)


#: Sobre's default: a host that is down mutes the other alerts of that host.
HOST_DOWN_INHIBITION = Inhibition(
    source=(Matcher("alertname", "=", "HostDown"),),
    target=(Matcher("alertname", "!=", "HostDown"),),
    equal=("host",),
)


@dataclass(frozen=True)
class Step:
    after_minutes: float
    channel: str  # email or webhook
    target: str  # address or URL
    min_grade: Grade = Grade.MINOR


@dataclass
class Alert:
    """What routing needs to know of an alert."""

    id: int
    labels: dict[str, str]
    grade: Grade
    state: str  # firing or resolved
    started: datetime
    acknowledged: bool = False
    ended: datetime | None = None


@dataclass(frozen=True)
class Notification:
    """One message: a group of alerts, to one target through one channel, at one escalation step."""

    channel: str
    target: str
    step: int  # index in the policy; -1 - i for the resolution message to step i's target
    group: tuple[tuple[str, str], ...]
    alert_ids: tuple[int, ...]
    kind: str = "firing"  # firing or resolved


@dataclass
class Decision:
    """The outcome of one routing pass."""

    notifications: list[Notification] = field(default_factory=list)
    #: alert id → why it is muted: ``silence:<id>``, ``maintenance:<id>`` or ``inhibited:<alert id>``.
    muted: dict[int, str] = field(default_factory=dict)


def group_key(labels: Labels, group_by: Sequence[str]) -> tuple[tuple[str, str], ...]:
    return tuple((k, labels.get(k, "")) for k in group_by)


def muted_by(
    alert: Alert,
    at: datetime,
    silences: Sequence[Silence],
    firing: Sequence[Alert],
    inhibitions: Sequence[Inhibition],
    sources: list[dict[tuple[str, ...], int]] | None = None,
) -> str | None:
    """Why this alert is muted at ``at`` (a silence, a maintenance window or an inhibiting alert), or None.

    ``sources`` (from :func:`inhibiting_sources`) spares looking through every firing alert for each one.
    """
    for s in silences:
        if s.active_at(at) and matches_all(s.matchers, alert.labels):
            return f"{s.kind}:{s.id}"
    sources = sources if sources is not None else inhibiting_sources(firing, inhibitions)
    for rule, by_key in zip(inhibitions, sources, strict=True):
        if not by_key or not matches_all(rule.target, alert.labels):
            continue
        source = by_key.get(tuple(alert.labels.get(k, "") for k in rule.equal))
        if source is not None and source != alert.id:
            return f"inhibited:{source}"
    return None


def inhibiting_sources(
    firing: Sequence[Alert], inhibitions: Sequence[Inhibition]
) -> list[dict[tuple[str, ...], int]]:
    """For each inhibition rule, the firing source alerts by the values of its ``equal`` labels."""
    out = []
    for rule in inhibitions:
        by_key: dict[tuple[str, ...], int] = {}
        for a in firing:
            if a.state == "firing" and matches_all(rule.source, a.labels):
                by_key.setdefault(tuple(a.labels.get(k, "") for k in rule.equal), a.id)
        out.append(by_key)
    return out


def route(
    alerts: Sequence[Alert],
    at: datetime,
    *,
    policy: Sequence[Step],
    sent: set[tuple[int, int]],
    silences: Sequence[Silence] = (),
    inhibitions: Sequence[Inhibition] = (HOST_DOWN_INHIBITION,),
    group_by: Sequence[str] = ("alertname", "host"),
) -> Decision:
    """Decide what to send at ``at``.

    ``sent`` holds the (alert id, step) pairs already sent, and is updated: a step is sent once.  A muted
    alert's due steps wait until it is no longer muted (a silence that ends lets the escalation resume,
    counted from the alert's start, as Alertmanager would).  A resolved alert is announced to the targets
    of the steps it reached, once.
    """
    if at.tzinfo is None:
        raise ValueError("routing needs timezone-aware times")
    decision = Decision()
    firing = [a for a in alerts if a.state == "firing"]
    sources = inhibiting_sources(firing, inhibitions)
    pending: dict[tuple[str, str, int, tuple[tuple[str, str], ...], str], list[int]] = {}
    for alert in alerts:
        reason = (
            muted_by(alert, at, silences, firing, inhibitions, sources) if alert.state == "firing" else None
        )
        if reason:
            decision.muted[alert.id] = reason
            continue
        key = group_key(alert.labels, group_by)
        if alert.state == "resolved":
            reached = sorted(i for (aid, i) in sent if aid == alert.id and i >= 0)
            if reached and (alert.id, -1) not in sent:
                sent.add((alert.id, -1))
                for i in reached:
                    step = policy[i]
                    # -1 - i: the resolution message to step i's target.
                    pending.setdefault((step.channel, step.target, -1 - i, key, "resolved"), []).append(
                        alert.id
                    )
            continue
        if alert.acknowledged:
            continue
        age_min = (at - alert.started).total_seconds() / 60.0
        for i, step in enumerate(policy):
            if (
                (alert.id, i) in sent
                or age_min < step.after_minutes
                or not alert.grade.at_least(step.min_grade)
            ):
                continue
            sent.add((alert.id, i))
            pending.setdefault((step.channel, step.target, i, key, "firing"), []).append(alert.id)
    for (channel, target, i, key, kind), ids in sorted(
        pending.items(), key=lambda kv: (kv[0][2], kv[0][:2], kv[0][3])
    ):
        decision.notifications.append(Notification(channel, target, i, key, tuple(sorted(ids)), kind))
    return decision


def utc(text: str) -> datetime:
    """An ISO 8601 time; a naive one is taken as UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=UTC)
