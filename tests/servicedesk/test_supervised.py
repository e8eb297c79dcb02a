"""With supervision: an incident's energy from measured power; a critical alert opening an incident."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.servicedesk import incidents, service
from sobre.servicedesk.models import Ticket, TicketItem
from sobre.supervision import alerting
from sobre.supervision import service as supervision
from tests.servicedesk.conftest import ORG

FR_FACTOR = 0.04418  # sobre-default electricity row elec-FR-climate_change (Ember 2024)
START = datetime(2025, 6, 2, 7, 0, tzinfo=UTC)


def post(url: str, oid: int, host: str, at: datetime, metric: str, value: float, **labels: str) -> None:
    point = [metric, labels, at.timestamp(), value]
    supervision.ingest(url, oid, {"host": host, "interval": 60, "info": {}, "points": [point]})


def test_measured_power_gives_the_extra_energy(estate: tuple[str, int]) -> None:
    """The PDU of srv-app-01 reads 150 W the day before, then 400 W for 6 h (one reading a minute): with the
    room's PUE 1.5, (400 − 150) W × 6 h × 1.5 = 2.25 kWh, measured; RAPL readings of the same host are
    ignored because a whole-machine meter is there."""
    url, oid = estate
    supervision.add_host(url, ORG, "srv-app-01")
    for minute in range(-24 * 60, 0, 10):
        post(url, oid, "srv-app-01", START + timedelta(minutes=minute), "power_watts", 150, method="pdu")
    for minute in range(0, 6 * 60):
        at = START + timedelta(minutes=minute)
        post(url, oid, "srv-app-01", at, "power_watts", 400, method="pdu")
        post(url, oid, "srv-app-01", at, "rapl_watts", 999)
    with session_scope(url) as s:
        t = service.open_ticket(
            s, oid, title="srv-app-01 surchauffe", requester="Astreinte", items=[("equipment", "srv-app-01")]
        )
        result = incidents.assess(s, oid, t.number, outage_start=START, outage_end=START + timedelta(hours=6))
    kwh = result["energy_kwh"]
    assert kwh["value"] == pytest.approx(2.25) and kwh["status"] == "measured"
    assert "smart PDU" in kwh["source"] and "covering 6.00 h of 6.00 h" in kwh["source"]
    assert "median power of the 7 days before" in kwh["source"]
    assert result["kgco2e"]["value"] == pytest.approx(2.25 * FR_FACTOR)

    # A reading gap longer than the meter allows is not filled in: the hour after the last reading is left
    # out, and the coverage says so.  The baseline the technician gives beats the median of the days before
    # (here pulled up by the first incident).
    with session_scope(url) as s:
        t = service.open_ticket(
            s, oid, title="again", requester="Astreinte", items=[("equipment", "srv-app-01")]
        )
        later = START + timedelta(hours=5)
        result = incidents.assess(
            s,
            oid,
            t.number,
            outage_start=later,
            outage_end=later + timedelta(hours=2),
            hosts=[{"name": "srv-app-01", "baseline_w": 150}],
        )
    assert result["energy_kwh"]["value"] == pytest.approx(250 * 1 * 1.5 / 1000)
    assert "covering 1.00 h of 2.00 h" in result["energy_kwh"]["source"]


def test_two_outlets_are_added_and_rapl_is_the_last_resort(estate: tuple[str, int]) -> None:
    url, oid = estate
    supervision.add_host(url, ORG, "srv-db-01")
    for minute in range(-60, 60):
        at = START + timedelta(minutes=minute)
        busy = minute >= 0
        post(url, oid, "srv-db-01", at, "power_watts", 150 if busy else 100, method="pdu", outlet="A")
        post(url, oid, "srv-db-01", at, "power_watts", 150 if busy else 100, method="pdu", outlet="B")
    with session_scope(url) as s:
        t = service.open_ticket(s, oid, title="db", requester="x", items=[("equipment", "srv-db-01")])
        result = incidents.assess(s, oid, t.number, outage_start=START, outage_end=START + timedelta(hours=1))
    assert result["energy_kwh"]["value"] == pytest.approx((300 - 200) * 1 * 1.5 / 1000)

    supervision.add_host(url, ORG, "sw-core-01")
    for minute in range(-60, 60):
        post(
            url, oid, "sw-core-01", START + timedelta(minutes=minute), "rapl_watts", 40 if minute >= 0 else 20
        )
    with session_scope(url) as s:
        t = service.open_ticket(s, oid, title="sw", requester="x", items=[("equipment", "sw-core-01")])
        result = incidents.assess(s, oid, t.number, outage_start=START, outage_end=START + timedelta(hours=1))
    assert result["energy_kwh"]["value"] == pytest.approx(20 * 1.5 / 1000)
    assert "lower bound" in result["energy_kwh"]["source"]


def test_a_critical_alert_opens_an_incident_through_supervision(estate: tuple[str, int]) -> None:
    """Supervision's own evaluation calls the provided ``servicedesk.incident_from_alert``: one incident,
    linked to the host's inventory item, its reference kept on the alert."""
    url, oid = estate
    supervision.add_host(url, ORG, "srv-app-01")
    alerting.add_rule(url, ORG, "Hot", "temperature_celsius", ">", 85, severity="critical")
    now = datetime.now(UTC).replace(microsecond=0)
    post(url, oid, "srv-app-01", now, "temperature_celsius", 92)
    first = alerting.evaluate(url, ORG, now=now.timestamp())
    post(url, oid, "srv-app-01", now + timedelta(seconds=60), "temperature_celsius", 93)
    again = alerting.evaluate(url, ORG, now=now.timestamp() + 60)
    assert len(first.incidents) == 1 and again.incidents == []
    with session_scope(url) as s:
        tickets = s.scalars(sa.select(Ticket).where(Ticket.org_id == oid)).all()
        assert len(tickets) == 1
        t = tickets[0]
        assert first.incidents == [f"#{t.number}"]
        assert (t.kind, t.source, t.priority) == ("incident", "alert", 5)
        items = s.scalars(sa.select(TicketItem.item_name).where(TicketItem.ticket_id == t.id)).all()
        assert items == ["srv-app-01"]
    alert = alerting.list_alerts(url, ORG)[0]
    assert alert["incident"] == f"#{t.number}"
