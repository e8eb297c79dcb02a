"""Read models of the host page and its API: metrics in buckets, power, daily energy, disks, capacity.

Power over time is what a meter measured (a PDU or the BMC, else RAPL) when the host has one, else the
linear model on its CPU utilisation; since the model is linear in utilisation, the model on a bucket's mean
utilisation is the bucket's mean modelled power.  Every figure says whether it was measured or modelled.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.core.estimate import Status
from sobre.supervision import buckets, listing, power, store, triage
from sobre.supervision.energy import _sum_series, energy_days
from sobre.supervision.ingest import latest_metrics
from sobre.supervision.models import Alert, Host

#: Chart spans: seconds covered and number of buckets (kept small: each bucket is a row of the data table).
SPANS = {"24h": (86400, 12), "7d": (7 * 86400, 14), "30d": (30 * 86400, 15)}
#: Utilisation series of the host chart: (metric, series key, aggregate).
UTILISATION = (
    ("cpu_utilisation", "cpu", "mean"),
    ("cpu_utilisation", "cpu_peak", "max"),
    ("memory_used_ratio", "memory", "mean"),
    ("swap_used_ratio", "swap", "mean"),
)
_METERS = (
    ("pdu", "power_watts", "method=pdu"),
    ("bmc", "power_watts", "method=bmc"),
    ("rapl", "rapl_watts", None),
)


@dataclass
class PowerSeries:
    """Mean power per bucket (W) with its range, and how it was obtained."""

    values: list[float | None]
    low: list[float | None]
    high: list[float | None]
    status: str  # measured, input, modelled, unknown
    method: str | None  # pdu, bmc, rapl, model
    source: str
    reason: str | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class HostView:
    host: dict[str, Any]
    span: str
    starts: list[datetime]
    #: series key → values per bucket (percent), only series the host reports.
    utilisation: dict[str, list[float | None]]
    power: PowerSeries
    energy: list[dict[str, Any]]
    filesystems: list[dict[str, Any]]
    disks: list[dict[str, Any]]
    alerts: list[dict[str, Any]]


def _utilisation(conn: sa.Connection, host_id: int, start: float, end: float, n: int) -> dict[str, Any]:
    out: dict[str, list[float | None]] = {}
    cache: dict[str, list[store.SeriesData]] = {}
    for metric, key, aggregate in UTILISATION:
        series = cache.setdefault(metric, store.read_series(conn, host_id, metric, start, end))
        if not series:
            continue
        ts, values = _sum_series(series) if len(series) == 1 else _mean_series(series)
        means, peaks = buckets.bucketise(ts, values, start, end, n)
        out[key] = buckets.scaled(means if aggregate == "mean" else peaks, 100.0)
    return out


def _mean_series(series: list[store.SeriesData]) -> tuple[np.ndarray, np.ndarray]:
    ts, total = _sum_series(series)
    return ts, total / len(series)


def _power(
    conn: sa.Connection,
    host: dict[str, Any],
    cpu: list[float | None] | None,
    start: float,
    end: float,
    n: int,
) -> PowerSeries:
    for method, metric, labels in _METERS:
        found = store.read_series(conn, host["id"], metric, start, end)
        found = [s for s in found if labels is None or store.encode_labels(s.labels) == labels]
        if found:
            ts, watts = _sum_series(found)
            means, _ = buckets.bucketise(ts, watts, start, end, n)
            source = {
                "pdu": "smart PDU outlet readings",
                "bmc": "BMC power readings (IPMI DCMI)",
                "rapl": "RAPL energy counters",
            }[method]
            warnings = [power.RAPL_WARNING] if method == "rapl" else []
            return PowerSeries(means, means, means, Status.MEASURED.value, method, source, warnings=warnings)
    if cpu is None:
        return PowerSeries([None] * n, [None] * n, [None] * n, "unknown", None, "", "no CPU utilisation")
    spec = power.HostSpec(
        host["threads"],
        host["ram_gb"],
        host["hdd_gb"] or 0.0,
        host["ssd_gb"] or 0.0,
        host["host_class"],
        host["p_idle_w"],
        host["p_max_w"],
    )
    known = [i for i, u in enumerate(cpu) if u is not None]
    values: list[float | None] = [None] * n
    low: list[float | None] = [None] * n
    high: list[float | None] = [None] * n
    try:
        p, lo, hi, status, source = power.modelled_power(spec, np.array([cpu[i] / 100.0 for i in known]))  # type: ignore[operator]
    except ValueError as exc:
        return PowerSeries(values, low, high, "unknown", "model", "", str(exc))
    for j, i in enumerate(known):
        values[i], low[i], high[i] = float(p[j]), float(lo[j]), float(hi[j])
    return PowerSeries(values, low, high, status.value, "model", source)


def host_view(
    database_url: str, org: str, host_id: int, *, span: str = "24h", now: float | None = None
) -> HostView:
    """Everything the host page shows, over the last ``span`` (24h, 7d or 30d)."""
    now = time.time() if now is None else now
    seconds, n = SPANS.get(span, SPANS["24h"])
    start = now - seconds
    host = listing.host_by_id(database_url, org, host_id, now=now)
    with get_engine(database_url).connect() as conn:
        utilisation = _utilisation(conn, host_id, start, now, n)
        power_series = _power(conn, host, utilisation.get("cpu"), start, now, n)
    today = datetime.fromtimestamp(now, UTC).date()
    days = max(7, seconds // 86400)
    energy = energy_days(
        database_url, org, host=host["name"], first=today - timedelta(days=days - 1), last=today
    )
    forecasts = {
        f["mount"]: f for f in triage.forecasts(database_url, org, host["name"], now=now, alert=False)
    }
    filesystems = []
    for m in latest_metrics(database_url, org, host["name"]):
        if m["metric"] == "filesystem_used_ratio":
            mount = dict(store.decode_labels(m["labels"])).get("mount", m["labels"])
            filesystems.append(
                {"mount": mount, "used": m["value"] * 100.0, "forecast": forecasts.pop(mount, None)}
            )
    filesystems += [{"mount": k, "used": None, "forecast": f} for k, f in sorted(forecasts.items())]
    with session_scope(database_url) as s:
        oid = s.execute(sa.select(Host.org_id).where(Host.id == host_id)).scalar_one()
        disks = listing.smart_rows(list(s.execute(listing.smart_query(oid, host_id=host_id)).all()))
        alerts = listing.alert_rows(
            list(
                s.scalars(
                    listing.alerts_query(oid, host_id=host_id)
                    .order_by(listing.ALERT_SORTS["grade"].desc(), Alert.started_at.desc())
                    .limit(10)
                )
            )
        )
    starts = [datetime.fromtimestamp(t, UTC) for t in buckets.edges(start, now, n)]
    return HostView(
        host,
        span if span in SPANS else "24h",
        starts,
        utilisation,
        power_series,
        energy,
        filesystems,
        disks,
        alerts,
    )
