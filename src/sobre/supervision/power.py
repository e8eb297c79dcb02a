"""Power and energy of a host: measured when a meter says so, else modelled from its utilisation.

Order of preference for one host and one moment:

1. a whole-machine meter: a smart PDU outlet or the BMC (IPMI DCMI ``Power Reading``), imported as
   readings (``measured``);
2. RAPL counters (``/sys/class/powercap`` read by the agent, or node_exporter's ``node_rapl_*``):
   ``measured``, with the warning that RAPL covers CPU packages and memory, not the power supply, fans
   or disks;
3. the linear model ``P = P_idle + (P_max − P_idle) × u`` per CPU thread, + memory and disks, with
   coefficients from ``data/power_classes.csv`` (each row with its public source), or the host's own
   ``P_idle``/``P_max`` when the technician gives them (``input``).  A linear model, not a cubic TDP
   curve, since a cubic curve under-estimates mid-load power (DESIGN §9).

Energy is integrated over the samples (trapezoids), never across a gap longer than ``max_gap_s``; a day
with gaps is scaled up from the share of it that was covered, and says so.  Facility energy is IT energy ×
the site's PUE; the footprint engine applies the PUE itself, so it receives IT energy.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

from sobre.core.estimate import Estimate, Status

DATA = Path(__file__).parent / "data" / "power_classes.csv"
RAPL_WARNING = "RAPL covers CPU packages and memory only (not power supply losses, fans or disks)"


@dataclass(frozen=True)
class Coefficient:
    name: str
    per: str  # thread, gigabyte, terabyte
    idle: tuple[float, float, float]  # value, low, high
    max: tuple[float, float, float]
    source: str


@cache
def coefficients() -> dict[str, Coefficient]:
    """The power coefficients shipped with Sobre, each with its source."""
    with DATA.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    out = {}
    for r in rows:
        out[r["class"]] = Coefficient(
            r["class"],
            r["per"],
            (float(r["idle_w"]), float(r["idle_low_w"]), float(r["idle_high_w"])),
            (float(r["max_w"]), float(r["max_low_w"]), float(r["max_high_w"])),
            f"{r['source']} ({r['licence']})",
        )
    return out


@dataclass(frozen=True)
class HostSpec:
    """What the model needs to know about a host."""

    threads: int | None
    ram_gb: float | None = None
    hdd_gb: float = 0.0
    ssd_gb: float = 0.0
    host_class: str = "server"
    p_idle_w: float | None = None  # the technician's own figures win over the class
    p_max_w: float | None = None


def modelled_power(
    spec: HostSpec, utilisation: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, Status, str]:
    """Power in W (value, low, high arrays) at CPU utilisation ``u`` in 0..1, with its status and source.

    Raises ``ValueError`` when the host's thread count is unknown and no own figures are given: a
    missing figure is never guessed as zero.
    """
    u = np.clip(np.asarray(utilisation, dtype=float), 0.0, 1.0)
    table = coefficients()
    mem, hdd, ssd = table["memory"], table["hdd"], table["ssd"]
    ram = spec.ram_gb or 0.0
    extra = [
        ram * mem.idle[k] + spec.hdd_gb / 1000.0 * hdd.idle[k] + spec.ssd_gb / 1000.0 * ssd.idle[k]
        for k in range(3)
    ]
    if spec.p_idle_w is not None and spec.p_max_w is not None:
        if spec.p_max_w < spec.p_idle_w:
            raise ValueError(f"P_max {spec.p_max_w} W is below P_idle {spec.p_idle_w} W")
        p = spec.p_idle_w + (spec.p_max_w - spec.p_idle_w) * u
        return (
            p,
            p.copy(),
            p.copy(),
            Status.INPUT,
            "P_idle + (P_max − P_idle) × u from the host's own figures",
        )
    if not spec.threads:
        raise ValueError("the host's CPU thread count is unknown and it has no P_idle/P_max of its own")
    cls = table.get(spec.host_class) or table["server"]
    out = []
    for k in range(3):
        idle, top = cls.idle[k] * spec.threads, cls.max[k] * spec.threads
        out.append(idle + (top - idle) * u + extra[k])
    source = f"P_idle + (P_max − P_idle) × u per thread: {cls.source}; memory and disks: {mem.source}"
    return out[0], np.minimum(out[1], out[0]), np.maximum(out[2], out[0]), Status.MODELLED, source


def rapl_joules(energy_uj: np.ndarray, max_range_uj: float | None) -> np.ndarray:
    """Joules between successive readings of a RAPL ``energy_uj`` counter, unwrapping its wrap-around.

    The counter wraps to 0 after ``max_energy_range_uj``; a negative step is a wrap (add the range).
    Without a known range a negative step is dropped (NaN), never counted as negative energy.
    """
    e = np.asarray(energy_uj, dtype=float)
    d = np.diff(e)
    d = np.where(d < 0, d + max_range_uj, d) if max_range_uj else np.where(d < 0, np.nan, d)
    return d / 1e6


def integrate(ts: np.ndarray, watts: np.ndarray, max_gap_s: float) -> tuple[float, float]:
    """(joules, covered seconds) of power samples, by trapezoids, skipping gaps over ``max_gap_s``."""
    t = np.asarray(ts, dtype=float)
    w = np.asarray(watts, dtype=float)
    if len(t) < 2:
        return 0.0, 0.0
    order = np.argsort(t, kind="stable")
    t, w = t[order], w[order]
    dt = np.diff(t)
    ok = (dt > 0) & (dt <= max_gap_s) & ~np.isnan(w[1:]) & ~np.isnan(w[:-1])
    joules = float(np.sum(((w[1:] + w[:-1]) / 2.0 * dt)[ok]))
    return joules, float(np.sum(dt[ok]))


def day_energy(
    joules: tuple[float, float, float],
    covered_s: float,
    status: Status,
    source: str,
    *,
    warnings: tuple[str, ...] = (),
) -> Estimate:
    """IT energy of one day in kWh from integrated joules (value, low, high) and the seconds they cover."""
    if covered_s <= 0:
        return Estimate.unknown("kWh", "no samples cover this day")
    share = min(covered_s / 86400.0, 1.0)
    value, low, high = (j / 3.6e6 / share for j in joules)
    notes = list(warnings)
    if share < 0.999:
        notes.append(f"samples cover {share:.0%} of the day; the day is scaled up from them")
        # The unseen part of the day may have drawn anything between idle and the observed peak: widen.
        low, high = low * (0.5 + 0.5 * share), high * (1.5 - 0.5 * share)
    return Estimate(value, "kWh", min(low, value), max(high, value), status, source, tuple(notes))


def facility(energy: Estimate, pue: float | None, default_pue: float) -> Estimate:
    """Energy drawn from the grid by the site: IT energy × PUE (the site's, else the default)."""
    factor = pue if pue is not None else default_pue
    scaled = energy.scale(factor)
    note = () if pue is not None else (f"site PUE unknown: default {default_pue} used",)
    return (
        Estimate(
            scaled.value,
            "kWh",
            scaled.low,
            scaled.high,
            energy.status,
            energy.source,
            energy.warnings + note,
            energy.reason,
        )
        if scaled.value is not None
        else scaled
    )


def annual(days: list[Estimate]) -> Estimate:
    """Yearly energy from daily energies: their mean × 365 (a year is taken to look like the days seen)."""
    known = [d for d in days if d.value is not None]
    if not known:
        return Estimate.unknown("kWh", "no day of supervised energy")
    n = len(known)
    value = sum(d.value for d in known) / n * 365.0  # type: ignore[misc]
    low = sum(d.low for d in known) / n * 365.0  # type: ignore[misc]
    high = sum(d.high for d in known) / n * 365.0  # type: ignore[misc]
    statuses = {d.status for d in known}
    status = (
        Status.MEASURED
        if statuses == {Status.MEASURED}
        else max(statuses, key=[Status.MEASURED, Status.INPUT, Status.MODELLED, Status.DEFAULT].index)
    )
    warnings = tuple(dict.fromkeys(w for d in known for w in d.warnings))
    note = (f"{n} day(s) observed, extrapolated to a year",) if n < 365 else ()
    return Estimate(
        value, "kWh", min(low, value), max(high, value), status, f"supervision, {n} day(s)", warnings + note
    )
