"""Detector scales mapped onto Sobre's grades, weighed by asset criticality."""

from __future__ import annotations

import pytest

from sobre.supervision.grading import (
    Grade,
    from_cvss,
    from_prometheus,
    from_wazuh,
    from_zabbix,
    grade,
    highest_criticality,
)


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (0.0, "info"),
        (0.1, "minor"),
        (3.9, "minor"),
        (4.0, "major"),
        (8.9, "major"),
        (9.0, "critical"),
        (10.0, "critical"),
    ],
)
def test_cvss_bands(score: float, expected: str) -> None:
    assert from_cvss(score) == Grade(expected)


@pytest.mark.parametrize(
    ("level", "expected"),
    [
        (3, "info"),
        (4, "minor"),
        (7, "minor"),
        (8, "major"),
        (11, "major"),
        (12, "critical"),
        (15, "critical"),
    ],
)
def test_wazuh_levels(level: int, expected: str) -> None:
    assert from_wazuh(level) == Grade(expected)


def test_zabbix_and_prometheus() -> None:
    assert [from_zabbix(s).value for s in range(6)] == ["info", "info", "minor", "major", "major", "critical"]
    assert from_prometheus("warning") == Grade.MINOR and from_prometheus("critical") == Grade.CRITICAL
    assert from_prometheus("INFO") == Grade.INFO and from_prometheus(None) == Grade.MINOR
    for bad in (lambda: from_cvss(10.5), lambda: from_wazuh(16), lambda: from_zabbix(6)):
        with pytest.raises(ValueError):
            bad()


def test_criticality_weighs_the_level() -> None:
    assert grade(Grade.MINOR, "high") == Grade.MAJOR
    assert grade(Grade.MINOR, "low") == Grade.INFO
    assert grade(Grade.MAJOR, "critical") == Grade.CRITICAL
    assert grade(Grade.CRITICAL, "low") == Grade.MAJOR
    assert grade(Grade.MINOR, None) == grade(Grade.MINOR, "medium") == Grade.MINOR
    assert highest_criticality(["low", None, "high", "bogus"]) == "high"
    assert highest_criticality([None]) is None
