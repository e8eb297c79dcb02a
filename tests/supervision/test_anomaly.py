"""Anomaly detection on synthetic series with planted anomalies: precision and recall against a floor;
capacity forecasts."""

from __future__ import annotations

import numpy as np
import pytest

from sobre.supervision import anomaly

WEEKS = 4
STEP = 600  # 10-minute points
MONDAY = 1_796_860_800.0  # 2026-12-07 00:00 UTC, a Monday


def synthetic(
    seed: int, anomalies: int = 24, size: tuple[float, float] = (0.18, 0.35)
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CPU-like load: office hours, quieter weekends, a slow upward trend, noise; spikes and dips planted."""
    rng = np.random.default_rng(seed)
    ts = MONDAY + np.arange(0, WEEKS * 7 * 86400, STEP, dtype=float)
    hours = (ts - MONDAY) / 3600
    hour_of_day, day = hours % 24, (hours // 24) % 7
    office = np.where((hour_of_day >= 8) & (hour_of_day < 18), 1.0, 0.0) * np.where(day < 5, 1.0, 0.25)
    base = 0.15 + 0.45 * office + 0.02 * (hours / (24 * 7)) + rng.normal(0, 0.03, len(ts))
    truth = np.zeros(len(ts), dtype=bool)
    busy = np.flatnonzero(office[len(ts) // 4 :] == 1.0) + len(ts) // 4
    spikes = rng.choice(np.arange(len(ts) // 4, len(ts)), anomalies // 2, replace=False)
    drops = rng.choice(np.setdiff1d(busy, spikes), anomalies - anomalies // 2, replace=False)
    base[spikes] += rng.uniform(*size, len(spikes))  # a runaway job (noise σ is 0.03)
    base[drops] -= rng.uniform(*size, len(drops))  # a service that stopped during office hours
    truth[spikes] = truth[drops] = True
    return ts, base, truth


def scores(flags: np.ndarray, truth: np.ndarray) -> tuple[float, float]:
    tp = int((flags & truth).sum())
    precision = tp / max(int(flags.sum()), 1)
    recall = tp / max(int(truth.sum()), 1)
    return precision, recall


@pytest.mark.parametrize(
    ("seed", "size", "floor"),
    [(1, (0.18, 0.35), (0.9, 0.9)), (2, (0.18, 0.35), (0.9, 0.9)), (3, (0.12, 0.18), (0.85, 0.5))],
    ids=["clear-1", "clear-2", "subtle"],
)
def test_robust_baseline_finds_planted_anomalies(
    seed: int, size: tuple[float, float], floor: tuple[float, float]
) -> None:
    ts, values, truth = synthetic(seed, size=size)
    found = anomaly.detect(ts, values)
    precision, recall = scores(found.flags, truth)
    print(
        f"robust baseline, anomalies {size[0] / 0.03:.0f}–{size[1] / 0.03:.0f} σ: "
        f"precision {precision:.2f}, recall {recall:.2f}"
    )
    assert precision >= floor[0] and recall >= floor[1]
    assert "hour-of-week buckets" in found.rests_on and "weeks" in found.rests_on
    # A plain z-score over the whole series cannot tell a night-time spike from office hours.
    z = (values - values.mean()) / values.std()
    naive_precision, naive_recall = scores(np.abs(z) > 3, truth)
    assert recall > naive_recall


def test_seasonality_is_not_an_anomaly() -> None:
    ts, values, truth = synthetic(7, anomalies=0)
    found = anomaly.detect(ts, values)
    # Office hours start every weekday: a plain z-score would flag the jump; hour-of-week does not.
    assert found.count <= len(ts) * 0.002


def test_online_detector() -> None:
    pytest.importorskip("river")
    ts, values, truth = synthetic(4)
    found = anomaly.detect_online(ts, values, quantile=0.99)
    precision, recall = scores(found.flags, truth)
    print(f"HalfSpaceTrees: precision {precision:.2f}, recall {recall:.2f}")
    # It has no weekly profile and learns as it goes: far below the robust baseline, hence not the default.
    assert precision >= 0.1 and recall >= 0.1
    assert "HalfSpaceTrees" in found.rests_on


def test_days_until_full() -> None:
    ts = MONDAY + np.arange(0, 14 * 86400, 3600, dtype=float)
    rng = np.random.default_rng(0)
    used = 400 + 2.0 * (ts - MONDAY) / 86400 + rng.normal(0, 0.5, len(ts))  # 2 GB a day from 400 GB
    f = anomaly.days_until_full(ts, used, capacity=500)
    assert f.days == pytest.approx((500 - 428) / 2, rel=0.03)
    assert f.low is not None and f.high is not None and f.low < f.days < f.high
    assert "R²" in f.rests_on and "336 points over 14.0 days" in f.rests_on
    flat = anomaly.days_until_full(ts, np.full(len(ts), 100.0), capacity=500)
    assert flat.days is None and "not growing" in flat.rests_on
    assert anomaly.days_until_full(ts[:3], used[:3], 500).days is None
