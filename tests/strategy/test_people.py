"""Communication, training and referents: drafted messages per level, the trained-share indicator equal to
the attendance it counts, feedback that creates or adjusts actions (SQLite and PostgreSQL), and the CLI."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core.capabilities import provider
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.orgs import service as orgs
from sobre.strategy import people, steering

ORG = "Bourg"


def test_training_messages_and_feedback(db_url: str) -> None:
    with session_scope(db_url) as s:
        orgs.create(s, ORG, employees=40)
        action_id = steering.add_action(
            s,
            ORG,
            "Éteindre les copieurs la nuit",
            owner_role="Services généraux",
            due_date=date(2026, 3, 31),
            avoided={"climate_change": {"value": 1234.0, "low": 1000.0, "high": 1500.0, "unit": "kgCO2e"}},
            savings_eur=800,
        )
        texts = {lvl: people.draft(steering.list_actions(s, ORG)[0], lvl, "fr") for lvl in people.LEVELS}
        assert (
            "1\u202f234" in texts["manager"] and "800" in texts["manager"] and "moteur" in texts["technical"]
        )
        assert "kgCO2e" not in texts["general"]  # no jargon for every agent
        people.plan_message(
            s,
            ORG,
            "Copieurs",
            audience="tous les agents",
            level="general",
            channel="intranet",
            planned_on=date(2026, 1, 5),
            action_id=action_id,
        )
        assert people.messages(s, ORG)[0]["body"] == texts["general"]
        with pytest.raises(InputError):
            people.plan_message(
                s,
                ORG,
                "X",
                audience="a",
                level="expert",
                channel="intranet",
                planned_on=date(2026, 1, 5),
                body="…",
            )

        people.add_module(s, ORG, "Écogestes", "tous les agents", 2)
        first = people.add_session(s, ORG, "Écogestes", date(2025, 10, 1))
        second = people.add_session(s, ORG, "Écogestes", date(2026, 2, 1))
        assert people.record_attendance(s, ORG, first, [(f"agent{i}@bourg.fr", "") for i in range(6)]) == 6
        # The same person twice counts once; an empty line is skipped.
        assert (
            people.record_attendance(
                s, ORG, second, [("agent0@bourg.fr", ""), ("agent9@bourg.fr", ""), ("", "")]
            )
            == 2
        )
        steering.define_kpi(s, ORG, "formes", "Agents formés", source="staff_trained", target_value=100)
    with session_scope(db_url) as s:
        steering.define_kpi(s, ORG, "stock", "Tickets ouverts", source="incident_backlog")
    got = {r["code"]: r for r in steering.measure(db_url, ORG, date(2025, 12, 31), "tests")}
    assert got["formes"]["value"] == pytest.approx(100 * 6 / 40)
    desk = provider("servicedesk.kpis")
    assert desk is not None
    assert got["stock"]["value"] == desk(db_url, ORG, 2025)["sd.backlog"]["value"]
    got = {r["code"]: r for r in steering.measure(db_url, ORG, date(2026, 2, 28), "tests")}
    assert got["formes"]["value"] == pytest.approx(100 * 7 / 40)

    with session_scope(db_url) as s:
        people.add_referent(s, ORG, "Léa", "Lea@Bourg.fr", site="Mairie", mission="Relayer les écogestes")
        # One referent per address (as stored: lower case), one module per title: refused at the field.
        with pytest.raises(InputError) as refused:
            people.add_referent(s, ORG, "Léa B.", " lea@bourg.fr")
        assert refused.value.key == "st.refuse.referent_exists"
        with pytest.raises(InputError) as refused:
            people.add_module(s, ORG, "Écogestes", "encadrement", 1)
        assert refused.value.key == "st.refuse.module_exists" and refused.value.column == "title"
        idea = people.log_feedback(
            s, ORG, "lea@bourg.fr", "Des écrans inutilisés en salle B", "idea", date(2026, 1, 9)
        )
        problem = people.log_feedback(
            s, ORG, "lea@bourg.fr", "Les copieurs restent allumés le week-end", "problem", date(2026, 1, 20)
        )
        new_id = people.feedback_to_action(s, ORG, idea, "Récupérer les écrans de la salle B", effort="low")
        people.feedback_adjusts(s, ORG, problem, action_id, status="in_progress")
        actions = {a["id"]: a for a in steering.list_actions(s, ORG)}
        assert actions[new_id]["origin"] == "feedback" and "salle B" in actions[new_id]["description"]
        assert (
            actions[action_id]["status"] == "in_progress" and "week-end" in actions[action_id]["description"]
        )
        assert [f["status"] for f in people.feedback_log(s, ORG)] == ["actioned", "actioned"]


def test_people_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOBRE_HOME", str(tmp_path / "home"))
    cli = CliRunner()

    def ok(*args: str) -> str:
        r = cli.invoke(app, list(args))
        assert r.exit_code == 0, r.output
        return r.output

    ok("org", "create", ORG, "--employees", "10")
    ok("strategy", "training", "module", "Écogestes", "--org", ORG)
    ok("strategy", "training", "session", "Écogestes", "--org", ORG, "--date", "2026-01-10")
    roster = tmp_path / "presents.csv"
    roster.write_text("person,department\nagent1,DSI\nagent2,RH\n", encoding="utf-8")
    assert "2 attendances" in ok("strategy", "training", "attend", "1", "--org", ORG, "--file", str(roster))
    bad = tmp_path / "bad.csv"
    bad.write_text("nom\nagent1\n", encoding="utf-8")
    r = cli.invoke(app, ["strategy", "training", "attend", "1", "--org", ORG, "--file", str(bad)])
    assert r.exit_code != 0 and "person" in r.output and "Traceback" not in r.output
    ok("strategy", "referent", "add", "Léa", "--org", ORG, "--email", "lea@bourg.fr")
    ok("strategy", "referent", "feedback", "lea@bourg.fr", "Idée", "--org", ORG)
    assert "action 1" in ok("strategy", "referent", "act", "1", "--org", ORG, "--new-action", "Tester l'idée")
    ok("strategy", "comms", "add", "Annonce", "--org", ORG, "--audience", "tous", "--action", "1")
    assert "Tester l'idée" in ok("strategy", "comms", "list", "--org", ORG)
