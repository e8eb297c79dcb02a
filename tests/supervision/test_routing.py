"""Silences, maintenance windows, inhibition, grouping and escalation on hand-written timelines."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sobre.supervision.grading import Grade
from sobre.supervision.routing import Alert, Silence, Step, parse_matchers, route

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)  # a Monday
POLICY = [
    Step(0, "email", "oncall@example.org", Grade.MINOR),
    Step(15, "email", "lead@example.org", Grade.MAJOR),
    Step(30, "webhook", "https://chat.example.org/hook", Grade.CRITICAL),
]


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def alert(i: int, name: str, host: str, grade: str, started: float = 0, **kw: object) -> Alert:
    return Alert(i, {"alertname": name, "host": host}, Grade(grade), "firing", at(started), **kw)  # type: ignore[arg-type]


def test_escalation_steps_by_delay_and_grade_until_acknowledged() -> None:
    cpu = alert(1, "HighCpu", "web01", "minor")
    disk = alert(2, "DiskFull", "db01", "critical")
    sent: set[tuple[int, int]] = set()
    timeline = {}
    for minute in (0, 5, 15, 20, 30, 45):
        if minute == 20:
            disk.acknowledged = True  # someone took the disk alert at 09:20
        d = route([cpu, disk], at(minute), policy=POLICY, sent=sent)
        timeline[minute] = [(n.target, n.step, n.alert_ids) for n in d.notifications]
    assert timeline == {
        0: [("oncall@example.org", 0, (2,)), ("oncall@example.org", 0, (1,))],
        5: [],
        15: [("lead@example.org", 1, (2,))],  # the minor CPU alert never reaches the lead
        20: [],
        30: [],  # acknowledged at 20: no webhook
        45: [],
    }


def test_resolution_is_told_to_those_who_were_told() -> None:
    a = alert(1, "DiskFull", "db01", "critical")
    sent: set[tuple[int, int]] = set()
    route([a], at(0), policy=POLICY, sent=sent)
    route([a], at(16), policy=POLICY, sent=sent)
    a.state, a.ended = "resolved", at(20)
    d = route([a], at(21), policy=POLICY, sent=sent)
    assert [(n.kind, n.target) for n in d.notifications] == [
        ("resolved", "lead@example.org"),
        ("resolved", "oncall@example.org"),
    ]
    assert route([a], at(22), policy=POLICY, sent=sent).notifications == []


def test_host_down_inhibits_the_hosts_other_alerts_only() -> None:
    down = alert(1, "HostDown", "web01", "critical")
    cpu = alert(2, "HighCpu", "web01", "major")
    other = alert(3, "HighCpu", "web02", "major")
    d = route([down, cpu, other], at(0), policy=POLICY, sent=set())
    assert d.muted == {2: "inhibited:1"}
    assert sorted(i for n in d.notifications for i in n.alert_ids) == [1, 3]
    # When the host is back, the muted alert escalates from its own start, as if never muted.
    down.state = "resolved"
    d = route([down, cpu, other], at(16), policy=POLICY, sent={(1, 0), (3, 0)})
    assert [(n.step, n.alert_ids) for n in d.notifications if n.kind == "firing"] == [
        (0, (2,)),
        (1, (2,)),
        (1, (3,)),
    ]


def test_silence_mutes_between_its_times() -> None:
    a = alert(1, "HighCpu", "web01", "major")
    s = Silence(7, parse_matchers('host=web01,alertname=~"High.*"'), at(-10), at(10))
    sent: set[tuple[int, int]] = set()
    assert route([a], at(5), policy=POLICY, sent=sent, silences=[s]).muted == {1: "silence:7"}
    assert sent == set()
    d = route([a], at(16), policy=POLICY, sent=sent, silences=[s])
    assert d.muted == {} and [n.step for n in d.notifications] == [0, 1]


def test_weekly_maintenance_window_in_local_time_across_midnight() -> None:
    # Every Saturday 23:00 Paris time for three hours (into Sunday), from 1 December.
    window = Silence(
        3,
        parse_matchers("host=~db.*"),
        datetime(2026, 12, 5, 22, 0, tzinfo=UTC),
        datetime(2026, 12, 6, 1, 0, tzinfo=UTC),
        kind="maintenance",
        weekdays=(5,),
        timezone="Europe/Paris",
    )
    sat_2330_paris = datetime(2026, 12, 12, 22, 30, tzinfo=UTC)
    sun_0130_paris = datetime(2026, 12, 13, 0, 30, tzinfo=UTC)
    sun_0230_paris = datetime(2026, 12, 13, 1, 30, tzinfo=UTC)
    fri = datetime(2026, 12, 11, 22, 30, tzinfo=UTC)
    assert [window.active_at(t) for t in (sat_2330_paris, sun_0130_paris, sun_0230_paris, fri)] == [
        True,
        True,
        False,
        False,
    ]
    a = alert(1, "DiskFull", "db01", "critical")
    assert route([a], sat_2330_paris, policy=POLICY, sent=set(), silences=[window]).muted == {
        1: "maintenance:3"
    }


def test_grouping_sends_one_message_per_group() -> None:
    alerts = [
        alert(1, "DiskFull", "db01", "major"),
        alert(2, "DiskFull", "db02", "major"),
        alert(3, "HighCpu", "db01", "major"),
    ]
    d = route(alerts, at(0), policy=POLICY[:1], sent=set(), group_by=("alertname",))
    assert [(n.group, n.alert_ids) for n in d.notifications] == [
        ((("alertname", "DiskFull"),), (1, 2)),
        ((("alertname", "HighCpu"),), (3,)),
    ]


def test_matchers() -> None:
    m = parse_matchers('alertname!=HostDown, host=~"web0[12]"')
    assert [x.op for x in m] == ["!=", "=~"]
    with pytest.raises(ValueError, match="not a matcher"):
        parse_matchers("host")
    with pytest.raises(ValueError, match="regular expression"):
        parse_matchers("host=~[")
    with pytest.raises(ValueError, match="timezone-aware"):
        route([], datetime(2026, 1, 1), policy=[], sent=set())
