"""Daily energy of each host (measured or modelled), and the yearly measured energy the footprint takes."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
import sqlalchemy as sa

from sobre.core.db import get_engine, session_scope
from sobre.core.errors import NotFound, SobreError
from sobre.core.estimate import Estimate, Status
from sobre.orgs import service as orgs
from sobre.supervision import power, store
from sobre.supervision.hosts import DEFAULT_PUE, DEFAULT_PUE_SOURCE, _inventory, org_id
from sobre.supervision.models import EnergyDay, Host

# ---------------------------------------------------------------- energy

_POWER_METHODS = (
    ("pdu", "power_watts", "method=pdu"),
    ("bmc", "power_watts", "method=bmc"),
    ("rapl", "rapl_watts", None),
)


def _spec(h: Host) -> power.HostSpec:
    return power.HostSpec(
        h.threads, h.ram_gb, h.hdd_gb or 0.0, h.ssd_gb or 0.0, h.host_class, h.p_idle_w, h.p_max_w
    )


def _day_from_samples(conn: sa.Connection, h: Host, start: float) -> tuple[Estimate, str] | None:
    end = start + 86400
    gap = max(4 * h.interval_s, 600.0)
    for method, metric, labels in _POWER_METHODS:
        series = store.read_series(conn, h.id, metric, start - gap, end + gap)
        series = [s for s in series if labels is None or store.encode_labels(s.labels) == labels]
        if not series:
            continue
        ts, watts = _sum_series(series)
        # A meter keeps its own pace (a PDU logs every few minutes): gaps are judged by it, up to an hour.
        spacing = float(np.median(np.diff(ts))) if len(ts) > 1 else gap
        joules, covered = _clipped(ts, watts, start, end, min(max(gap, 4 * spacing), 3600.0))
        if covered <= 0:
            continue
        source = {
            "pdu": "smart PDU outlet readings",
            "bmc": "BMC power readings (IPMI DCMI)",
            "rapl": "RAPL energy counters",
        }[method]
        warn = (power.RAPL_WARNING,) if method == "rapl" else ()
        return power.day_energy(
            (joules, joules, joules), covered, Status.MEASURED, source, warnings=warn
        ), method
    series = store.read_series(conn, h.id, "cpu_utilisation", start - gap, end + gap)
    if not series:
        return None
    ts, util = _sum_series(series)
    try:
        p, lo, hi, status, source = power.modelled_power(_spec(h), util)
    except ValueError as exc:
        return Estimate.unknown("kWh", str(exc)), "model"
    got = [_clipped(ts, w, start, end, gap) for w in (p, lo, hi)]
    covered = got[0][1]
    if covered <= 0:
        return None
    return power.day_energy(tuple(g[0] for g in got), covered, status, source), "model"  # type: ignore[arg-type]


def _query_day(source: Any, expr: str, start: float, end: float, step: float) -> list[store.SeriesData]:
    """``query_range`` over [start, end) in pieces (Prometheus answers at most 11,000 points a series)."""
    points: dict[str, list[tuple[float, float]]] = {}
    piece = 10_000 * step
    t = start
    while t < end:
        for s in source.query_range(expr, t, min(t + piece, end), step):
            points.setdefault(store.encode_labels(s.labels), []).extend(s.points)
        t += piece + step
    out = []
    for labels, pts in points.items():
        pts = sorted(set(pts))
        if pts:
            out.append(
                store.SeriesData(
                    store.decode_labels(labels),
                    np.array([p[0] for p in pts]),
                    np.array([p[1] for p in pts]),
                    "raw",
                )
            )
    return out


def _day_from_prometheus(
    source: Any, h: Host, start: float, step: float = 60.0
) -> tuple[Estimate, str] | None:
    """A Prometheus host's day, queried (not copied): RAPL power where exposed, else the model on CPU use."""
    from sobre.supervision.prometheus import promql

    end = min(start + 86400, time.time())
    if end <= start:
        return None
    sel = (("host", h.instance or h.name),)
    gap = 4 * step
    rapl = [
        s
        for m in ("rapl_package_watts", "rapl_dram_watts")
        for s in _query_day(source, promql(m, sel), start, end, step)
    ]
    if rapl:
        ts, watts = _sum_series(rapl)
        joules, covered = _clipped(ts, watts, start, start + 86400, gap)
        if covered > 0:
            source_text = "RAPL counters read from Prometheus (node_rapl_*)"
            day = power.day_energy(
                (joules,) * 3, covered, Status.MEASURED, source_text, warnings=(power.RAPL_WARNING,)
            )  # type: ignore[arg-type]
            return day, "rapl"
    found = _query_day(source, promql("cpu_utilisation", sel), start, end, step)
    if not found:
        return None
    ts, util = _sum_series(found)
    try:
        p, lo, hi, status, src = power.modelled_power(_spec(h), util)
    except ValueError as exc:
        return Estimate.unknown("kWh", str(exc)), "model"
    got = [_clipped(ts, w, start, start + 86400, gap) for w in (p, lo, hi)]
    if got[0][1] <= 0:
        return None
    return power.day_energy(tuple(g[0] for g in got), got[0][1], status, src), "model"  # type: ignore[arg-type]


def _sum_series(series: list[store.SeriesData]) -> tuple[np.ndarray, np.ndarray]:
    """Several series of one quantity (RAPL zones, PDU outlets) added on the union of their times."""
    if len(series) == 1:
        return series[0].ts, series[0].values
    ts = np.unique(np.concatenate([s.ts for s in series]))
    total = np.zeros(len(ts))
    for s in series:
        total += np.interp(ts, s.ts, s.values)
    return ts, total


def _clipped(ts: np.ndarray, watts: np.ndarray, start: float, end: float, gap: float) -> tuple[float, float]:
    """Joules and covered seconds of samples inside [start, end), cut at the day's edges."""
    if len(ts) == 0:
        return 0.0, 0.0
    grid = np.concatenate([[start], ts[(ts > start) & (ts < end)], [end]])
    inside = np.interp(grid, ts, watts, left=np.nan, right=np.nan)
    # The day's edges borrow the nearest sample only within one gap of it.
    for i in (0, -1):
        nearest = np.min(np.abs(ts - grid[i]))
        if nearest > gap:
            inside[i] = np.nan
    ok = ~np.isnan(inside)
    return power.integrate(grid[ok], inside[ok], gap)


def compute_energy(
    database_url: str,
    org: str,
    first: date,
    last: date,
    *,
    host: str | None = None,
    prometheus: Any = None,
    prometheus_step: float = 60.0,
) -> list[dict[str, Any]]:
    """Daily IT energy of each host from ``first`` to ``last`` (UTC days), stored and returned.

    Hosts read from Prometheus are queried through ``prometheus`` (a ``MetricsSource``) when given.
    """
    if last < first:
        raise SobreError(f"the last day {last} is before the first {first}")
    assets = _inventory(database_url, org)
    out = []
    with session_scope(database_url) as session:
        oid = orgs.get(session, org).id
        q = sa.select(Host).where(Host.org_id == oid).order_by(Host.name)
        if host:
            q = q.where(Host.name == host)
        hosts = session.scalars(q).all()
        if host and not hosts:
            raise NotFound(f"no supervised host named {host!r}")
        conn = session.connection()
        for h in hosts:
            pue, pue_note = _pue(h, assets)
            day = first
            while day <= last:
                start = datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp()
                if h.source == "prometheus" and prometheus is not None:
                    found = _day_from_prometheus(prometheus, h, start, prometheus_step)
                else:
                    found = _day_from_samples(conn, h, start)
                if found is not None and found[0].value is not None:
                    e, method = found
                    fac = power.facility(e, pue, DEFAULT_PUE) if pue is not False else None
                    row = {
                        "host_id": h.id,
                        "day": day,
                        "kwh": e.value,
                        "low": e.low,
                        "high": e.high,
                        "status": e.status.value,
                        "method": method,
                        "source": e.source,
                        "warnings": list(e.warnings) + ([pue_note] if pue_note else []),
                        "coverage": _coverage(e),
                        "pue": pue if isinstance(pue, float) else None,
                        "facility_kwh": fac.value if fac else e.value,
                    }
                    session.merge(EnergyDay(**row))
                    out.append({"host": h.name, **{k: v for k, v in row.items() if k != "host_id"}})
                day += timedelta(days=1)
    return out


def _coverage(e: Estimate) -> float:
    for w in e.warnings:
        if w.startswith("samples cover "):
            return float(w.split()[2].rstrip("%")) / 100.0
    return 1.0


def _pue(h: Host, assets: dict[str, dict[int, dict[str, Any]]]) -> tuple[float | None | bool, str | None]:
    """The site PUE for a host (through its equipment, or its VM's host); False when the site has none."""
    from sobre.inventory.taxonomy import PUE_SITE_KINDS

    eq_id = h.equipment_id
    if eq_id is None and h.vm_id is not None:
        eq_id = assets["vms"].get(h.vm_id, {}).get("host_id")
    eq = assets["equipment"].get(eq_id) if eq_id else None
    if eq is None or eq.get("site_kind") is None:
        return None, f"site unknown: default PUE {DEFAULT_PUE} ({DEFAULT_PUE_SOURCE})"
    if eq["site_kind"] not in {k.value for k in PUE_SITE_KINDS}:
        return False, None  # an office: no data-centre overhead
    if eq.get("site_pue"):
        return float(eq["site_pue"]), None
    return None, f"site {eq['site']} has no PUE: default {DEFAULT_PUE} ({DEFAULT_PUE_SOURCE})"


def energy_days(
    database_url: str,
    org: str,
    *,
    host: str | None = None,
    first: date | None = None,
    last: date | None = None,
) -> list[dict[str, Any]]:
    """Stored daily energies, oldest first."""
    oid = org_id(database_url, org)
    with get_engine(database_url).connect() as conn:
        q = (
            sa.select(Host.name, EnergyDay)
            .join(Host, Host.id == EnergyDay.host_id)
            .where(Host.org_id == oid)
            .order_by(Host.name, EnergyDay.day)
        )
        if host:
            q = q.where(Host.name == host)
        if first:
            q = q.where(EnergyDay.day >= first)
        if last:
            q = q.where(EnergyDay.day <= last)
        rows = conn.execute(q).mappings().all()
        return [{"host": r["name"], **{k: r[k] for k in r if k not in ("name", "host_id")}} for r in rows]


def _linked_hosts(database_url: str, org: str) -> list[dict[str, Any]]:
    """The supervised hosts linked to inventory equipment: ``{"id", "name", "equipment_id"}`` by name.

    Read straight from the host table: :func:`list_hosts` also builds the whole inventory's asset context,
    which a footprint run of a million items would wait for (most of its load) only to drop it."""
    oid = org_id(database_url, org)
    with get_engine(database_url).connect() as conn:
        rows = conn.execute(
            sa.select(Host.id, Host.name, Host.equipment_id)
            .where(Host.org_id == oid, Host.equipment_id.is_not(None))
            .order_by(Host.name)
        )
        return [{"id": r.id, "name": r.name, "equipment_id": r.equipment_id} for r in rows]


def annual_energy(
    database_url: str, org: str, *, as_of: date | None = None, days: int = 365
) -> list[dict[str, Any]]:
    """Yearly IT energy of each supervised host linked to inventory equipment, from *measured* days.

    For the footprint's use stage: ``{"equipment_id", "host", "kwh": Estimate, "measured_days"}``, one per
    linked equipment with at least one measured day in the ``days`` before ``as_of``; the yearly figure is
    the mean measured day × 365 (status ``measured``).  Modelled days are left out: the footprint has its
    own models.  IT energy: the footprint applies the site's PUE itself.
    """
    as_of = as_of or datetime.now(UTC).date()
    rows = energy_days(database_url, org, first=as_of - timedelta(days=days - 1), last=as_of)
    ids = {h["name"]: h for h in _linked_hosts(database_url, org)}
    by_host: dict[str, list[Estimate]] = {}
    for r in rows:
        if r["status"] != Status.MEASURED.value:
            continue
        by_host.setdefault(r["host"], []).append(
            Estimate(
                r["kwh"], "kWh", r["low"], r["high"], Status.MEASURED, r["source"], tuple(r["warnings"] or ())
            )
        )
    out = []
    for name, estimates in sorted(by_host.items()):
        eq_id = ids.get(name, {}).get("equipment_id")
        if eq_id is None:
            continue
        out.append(
            {
                "equipment_id": eq_id,
                "host": name,
                "kwh": power.annual(estimates),
                "measured_days": len(estimates),
            }
        )
    return out


def measured_energy(database_url: str, org: str, reference_date: date) -> dict[int, float]:
    """What supervision ``provides`` as ``footprint.measured_energy``: ``{equipment_id: kWh per year}``.

    The measured days of the year before ``reference_date`` (see :func:`annual_energy`); energy days are
    computed first from the stored points, so a run sees the newest readings.
    """
    first = reference_date - timedelta(days=364)
    hosts = _linked_hosts(database_url, org)
    if not hosts:
        return {}
    stored = {(r["host"], r["day"]) for r in energy_days(database_url, org, first=first, last=reference_date)}
    for h in hosts:
        with get_engine(database_url).connect() as conn:
            spans = [
                conn.execute(
                    sa.select(sa.func.min(col), sa.func.max(col)).where(table.host_id == h["id"])
                ).one()
                for table, col in ((store.Point, store.Point.ts), (store.Rollup, store.Rollup.bucket))
            ]
        known = [x for x in spans if x[0] is not None]
        if not known:
            continue
        start = max(first, datetime.fromtimestamp(min(x[0] for x in known), UTC).date())
        end = min(reference_date, datetime.fromtimestamp(max(x[1] for x in known), UTC).date())
        if start <= end and any(
            (h["name"], start + timedelta(days=i)) not in stored for i in range((end - start).days + 1)
        ):
            compute_energy(database_url, org, start, end, host=h["name"])
    yearly = annual_energy(database_url, org, as_of=reference_date)
    return {y["equipment_id"]: y["kwh"].value for y in yearly if y["kwh"].value is not None}
