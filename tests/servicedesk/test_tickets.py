"""Tickets through the use cases, on SQLite and PostgreSQL: life cycle, SLA clocks, escalation, first
contact, survey, items, alerts opening incidents."""

from __future__ import annotations

import pytest

from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.servicedesk import desk, incidents, service, views
from sobre.servicedesk.sla import Level
from tests.servicedesk.conftest import paris


def test_a_ticket_from_opening_to_closing(estate: tuple[str, int]) -> None:
    url, oid = estate
    with session_scope(url) as s:
        desk.add_group(s, oid, "Support N1", email="support@ville.fr", manager="Chef de service")
        desk.add_category(s, oid, "Applications > Portail", group="Support N1")
        t = service.open_ticket(
            s,
            oid,
            title="Portail lent",
            requester="Accueil",
            urgency=4,
            impact=3,
            category="Applications > Portail",
            items=[("application", "Portail citoyen")],
            now=paris(2025, 6, 2, 9),
        )
        assert (t.number, t.priority, t.status) == (1, 4, "new")  # GLPI matrix: urgency 4 × impact 3 → 4
        assert views.summary(s, t)["group"] == "Support N1"  # from the category
        service.follow_up(s, oid, 1, "Nous regardons.", author="tech1", now=paris(2025, 6, 2, 9, 20))
        assert t.owned_at == paris(2025, 6, 2, 9, 20)  # an agent's first answer takes it into account
        service.assign(s, oid, 1, assignee="tech1", now=paris(2025, 6, 2, 9, 25))
        service.set_status(s, oid, 1, "pending", actor="tech1", now=paris(2025, 6, 2, 10))
        service.follow_up(
            s, oid, 1, "Toujours lent ce matin.", author="Accueil", agent=False, now=paris(2025, 6, 3, 9)
        )  # the requester answers: no longer pending
        assert t.status == "assigned"
        service.add_task(s, oid, 1, "Purge du cache", author="tech1", minutes=45, now=paris(2025, 6, 3, 10))
        with pytest.raises(SobreError, match="not solved"):
            service.rate(s, oid, 1, 5)
        service.solve(s, oid, 1, "Cache purgé", actor="tech1", now=paris(2025, 6, 3, 11))
        with pytest.raises(InputError, match="1 to 5"):
            service.rate(s, oid, 1, 9)
        service.rate(s, oid, 1, 4, "Merci")
        service.close(s, oid, 1, actor="tech1", now=paris(2025, 6, 4, 9))
        data = views.view(s, oid, 1, now=paris(2025, 6, 5, 9))
    # Own: 20 of 60 minutes; resolve: 09:00–10:00, then 09:00–11:00 the next day (pending between) = 3 h.
    assert data["sla"]["own"]["state"] == "met" and data["sla"]["own"]["elapsed_minutes"] == 20
    assert data["sla"]["resolve"]["elapsed_minutes"] == 180 and data["sla"]["resolve"]["state"] == "met"
    assert data["time_spent_minutes"] == 45 and data["satisfaction"] == 4 and data["first_contact"] is True
    assert [e["new"] for e in data["events"] if e["kind"] == "status"] == [
        "new",
        "assigned",
        "pending",
        "assigned",
        "solved",
        "closed",
    ]
    assert data["items"] == [{"kind": "application", "name": "Portail citoyen"}]


def test_escalations_act_once_and_break_first_contact(estate: tuple[str, int]) -> None:
    url, oid = estate
    with session_scope(url) as s:
        desk.add_group(s, oid, "N2", manager="chef.n2@ville.fr")
        desk.set_target(
            s,
            oid,
            4,
            "resolve",
            120,
            [Level(0, "notify", "manager"), Level(60, "raise_priority"), Level(120, "assign_group", "N2")],
        )
        t = service.open_ticket(
            s,
            oid,
            title="Paie bloquée",
            requester="RH",
            urgency=4,
            impact=3,
            assignee="tech1",
            now=paris(2025, 6, 2, 9),
        )
        assert service.sweep(s, oid, paris(2025, 6, 2, 10, 59)) == []
        done = service.sweep(s, oid, paris(2025, 6, 2, 12, 1))  # due 09:00 + 2 h = 11:00; + 1 h = 12:00
        assert [(e["offset"], e["action"]) for e in done] == [(0, "notify"), (60, "raise_priority")]
        assert t.priority == 5 and t.sla_resolve == "breached"
        assert service.sweep(s, oid, paris(2025, 6, 2, 12, 20)) == []  # each level acts once
        later = service.sweep(s, oid, paris(2025, 6, 2, 14, 1))  # + 2 h: 11:00–12:30, 13:30–14:00
        assert [e["action"] for e in later] == ["assign_group"]
        assert views.summary(s, t)["group"] == "N2"
        service.solve(s, oid, t.number, "Relance du job", actor="tech1", now=paris(2025, 6, 2, 16))
        assert t.first_contact is False


def test_reopening_and_refused_moves(estate: tuple[str, int]) -> None:
    url, oid = estate
    with session_scope(url) as s:
        t = service.open_ticket(
            s, oid, title="Souris", requester="Lou", kind="request", now=paris(2025, 6, 2, 9)
        )
        with pytest.raises(SobreError, match="only a solved ticket"):
            service.close(s, oid, t.number, actor="x", now=paris(2025, 6, 2, 9, 5))
        service.solve(s, oid, t.number, "Souris livrée", actor="tech1", now=paris(2025, 6, 2, 10))
        service.reopen(s, oid, t.number, "Ce n'est pas le bon modèle", actor="Lou", now=paris(2025, 6, 2, 11))
        assert t.status == "assigned" and t.solved_at is None and t.first_contact is False
        with pytest.raises(InputError, match="status"):
            service.set_status(s, oid, t.number, "archived", actor="x")
        with pytest.raises(InputError, match="unknown status.*open, all"):
            views.queue(s, oid, status="i")
        with pytest.raises(InputError, match="urgency"):
            service.open_ticket(s, oid, title="x", requester="y", urgency=9)
        with pytest.raises(NotFound, match="no ticket #99"):
            service.get(s, oid, 99)
        with pytest.raises(NotFound, match="no vm named"):
            service.link_item(s, oid, t.number, "vm", "ghost")
        with pytest.raises(InputError, match="diagnosis step"):
            service.diagnose(s, oid, t.number, "guess", "x", author="a")


def test_a_major_alert_opens_one_incident_on_its_host(estate: tuple[str, int]) -> None:
    url, oid = estate
    from sobre.inventory import service as inventory

    with session_scope(url) as s:
        host = next(n for n in inventory.topology(s, oid) if n["name"] == "srv-app-01")
        kwargs = dict(
            alert_id=42,
            alertname="HostHighPower",
            grade="major",
            summary="420 W for 15 min",
            host="srv-app-01",
            equipment_id=host["id"],
            vm_id=None,
            started_at=paris(2025, 6, 2, 3),
        )
        t = incidents.open_from_alert(s, oid, **kwargs)
        assert t is not None and t.source == "alert" and t.kind == "incident" and t.priority == 4
        assert incidents.open_from_alert(s, oid, **kwargs) is t  # the same alert opens it once
        assert incidents.open_from_alert(s, oid, **{**kwargs, "alert_id": 43, "grade": "minor"}) is None
        assert views.view(s, oid, t.number)["items"] == [{"kind": "equipment", "name": "srv-app-01"}]
