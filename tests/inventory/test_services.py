"""Digital services: create, update, link to applications, list; errors name the field and value."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.db import session_scope
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.inventory import services
from sobre.inventory.models import Application, Department
from sobre.orgs import service as orgs


@pytest.fixture
def org_url(db_url: str) -> str:
    with session_scope(db_url) as session:
        org = orgs.create(session, "Ville")
        session.add(Department(org_id=org.id, name="DSI"))
        session.add(Application(org_id=org.id, name="Portail", environment="production"))
        session.add(Application(org_id=org.id, name="Portail", environment="recette"))
    return db_url


def test_create_link_update_and_list(org_url: str) -> None:
    with session_scope(org_url) as session:
        view = services.create(
            session,
            "Ville",
            "Démarches en ligne",
            url="https://demarches.example.fr",
            users=12000,
            department="DSI",
            status="live",
            criticality="high",
        )
        assert view.department == "DSI" and view.applications == []
        services.link_application(session, "Ville", "Démarches en ligne", "Portail")
        services.link_application(session, "Ville", "Démarches en ligne", "Portail")  # harmless twice
        view = services.link_application(session, "Ville", "Démarches en ligne", "Portail", "recette")
        assert view.applications == [
            {"name": "Portail", "environment": "production"},
            {"name": "Portail", "environment": "recette"},
        ]
        assert len(services.application_ids(session, view.org_id, view.id)) == 2
        view = services.unlink_application(session, "Ville", "Démarches en ligne", "Portail", "recette")
        assert len(view.applications) == 1
        view = services.update(session, "Ville", "Démarches en ligne", status="retired", users=None)
        assert view.status == "retired" and view.users == 12000
        assert [v.name for v in services.list_services(session, "Ville", status="retired")] == [
            "Démarches en ligne"
        ]


def test_bad_values_are_refused_with_field_and_value(org_url: str) -> None:
    with session_scope(org_url) as session:
        with pytest.raises(InputError, match="status.*'running'"):
            services.create(session, "Ville", "A", status="running")
        with pytest.raises(InputError, match="url"):
            services.create(session, "Ville", "A", url="javascript:alert(1)")
        with pytest.raises(InputError, match="users"):
            services.create(session, "Ville", "A", users=-3)
        with pytest.raises(NotFound, match="department"):
            services.create(session, "Ville", "A", department="Nowhere")
        services.create(session, "Ville", "A")
        with pytest.raises(SobreError, match="already exists"):
            services.create(session, "Ville", "A")
        with pytest.raises(NotFound, match="application"):
            services.link_application(session, "Ville", "A", "Missing")


def test_cli_round_trip(home: object) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["org", "create", "Ville"]).exit_code == 0
    result = runner.invoke(app, ["service", "create", "Site web", "--org", "Ville", "--url", "https://x.fr"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["service", "list", "--org", "Ville", "--json"])
    assert [s["name"] for s in json.loads(result.output)] == ["Site web"]
    result = runner.invoke(app, ["service", "create", "Bad", "--org", "Ville", "--status", "running"])
    assert result.exit_code == 2 and "status" in result.output and "Traceback" not in result.output
    result = runner.invoke(app, ["service", "delete", "Site web", "--org", "Ville"])
    assert result.exit_code == 0
    result = runner.invoke(app, ["service", "show", "Site web", "--org", "Ville"])
    assert result.exit_code == 1 and "no digital service" in result.output
