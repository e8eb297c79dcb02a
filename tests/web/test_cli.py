"""``sobre user``, ``sobre token``, ``sobre serve`` and the demo administrator."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from sobre.cli import app
from sobre.core import audit
from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope
from sobre.core.settings import load_settings
from sobre.orgs import service as orgs
from sobre.web import demo, security, service

runner = CliRunner()
PASSWORD = "a long command-line passphrase"


def run(*args: str, stdin: str | None = None):  # type: ignore[no-untyped-def]
    return runner.invoke(app, list(args), input=stdin)


def test_user_create_list_grant_revoke_passwd(home: Path) -> None:
    assert run("org", "create", "Ville A").exit_code == 0
    r = run("user", "create", "Ana@Example.org", "--admin", "--name", "Ana", stdin=PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert run("user", "grant", "ana@example.org", "--org", "Ville A", "--role", "manager").exit_code == 0
    listed = json.loads(run("user", "list", "--json").stdout)
    assert listed == [
        {
            "email": "ana@example.org",
            "name": "Ana",
            "admin": True,
            "active": True,
            "roles": {"Ville A": "manager"},
        }
    ]
    url = load_settings().database_url
    with session_scope(url) as s:
        stored = service.get_user(s, "ana@example.org").password_hash
        assert security.verify_password(stored, PASSWORD)
    r = run("user", "passwd", "ana@example.org", "--random-password")
    assert r.exit_code == 0 and "shown once" in r.output
    new = r.output.split("Password (shown once): ")[1].split()[0]
    with session_scope(url) as s:
        assert security.verify_password(service.get_user(s, "ana@example.org").password_hash, new)
    assert run("user", "revoke", "ana@example.org", "--org", "Ville A").exit_code == 0
    with session_scope(url) as s:
        # The CLI's changes are on the record, under the operating-system account.
        entries = list(s.scalars(audit.query(all_orgs=True, entity="web_membership")))
        assert {e.action for e in entries} == {"create", "delete"} and all(e.via == "cli" for e in entries)
        assert all(e.actor.startswith("cli:") for e in entries)
        user_entry = s.scalars(audit.query(all_orgs=True, entity="web_user", action="update")).first()
        assert user_entry.after["password_hash"] == audit.REDACTED


def test_cli_errors_are_one_clear_line(home: Path) -> None:
    assert run("user", "create", "not-an-email", stdin=PASSWORD + "\n").exit_code == 2
    short = run("user", "create", "bo@example.org", stdin="short\n")
    assert short.exit_code == 2 and "at least 12" in short.output and "Traceback" not in short.output
    run("user", "create", "bo@example.org", stdin=PASSWORD + "\n")
    assert "already exists" in run("user", "create", "bo@example.org", stdin=PASSWORD + "\n").output
    assert (
        "no organisation named"
        in run("user", "grant", "bo@example.org", "--org", "Nowhere", "--role", "viewer").output
    )
    run("org", "create", "Ville A")
    bad_role = run("user", "grant", "bo@example.org", "--org", "Ville A", "--role", "boss")
    assert bad_role.exit_code == 2 and "unknown role" in bad_role.output
    assert "has no role in Ville A" in run("token", "create", "bo@example.org", "--org", "Ville A").output
    assert run("serve", "--port", "0").exit_code == 2


def test_token_create_prints_once_and_respects_the_role(home: Path) -> None:
    run("org", "create", "Ville A")
    run("user", "create", "cy@example.org", stdin=PASSWORD + "\n")
    run("user", "grant", "cy@example.org", "--org", "Ville A", "--role", "technician")
    beyond = run("token", "create", "cy@example.org", "--org", "Ville A", "--role", "admin")
    assert beyond.exit_code == 2 and "beyond yours" in beyond.output
    made = run("token", "create", "cy@example.org", "--org", "Ville A", "--role", "viewer", "--name", "probe")
    assert made.exit_code == 0 and made.stdout.strip().startswith("sobre_")
    listed = json.loads(run("token", "list", "--json").stdout)
    assert (
        listed[0]["name"] == "probe" and listed[0]["state"] == "active" and "sobre_" not in json.dumps(listed)
    )
    assert run("token", "revoke", str(listed[0]["id"])).exit_code == 0
    assert json.loads(run("token", "list", "cy@example.org", "--json").stdout)[0]["state"] == "revoked"


def test_permission_table_is_printed_whole(home: Path) -> None:
    rows = json.loads(run("user", "permissions", "--json").stdout)
    names = {r["permission"]: r["roles"] for r in rows}
    assert names["org.view"] == sorted(["admin", "manager", "technician", "referent", "viewer"])
    assert names["members.manage"] == ["admin"]
    assert "org.view" in run("user", "permissions").stdout


def test_demo_seed_creates_an_administrator_with_a_random_password(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sobre.db'}"
    with session_scope(url) as s:
        orgs.create(s, "Ville de Démo")
    ctx = DemoContext(url, "Ville de Démo", date(2026, 1, 1), 1, tmp_path, tmp_path, "fr", 1)
    (note,) = demo.seed(ctx)
    password = note.split("with the password ")[1].split(" ")[0]
    assert f"sobre serve --home {tmp_path}" in note and demo.DEMO_ADMIN in note
    with session_scope(url) as s:
        user = service.get_user(s, demo.DEMO_ADMIN)
        assert user.is_admin and security.verify_password(user.password_hash, password)
        assert [m.role for m in service.memberships(s, user.id)] == ["admin"]
        assert s.scalar(sa.select(sa.func.count()).select_from(audit.AuditEntry)) >= 2
    other = tmp_path / "other"
    other.mkdir()
    url2 = f"sqlite:///{other / 'sobre.db'}"
    with session_scope(url2) as s:
        orgs.create(s, "Ville de Démo")
    (note2,) = demo.seed(DemoContext(url2, "Ville de Démo", date(2026, 1, 1), 1, other, other, "fr", 1))
    assert (
        note2.split("with the password ")[1] != note.split("with the password ")[1]
    )  # never a fixed password
