"""Security of the shell: passwords, sign-in throttling, sessions, cookies, CSRF, headers, API tokens."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.core.errors import InputError, SobreError
from sobre.web import security, service
from sobre.web.context import SECURE_SESSION_COOKIE, SESSION_COOKIE
from sobre.web.models import ApiToken, User, WebSession
from tests.web.harness import PASSWORD, World, build_world, csrf_from


def sign_in(client, email: str, password: str = PASSWORD, next_: str = "/"):  # type: ignore[no-untyped-def]
    page = client.get("/sign-in")
    token = csrf_from(page.text if page.status_code == 200 else client.get("/account").text)
    return client.post(
        "/sign-in", data={"email": email, "password": password, "csrf_token": token, "next": next_}
    )


def test_passwords_are_argon2id_with_a_minimum_length() -> None:
    stored = security.hash_password("a long enough passphrase")
    assert stored.startswith("$argon2id$")
    assert security.verify_password(stored, "a long enough passphrase")
    assert not security.verify_password(stored, "a long enough passphrasE")
    assert not security.verify_password(None, "anything at all")
    with pytest.raises(InputError, match="at least 12"):
        security.check_password_rules("short pass")
    with pytest.raises(InputError, match="e-mail"):
        security.check_password_rules("ana@example.org", "ana@example.org")
    security.check_password_rules("é" * 12)  # any character counts, no composition rule


def test_production_hashing_is_rfc_9106_low_memory_argon2id(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite hashes with a cheap test profile (tests/conftest.py); an installation never does."""
    test_hash = security.hash_password("a long enough passphrase")
    assert test_hash.startswith("$argon2id$v=19$m=1024,t=1,p=1$")
    monkeypatch.delenv(security.HASH_COST_VARIABLE)
    security._hasher.cache_clear()
    try:
        stored = security.hash_password("a long enough passphrase")
        assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
        assert security.verify_password(stored, "a long enough passphrase")
        assert not security.verify_password(stored, "a long enough passphrasE")
        assert not security.needs_rehash(stored)
        # A test-profile hash is rehashed at the next sign-in of a production process.
        assert security.verify_password(test_hash, "a long enough passphrase")
        assert security.needs_rehash(test_hash)
        monkeypatch.setenv(security.HASH_COST_VARIABLE, "cheap")
        security._hasher.cache_clear()
        with pytest.raises(SobreError, match="SOBRE_PASSWORD_HASH_COST"):
            security.hash_password("a long enough passphrase")
    finally:
        monkeypatch.undo()
        security._hasher.cache_clear()


def test_throttle_counts_failures_in_the_window() -> None:
    throttle = security.Throttle(per_account=3, per_address=5, window=timedelta(minutes=10))
    now = datetime(2026, 1, 1, 12, tzinfo=UTC)
    fails = [now - timedelta(minutes=m) for m in (9, 5, 1)]
    assert throttle.wait(now, fails[:2], []) is None
    assert throttle.wait(now, fails, []) == timedelta(minutes=1)  # the oldest leaves the window in 1 min
    assert throttle.wait(now, [now - timedelta(minutes=20)] * 10, []) is None
    assert throttle.wait(now, [], [now] * 5) == timedelta(minutes=10)


def test_sign_in_renews_the_session_and_sets_safe_cookies(world: World) -> None:
    client = world.anonymous()
    first = sign_in(client, world.email("manager"))
    assert first.status_code == 303 and first.headers["location"] == "/"
    cookie = first.headers["set-cookie"]
    assert f"{SESSION_COOKIE}=" in cookie and "HttpOnly" in cookie and "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain HTTP on loopback
    raw_first = client.cookies.get(SESSION_COOKIE)
    second = sign_in(client, world.email("manager"))
    raw_second = client.cookies.get(SESSION_COOKIE)
    assert second.status_code == 303 and raw_first != raw_second
    with session_scope(world.url) as s:
        ids = set(s.scalars(sa.select(WebSession.id)))
    # Only digests are stored, and the previous session of this browser is gone.
    assert security.digest(raw_second) in ids and security.digest(raw_first) not in ids
    assert raw_second not in ids


def test_cookies_are_secure_over_https(sqlite_world: World) -> None:
    client = sqlite_world.anonymous(base_url="https://sobre.example")
    r = sign_in(client, sqlite_world.email("viewer"))
    assert r.status_code == 303
    assert f"{SECURE_SESSION_COOKIE}=" in r.headers["set-cookie"] and "Secure" in r.headers["set-cookie"]
    assert "max-age=31536000" in client.get("/account").headers["strict-transport-security"]


def test_wrong_credentials_are_refused_alike_and_throttled(tmp_path: Path, sqlite_url: str) -> None:
    world = build_world(sqlite_url, tmp_path / "h", throttle=security.Throttle(per_account=3, per_address=5))
    client = world.anonymous()
    unknown = sign_in(client, "nobody@a.example.org")
    wrong = sign_in(client, world.email("viewer"), "not the password!")
    assert unknown.status_code == wrong.status_code == 400
    assert "mot de passe est incorrect" in wrong.text and 'aria-invalid="true"' in wrong.text
    sign_in(client, world.email("viewer"), "still not the password")
    sign_in(client, world.email("viewer"), "and again not the password")
    locked = sign_in(client, world.email("viewer"))  # the right password, but the account is locked
    assert locked.status_code == 429 and int(locked.headers["retry-after"]) > 0
    assert "essais infructueux" in locked.text and "15 min" in locked.text
    # Another account from the same address: still allowed until the address limit (5 failures) is reached.
    assert sign_in(client, world.email("manager")).status_code == 303
    sign_in(client, "x1@a.example.org", "wrong password 1")
    assert sign_in(world.anonymous(), world.email("admin")).status_code == 429
    world.close()


def test_sessions_expire_when_idle_or_too_old_and_end_at_sign_out(world: World) -> None:
    policy = service.SessionPolicy()
    now = datetime.now(UTC)
    with session_scope(world.url) as s:
        user = service.user_by_id(s, world.users["viewer"])
        idle = service.open_session(
            s, user, address=None, user_agent=None, policy=policy, now=now - timedelta(minutes=31)
        )
        old = service.open_session(
            s, user, address=None, user_agent=None, policy=policy, now=now - timedelta(hours=13)
        )
        assert service.find_session(s, idle, policy=policy, now=now) is None
        assert service.find_session(s, old, policy=policy, now=now) is None
        assert service.find_session(s, "forged", policy=policy, now=now) is None
    client = world.client("viewer")
    assert client.get("/account").status_code == 200
    token = csrf_from(client.get("/account").text)
    out = client.post("/sign-out", data={"csrf_token": token})
    assert out.status_code == 303 and out.headers["location"].startswith("/sign-in")
    assert client.get("/account").status_code == 303


def test_a_disabled_account_loses_its_sessions_and_tokens(world: World) -> None:
    client = world.client("manager")
    api = world.api("manager")
    assert api.get("/api/v1/me").status_code == 200
    with session_scope(world.url) as s:
        service.set_active(s, service.user_by_id(s, world.users["manager"]), False)
    assert client.get("/account").status_code == 303
    assert api.get("/api/v1/me").status_code == 401
    assert sign_in(world.anonymous(), world.email("manager")).status_code == 400


def test_security_headers_on_pages_api_static_and_errors(sqlite_world: World) -> None:
    client = sqlite_world.client("admin")
    responses = [
        client.get("/sign-in"),
        client.get("/account"),
        client.get("/no/such/page"),
        client.get(f"/o/{sqlite_world.b}/"),
        client.get("/api/v1/openapi.json"),
        client.get("/api/v1/me"),
        client.get("/static/web/sobre.css"),
        client.get("/healthz"),
    ]
    for r in responses:
        csp = r.headers["content-security-policy"]
        assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert r.headers["x-content-type-options"] == "nosniff"
        assert r.headers["referrer-policy"] == "same-origin"
        assert "server" not in r.headers or "uvicorn" not in r.headers["server"]
    assert responses[1].headers["cache-control"] == "no-store"
    assert [r.status_code for r in responses[2:4]] == [404, 404]


def test_api_tokens_are_shown_once_stored_hashed_scoped_and_revocable(world: World) -> None:
    text = world.token("manager", "referent")
    with session_scope(world.url) as s:
        row = s.scalars(sa.select(ApiToken)).one()
        assert text not in (row.secret_hash, row.prefix) and row.secret_hash == security.digest(
            text.split("_", 2)[2]
        )
        token_id = row.id
    client = world.anonymous()
    client.headers["authorization"] = f"Bearer {text}"
    me = client.get("/api/v1/me").json()
    # A referent token of a manager carries the referent's permissions only.
    assert me["token_role"] == "referent" and "members.view" not in me["permissions"]
    assert client.get(f"/api/v1/orgs/{world.a}/members").status_code == 403
    assert client.get(f"/api/v1/orgs/{world.b}").status_code == 404
    assert client.get(f"/api/v1/orgs/{world.a}").status_code == 200
    assert client.delete(f"/api/v1/tokens/{token_id}").status_code == 204
    assert client.get("/api/v1/me").status_code == 401
    client.headers["authorization"] = "Bearer sobre_nothing_here"
    assert client.get("/api/v1/me").status_code == 401


def test_a_token_never_exceeds_its_owner_current_role(world: World) -> None:
    api = world.api("admin")  # an admin token of the admin of A
    assert api.get(f"/api/v1/orgs/{world.a}/members").status_code == 200
    with session_scope(world.url) as s:
        service.grant(s, service.user_by_id(s, world.users["admin"]), world.a, "viewer")
    assert api.get(f"/api/v1/orgs/{world.a}/members").status_code == 403
    with session_scope(world.url) as s:
        service.revoke(s, service.user_by_id(s, world.users["admin"]), world.a)
        assert s.scalars(sa.select(ApiToken.revoked_at)).one() is not None
    assert api.get(f"/api/v1/orgs/{world.a}").status_code == 401


def test_a_token_cannot_be_created_beyond_the_owner_role(world: World) -> None:
    viewer = world.client("viewer")
    page = viewer.get("/account/tokens")
    r = viewer.post(
        "/account/tokens",
        data={
            "csrf_token": csrf_from(page.text),
            "name": "x",
            "org_id": str(world.a),
            "role": "admin",
            "expires_days": "30",
        },
    )
    assert r.status_code == 422 and "viewer" in r.text
    with session_scope(world.url) as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
        assert s.scalar(sa.select(User.password_hash).where(User.email == world.email("viewer"))).startswith(
            "$argon2id$"
        )
