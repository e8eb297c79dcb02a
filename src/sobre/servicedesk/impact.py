"""The impact of an incident: technical (what and who it reached), energy and economic, as Estimates.

- **Technical.** :func:`reach` walks the inventory's dependency graph from the items linked to the ticket,
  down to what depends on them (a site carries its hosts, a host its VMs and applications, an application
  the digital services built on it) and up to what they run on (application → VM → host → site).  Users
  affected are the largest user count among the applications and services reached (one person using two
  affected applications counts once, so the counts are not added).
- **Energy.** Extra energy = Σ over the hosts of (observed − baseline power) × time × PUE.  Observed power
  comes as samples (measured by supervision) or as one figure a technician gives (input); the result is in
  kWh and, with the site's electricity factor, in kgCO2e.  The range carries the factor's range and, for
  an input power, ±20 % (a figure read off a display or a nameplate).  A host without observed power, without
  baseline or without a PUE is not guessed: the figure is unknown, with the reason.
- **Economic.** Cost = downtime (h) × affected users × hourly cost + recovery cost + penalties.  A degraded
  service (slower, not down) counts its downtime weighted by the share of productivity lost.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sobre.core.estimate import Estimate, Status

#: Relative uncertainty of a power figure given by hand (read off a PDU display or a nameplate).
INPUT_POWER_SPREAD = 0.20


# ---------------------------------------------------------------- technical


@dataclass(frozen=True)
class Node:
    """One inventory object of the dependency graph: ``kind`` is site, equipment, vm, cloud, application or
    service; ``parents`` are what it runs on (kind, id)."""

    kind: str
    id: int
    name: str
    parents: tuple[tuple[str, int], ...] = ()
    users: int | None = None
    criticality: str | None = None


@dataclass(frozen=True)
class Reach:
    """What an incident on some items touches (``affected``: they and what depends on them) and what they
    run on (``runs_on``: their VMs, hosts and sites, where the energy is drawn)."""

    affected: tuple[Node, ...]
    runs_on: tuple[Node, ...]
    users: int | None
    users_source: str

    def of_kind(self, kind: str, *, runs_on: bool = False) -> list[Node]:
        return [n for n in (self.runs_on if runs_on else self.affected) if n.kind == kind]


_ORDER = {"site": 0, "equipment": 1, "vm": 2, "cloud": 3, "application": 4, "service": 5}


def _walk(start: list[tuple[str, int]], edges: Mapping[tuple[str, int], Iterable[tuple[str, int]]]) -> set:
    seen: set[tuple[str, int]] = set()
    stack = list(start)
    while stack:
        key = stack.pop()
        if key not in seen:
            seen.add(key)
            stack.extend(edges.get(key, ()))
    return seen


def reach(nodes: Iterable[Node], start: Iterable[tuple[str, int]]) -> Reach:
    """Walk the graph from the ``start`` items: down to what depends on them, up to what they run on."""
    by_key = {(n.kind, n.id): n for n in nodes}
    begin = [k for k in start if k in by_key]
    children: dict[tuple[str, int], list[tuple[str, int]]] = {}
    for key, node in by_key.items():
        for parent in node.parents:
            children.setdefault(parent, []).append(key)
    parents = {key: [p for p in node.parents if p in by_key] for key, node in by_key.items()}

    def ordered(keys: set) -> tuple[Node, ...]:
        return tuple(sorted((by_key[k] for k in keys), key=lambda n: (_ORDER.get(n.kind, 9), n.name)))

    affected = ordered(_walk(begin, children))
    runs_on = ordered(_walk(begin, parents) - set(begin))
    counted = [n for n in affected if n.kind in ("application", "service") and n.users]
    if counted:
        top = max(counted, key=lambda n: n.users or 0)
        return Reach(affected, runs_on, top.users, f"{top.kind} {top.name}")
    return Reach(affected, runs_on, None, "")


# ---------------------------------------------------------------- energy


@dataclass(frozen=True)
class PowerSample:
    """Mean power over [start, end)."""

    start: datetime
    end: datetime
    watts: float


@dataclass(frozen=True)
class HostEnergy:
    """What the energy of one host during the incident rests on."""

    name: str
    baseline_w: float | None
    pue: float | None
    samples: Sequence[PowerSample] = ()
    observed_w: float | None = None  # one figure for the whole window (input)
    window_h: float | None = None  # duration of the window for observed_w
    measured: bool = False  # samples come from a meter or RAPL
    baseline_source: str = ""
    pue_source: str = ""
    samples_source: str = "supervision samples"


@dataclass(frozen=True)
class EnergyImpact:
    kwh: Estimate
    kgco2e: Estimate
    per_host: dict[str, Estimate] = field(default_factory=dict)


def host_extra_kwh(host: HostEnergy) -> Estimate:
    """Σ (observed − baseline) × Δt × PUE of one host, in kWh."""
    if host.baseline_w is None:
        return Estimate.unknown("kWh", f"{host.name}: no baseline power (give it or supervise the host)")
    if host.pue is None:
        return Estimate.unknown("kWh", f"{host.name}: the site has no PUE")
    if host.samples:
        wh = sum((s.watts - host.baseline_w) * (s.end - s.start).total_seconds() / 3600 for s in host.samples)
        status = Status.MEASURED if host.measured else Status.MODELLED
        spread = 0.0
        source = host.samples_source
    elif host.observed_w is not None and host.window_h is not None:
        wh = (host.observed_w - host.baseline_w) * host.window_h
        status, spread, source = Status.INPUT, INPUT_POWER_SPREAD, "power given by the technician"
    else:
        return Estimate.unknown("kWh", f"{host.name}: no observed power (host not supervised, none given)")
    kwh = wh * host.pue / 1000
    low, high = sorted((kwh * (1 - spread), kwh * (1 + spread)))
    parts = [source, host.baseline_source, host.pue_source]
    return Estimate(
        kwh,
        "kWh",
        low,
        high,
        status,
        "; ".join(p for p in parts if p) + "; extra = Σ(observed − baseline) × Δt × PUE",
    )


def energy(hosts: Sequence[HostEnergy], factor: Estimate) -> EnergyImpact:
    """Extra energy of the hosts and its emissions with ``factor`` (kgCO2e/kWh)."""
    per_host = {h.name: host_extra_kwh(h) for h in hosts}
    if not per_host:
        unknown = Estimate.unknown("kWh", "no host linked to the incident")
        return EnergyImpact(unknown, Estimate.unknown("kgCO2e", unknown.reason), {})
    total: Estimate = Estimate(0.0, "kWh", status=Status.MEASURED)
    for e in per_host.values():
        total = total + e
    if total.known:
        sources = "; ".join(sorted({e.source for e in per_host.values()}))
        total = Estimate(total.value, "kWh", total.low, total.high, total.status, sources)
    return EnergyImpact(total, emissions(total, factor), per_host)


def emissions(kwh: Estimate, factor: Estimate) -> Estimate:
    """kgCO2e = kWh × factor, the range of both carried (a negative energy, saved, keeps its sign)."""
    if not kwh.known:
        return Estimate.unknown("kgCO2e", kwh.reason)
    if not factor.known:
        return Estimate.unknown("kgCO2e", factor.reason)
    assert kwh.value is not None and factor.value is not None
    assert kwh.low is not None and kwh.high is not None and factor.low is not None and factor.high is not None
    corners = [a * b for a in (kwh.low, kwh.high) for b in (factor.low, factor.high)]
    value = kwh.value * factor.value
    # The energy's status is the result's: a published factor does not make a measured energy a default.
    return Estimate(value, "kgCO2e", min(corners), max(corners), kwh.status, factor.source)


# ---------------------------------------------------------------- economic


@dataclass(frozen=True)
class CostParameters:
    """An organisation's figures for the cost of an incident."""

    hourly_cost: Estimate  # € per user and hour of lost work
    recovery_cost: float = 0.0  # € spent to restore (overtime, parts, supplier call-out)
    penalties: float = 0.0  # € owed under contracts (SLA credits)
    degraded_loss: float = 0.5  # share of productivity lost while the service is only degraded


def cost(
    downtime_h: float | None,
    users: int | None,
    params: CostParameters,
    *,
    degraded_h: float = 0.0,
) -> Estimate:
    """Downtime × users × hourly cost + recovery + penalties, in €."""
    if downtime_h is None:
        return Estimate.unknown("EUR", "the downtime is not known (give the start and end of the outage)")
    if users is None:
        return Estimate.unknown("EUR", "the number of affected users is not known")
    if not params.hourly_cost.known:
        return Estimate.unknown("EUR", params.hourly_cost.reason)
    rate = params.hourly_cost
    assert rate.value is not None and rate.low is not None and rate.high is not None
    hours = downtime_h + degraded_h * params.degraded_loss
    fixed = params.recovery_cost + params.penalties
    return Estimate(
        hours * users * rate.value + fixed,
        "EUR",
        hours * users * rate.low + fixed,
        hours * users * rate.high + fixed,
        rate.status,
        f"downtime × users × hourly cost + recovery + penalties; hourly cost: {rate.source}",
    )


def as_dict(e: Estimate) -> dict[str, object]:
    """An Estimate as plain data (stored with the ticket, shown in JSON)."""
    return {
        "value": e.value,
        "low": e.low,
        "high": e.high,
        "unit": e.unit,
        "status": str(e.status),
        "source": e.source,
        "reason": e.reason,
    }


def from_dict(data: Mapping[str, object]) -> Estimate:
    if data.get("value") is None:
        return Estimate.unknown(str(data["unit"]), str(data.get("reason") or "unknown"))
    return Estimate(
        float(data["value"]),  # type: ignore[arg-type]
        str(data["unit"]),
        float(data["low"]),  # type: ignore[arg-type]
        float(data["high"]),  # type: ignore[arg-type]
        Status(str(data["status"])),
        str(data.get("source") or ""),
    )
