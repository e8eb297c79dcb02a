"""The demo town's administrator: ``sobre demo`` prints how to sign in, once."""

from __future__ import annotations

from pathlib import Path

from sobre.core.capabilities import DemoContext
from sobre.core.db import session_scope
from sobre.orgs import service as orgs
from sobre.web import security, service

DEMO_ADMIN = "admin@demo.sobre.invalid"


def seed(ctx: DemoContext) -> list[Path | str]:
    """Create the demo administrator with a random password (never a fixed one) and say how to sign in."""
    password = security.random_password()
    with session_scope(ctx.database_url) as session:
        user = service.create_user(
            session, DEMO_ADMIN, password, name="Demo", is_admin=True, language=ctx.lang
        )
        service.grant(session, user, orgs.get(session, ctx.org_name).id, "admin")
    return [
        f"Web application: sobre serve --home {ctx.home}  then sign in at http://127.0.0.1:8000/ "
        f"as {DEMO_ADMIN} "
        f"with the password {password} (shown only now; change it with 'sobre user passwd {DEMO_ADMIN}')."
    ]
