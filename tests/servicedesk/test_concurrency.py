"""Ticket numbering beside another writer on SQLite: two incidents opened from alerts at the same moment."""

from __future__ import annotations

import contextlib
import threading
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.orgs import service as orgs
from sobre.servicedesk import incidents, service
from sobre.servicedesk.models import Ticket
from sobre.supervision.service import AlertFired

ORG = "Ville de Test"


def _event(url: str, alert_id: int) -> AlertFired:
    return AlertFired(
        database_url=url,
        org=ORG,
        alert_id=alert_id,
        alertname="HostDown",
        grade="critical",
        host=f"srv-{alert_id}",
        equipment_id=None,
        vm_id=None,
        summary="Host not reporting",
        labels={},
        started_at=datetime(2025, 6, 2, 9, 0, tzinfo=UTC),
    )


def test_two_incidents_opened_at_once_get_two_numbers(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    with session_scope(sqlite_url) as s:
        orgs.create(s, ORG, employees=300, country="FR")
    # Both openings have read the organisation before either writes: the interleaving that made the second
    # one fail with "database is locked" in a deferred transaction.  A transaction that holds the right to
    # write makes the second wait instead (the rendezvous then times out and each goes on in turn).
    rendezvous = threading.Barrier(2, timeout=1.0)
    real_open = service.open_ticket

    def open_after_rendezvous(*args: Any, **kw: Any) -> Ticket:
        with contextlib.suppress(threading.BrokenBarrierError):
            rendezvous.wait()
        return real_open(*args, **kw)

    monkeypatch.setattr(service, "open_ticket", open_after_rendezvous)
    refs: dict[int, str | None] = {}
    errors: list[BaseException] = []

    def open_incident(alert_id: int) -> None:
        try:
            refs[alert_id] = incidents.on_alert(_event(sqlite_url, alert_id))
        except BaseException as exc:  # noqa: BLE001  (reported below, with the other thread's outcome)
            errors.append(exc)

    threads = [threading.Thread(target=open_incident, args=(n,)) for n in (1, 2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(refs.values()) == ["#1", "#2"]  # type: ignore[type-var]
    with session_scope(sqlite_url) as s:
        numbers = s.scalars(sa.select(Ticket.number).order_by(Ticket.number)).all()
    assert numbers == [1, 2]


def test_tickets_opened_at_once_on_postgresql_take_turns_for_their_numbers(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read committed: both openings would read the same highest number and one would fail on the unique
    key.  The organisation's advisory lock makes the second wait for the first's commit, then read past it."""
    if not db_url.startswith("postgresql"):
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE")
    with session_scope(db_url) as s:
        org_id = orgs.create(s, ORG, employees=300, country="FR").id
        service.open_ticket(s, org_id, title="First", requester="Ana")  # settings made once, serially
    # Each opening stops once it has its number and before it writes it: without a lock both got #2 here.
    rendezvous = threading.Barrier(3, timeout=2.0)
    real_check = service._check_text

    def check_after_rendezvous(value: str, column: str, limit: int = 255) -> str:
        if column == "title":
            with contextlib.suppress(threading.BrokenBarrierError):
                rendezvous.wait()
        return real_check(value, column, limit)

    monkeypatch.setattr(service, "_check_text", check_after_rendezvous)
    numbers: list[int] = []
    errors: list[BaseException] = []

    def open_one(n: int) -> None:
        try:
            with session_scope(db_url) as s:
                numbers.append(service.open_ticket(s, org_id, title=f"Printer {n}", requester="Bob").number)
        except BaseException as exc:  # noqa: BLE001  (reported below)
            errors.append(exc)

    threads = [threading.Thread(target=open_one, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert sorted(numbers) == [2, 3, 4]
