"""The web layer's small writes never fail a page on SQLite, where a read transaction cannot become a write
once another connection has committed since it began: the guard's touches (a session's last-seen time, a
token's last use) are skipped when refused; the writes that matter (a sign-in and its throttle's failures,
a re-made CSRF key) hold the right to write from their first statement."""

from __future__ import annotations

import contextlib
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from sobre.core.db import session_factory, session_scope, write_session
from sobre.web import service
from sobre.web.models import WebSession
from tests.web.harness import PASSWORD, World, csrf_from


def test_a_session_touch_refused_by_sqlite_is_skipped_not_an_error(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sobre.db'}"
    policy = service.SessionPolicy()
    with session_scope(url) as s:
        user = service.create_user(s, "ana@example.org", "a long enough password", name="Ana")
        raw = service.open_session(s, user, address="127.0.0.1", user_agent="test", policy=policy)
        other = service.open_session(s, user, address="127.0.0.1", user_agent="test", policy=policy)
    later = service.now_utc() + timedelta(minutes=5)  # past the touch interval, within the idle one
    reader = session_factory(url)()
    try:
        reader.execute(sa.select(WebSession.id)).all()  # the guard's read transaction has begun…
        with session_scope(url) as s:  # …when another request commits a write
            assert service.find_session(s, other, policy=policy, now=later) is not None
        found = service.find_session(reader, raw, policy=policy, now=later)
        assert found is not None and found[1].email == "ana@example.org"
        assert service.memberships(reader, found[1].id) == []  # the transaction is still usable
        reader.commit()
    finally:
        reader.close()
    with session_scope(url) as s:
        # The refused touch was skipped; the next request of that session makes it.
        assert service.find_session(s, raw, policy=policy, now=later) is not None
        seen = s.scalar(
            sa.select(WebSession.last_seen_at).where(WebSession.id == service.security.digest(raw))
        )
        assert seen is not None and seen.replace(tzinfo=later.tzinfo) == later


def test_a_token_last_use_refused_by_sqlite_is_skipped_not_an_error(tmp_path: Path) -> None:
    from sobre.orgs import service as orgs
    from sobre.web.models import ApiToken

    url = f"sqlite:///{tmp_path / 'sobre.db'}"
    with session_scope(url) as s:
        org = orgs.create(s, "Commune A")
        user = service.create_user(s, "ana@example.org", "a long enough password", name="Ana")
        service.grant(s, user, org.id, "viewer")
        _, text = service.create_token(s, user, org.id, "viewer", "ci", allowed_roles=["viewer"])
    reader = session_factory(url)()
    try:
        reader.execute(sa.select(ApiToken.id)).all()  # the guard's read transaction has begun…
        with session_scope(url) as s:  # …when another request commits a write
            service.create_user(s, "bob@example.org", "a long enough password", name="Bob")
        identity = service.authenticate_token(reader, text)
        assert identity is not None and identity.user.email == "ana@example.org"
        reader.commit()
    finally:
        reader.close()
    with session_scope(url) as s:  # the next call makes the skipped touch
        assert service.authenticate_token(s, text) is not None
        assert s.scalar(sa.select(ApiToken.last_used_at)) is not None


def test_a_missing_csrf_key_made_by_two_requests_at_once_is_one_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both requests find no key; each makes one in its own write transaction, so the second reads the
    first's instead of failing on the unique key (or on SQLite's refused upgrade of a read)."""
    import threading

    from sobre.core.settings import Settings
    from sobre.web.app import create_app
    from sobre.web.models import Secret

    url = f"sqlite:///{tmp_path / 'sobre.db'}"
    states = [create_app(Settings(home=tmp_path / "home", database_url=url)).state.sobre for _ in range(2)]
    with session_scope(url) as s:
        s.execute(sa.delete(Secret).where(Secret.key == "csrf"))
    both_looked = threading.Barrier(2, timeout=3)
    real = service.stored_csrf_key
    keys: list[str] = []
    errors: list[BaseException] = []

    def looked(session):  # type: ignore[no-untyped-def]
        value = real(session)
        if value is None:
            # Both requests have seen no key; broken when the other waits for this one's write instead
            # (serialised, as intended).
            with contextlib.suppress(threading.BrokenBarrierError):
                both_looked.wait()
        return value

    def request(state) -> None:  # type: ignore[no-untyped-def]
        try:
            keys.append(state.csrf_key())
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    monkeypatch.setattr(service, "stored_csrf_key", looked)
    threads = [threading.Thread(target=request, args=(st,)) for st in states]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == [] and len(keys) == 2 and keys[0] == keys[1]


@pytest.mark.parametrize("password", ["a wrong password", PASSWORD])
def test_sign_in_beside_a_concurrent_writer(
    sqlite_world: World, monkeypatch: pytest.MonkeyPatch, password: str
) -> None:
    """The sign-in reads the throttle's failures, then writes (a failure, or the new session): it holds the
    right to write from the start, so another request's commit in between cannot make SQLite refuse it."""
    import threading

    from sobre.orgs import service as orgs
    from sobre.web import security

    real = security.verify_password
    others: list[threading.Thread] = []

    def other_request() -> None:
        with write_session(sqlite_world.url) as s:
            orgs.create(s, f"Commune {len(others)}")

    def verify(stored, given):  # type: ignore[no-untyped-def]
        ok = real(stored, given)
        writer = threading.Thread(target=other_request)
        others.append(writer)
        writer.start()
        writer.join(timeout=2)  # committed at once before the fix; now it waits for the sign-in
        return ok

    monkeypatch.setattr(security, "verify_password", verify)
    client = sqlite_world.anonymous()
    token = csrf_from(client.get("/sign-in").text)
    r = client.post(
        "/sign-in", data={"csrf_token": token, "email": sqlite_world.email("viewer"), "password": password}
    )
    for writer in others:
        writer.join()
    assert r.status_code == (303 if password == PASSWORD else 400), r.text[:300]
    with session_scope(sqlite_world.url) as s:
        assert orgs.get(s, "Commune 1") is not None  # the other request's write was kept too
