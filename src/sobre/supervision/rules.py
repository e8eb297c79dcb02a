"""Alert rules over metrics: threshold, ``for``, hysteresis and ``keep_firing_for``, evaluated in bulk.

Semantics follow Prometheus's alerting rules so that a rule exported to a Prometheus rule file behaves the
same there:

- when the condition first holds, the alert is *pending*; it *fires* once the condition has held for
  ``for_s`` seconds (at once when ``for_s`` is 0); a pending alert whose condition stops holding is dropped;
- **hysteresis** (Sobre's addition, exported as a second expression): a firing alert keeps holding while
  the value is still beyond the ``clear`` threshold (fire above 90 %, clear below 80 %), which stops an
  alert flapping around one threshold;
- ``keep_firing_for_s``: a firing alert whose condition stopped holding keeps firing that long (a
  condition that holds again in that time resumes it); then it is *resolved*;
- a series that vanished from the data counts as "condition does not hold".

The engine keeps one state array per rule over a shared index of series, so 500 rules over 1,000 hosts
are a few NumPy operations per rule, not 500,000 Python comparisons.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np

INACTIVE, PENDING, FIRING = 0, 1, 2
STATE_NAMES = {INACTIVE: "inactive", PENDING: "pending", FIRING: "firing"}
_NAMES = np.array(["inactive", "pending", "firing"], dtype=object)

_OPS: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_DURATION = re.compile(r"^\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*(?:(\d+)s)?\s*$")

#: A series: the host it belongs to and its labels, e.g. ("web01", (("mount", "/"),)).
SeriesKey = tuple[str, tuple[tuple[str, str], ...]]


def parse_duration(text: str | int | float | None) -> int:
    """Seconds in ``90``, ``"90s"``, ``"5m"``, ``"1h30m"`` or ``"2d"`` (Prometheus's duration style)."""
    if text is None or text == "":
        return 0
    if isinstance(text, int | float):
        if text < 0:
            raise ValueError(f"negative duration {text}")
        return int(text)
    if text.strip().isdigit():
        return int(text.strip())
    m = _DURATION.match(text)
    if not m or not any(m.groups()):
        raise ValueError(f"not a duration: {text!r} (expected e.g. 30s, 5m, 1h30m, 2d)")
    d, h, mi, s = (int(g or 0) for g in m.groups())
    return ((d * 24 + h) * 60 + mi) * 60 + s


def format_duration(seconds: int) -> str:
    """Prometheus's spelling of a duration: ``5m``, ``1h30m``, ``45s``."""
    if seconds == 0:
        return "0s"
    parts = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if seconds >= size:
            parts.append(f"{seconds // size}{unit}")
            seconds %= size
    return "".join(parts)


@dataclass(frozen=True)
class Rule:
    """One alert rule: ``metric op threshold`` held for ``for_s``; see the module docstring."""

    name: str
    metric: str
    op: str
    threshold: float
    for_s: int = 0
    keep_firing_for_s: int = 0
    clear: float | None = None
    severity: str = "warning"
    labels: tuple[tuple[str, str], ...] = ()  # label filters the series must carry (exact match)
    summary: str = ""

    def __post_init__(self) -> None:
        if self.op not in _OPS:
            raise ValueError(f"rule {self.name!r}: operator {self.op!r} is not one of {', '.join(_OPS)}")
        if self.clear is not None:
            above = self.op in (">", ">=")
            below = self.op in ("<", "<=")
            if not (above or below):
                raise ValueError(f"rule {self.name!r}: hysteresis needs <, <=, > or >=")
            if (above and self.clear > self.threshold) or (below and self.clear < self.threshold):
                raise ValueError(
                    f"rule {self.name!r}: the clear threshold {self.clear} must lie on the safe side of "
                    f"{self.threshold}"
                )

    def holds(self, values: np.ndarray, firing: np.ndarray) -> np.ndarray:
        """Where the condition holds; a firing series is tested against the clear threshold."""
        fire = _OPS[self.op](values, self.threshold)
        if self.clear is None:
            return fire
        return np.where(firing, _OPS[self.op](values, self.clear), fire)

    def matches(self, labels: tuple[tuple[str, str], ...]) -> bool:
        held = dict(labels)
        return all(held.get(k) == v for k, v in self.labels)


class Transition(NamedTuple):
    """A change of one alert's state, at one evaluation (a tuple: bulk evaluations make many)."""

    rule: str
    series: SeriesKey
    before: str
    after: str  # pending, firing, inactive (a pending alert dropped) or resolved
    at: float
    value: float | None
    active_since: float | None  # when the condition first held (the alert's start)


@dataclass
class Snapshot:
    """The latest value of every series, by metric: ``{metric: (series keys, values)}``."""

    metrics: dict[str, tuple[list[SeriesKey], np.ndarray]] = field(default_factory=dict)

    def add(self, metric: str, series: SeriesKey, value: float) -> None:
        keys, values = self.metrics.get(metric, ([], np.empty(0)))
        keys.append(series)
        self.metrics[metric] = (keys, np.append(values, value))

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, SeriesKey, float]]) -> Snapshot:
        grouped: dict[str, tuple[list[SeriesKey], list[float]]] = {}
        for metric, series, value in rows:
            keys, values = grouped.setdefault(metric, ([], []))
            keys.append(series)
            values.append(value)
        return cls({m: (k, np.asarray(v, dtype=float)) for m, (k, v) in grouped.items()})


class _RuleState:
    __slots__ = ("state", "since", "clear_since", "value")

    def __init__(self, size: int) -> None:
        self.state = np.zeros(size, dtype=np.int8)
        self.since = np.full(size, np.nan)  # when the condition first held
        self.clear_since = np.full(size, np.nan)  # when a firing condition stopped holding
        self.value = np.full(size, np.nan)

    def grow(self, size: int) -> None:
        extra = size - len(self.state)
        if extra > 0:
            self.state = np.concatenate([self.state, np.zeros(extra, dtype=np.int8)])
            for name in ("since", "clear_since", "value"):
                setattr(self, name, np.concatenate([getattr(self, name), np.full(extra, np.nan)]))


class RuleEngine:
    """Evaluates rules against successive snapshots and reports state transitions."""

    def __init__(self, rules: Iterable[Rule]) -> None:
        self.rules = list(rules)
        names = [r.name for r in self.rules]
        if len(set(names)) != len(names):
            raise ValueError("two rules share a name")
        self._index: dict[SeriesKey, int] = {}
        self._keys: list[SeriesKey] = []
        self._states = {r.name: _RuleState(0) for r in self.rules}

    def _ids(self, keys: list[SeriesKey]) -> np.ndarray:
        index = self._index
        ids = np.empty(len(keys), dtype=np.int64)
        for i, key in enumerate(keys):
            found = index.get(key)
            if found is None:
                found = index[key] = len(self._keys)
                self._keys.append(key)
            ids[i] = found
        return ids

    def restore(
        self, rule: str, series: SeriesKey, state: str, since: float, clear_since: float | None
    ) -> None:
        """Reload a pending or firing alert kept in the database (the engine restarts without forgetting)."""
        ids = self._ids([series])
        st = self._states[rule]
        st.grow(len(self._keys))
        st.state[ids[0]] = PENDING if state == "pending" else FIRING
        st.since[ids[0]] = since
        st.clear_since[ids[0]] = np.nan if clear_since is None else clear_since

    def evaluate(self, snapshot: Snapshot, now: float) -> list[Transition]:
        """One evaluation at time ``now`` (seconds); the transitions it causes."""
        by_metric = {m: (keys, self._ids(keys), values) for m, (keys, values) in snapshot.metrics.items()}
        size = len(self._keys)
        out: list[Transition] = []
        masks: dict[tuple[str, tuple[tuple[str, str], ...]], np.ndarray] = {}
        empty_ids, empty_vals = np.empty(0, dtype=np.int64), np.empty(0)
        for rule in self.rules:
            st = self._states[rule.name]
            st.grow(size)
            ids, vals = empty_ids, empty_vals
            if rule.metric in by_metric:
                keys, ids, vals = by_metric[rule.metric]
                if rule.labels:
                    mask = masks.get((rule.metric, rule.labels))
                    if mask is None:
                        mask = np.fromiter((rule.matches(k[1]) for k in keys), bool, len(keys))
                        masks[rule.metric, rule.labels] = mask
                    ids, vals = ids[mask], vals[mask]
            # Series with an open alert that vanished from the data: their condition does not hold.
            active = np.flatnonzero(st.state)
            if len(active):
                gone = active[~np.isin(active, ids, assume_unique=True)]
                if len(gone):
                    ids = np.concatenate([ids, gone])
                    vals = np.concatenate([vals, np.full(len(gone), np.nan)])
            if not len(ids):
                continue
            out.extend(self._step(rule, st, ids, vals, now))
        return out

    def _step(
        self, rule: Rule, st: _RuleState, ids: np.ndarray, values: np.ndarray, now: float
    ) -> list[Transition]:
        """Advance the states of the series ``ids`` (values NaN where absent); gather, compute, scatter."""
        before = st.state[ids]
        since = st.since[ids]
        clear_since = st.clear_since[ids]
        present = ~np.isnan(values)
        holds = np.zeros(len(ids), dtype=bool)
        holds[present] = rule.holds(values[present], before[present] == FIRING)
        state = before.copy()
        start = holds & (before == INACTIVE)
        since = np.where(start, now, since)
        state[start] = PENDING
        state[holds & (state == PENDING) & (now - since >= rule.for_s)] = FIRING
        clear_since = np.where(holds, np.nan, clear_since)
        state[~holds & (before == PENDING)] = INACTIVE
        cooling = ~holds & (before == FIRING)
        clear_since = np.where(cooling & np.isnan(clear_since), now, clear_since)
        resolved = cooling & (now - clear_since >= rule.keep_firing_for_s)
        state[resolved] = INACTIVE
        off = state == INACTIVE
        st.state[ids] = state
        st.since[ids] = np.where(off, np.nan, since)
        st.clear_since[ids] = np.where(off, np.nan, clear_since)
        st.value[ids[holds]] = values[holds]
        changed = np.flatnonzero(before != state)
        if not len(changed):
            return []
        # Built column-wise: a bulk evaluation may move tens of thousands of alerts at once.
        after_codes = state[changed]
        before_codes = before[changed]
        after_names = _NAMES[after_codes]
        after_names[(before_codes == FIRING) & (after_codes == INACTIVE)] = "resolved"
        starts = np.where(after_codes == INACTIVE, since[changed], st.since[ids[changed]])
        vals = values[changed]
        keys = self._keys
        n = len(changed)
        return list(
            map(
                Transition._make,
                zip(
                    [rule.name] * n,
                    [keys[i] for i in ids[changed].tolist()],
                    _NAMES[before_codes].tolist(),
                    after_names.tolist(),
                    [now] * n,
                    [None if v != v else v for v in vals.tolist()],
                    [None if t != t else t for t in starts.tolist()],
                    strict=True,
                ),
            )
        )

    def active(self) -> list[tuple[str, SeriesKey, str, float, float | None]]:
        """(rule, series, state, since, last value) of every pending or firing alert."""
        found = []
        for rule in self.rules:
            st = self._states[rule.name]
            for i in np.flatnonzero(st.state != INACTIVE):
                v = st.value[i]
                found.append(
                    (
                        rule.name,
                        self._keys[i],
                        STATE_NAMES[int(st.state[i])],
                        float(st.since[i]),
                        None if np.isnan(v) else float(v),
                    )
                )
        return found

    def clear_since(self, rule: str, series: SeriesKey) -> float | None:
        """When a firing alert's condition stopped holding (it is cooling down), or None."""
        i = self._index.get(series)
        st = self._states[rule]
        if i is None or i >= len(st.state):
            return None
        value = st.clear_since[i]
        return None if np.isnan(value) else float(value)

    def forget(self, rule: str, series: SeriesKey) -> None:
        """Drop one alert's state (it was resolved by hand)."""
        i = self._index.get(series)
        st = self._states.get(rule)
        if i is not None and st is not None and i < len(st.state):
            st.state[i] = INACTIVE
            st.since[i] = st.clear_since[i] = np.nan
