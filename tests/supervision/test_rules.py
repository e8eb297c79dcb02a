"""The rule engine on hand-written timelines: for, hysteresis, keep_firing_for, vanished series."""

from __future__ import annotations

import numpy as np
import pytest

from sobre.supervision.rules import Rule, RuleEngine, Snapshot, format_duration, parse_duration

WEB = ("web01", ())


def run(rule: Rule, timeline: list[tuple[float, float | None]]) -> list[tuple[float, str, str]]:
    """(time, before, after) of every transition when the series takes these values (None: absent)."""
    engine = RuleEngine([rule])
    seen = []
    for at, value in timeline:
        snap = Snapshot()
        if value is not None:
            snap.add(rule.metric, WEB, value)
        seen += [(tr.at, tr.before, tr.after) for tr in engine.evaluate(snap, at)]
    return seen


def test_for_delays_firing_and_a_short_spike_is_dropped() -> None:
    rule = Rule("HighCpu", "cpu", ">", 0.9, for_s=60)
    timeline = [(0, 0.5), (15, 0.95), (30, 0.5), (45, 0.95), (60, 0.96), (90, 0.97), (105, 0.99), (120, 0.4)]
    assert run(rule, timeline) == [
        (15, "inactive", "pending"),
        (30, "pending", "inactive"),  # the spike did not last
        (45, "inactive", "pending"),
        (105, "pending", "firing"),  # 60 s after it first held again
        (120, "firing", "resolved"),
    ]


def test_zero_for_fires_at_once() -> None:
    assert run(Rule("Down", "up", "<", 1), [(0, 1), (10, 0), (20, 1)]) == [
        (10, "inactive", "firing"),
        (20, "firing", "resolved"),
    ]


def test_hysteresis_keeps_firing_until_the_clear_threshold() -> None:
    rule = Rule("HighCpu", "cpu", ">", 0.9, clear=0.8)
    timeline = [(0, 0.95), (10, 0.85), (20, 0.82), (30, 0.79), (40, 0.85), (50, 0.91)]
    assert run(rule, timeline) == [
        (0, "inactive", "firing"),
        (30, "firing", "resolved"),  # 0.85 and 0.82 were still above the clear threshold
        (50, "inactive", "firing"),  # 0.85 alone does not fire again: the fire threshold is 0.9
    ]


def test_keep_firing_for_rides_out_a_dip_and_resolves_after_it() -> None:
    rule = Rule("Temp", "temp", ">", 85, keep_firing_for_s=30)
    timeline = [(0, 90), (10, 80), (20, 88), (30, 80), (50, 80), (60, 80), (70, 80)]
    assert run(rule, timeline) == [
        (0, "inactive", "firing"),
        (60, "firing", "resolved"),  # cooling since 30 (the dip at 10 was ridden out by 20's 88)
    ]


def test_a_vanished_series_counts_as_not_holding() -> None:
    assert run(Rule("Disk", "disk", ">", 0.9), [(0, 0.95), (10, None)]) == [
        (0, "inactive", "firing"),
        (10, "firing", "resolved"),
    ]


def test_label_filters_and_restore() -> None:
    rule = Rule("RootFull", "fs", ">", 0.9, for_s=30, labels=(("mount", "/"),))
    engine = RuleEngine([rule])
    root, data = ("db", (("mount", "/"),)), ("db", (("mount", "/data"),))
    snap = Snapshot.from_rows([("fs", root, 0.95), ("fs", data, 0.99)])
    assert [(t.series, t.after) for t in engine.evaluate(snap, 0)] == [(root, "pending")]
    # A new process resumes the pending alert from what was stored, and fires it on time.
    again = RuleEngine([rule])
    again.restore("RootFull", root, "pending", 0, None)
    assert [(t.series, t.after, t.active_since) for t in again.evaluate(snap, 30)] == [(root, "firing", 0)]


def test_bulk_evaluation_is_the_same_as_one_by_one() -> None:
    rng = np.random.default_rng(1)
    rules = [
        Rule(f"r{i}", "cpu", ">", float(t), for_s=int(f))
        for i, (t, f) in enumerate(zip(rng.uniform(0.2, 0.9, 20), rng.integers(0, 3, 20) * 15, strict=True))
    ]
    hosts = [(f"h{i}", ()) for i in range(50)]
    bulk = RuleEngine(rules)
    singles = [RuleEngine([r]) for r in rules]
    for step in range(10):
        values = rng.uniform(0, 1, len(hosts))
        snap = Snapshot.from_rows(("cpu", h, float(v)) for h, v in zip(hosts, values, strict=True))
        got = sorted((t.rule, t.series, t.after) for t in bulk.evaluate(snap, step * 15))
        want = sorted((t.rule, t.series, t.after) for e in singles for t in e.evaluate(snap, step * 15))
        assert got == want


def test_rule_checks() -> None:
    with pytest.raises(ValueError, match="operator"):
        Rule("x", "m", "=>", 1)
    with pytest.raises(ValueError, match="safe side"):
        Rule("x", "m", ">", 0.9, clear=0.95)
    assert parse_duration("1h30m") == 5400 and parse_duration("90") == 90 and parse_duration(None) == 0
    assert format_duration(5400) == "1h30m" and format_duration(45) == "45s"
    with pytest.raises(ValueError, match="duration"):
        parse_duration("soon")
