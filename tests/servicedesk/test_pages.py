"""The service desk's pages through the web shell: a request opened on the portal and solved by an agent
with a knowledge base article, the agents' pages, and audited reveals of confidential fields by role."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core import audit
from sobre.core.db import session_scope
from sobre.inventory.importer import import_file
from sobre.servicedesk import desk, kb, service, techdoc
from sobre.servicedesk.vault import Vault
from sobre.web.permissions import ROLES
from tests.servicedesk.conftest import DATA
from tests.web.harness import World, build_world, csrf_from, make_user


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    w = build_world(db_url, tmp_path / "home")
    for kind, file in (("site", "sites"), ("equipment", "equipment")):
        import_file(
            db_url, "Commune A", DATA / f"inventory_{file}.csv", kind=kind, rejects_dir=tmp_path / "r"
        )
    with session_scope(db_url) as s:
        desk.add_category(s, w.a, "Poste de travail > Imprimante")
        kb.install_starter(s, w.a)
        kb.save(
            s,
            w.a,
            slug="bourrage",
            lang="fr",
            kind="procedure",
            audience="end_user",
            status="published",
            title="Débloquer un bourrage de l'imprimante",
            author="tech",
            body="Ouvrez le capot avant de l'imprimante et retirez doucement la feuille coincée.",
        )
    yield w
    w.close()


def _post(client, path: str, data: dict) -> object:  # type: ignore[no-untyped-def]
    token = csrf_from(client.get(path if not path.endswith("/reveal") else path.rsplit("/", 1)[0]).text)
    return client.post(path, data={"csrf_token": token, **data})


def test_a_request_opened_on_the_portal_is_solved_with_an_article(world: World) -> None:
    user = world.client("referent")
    portal = user.get(world.a_url("/portal"))
    assert portal.status_code == 200 and "Demander de l'aide" in html.unescape(portal.text)
    r = _post(
        user,
        world.a_url("/portal"),
        {
            "kind": "incident",
            "title": "L'imprimante a un bourrage",
            "description": "Le papier reste coincé.",
            "urgency": "3",
            "category": "Poste de travail > Imprimante",
        },
    )
    assert r.status_code == 303 and r.headers["location"].startswith(world.a_url("/portal/1?suggest=1"))
    mine = user.get(r.headers["location"])
    assert "Débloquer un bourrage" in html.unescape(mine.text)  # the article is suggested to the user
    # Empty title: the form comes back with a message tied to the field.
    bad = _post(user, world.a_url("/portal"), {"kind": "request", "title": "", "urgency": "3"})
    assert bad.status_code == 422 and 'aria-invalid="true"' in bad.text
    # A viewer reads the portal but changes nothing; another user does not see the request.
    viewer = world.client("viewer")
    assert viewer.get(world.a_url("/portal")).status_code == 200
    assert _post(viewer, world.a_url("/portal"), {"title": "x"}).status_code == 403
    other = make_user(world.url, "other@a.example.org", roles={world.a: "referent"})
    assert other and world.client("referent").get(world.a_url("/portal/1")).status_code == 200

    agent = world.client("technician")
    queue = agent.get(world.a_url("/desk"))
    # An unknown status in the API's filter is refused at its field, not answered with a server error.
    bad_filter = world.api("technician").get(f"/api/v1/orgs/{world.a}/tickets", params={"status": "i"})
    assert bad_filter.status_code in (400, 422) and "status" in bad_filter.text
    assert queue.status_code == 200 and "L'imprimante a un bourrage" in html.unescape(queue.text)
    page = agent.get(world.a_url("/desk/tickets/1"))
    assert page.status_code == 200 and "Débloquer un bourrage" in html.unescape(page.text)
    with session_scope(world.url) as s:
        article = kb.get(s, world.a, "bourrage", "fr").id
    done = _post(
        agent,
        world.a_url("/desk/tickets/1"),
        {"action": "solve", "body": "Feuille retirée.", "article": str(article)},
    )
    assert done.status_code == 303
    with session_scope(world.url) as s:
        t = service.get(s, world.a, 1)
        assert t.status == "solved" and t.solution_article_id == article and t.source == "portal"
    solved = user.get(world.a_url("/portal/1"))
    assert "Résolue" in html.unescape(solved.text) and "Êtes-vous satisfait" in html.unescape(solved.text)
    assert _post(user, world.a_url("/portal/1"), {"action": "rate", "score": "5"}).status_code == 303
    with session_scope(world.url) as s:
        assert service.get(s, world.a, 1).satisfaction == 5


def test_agent_pages_answer_and_refuse_the_others(world: World) -> None:
    agent = world.client("technician")
    for path in ("/desk", "/desk/problems", "/kb", "/kb/edit", "/kb/edit/new", "/docs", "/desk/indicators"):
        assert agent.get(world.a_url(path)).status_code == 200, path
    for role in ("referent", "viewer"):
        assert world.client(role).get(world.a_url("/desk")).status_code == 403
    saved = _post(
        agent,
        world.a_url("/kb/edit"),
        {
            "slug": "vpn",
            "lang": "fr",
            "title": "Se connecter au VPN",
            "body": "Lancez le client.",
            "kind": "procedure",
            "audience": "end_user",
            "status": "published",
        },
    )
    assert saved.status_code == 303
    found = agent.get(world.a_url("/kb?q=vpn"))
    assert "Se connecter au VPN" in found.text
    problem = _post(agent, world.a_url("/desk/problems"), {"title": "Imprimantes du 2e étage", "tickets": ""})
    assert problem.status_code == 303


def test_confidential_fields_by_role_with_every_attempt_audited(world: World, tmp_path: Path) -> None:
    vault = Vault.for_home(tmp_path / "home")
    with session_scope(world.url) as s:
        techdoc.write(s, world.a, "equipment", "srv-db-01", actor="t", settings={"ip": "10.0.0.5"})
        techdoc.set_secret(
            s,
            vault,
            world.a,
            "equipment",
            "srv-db-01",
            "root",
            "Pa55-w0rd!",
            actor="t",
            roles=["admin", "technician"],
        )
        record = techdoc.records(s, world.a)[0]["id"]
    path = world.a_url(f"/docs/{record}/reveal")
    ok = _post(world.client("technician"), path, {"field": "root"})
    assert ok.status_code == 200 and "Pa55-w0rd!" in ok.text and ok.headers["cache-control"] == "no-store"
    refused = _post(world.client("manager"), path, {"field": "root"})
    assert refused.status_code == 403 and "Pa55-w0rd!" not in refused.text
    assert _post(world.client("viewer"), path, {"field": "root"}).status_code == 403  # no access at all
    page = world.client("manager").get(world.a_url(f"/docs/{record}"))
    assert page.status_code == 200 and "Pa55-w0rd!" not in page.text and "10.0.0.5" in page.text
    with session_scope(world.url) as s:
        entries = s.scalars(
            sa.select(audit.AuditEntry)
            .where(audit.AuditEntry.entity == "sd_doc_secret", audit.AuditEntry.action == "event")
            .order_by(audit.AuditEntry.id)
        ).all()
    assert [(e.actor, e.summary.split(":")[0]) for e in entries] == [
        ("technician@a.example.org", "revealed"),
        ("manager@a.example.org", "refused"),
    ]
    assert all("Pa55" not in str(e.before) + str(e.after) + str(e.summary) for e in entries)
    assert set(ROLES) >= {"technician", "manager"}
