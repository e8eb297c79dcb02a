"""Time series cut into equal buckets for charts: mean and maximum per bucket, nothing where no point fell.

Pure functions over arrays (no database, no web).  An empty bucket is ``None``, never 0: a host that did
not report is not a host at rest.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def edges(start: float, end: float, count: int) -> list[float]:
    """The ``count`` bucket starts from ``start`` to ``end`` (equal widths)."""
    step = (end - start) / count
    return [start + i * step for i in range(count)]


def bucketise(
    ts: Sequence[float] | np.ndarray,
    values: Sequence[float] | np.ndarray,
    start: float,
    end: float,
    count: int,
) -> tuple[list[float | None], list[float | None]]:
    """(means, maxima) of ``values`` in ``count`` equal buckets of [start, end); None where empty."""
    t = np.asarray(ts, dtype=float)
    v = np.asarray(values, dtype=float)
    if count <= 0 or end <= start:
        return [], []
    index = np.floor((t - start) / (end - start) * count).astype(int)
    ok = (index >= 0) & (index < count) & ~np.isnan(v)
    index, v = index[ok], v[ok]
    counts = np.bincount(index, minlength=count)
    sums = np.bincount(index, weights=v, minlength=count)
    maxima = np.full(count, -np.inf)
    np.maximum.at(maxima, index, v)
    means: list[float | None] = [float(s / n) if n else None for s, n in zip(sums, counts, strict=True)]
    peaks: list[float | None] = [float(m) if n else None for m, n in zip(maxima, counts, strict=True)]
    return means, peaks


def scaled(values: Sequence[float | None], factor: float) -> list[float | None]:
    """Each known value × ``factor`` (ratios to percentages); unknown stays unknown."""
    return [None if v is None else v * factor for v in values]
