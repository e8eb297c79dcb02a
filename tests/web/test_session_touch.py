"""The request guard's own small writes (a session's last-seen time) never fail a page on SQLite, where a
read transaction cannot become a write once another connection has committed since it began."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from sobre.core.db import session_factory, session_scope
from sobre.web import service
from sobre.web.models import WebSession


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
