"""Metric storage: bulk writes of points, the latest value of each series, reads, downsampling, retention.

Agents post every 15 s; writing each post in its own transaction would make concurrent requests fight
for SQLite's single writer.  ``IngestBuffer`` queues validated points in memory and one thread writes them
in one transaction per flush (about every second): points, the latest value of each series (an upsert)
and the hosts' ``last_seen``.  A crash loses at most the last flush interval.

Retention (``compact``): raw points are kept ``raw_days`` (7 by default); they are rolled up into 5-minute
buckets, kept ``rollup_5m_days`` (90), and hourly buckets, kept ``rollup_1h_days`` (730).  Reads of a time
range take raw points where they still exist and the finest rollup elsewhere.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import sqlalchemy as sa

from sobre.core.db import get_engine
from sobre.supervision.models import Host, Latest, Point, Rollup

#: (host id, metric, labels text, ts, value)
Row = tuple[int, str, str, float, float]
STEPS = (300, 3600)


def encode_labels(labels: dict[str, Any] | Sequence[tuple[str, Any]] | None) -> str:
    """Labels as stored: ``k=v`` pairs sorted by key, joined by commas (``%`` escapes ``,``, ``=``, ``%``)."""
    if not labels:
        return ""
    items = labels.items() if isinstance(labels, dict) else labels
    return ",".join(f"{_esc(str(k))}={_esc(str(v))}" for k, v in sorted(items))


@lru_cache(maxsize=65536)
def decode_labels(text: str) -> tuple[tuple[str, str], ...]:
    if not text:
        return ()
    out = []
    for part in text.split(","):
        k, _, v = part.partition("=")
        out.append((_unesc(k), _unesc(v)))
    return tuple(out)


def _esc(s: str) -> str:
    return s.replace("%", "%25").replace(",", "%2C").replace("=", "%3D")


def _unesc(s: str) -> str:
    return s.replace("%2C", ",").replace("%3D", "=").replace("%25", "%")


def _upsert(
    conn: sa.Connection, table: Any, rows: list[dict[str, Any]], keys: list[str], update: list[str]
) -> None:
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        stmt = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as lite_insert

        stmt = lite_insert(table)  # type: ignore[assignment]
    stmt = stmt.on_conflict_do_update(
        index_elements=keys, set_={c: getattr(stmt.excluded, c) for c in update}
    )
    conn.execute(stmt, rows)


def write(conn: sa.Connection, rows: Sequence[Row]) -> None:
    """Write points, move each series' latest value forward and each host's ``last_seen``."""
    if not rows:
        return
    if conn.dialect.name == "postgresql":
        _copy_points(conn, rows)
    else:
        conn.execute(
            sa.insert(Point),
            [{"host_id": h, "metric": m, "labels": lab, "ts": ts, "value": v} for h, m, lab, ts, v in rows],
        )
    latest: dict[tuple[int, str, str], tuple[float, float]] = {}
    seen: dict[int, float] = {}
    for h, m, lab, ts, v in rows:
        key = (h, m, lab)
        if key not in latest or ts >= latest[key][0]:
            latest[key] = (ts, v)
        if ts > seen.get(h, 0.0):
            seen[h] = ts
    # Only move forward: a late batch must not replace a newer value.
    current = {
        (r.host_id, r.metric, r.labels): r.ts
        for r in conn.execute(
            sa.select(Latest.host_id, Latest.metric, Latest.labels, Latest.ts).where(
                Latest.host_id.in_(list(seen))
            )
        )
    }
    fresh = [
        {"host_id": h, "metric": m, "labels": lab, "ts": ts, "value": v}
        for (h, m, lab), (ts, v) in latest.items()
        if current.get((h, m, lab), -1.0) <= ts
    ]
    _upsert(conn, Latest.__table__, fresh, ["host_id", "metric", "labels"], ["ts", "value"])
    for host_id, ts in seen.items():
        conn.execute(
            sa.update(Host)
            .where(Host.id == host_id, sa.or_(Host.last_seen.is_(None), Host.last_seen < ts))
            .values(last_seen=ts)
        )


def _copy_points(conn: sa.Connection, rows: Sequence[Row]) -> None:
    cursor: Any = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    with cursor.copy("COPY sup_point (host_id, metric, labels, ts, value) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


class IngestBuffer:
    """Points waiting to be written; ``flush`` writes them all in one transaction."""

    def __init__(self, database_url: str, *, flush_every_s: float = 1.0, max_rows: int = 2_000_000) -> None:
        self.database_url = database_url
        self.flush_every_s = flush_every_s
        self.max_rows = max_rows
        self._rows: list[Row] = []
        self._lock = threading.Lock()
        self._flush_lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.written = 0
        self.dropped = 0
        self.flushes = 0
        self.last_flush_s = 0.0

    def add(self, rows: Iterable[Row]) -> int:
        """Queue points; refuses (returns 0) past ``max_rows`` so that memory stays bounded."""
        batch = list(rows)
        with self._lock:
            if len(self._rows) + len(batch) > self.max_rows:
                self.dropped += len(batch)
                return 0
            self._rows.extend(batch)
        return len(batch)

    @property
    def queued(self) -> int:
        return len(self._rows)

    def flush(self) -> int:
        with self._flush_lock:
            with self._lock:
                rows, self._rows = self._rows, []
            if not rows:
                return 0
            started = time.perf_counter()
            with get_engine(self.database_url).begin() as conn:
                write(conn, rows)
            self.last_flush_s = time.perf_counter() - started
            self.written += len(rows)
            self.flushes += 1
            return len(rows)

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name="sobre-ingest", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.flush_every_s):
            self.flush()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        self.flush()


@dataclass(frozen=True)
class SeriesData:
    labels: tuple[tuple[str, str], ...]
    ts: np.ndarray
    values: np.ndarray
    resolution: str  # raw, 5m, 1h


def read_series(
    conn: sa.Connection, host_id: int, metric: str, start: float, end: float, *, labels: str | None = None
) -> list[SeriesData]:
    """Points of one host's metric in [start, end), raw where kept, else from the finest rollup (means)."""
    q = sa.select(Point.labels, Point.ts, Point.value).where(
        Point.host_id == host_id, Point.metric == metric, Point.ts >= start, Point.ts < end
    )
    if labels is not None:
        q = q.where(Point.labels == labels)
    by_labels: dict[str, tuple[list[float], list[float], str]] = {}
    for lab, ts, v in conn.execute(q.order_by(Point.ts)):
        entry = by_labels.setdefault(lab, ([], [], "raw"))
        entry[0].append(ts)
        entry[1].append(v)
    # Older data is coarser: a rollup bucket fills in only before the earliest finer point of its series.
    for step, name in zip(STEPS, ("5m", "1h"), strict=True):
        earliest = {lab: min(e[0]) for lab, e in by_labels.items() if e[0]}
        rq = sa.select(Rollup.labels, Rollup.bucket, Rollup.total, Rollup.n).where(
            Rollup.host_id == host_id,
            Rollup.metric == metric,
            Rollup.step == step,
            Rollup.bucket >= start - step,
            Rollup.bucket < end,
        )
        if labels is not None:
            rq = rq.where(Rollup.labels == labels)
        for lab, bucket, total, n in conn.execute(rq.order_by(Rollup.bucket)):
            mid = bucket + step / 2
            if not start <= mid < end or (lab in earliest and bucket + step > earliest[lab]):
                continue
            entry = by_labels.setdefault(lab, ([], [], name))
            entry[0].append(mid)
            entry[1].append(total / n)
    out = []
    for lab, (times, vals, res) in sorted(by_labels.items()):
        order = np.argsort(times, kind="stable")
        out.append(SeriesData(decode_labels(lab), np.asarray(times)[order], np.asarray(vals)[order], res))
    return out


def compact(
    database_url: str,
    *,
    now: float | None = None,
    raw_days: float = 7,
    rollup_5m_days: float = 90,
    rollup_1h_days: float = 730,
) -> dict[str, int]:
    """Roll closed buckets up and drop what is past its retention; returns counts of what it did."""
    import polars as pl

    now = time.time() if now is None else now
    done = {"rollups": 0, "raw_deleted": 0, "rollups_deleted": 0}
    engine = get_engine(database_url)
    with engine.begin() as conn:
        for step in STEPS:
            newest = conn.execute(sa.select(sa.func.max(Rollup.bucket)).where(Rollup.step == step)).scalar()
            since = (newest + step) if newest is not None else 0.0
            until = (now // step) * step  # only closed buckets
            if until <= since:
                continue
            rows = conn.execute(
                sa.select(Point.host_id, Point.metric, Point.labels, Point.ts, Point.value).where(
                    Point.ts >= since, Point.ts < until
                )
            ).all()
            if not rows:
                continue
            frame = pl.DataFrame(rows, schema=["host_id", "metric", "labels", "ts", "value"], orient="row")
            agg = (
                frame.sort("ts")
                .with_columns(((pl.col("ts") / step).floor() * step).alias("bucket"))
                .group_by("host_id", "metric", "labels", "bucket")
                .agg(
                    pl.len().alias("n"),
                    pl.col("value").sum().alias("total"),
                    pl.col("value").min().alias("vmin"),
                    pl.col("value").max().alias("vmax"),
                    pl.col("value").last().alias("last"),
                )
                .with_columns(pl.lit(step).alias("step"))
            )
            records = agg.to_dicts()
            _upsert(
                conn,
                Rollup.__table__,
                records,
                ["host_id", "metric", "labels", "step", "bucket"],
                ["n", "total", "vmin", "vmax", "last"],
            )
            done["rollups"] += len(records)
        raw_cut = now - raw_days * 86400
        done["raw_deleted"] = conn.execute(sa.delete(Point).where(Point.ts < raw_cut)).rowcount or 0
        for step, days in ((300, rollup_5m_days), (3600, rollup_1h_days)):
            done["rollups_deleted"] += (
                conn.execute(
                    sa.delete(Rollup).where(Rollup.step == step, Rollup.bucket < now - days * 86400)
                ).rowcount
                or 0
            )
    return done
