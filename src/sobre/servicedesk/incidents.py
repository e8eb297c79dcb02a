"""Use cases of incident impact (technical, energy, economic) and of incidents opened by supervision alerts.

The inventory is read through ``sobre.inventory.service.topology``; the electricity factor and the default
PUE come from the organisation's footprint factor set (with its overrides), as the footprint uses them.
Observed power comes, in this order, from what the technician gives, from the supervision capability when
the host is supervised (its readings through ``sobre.supervision.service``), or stays unknown.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError
from sobre.core.estimate import Estimate, Status
from sobre.servicedesk import impact as calc
from sobre.servicedesk.desk import settings
from sobre.servicedesk.models import Impact, Ticket, TicketItem, utcnow
from sobre.servicedesk.service import get

CRITERION = "climate_change"


def _factor_set(session: Session, org_id: int) -> Any:
    from sobre.footprint.factors.store import load_factor_set

    return load_factor_set(session, org_id=org_id)


def electricity_factor(factor_set: Any, country: str | None) -> Estimate:
    """kgCO2e per kWh of ``country`` in the factor set, with its range and source."""
    if not country:
        return Estimate.unknown("kgCO2e/kWh", "the site's country is not known (set it in the inventory)")
    frame = factor_set.electricity
    rows = frame.filter((frame["country"] == country) & (frame["criterion"] == CRITERION)).to_dicts()
    if not rows:
        return Estimate.unknown("kgCO2e/kWh", f"no electricity factor for {country} in {factor_set.id}")
    r = rows[0]
    return Estimate(
        r["value"],
        "kgCO2e/kWh",
        r["low"] if r["low"] is not None else r["value"],
        r["high"] if r["high"] is not None else r["value"],
        Status.DEFAULT,
        f"{factor_set.id} {factor_set.version} row {r['row_id']}: {r['source']} ({r['licence']})",
    )


def _nodes(session: Session, org_id: int) -> tuple[list[calc.Node], dict[tuple[str, int], dict[str, Any]]]:
    from sobre.inventory import service as inventory

    raw = inventory.topology(session, org_id)
    facts = {(n["kind"], n["id"]): n for n in raw}
    nodes = [
        calc.Node(
            n["kind"],
            n["id"],
            n["name"],
            tuple(tuple(p) for p in n["parents"]),
            n.get("users"),
            n.get("criticality"),
        )
        for n in raw
    ]
    return nodes, facts


def _site_of(host: dict[str, Any], facts: dict[tuple[str, int], dict[str, Any]]) -> dict[str, Any] | None:
    for kind, pid in host["parents"]:
        if kind == "site":
            return facts.get(("site", pid))
    return None


def _pue(host: dict[str, Any], site: dict[str, Any] | None, factor_set: Any) -> tuple[float | None, str]:
    from sobre.inventory.taxonomy import PUE_SITE_KINDS, SERVER_CATEGORIES

    if site is not None and site.get("pue"):
        return float(site["pue"]), f"PUE {site['pue']} of site {site['name']}"
    in_room = (site is not None and site.get("site_kind") in PUE_SITE_KINDS) or (
        site is None and host.get("category") in SERVER_CATEGORIES
    )
    if not in_room:
        return 1.0, "not in a data centre or server room: PUE 1"
    default = factor_set.hypotheses.get("default_pue")
    if default is None:
        return None, ""
    where = f"site {site['name']}" if site else "server without a site"
    return float(default), f"{where} has no PUE: default {default} of factor set {factor_set.id}"


#: Power readings of a supervised host, best first: a whole-machine meter (PDU outlet, BMC), then RAPL (CPU
#: and memory only, so its extra energy is a lower bound); (metric, labels it must carry, what it is).
POWER_SOURCES = (
    ("power_watts", ("method", "pdu"), "smart PDU outlet readings"),
    ("power_watts", ("method", "bmc"), "BMC power readings (IPMI DCMI)"),
    ("power_watts", None, "power meter readings"),
    ("rapl_watts", None, "RAPL readings (CPU and memory only: a lower bound)"),
)
#: Shortest hole in the readings that is left out rather than bridged (longer for a slower meter: 4 readings).
MIN_GAP_S = 600.0
#: How far back the baseline (the median power before the incident) looks.
BASELINE_DAYS = 7


def _summed(series: list[Any], gap: float) -> tuple[list[float], list[float], list[bool]]:
    """Several series of one quantity (PDU outlets, RAPL zones) added at every reading time; each time also
    says whether every series had a reading less than ``gap`` seconds old (else the sum is incomplete)."""
    times = sorted({float(t) for s in series for t in s.ts})
    total, whole = [0.0] * len(times), [True] * len(times)
    for s in series:
        ts, vs, j = [float(t) for t in s.ts], [float(v) for v in s.values], -1
        for i, t in enumerate(times):
            while j + 1 < len(ts) and ts[j + 1] <= t:
                j += 1
            if j < 0 or t - ts[j] > gap:
                whole[i] = False
            else:
                total[i] += vs[j]
    return times, total, whole


def _steps(
    times: list[float],
    watts: list[float],
    whole: list[bool],
    start: float,
    end: float,
    gap: float,
    last: float,
) -> list[calc.PowerSample]:
    """Readings as steps over [start, end), each held until the next one (the last for ``last`` seconds, the
    meter's pace); a step longer than ``gap`` is a hole in the readings and is left out."""
    out = []
    for i, t0 in enumerate(times):
        t1 = times[i + 1] if i + 1 < len(times) else t0 + last
        a, b = max(t0, start), min(t1, end)
        if b > a and whole[i] and t1 - t0 <= gap:
            out.append(
                calc.PowerSample(datetime.fromtimestamp(a, UTC), datetime.fromtimestamp(b, UTC), watts[i])
            )
    return out


def _supervised_samples(
    session: Session, org_id: int, equipment_id: int, start: datetime, end: datetime
) -> tuple[list[calc.PowerSample], float | None, str] | None:
    """The measured power of the supervised host of an inventory item over [start, end), its baseline (the
    median power of the 7 days before) and what the readings are; None when no host has power readings."""
    import statistics

    from sobre.orgs import service as orgs
    from sobre.supervision import service as supervision

    url = session.connection().engine.url.render_as_string(hide_password=False)
    org = orgs.get_by_id(session, org_id).name
    host = next((h for h in supervision.list_hosts(url, org) if h["equipment_id"] == equipment_id), None)
    if host is None:
        return None
    a, b = start.timestamp(), end.timestamp()
    read: dict[str, list[Any]] = {}
    for metric, label, what in POWER_SOURCES:
        if metric not in read:
            read[metric] = supervision.metric_series(
                url, org, host["name"], metric, a - BASELINE_DAYS * 86400, b
            )
        series = [s for s in read[metric] if label is None or label in tuple(s.labels)]
        if not series:
            continue
        # A meter keeps its own pace (a PDU logs every few minutes): gaps are judged by it, up to an hour.
        spacing = statistics.median([float(d) for s in series for d in (s.ts[1:] - s.ts[:-1])] or [0.0])
        meter_gap = min(max(MIN_GAP_S, 4 * spacing), 3600.0)
        times, watts, whole = _summed(series, meter_gap)
        samples = _steps(times, watts, whole, a, b, meter_gap, min(spacing or meter_gap, meter_gap))
        if not samples:
            continue
        before = [w for t, w, ok in zip(times, watts, whole, strict=True) if t < a and ok]
        covered = sum((s.end - s.start).total_seconds() for s in samples) / 3600
        what = f"{what} of supervised host {host['name']}, covering {covered:.2f} h of {(b - a) / 3600:.2f} h"
        return samples, (statistics.median(before) if before else None), what
    return None


def assess(
    session: Session,
    org_id: int,
    number: int,
    *,
    outage_start: datetime | None = None,
    outage_end: datetime | None = None,
    degraded_hours: float | None = None,
    users: int | None = None,
    recovery_cost: float | None = None,
    penalties: float | None = None,
    hosts: list[dict[str, Any]] | None = None,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Record what is known of an incident's impact and compute it; arguments left out keep their last
    value.  ``hosts``: ``[{"name", "observed_w", "baseline_w", "hours"}]`` given by the technician."""
    t = get(session, org_id, number)
    row = session.get(Impact, t.id)
    start = outage_start or (row.outage_start if row else None)
    end = outage_end or (row.outage_end if row else None)
    if start and end and end < start:
        raise InputError("the outage ends before it starts", column="outage_end", value=end.isoformat())
    numbers = {
        "degraded_hours": degraded_hours,
        "recovery_cost": recovery_cost,
        "penalties": penalties,
        "users": users,
    }
    for name, value in numbers.items():
        if value is not None and value < 0:
            raise InputError("cannot be negative", column=name, value=value)
    checked = [_check_host(h) for h in hosts] if hosts is not None else None
    if checked:
        from sobre.inventory import service as inventory

        names = {n["name"] for n in inventory.topology(session, org_id) if n["kind"] == "equipment"}
        unknown = sorted(h["name"] for h in checked if h["name"] not in names)
        if unknown:
            raise InputError(
                "no equipment of that name in the inventory", column="host", value=", ".join(unknown)
            )
    if row is None:
        row = Impact(ticket_id=t.id, org_id=org_id, degraded_hours=0.0, penalties=0.0)
        session.add(row)
    row.outage_start, row.outage_end = start, end
    for name, value in numbers.items():
        if value is not None:
            setattr(row, name, int(value) if name == "users" else float(value))
    if checked is not None:
        row.hosts = checked
    result = _compute(session, t, row)
    row.technical, row.energy_kwh, row.kgco2e, row.cost_eur = (
        result["technical"],
        result["energy_kwh"],
        result["kgco2e"],
        result["cost_eur"],
    )
    row.computed_at = now or utcnow()
    session.flush()
    return result


def _check_host(h: dict[str, Any]) -> dict[str, Any]:
    name = str(h.get("name") or "").strip()
    if not name:
        raise InputError("a host needs its inventory name", column="host", value=h)
    out: dict[str, Any] = {"name": name}
    for key in ("observed_w", "baseline_w", "hours"):
        value = h.get(key)
        if value is not None:
            value = float(value)
            if value < 0:
                raise InputError("cannot be negative", column=key, value=value)
            out[key] = value
    return out


def _compute(session: Session, t: Ticket, row: Impact) -> dict[str, Any]:
    nodes, facts = _nodes(session, t.org_id)
    start = [
        (i.item_kind, i.item_id)
        for i in session.scalars(sa.select(TicketItem).where(TicketItem.ticket_id == t.id))
    ]
    given = {h["name"]: h for h in row.hosts or ()}
    by_name = {n["name"]: n for n in facts.values() if n["kind"] == "equipment"}
    reached = calc.reach(nodes, start)
    # The hosts whose energy counts: those linked or given, and those the linked items run on; a linked
    # site counts its hosts.  Hosts that only depend on a linked item's host (its other VMs) do not.
    keys = set(start) | {("equipment", by_name[name]["id"]) for name in given if name in by_name}
    hosts = [n for n in reached.runs_on if n.kind == "equipment"]
    hosts += [n for n in nodes if n.kind == "equipment" and ("equipment", n.id) in keys]
    if not hosts:
        hosts = reached.of_kind("equipment")
    hosts = sorted({n.id: n for n in hosts}.values(), key=lambda n: n.name)

    factor_set = _factor_set(session, t.org_id)
    window_end = row.outage_end or t.solved_at
    window_start = row.outage_start or t.opened_at
    energies: list[calc.HostEnergy] = []
    countries: list[str] = []
    for node in hosts:
        fact = facts[("equipment", node.id)]
        site = _site_of(fact, facts)
        pue, pue_source = _pue(fact, site, factor_set)
        country = (site or {}).get("country") or fact.get("country")
        if country:
            countries.append(country)
        g = given.get(node.name, {})
        baseline = g.get("baseline_w")
        baseline_source = "baseline given by the technician" if baseline is not None else ""
        samples: list[calc.PowerSample] = []
        measured, samples_source = False, ""
        if g.get("observed_w") is None and window_end is not None:
            found = _supervised_samples(session, t.org_id, node.id, window_start, window_end)
            if found is not None:
                samples, supervised_baseline, samples_source = found
                measured = True
                if baseline is None and supervised_baseline is not None:
                    baseline = supervised_baseline
                    baseline_source = f"baseline: median power of the {BASELINE_DAYS} days before"
        if baseline is None and fact.get("power_w") is not None:
            baseline, baseline_source = float(fact["power_w"]), "baseline: declared power of the inventory"
        hours = g.get("hours")
        if hours is None and window_end is not None:
            hours = (window_end - window_start).total_seconds() / 3600
        energies.append(
            calc.HostEnergy(
                node.name,
                baseline,
                pue,
                samples,
                g.get("observed_w"),
                hours,
                measured,
                baseline_source,
                pue_source,
                samples_source,
            )
        )
    org_country = _org_country(session, t.org_id)
    country = countries[0] if countries else org_country
    factor = electricity_factor(factor_set, country)
    energy = calc.energy(energies, factor)

    conf = settings(session, t.org_id)
    downtime_h = (
        (row.outage_end - row.outage_start).total_seconds() / 3600
        if row.outage_start and row.outage_end
        else None
    )
    affected_users = row.users if row.users is not None else reached.users
    params = calc.CostParameters(
        conf.hourly_cost,
        row.recovery_cost if row.recovery_cost is not None else conf.recovery_cost,
        row.penalties or 0.0,
        conf.degraded_loss,
    )
    cost = calc.cost(downtime_h, affected_users, params, degraded_h=row.degraded_hours or 0.0)
    technical = {
        "affected": [
            {"kind": n.kind, "name": n.name, "users": n.users, "criticality": n.criticality}
            for n in reached.affected
        ],
        "runs_on": [{"kind": n.kind, "name": n.name} for n in reached.runs_on],
        "users": affected_users,
        "users_source": "given by the technician" if row.users is not None else reached.users_source,
        "downtime_hours": downtime_h,
        "degraded_hours": row.degraded_hours or 0.0,
        "hosts": [h.name for h in energies],
        "country": country,
    }
    return {
        "technical": technical,
        "energy_kwh": calc.as_dict(energy.kwh),
        "per_host_kwh": {k: calc.as_dict(v) for k, v in energy.per_host.items()},
        "kgco2e": calc.as_dict(energy.kgco2e),
        "factor": calc.as_dict(factor),
        "cost_eur": calc.as_dict(cost),
    }


def _org_country(session: Session, org_id: int) -> str | None:
    from sobre.orgs.models import Organisation

    return session.scalar(sa.select(Organisation.country).where(Organisation.id == org_id))


# ---------------------------------------------------------------- alerts


#: Urgency and impact of an incident opened by an alert of each grade (DESIGN §9 grades).
ALERT_LEVELS = {"critical": (5, 4), "major": (4, 3)}


def open_from_alert(
    session: Session,
    org_id: int,
    *,
    alert_id: int,
    alertname: str,
    grade: str,
    summary: str,
    host: str | None,
    equipment_id: int | None,
    vm_id: int | None,
    started_at: datetime,
) -> Ticket | None:
    """Open (once) the incident of a major or critical alert, linked to its host or VM."""
    from sobre.servicedesk import service

    if grade not in ALERT_LEVELS:
        return None
    ref = f"alert:{alert_id}"
    existing = session.scalar(sa.select(Ticket).where(Ticket.org_id == org_id, Ticket.external_ref == ref))
    if existing is not None:
        return existing
    urgency, impact = ALERT_LEVELS[grade]
    title = f"[{grade}] {alertname}" + (f" on {host}" if host else "")
    t = service.open_ticket(
        session,
        org_id,
        title=title[:255],
        requester="supervision",
        kind="incident",
        description=summary or alertname,
        urgency=urgency,
        impact=impact,
        source="alert",
        external_ref=ref,
        actor="supervision",
        now=started_at,
    )
    for kind, item_id in (("equipment", equipment_id), ("vm", vm_id)):
        if item_id is not None:
            name = _item_name(session, org_id, kind, item_id)
            if name:
                session.add(
                    TicketItem(org_id=org_id, ticket_id=t.id, item_kind=kind, item_id=item_id, item_name=name)
                )
    session.flush()
    return t


def _item_name(session: Session, org_id: int, kind: str, item_id: int) -> str | None:
    from sobre.inventory import service as inventory

    return next(
        (n["name"] for n in inventory.topology(session, org_id) if n["kind"] == kind and n["id"] == item_id),
        None,
    )


def on_alert(event: Any) -> str | None:
    """``servicedesk.incident_from_alert``, called by supervision with its ``AlertFired`` when a major or
    critical alert starts firing unmuted: opens the incident (once) and returns its reference ``#number``."""
    from sobre.core.db import write_session

    # Read then write (the ticket's number, the alert's existing incident) beside the desk's own writers.
    with write_session(event.database_url) as session:
        from sobre.orgs import service as orgs

        org_id = orgs.get(session, event.org).id
        t = open_from_alert(
            session,
            org_id,
            alert_id=event.alert_id,
            alertname=event.alertname,
            grade=event.grade,
            summary=event.summary,
            host=event.host,
            equipment_id=event.equipment_id,
            vm_id=event.vm_id,
            started_at=event.started_at,
        )
        return f"#{t.number}" if t is not None else None
