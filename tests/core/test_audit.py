"""The audit log: every ORM change is recorded with actor, before and after, in the change's transaction."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from sobre.core import audit
from sobre.core.actor import Actor, acting_as
from sobre.core.db import session_scope
from sobre.orgs import service as orgs
from sobre.orgs.models import Organisation


def _entries(url: str) -> list[audit.AuditEntry]:
    with session_scope(url) as s:
        return list(s.scalars(sa.select(audit.AuditEntry).order_by(audit.AuditEntry.id)))


def test_create_update_delete_are_recorded_with_actor_and_values(db_url: str) -> None:
    alice = Actor("alice@example.org", "web", user_id=7, address="127.0.0.9")
    with acting_as(alice), session_scope(db_url) as s:
        org = orgs.create(s, "Ville de Test", employees=120, country="FR")
        org_id = org.id
    with acting_as(Actor("cli:bob", "cli")), session_scope(db_url) as s:
        org = s.get(Organisation, org_id)
        org.employees = 150
        org.country = "FR"  # unchanged value: not an entry field
    with session_scope(db_url) as s:
        s.delete(s.get(Organisation, org_id))

    created, updated, deleted = _entries(db_url)
    assert (created.action, created.actor, created.via, created.actor_user_id) == (
        "create",
        alice.label,
        "web",
        7,
    )
    assert created.address == "127.0.0.9"
    assert created.entity == "organisation" and created.entity_id == str(org_id) and created.org_id == org_id
    assert created.before is None and created.after["name"] == "Ville de Test"
    assert created.after["employees"] == 120
    assert (updated.action, updated.actor, updated.via) == ("update", "cli:bob", "cli")
    assert updated.before == {"employees": 120} and updated.after == {"employees": 150}
    assert deleted.action == "delete" and deleted.actor == "system"
    assert deleted.before["employees"] == 150 and deleted.after is None


def test_a_rolled_back_change_leaves_no_entry(db_url: str) -> None:
    with pytest.raises(RuntimeError), session_scope(db_url) as s:
        orgs.create(s, "Never")
        raise RuntimeError("boom")
    assert _entries(db_url) == []


def test_explicit_bulk_record_commits_with_its_connection(db_url: str) -> None:
    from sobre.core.db import get_engine

    with get_engine(db_url).begin() as conn:
        audit.record(
            conn, action="bulk", entity="equipment", org_id=3, summary="10000 rows", after={"n": 10000}
        )
    with pytest.raises(ValueError):
        audit.record(conn, action="teleport", entity="x", summary="")
    (entry,) = _entries(db_url)
    assert entry.action == "bulk" and entry.org_id == 3 and entry.after == {"n": 10000}


def test_query_filters_by_organisation_entity_and_actor(db_url: str) -> None:
    with acting_as(Actor("carol@example.org", "web")), session_scope(db_url) as s:
        a = orgs.create(s, "A")
        orgs.create(s, "B")
        a_id = a.id
    with session_scope(db_url) as s:
        mine = list(s.scalars(audit.query(org_id=a_id)))
        assert [e.after["name"] for e in mine] == ["A"]
        assert len(list(s.scalars(audit.query(all_orgs=True, actor="carol")))) == 2
        assert list(s.scalars(audit.query(all_orgs=True, actor="nobody"))) == []
        assert audit.entities(s, a_id) == ["organisation"]
