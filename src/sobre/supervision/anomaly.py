"""Anomalies in a metric's history, and capacity forecasts.

Default detector (robust statistics, no model to train): remove a linear trend fitted through chunk
medians (resistant to the very spikes we look for), then compare each residual with the median and the
median absolute deviation (MAD) of the residuals seen at the same **hour of the week**.  A point is
anomalous when its robust z-score ``0.6745 × (r − median) / MAD`` exceeds the threshold.  Iglewicz and
Hoaglin's cut-off for one sample is 3.5; a month of 10-minute points is four thousand such tests, which
would flag a handful of normal points, so the default is 4.5.  A bucket's own MAD rests on a few weeks and is
shrunk towards the spread of all hours.  Hours of the week with too little history fall back to all hours.

Optional online detector: river's ``HalfSpaceTrees`` (``pip install sobre[online]``), which learns as
points arrive and needs no seasonality.

Every result says what it rests on: how many points and weeks, how many hour-of-week buckets were filled,
the trend's slope.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

Z_THRESHOLD = 4.5
_Z = 0.6745  # makes the MAD of a normal distribution comparable with its standard deviation
WEEK_S = 7 * 86400
SHRINK = 30.0


@dataclass(frozen=True)
class Trend:
    slope: float  # units per second
    intercept: float  # value at t = 0
    points: int

    def at(self, t: np.ndarray | float) -> np.ndarray:
        return self.intercept + self.slope * np.asarray(t, dtype=float)


def robust_trend(ts: np.ndarray, values: np.ndarray, chunks: int = 12) -> Trend:
    """A straight line through the medians of ``chunks`` consecutive slices of the series."""
    t = np.asarray(ts, dtype=float)
    v = np.asarray(values, dtype=float)
    ok = ~np.isnan(v)
    t, v = t[ok], v[ok]
    if len(t) < 2:
        return Trend(0.0, float(v[0]) if len(v) else 0.0, len(t))
    order = np.argsort(t)
    t, v = t[order], v[order]
    k = max(2, min(chunks, len(t) // 3 or 2))
    parts = np.array_split(np.arange(len(t)), k)
    mt = np.array([np.median(t[p]) for p in parts if len(p)])
    mv = np.array([np.median(v[p]) for p in parts if len(p)])
    if np.ptp(mt) == 0:
        return Trend(0.0, float(np.median(v)), len(t))
    slope, intercept = np.polyfit(mt, mv, 1)
    return Trend(float(slope), float(intercept), len(t))


@dataclass(frozen=True)
class Anomalies:
    flags: np.ndarray  # bool per point
    scores: np.ndarray  # robust z per point
    expected: np.ndarray  # trend + hour-of-week median
    rests_on: str

    @property
    def count(self) -> int:
        return int(self.flags.sum())


def hour_of_week(ts: np.ndarray) -> np.ndarray:
    """0..167 from Unix seconds (UTC); 1970-01-01 was a Thursday, so shift to start weeks on Monday."""
    return ((np.asarray(ts, dtype=np.int64) // 3600) + 3 * 24) % 168


def _profile(
    resid: np.ndarray, buckets: np.ndarray, ok: np.ndarray, min_bucket: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Median, MAD and count of the residuals in each hour-of-week bucket (NaN where too few)."""
    med = np.full(168, np.nan)
    mad = np.full(168, np.nan)
    count = np.zeros(168)
    filled = 0
    for b in np.unique(buckets[ok]):
        r = resid[ok & (buckets == b)]
        if len(r) >= min_bucket:
            med[b] = np.median(r)
            mad[b] = np.median(np.abs(r - med[b]))
            count[b] = len(r)
            filled += 1
    return med, mad, count, filled


def detect(
    ts: np.ndarray, values: np.ndarray, *, threshold: float = Z_THRESHOLD, min_bucket: int = 6
) -> Anomalies:
    """Flag anomalous points of one series (see the module docstring)."""
    t = np.asarray(ts, dtype=float)
    v = np.asarray(values, dtype=float)
    buckets = hour_of_week(t)
    ok = ~np.isnan(v)
    # Trend and weekly profile are estimated in turn: chunk medians of the raw series mix busy and quiet
    # hours, so the trend is refitted on the series without its hour-of-week profile.
    trend = robust_trend(t, v)
    for _ in range(2):
        resid = v - trend.at(t)
        med, mad, count, filled = _profile(resid, buckets, ok, min_bucket)
        g_med = float(np.median(resid[ok])) if ok.any() else 0.0
        m = np.where(np.isnan(med[buckets]), g_med, med[buckets])
        trend = robust_trend(t, v - m)
    resid = v - trend.at(t)
    med, mad, count, filled = _profile(resid, buckets, ok, min_bucket)
    g_med = float(np.median(resid[ok])) if ok.any() else 0.0
    m = np.where(np.isnan(med[buckets]), g_med, med[buckets])
    # The spread of what is left once each hour of the week has its own level: many points, robust.
    seasonal = resid - m
    g_mad = float(np.median(np.abs(seasonal[ok] - np.median(seasonal[ok])))) if ok.any() else 0.0
    # A bucket's own MAD rests on a few weeks of points: shrink it towards the overall spread (weight of
    # SHRINK points), so that one quiet hour does not make every small wiggle an anomaly.
    n_b = count[buckets]
    own = np.where(np.isnan(mad[buckets]), g_mad, mad[buckets])
    d = np.sqrt((n_b * own**2 + SHRINK * g_mad**2) / (n_b + SHRINK))
    # A flat series has MAD 0: floor it so that one jitter is no anomaly.
    floor = 1e-9 * max(1.0, float(np.nanmax(np.abs(v))) if ok.any() else 1.0)
    d = np.maximum(d, floor)
    scores = _Z * (resid - m) / d
    flags = np.abs(scores) > threshold
    flags &= ok
    weeks = (np.nanmax(t) - np.nanmin(t)) / WEEK_S if len(t) else 0.0
    rests_on = (
        f"{int(ok.sum())} points over {weeks:.1f} weeks; {filled} of 168 hour-of-week buckets with at least "
        f"{min_bucket} points (others use all hours); linear trend {trend.slope * 86400:+.4g} per day; "
        f"robust z-score threshold {threshold}"
    )
    return Anomalies(flags, np.where(ok, scores, 0.0), trend.at(t) + m, rests_on)


def detect_online(ts: np.ndarray, values: np.ndarray, *, quantile: float = 0.99, seed: int = 42) -> Anomalies:
    """River's HalfSpaceTrees over the series in order; flags scores above their ``quantile``.

    Features: the value, its change since the previous point and the hour of the day (scaled to 0..1 by
    a running min–max), since half-space trees separate little on one feature alone.
    """
    try:
        from river import anomaly, compose, preprocessing
    except ImportError as exc:  # pragma: no cover - depends on the optional extra
        raise RuntimeError("the online detector needs river: pip install 'sobre[online]'") from exc
    t = np.asarray(ts, dtype=float)
    v = np.asarray(values, dtype=float)
    model = compose.Pipeline(
        preprocessing.MinMaxScaler(), anomaly.HalfSpaceTrees(n_trees=25, height=3, window_size=288, seed=seed)
    )
    scores = np.zeros(len(v))
    previous = v[0] if len(v) else 0.0
    for i, x in enumerate(v):
        point = {"value": float(x), "change": float(x - previous), "hour": float((t[i] // 3600) % 24 / 24)}
        previous = x
        scores[i] = model.score_one(point)
        model.learn_one(point)
    warm = min(len(v), 288)
    cut = float(np.quantile(scores[warm:], quantile)) if len(v) > warm else 1.0
    flags = scores > cut
    flags[:warm] = False
    rests_on = (
        f"river HalfSpaceTrees (value, change, hour of day), {len(v)} points, the first {warm} to warm up; "
        f"score cut at its {quantile:.0%} quantile"
    )
    return Anomalies(flags, scores, np.full(len(v), np.nan), rests_on)


@dataclass(frozen=True)
class Forecast:
    """Days until a volume is full, with a range, and what the forecast rests on."""

    days: float | None  # None: not growing, or not enough history
    low: float | None
    high: float | None
    rests_on: str


def days_until_full(ts: np.ndarray, used: np.ndarray, capacity: float, *, min_points: int = 6) -> Forecast:
    """Linear growth of ``used`` (same unit as ``capacity``) extrapolated to ``capacity``.

    The range comes from the slope's standard error (± 2 SE).  A volume that is not growing has no date.
    """
    t = np.asarray(ts, dtype=float)
    u = np.asarray(used, dtype=float)
    ok = ~np.isnan(u)
    t, u = t[ok], u[ok]
    if len(t) < min_points or np.ptp(t) <= 0:
        return Forecast(None, None, None, f"{len(t)} points: at least {min_points} over some time are needed")
    slope, intercept = np.polyfit(t, u, 1)
    fitted = intercept + slope * t
    resid = u - fitted
    n = len(t)
    se = float(np.sqrt(np.sum(resid**2) / max(n - 2, 1) / np.sum((t - t.mean()) ** 2)))
    ss_tot = float(np.sum((u - u.mean()) ** 2))
    r2 = 1.0 - float(np.sum(resid**2)) / ss_tot if ss_tot > 0 else 1.0
    span_days = np.ptp(t) / 86400
    rests_on = (
        f"{n} points over {span_days:.1f} days, linear growth {slope * 86400:.4g}/day (R² {r2:.2f}), "
        f"capacity {capacity:g}"
    )
    now_used = intercept + slope * t[-1]
    left = capacity - max(now_used, u[-1])
    if left <= 0:
        return Forecast(0.0, 0.0, 0.0, rests_on + "; already full")
    if slope <= 0:
        return Forecast(None, None, None, rests_on + "; not growing")
    days = left / slope / 86400
    fast, slow = slope + 2 * se, slope - 2 * se
    low = left / fast / 86400
    high = left / slow / 86400 if slow > 0 else None
    return Forecast(float(days), float(low), None if high is None else float(high), rests_on)
