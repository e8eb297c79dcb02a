"""Incident impact: the hand-computed case, the inventory walk, unknowns that stay unknown."""

from __future__ import annotations

import pytest

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.core.estimate import Estimate, Status
from sobre.servicedesk import desk, incidents, service
from sobre.servicedesk.impact import CostParameters, HostEnergy, Node, cost, energy, reach
from tests.servicedesk.conftest import paris

FR_FACTOR = 0.04418  # sobre-default electricity row elec-FR-climate_change (Ember 2024)


def test_hand_computed_incident(estate: tuple[str, int]) -> None:
    """A host drawing 400 W instead of 150 W for 6 h in a room of PUE 1.5; 120 users down 2 h at 40 €/h."""
    url, oid = estate
    with session_scope(url) as s:
        desk.configure(s, oid, hourly_cost=40.0, hourly_cost_source="the town's payroll, 2025")
        t = service.open_ticket(
            s,
            oid,
            title="Le portail citoyen ne répond plus",
            requester="Accueil",
            urgency=4,
            impact=4,
            items=[("application", "Portail citoyen")],
            now=paris(2025, 6, 2, 9),
        )
        result = incidents.assess(
            s,
            oid,
            t.number,
            outage_start=paris(2025, 6, 2, 9),
            outage_end=paris(2025, 6, 2, 11),
            hosts=[{"name": "srv-app-01", "observed_w": 400, "baseline_w": 150, "hours": 6}],
        )
    # (400 − 150) W × 6 h × 1.5 = 2,250 Wh
    assert result["energy_kwh"]["value"] == pytest.approx(2.25)
    assert result["energy_kwh"]["status"] == "input"
    assert result["energy_kwh"]["low"] <= 2.25 <= result["energy_kwh"]["high"]
    assert result["kgco2e"]["value"] == pytest.approx(2.25 * FR_FACTOR)
    assert "elec-FR-climate_change" in result["kgco2e"]["source"]
    # 120 users × 2 h × 40 €/h
    assert result["cost_eur"]["value"] == pytest.approx(9600.0)
    tech = result["technical"]
    assert tech["users"] == 120 and tech["users_source"] == "application Portail citoyen"
    assert [n["name"] for n in tech["runs_on"]] == ["Salle serveurs Mairie", "srv-app-01", "vm-portail"]
    assert tech["hosts"] == ["srv-app-01"] and tech["downtime_hours"] == 2.0

    # Recovery and penalties add to it; the figures are kept with the ticket.
    with session_scope(url) as s:
        again = incidents.assess(s, oid, t.number, recovery_cost=350.0, penalties=1000.0)
        assert again["cost_eur"]["value"] == pytest.approx(9600.0 + 350 + 1000)
        assert again["energy_kwh"]["value"] == pytest.approx(2.25)
        from sobre.servicedesk.views import view

        assert view(s, oid, t.number)["assessment"]["cost_eur"]["value"] == pytest.approx(10950.0)


def test_a_host_failure_reaches_every_application_on_it(estate: tuple[str, int]) -> None:
    url, oid = estate
    with session_scope(url) as s:
        t = service.open_ticket(
            s,
            oid,
            title="srv-app-01 down",
            requester="supervision",
            items=[("equipment", "srv-app-01")],
            now=paris(2025, 6, 2, 9),
        )
        result = incidents.assess(
            s, oid, t.number, outage_start=paris(2025, 6, 2, 9), outage_end=paris(2025, 6, 2, 9, 30)
        )
    names = {(n["kind"], n["name"]) for n in result["technical"]["affected"]}
    assert {
        ("vm", "vm-portail"),
        ("vm", "vm-rh"),
        ("application", "Portail citoyen"),
        ("application", "Paie RH"),
    } <= names
    assert ("vm", "vm-pg") not in names
    assert result["technical"]["users"] == 120  # the largest, not 120 + 35
    # Default hourly cost (Eurostat), 0.5 h × 120 users:
    assert result["cost_eur"]["value"] == pytest.approx(0.5 * 120 * 35.6)
    assert result["cost_eur"]["status"] == "default"
    # The host is not supervised and no power was given: the energy stays unknown, with the reason.
    assert result["energy_kwh"]["value"] is None
    assert "no observed power" in result["energy_kwh"]["reason"]
    assert result["kgco2e"]["value"] is None


def test_bad_inputs_are_refused(estate: tuple[str, int]) -> None:
    url, oid = estate
    with session_scope(url) as s:
        t = service.open_ticket(s, oid, title="x", requester="y", now=paris(2025, 6, 2, 9))
        with pytest.raises(InputError, match="no equipment of that name"):
            incidents.assess(s, oid, t.number, hosts=[{"name": "ghost", "observed_w": 1}])
        with pytest.raises(InputError, match="ends before it starts"):
            incidents.assess(
                s, oid, t.number, outage_start=paris(2025, 6, 2, 10), outage_end=paris(2025, 6, 2, 9)
            )
        with pytest.raises(InputError, match="negative"):
            incidents.assess(s, oid, t.number, penalties=-5)
        nothing = incidents.assess(s, oid, t.number)
        assert nothing["cost_eur"]["value"] is None and "downtime" in nothing["cost_eur"]["reason"]


def test_pure_formulas() -> None:
    nodes = [
        Node("site", 1, "DC"),
        Node("equipment", 2, "h", (("site", 1),)),
        Node("vm", 3, "v", (("equipment", 2),)),
        Node("application", 4, "a", (("vm", 3),), users=50),
        Node("service", 5, "s", (("application", 4),), users=900),
    ]
    r = reach(nodes, [("site", 1)])
    assert [n.name for n in r.affected] == ["DC", "h", "v", "a", "s"] and r.users == 900
    up = reach(nodes, [("application", 4)])
    assert [n.name for n in up.runs_on] == ["DC", "h", "v"]
    saved = energy([HostEnergy("h", 300.0, 1.2, observed_w=100.0, window_h=2)], Estimate(0.05, "kgCO2e/kWh"))
    assert saved.kwh.value == pytest.approx(-0.48)  # a host switched off saves energy: the sign is kept
    degraded = cost(
        1.0, 10, CostParameters(Estimate(30.0, "EUR/h", status=Status.INPUT), 100.0, 0.0, 0.5), degraded_h=4.0
    )
    assert degraded.value == pytest.approx((1 + 4 * 0.5) * 10 * 30 + 100)
