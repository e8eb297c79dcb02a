from __future__ import annotations

import pytest

from sobre.core.estimate import Estimate, Status


def test_unknown_is_not_zero_and_needs_a_reason() -> None:
    with pytest.raises(ValueError):
        Estimate(None, "kgCO2e")
    u = Estimate.unknown("kgCO2e", "no factor for category 'ups'")
    assert not u.known and u.value is None
    total = Estimate(10, "kgCO2e", 8, 12) + u
    assert total.value is None and "ups" in total.reason


def test_sum_keeps_range_and_weakest_status() -> None:
    a = Estimate(10, "kgCO2e", 8, 12, status=Status.MEASURED)
    b = Estimate(5, "kgCO2e", 4, 7, status=Status.DEFAULT)
    s = a + b
    assert (s.value, s.low, s.high, s.status) == (15, 12, 19, Status.DEFAULT)
    with pytest.raises(ValueError):
        a + Estimate(1, "kWh")
    with pytest.raises(ValueError):
        Estimate(5, "kWh", 6, 7)
