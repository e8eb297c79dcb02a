"""The Estimate value: every figure Sobre shows carries its range, unit, status and source."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Status(StrEnum):
    MEASURED = "measured"
    INPUT = "input"
    MODELLED = "modelled"
    DEFAULT = "default"
    ARCHETYPE = "archetype"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Estimate:
    """A figure with its range.  ``value is None`` means unknown (with a reason), never zero."""

    value: float | None
    unit: str
    low: float | None = None
    high: float | None = None
    status: Status = Status.MODELLED
    source: str = ""
    warnings: tuple[str, ...] = field(default_factory=tuple)
    reason: str = ""

    def __post_init__(self) -> None:
        if self.value is None:
            if not self.reason:
                raise ValueError("an unknown Estimate needs a reason")
            return
        low = self.value if self.low is None else self.low
        high = self.value if self.high is None else self.high
        if not low <= self.value <= high:
            raise ValueError(f"range [{low}, {high}] does not contain {self.value}")
        object.__setattr__(self, "low", low)
        object.__setattr__(self, "high", high)

    @property
    def known(self) -> bool:
        return self.value is not None

    @classmethod
    def unknown(cls, unit: str, reason: str) -> Estimate:
        return cls(None, unit, status=Status.UNKNOWN, reason=reason)

    def __add__(self, other: Estimate) -> Estimate:
        if self.unit != other.unit:
            raise ValueError(f"cannot add {self.unit} and {other.unit}")
        if self.value is None or other.value is None:
            missing = self if self.value is None else other
            return Estimate.unknown(self.unit, missing.reason)
        assert self.low is not None and self.high is not None
        assert other.low is not None and other.high is not None
        return Estimate(
            self.value + other.value,
            self.unit,
            self.low + other.low,
            self.high + other.high,
            status=_weakest(self.status, other.status),
            warnings=self.warnings + other.warnings,
        )

    def scale(self, k: float) -> Estimate:
        if self.value is None:
            return self
        assert self.low is not None and self.high is not None
        lo, hi = sorted((self.low * k, self.high * k))
        return Estimate(self.value * k, self.unit, lo, hi, self.status, self.source, self.warnings)


_STRENGTH = [Status.MEASURED, Status.INPUT, Status.MODELLED, Status.ARCHETYPE, Status.DEFAULT, Status.UNKNOWN]


def _weakest(a: Status, b: Status) -> Status:
    """A sum is only as good as its weakest part."""
    return max(a, b, key=_STRENGTH.index)
