"""Grades: what a detector says, weighed by how much the asset matters.

Every detector speaks its own scale (Prometheus ``severity`` labels, Zabbix severities 0–5, CVSS base
scores, Wazuh rule levels 0–15).  Sobre first maps each onto one *detector level* (info, minor, major,
critical), then weighs it by the asset's criticality with one matrix, so that a warning on the payroll
database and a warning on a test VM do not land in the same pile.

Mappings (DESIGN §9):

- Prometheus ``severity``: ``info``/``none`` → info, ``warning`` → minor, ``critical``/``page`` → critical;
- Zabbix: 0 not classified and 1 information → info, 2 warning → minor, 3 average and 4 high → major,
  5 disaster → critical;
- CVSS v3 base score (FIRST's qualitative bands regrouped): 0 → info, 0.1–3.9 → minor, 4.0–8.9 → major,
  9.0–10 → critical;
- Wazuh rule level: 0–3 → info, 4–7 → minor, 8–11 → major, 12–15 → critical.
"""

from __future__ import annotations

import math
from enum import StrEnum


class Grade(StrEnum):
    INFO = "info"
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _ORDER.index(self)

    def at_least(self, other: Grade) -> bool:
        return self.rank >= other.rank


_ORDER = [Grade.INFO, Grade.MINOR, Grade.MAJOR, Grade.CRITICAL]
CRITICALITIES = ("low", "medium", "high", "critical")
#: An asset whose criticality was never assessed is weighed as ``medium`` (the grade says so).
DEFAULT_CRITICALITY = "medium"

#: detector level → grade for an asset of criticality low, medium, high, critical.
MATRIX: dict[Grade, tuple[Grade, Grade, Grade, Grade]] = {
    Grade.INFO: (Grade.INFO, Grade.INFO, Grade.INFO, Grade.MINOR),
    Grade.MINOR: (Grade.INFO, Grade.MINOR, Grade.MAJOR, Grade.MAJOR),
    Grade.MAJOR: (Grade.MINOR, Grade.MAJOR, Grade.MAJOR, Grade.CRITICAL),
    Grade.CRITICAL: (Grade.MAJOR, Grade.CRITICAL, Grade.CRITICAL, Grade.CRITICAL),
}

_PROMETHEUS = {
    "none": Grade.INFO,
    "info": Grade.INFO,
    "informational": Grade.INFO,
    "minor": Grade.MINOR,
    "warning": Grade.MINOR,
    "warn": Grade.MINOR,
    "major": Grade.MAJOR,
    "error": Grade.MAJOR,
    "high": Grade.MAJOR,
    "critical": Grade.CRITICAL,
    "page": Grade.CRITICAL,
    "disaster": Grade.CRITICAL,
}


def from_prometheus(severity: str | None) -> Grade:
    """The level of a Prometheus/Alertmanager ``severity`` label (unknown or missing → minor)."""
    return _PROMETHEUS.get((severity or "").strip().lower(), Grade.MINOR)


def from_zabbix(severity: int) -> Grade:
    """Zabbix trigger severity 0–5."""
    if not 0 <= severity <= 5:
        raise ValueError(f"Zabbix severity {severity} is outside 0–5")
    return [Grade.INFO, Grade.INFO, Grade.MINOR, Grade.MAJOR, Grade.MAJOR, Grade.CRITICAL][severity]


def from_cvss(score: float) -> Grade:
    """CVSS base score 0.0–10.0."""
    if math.isnan(score) or not 0.0 <= score <= 10.0:
        raise ValueError(f"CVSS score {score} is outside 0.0–10.0")
    if score == 0.0:
        return Grade.INFO
    if score < 4.0:
        return Grade.MINOR
    if score < 9.0:
        return Grade.MAJOR
    return Grade.CRITICAL


def from_wazuh(level: int) -> Grade:
    """Wazuh rule level 0–15."""
    if not 0 <= level <= 15:
        raise ValueError(f"Wazuh rule level {level} is outside 0–15")
    if level < 4:
        return Grade.INFO
    if level < 8:
        return Grade.MINOR
    if level < 12:
        return Grade.MAJOR
    return Grade.CRITICAL


def normalise_criticality(value: str | None) -> str | None:
    """The inventory's criticality, lower-cased; ``None`` when not assessed or not one of the four."""
    text = (value or "").strip().lower()
    return text if text in CRITICALITIES else None


def grade(level: Grade, criticality: str | None) -> Grade:
    """Weigh a detector level by the asset's criticality (``None``: not assessed, weighed as medium)."""
    crit = normalise_criticality(criticality) or DEFAULT_CRITICALITY
    return MATRIX[level][CRITICALITIES.index(crit)]


def highest_criticality(values: list[str | None]) -> str | None:
    """The highest of several criticalities (an application's flows to its VMs and hosts)."""
    known = [c for c in (normalise_criticality(v) for v in values) if c]
    return max(known, key=CRITICALITIES.index) if known else None
