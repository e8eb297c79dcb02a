"""``sobre serve``, ``sobre user …`` and ``sobre token …``."""

from __future__ import annotations

import os
import sys
from typing import Any

import typer
from rich.table import Table

from sobre.core.cli_support import console, err_console, friendly_errors, print_json, settings
from sobre.core.errors import InputError, SobreError

user_app = typer.Typer(
    help="User accounts, roles per organisation and the permission table.", no_args_is_help=True
)
token_app = typer.Typer(
    help="API tokens (scoped to an organisation and a role, shown once).", no_args_is_help=True
)

_HOME = typer.Option(None, "--home", help="Data folder.")
_STDIN = typer.Option(False, "--password-stdin", help="Read the password from standard input (scripts).")
_RANDOM = typer.Option(False, "--random-password", help="Make a random password and print it once.")


def _read_password(password_stdin: bool, random_password: bool) -> tuple[str, bool]:
    """The new password, and whether it was generated (then it is printed once)."""
    from sobre.web import security

    if random_password:
        return security.random_password(), True
    if password_stdin or not sys.stdin.isatty():
        line = sys.stdin.readline().rstrip("\r\n")
        if not line:
            raise InputError("no password on standard input", expected="one line holding the password")
        return line, False
    first = typer.prompt("Password", hide_input=True)
    if typer.prompt("Again", hide_input=True) != first:
        raise InputError("the two passwords differ")
    return first, False


@user_app.command("create")
@friendly_errors
def user_create(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail address (the sign-in name)."),
    admin: bool = typer.Option(
        False, "--admin", help="Installation administrator: manages accounts and organisations."
    ),
    name: str = typer.Option(None, "--name", help="Display name."),
    language: str = typer.Option(None, "--lang", help="Preferred language: fr or en."),
    password_stdin: bool = _STDIN,
    random_password: bool = _RANDOM,
    home: str = _HOME,
) -> None:
    """Create an account (asks for its password; at least 12 characters)."""
    from sobre.core.db import session_scope
    from sobre.web import service

    cfg = settings(ctx, home)
    password, generated = _read_password(password_stdin, random_password)
    with session_scope(cfg.database_url) as session:
        user = service.create_user(session, email, password, name=name, is_admin=admin, language=language)
        label = user.email
    console.print(
        f"Created user [bold]{label}[/]{' (installation administrator)' if admin else ''}.", highlight=False
    )
    if generated:
        console.print(f"Password (shown once): {password}", highlight=False, markup=False)
    if admin:
        console.print(
            "Give them roles with 'sobre user grant EMAIL --org NAME --role ROLE'.", highlight=False
        )


@user_app.command("list")
@friendly_errors
def user_list(
    ctx: typer.Context, as_json: bool = typer.Option(False, "--json", help="Print JSON."), home: str = _HOME
) -> None:
    """List accounts with their roles."""
    from sobre.core.db import session_scope
    from sobre.web import service

    with session_scope(settings(ctx, home).database_url) as session:
        rows: list[dict[str, Any]] = [
            {
                "email": u.email,
                "name": u.name,
                "admin": u.is_admin,
                "active": u.is_active,
                "roles": {m.org_name: m.role for m in service.memberships(session, u.id)},
            }
            for u in service.list_users(session)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("email", "name", "admin", "active", "roles")
    for r in rows:
        roles = ", ".join(f"{org}: {role}" for org, role in r["roles"].items())
        table.add_row(
            r["email"], r["name"] or "", "yes" if r["admin"] else "", "yes" if r["active"] else "no", roles
        )
    console.print(table)


@user_app.command("passwd")
@friendly_errors
def user_passwd(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail address."),
    password_stdin: bool = _STDIN,
    random_password: bool = _RANDOM,
    home: str = _HOME,
) -> None:
    """Set a new password (the account's sessions are signed out)."""
    from sobre.core.db import session_scope
    from sobre.web import service

    cfg = settings(ctx, home)
    with session_scope(cfg.database_url) as session:
        user = service.get_user(session, email)
        password, generated = _read_password(password_stdin, random_password)
        service.set_password(session, user, password)
    console.print(f"Password of {email} changed; their sessions were signed out.", highlight=False)
    if generated:
        console.print(f"Password (shown once): {password}", highlight=False, markup=False)


@user_app.command("grant")
@friendly_errors
def user_grant(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail address."),
    org: str = typer.Option(..., "--org", help="Organisation name."),
    role: str = typer.Option(..., "--role", help="admin, manager, technician, referent or viewer."),
    home: str = _HOME,
) -> None:
    """Give a role in an organisation (replacing the previous one there)."""
    from sobre.core.db import session_scope
    from sobre.orgs import service as orgs
    from sobre.web import service

    with session_scope(settings(ctx, home).database_url) as session:
        user = service.get_user(session, email)
        service.grant(session, user, orgs.get(session, org).id, role)
    console.print(f"{email} is now {role} of {org}.", highlight=False)


@user_app.command("revoke")
@friendly_errors
def user_revoke(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="E-mail address."),
    org: str = typer.Option(..., "--org", help="Organisation name."),
    home: str = _HOME,
) -> None:
    """Take away the role in an organisation (and the API tokens scoped to it)."""
    from sobre.core.db import session_scope
    from sobre.orgs import service as orgs
    from sobre.web import service

    with session_scope(settings(ctx, home).database_url) as session:
        service.revoke(session, service.get_user(session, email), orgs.get(session, org).id)
    console.print(f"{email} has no role in {org} any more.", highlight=False)


def _set_active(ctx: typer.Context, email: str, active: bool, home: str | None) -> None:
    from sobre.core.db import session_scope
    from sobre.web import service

    with session_scope(settings(ctx, home).database_url) as session:
        service.set_active(session, service.get_user(session, email), active)
    console.print(f"{email} {'enabled' if active else 'disabled (sessions signed out)'}.", highlight=False)


@user_app.command("disable")
@friendly_errors
def user_disable(ctx: typer.Context, email: str = typer.Argument(...), home: str = _HOME) -> None:
    """Disable an account: it can no longer sign in or use its tokens."""
    _set_active(ctx, email, False, home)


@user_app.command("enable")
@friendly_errors
def user_enable(ctx: typer.Context, email: str = typer.Argument(...), home: str = _HOME) -> None:
    """Enable a disabled account again."""
    _set_active(ctx, email, True, home)


@user_app.command("permissions")
@friendly_errors
def user_permissions(as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Print the permission table: which role holds which permission, for every capability."""
    from sobre.core.i18n import t
    from sobre.web.app import build_registry
    from sobre.web.permissions import ROLES

    table_data = build_registry().permissions.all()
    if as_json:
        print_json(
            [{"permission": p.name, "capability": p.owner, "roles": sorted(p.roles)} for p in table_data]
        )
        return
    table = Table()
    table.add_column("permission", no_wrap=True)
    table.add_column("capability", no_wrap=True)
    table.add_column("roles")
    table.add_column("what it allows")
    for p in table_data:
        table.add_row(p.name, p.owner, ", ".join(r for r in ROLES if r in p.roles), t(p.description, "en"))
    console.print(table)


@token_app.command("create")
@friendly_errors
def token_create(
    ctx: typer.Context,
    email: str = typer.Argument(..., help="Owner's e-mail address."),
    org: str = typer.Option(..., "--org", help="Organisation the token is scoped to."),
    role: str = typer.Option("viewer", "--role", help="Role of the token (within the owner's role there)."),
    name: str = typer.Option("cli", "--name", help="What uses the token."),
    days: int = typer.Option(90, "--days", help="Days of validity (0: no expiry)."),
    home: str = _HOME,
) -> None:
    """Create an API token and print it once (it is stored only as a hash)."""
    from sobre.core.db import session_scope
    from sobre.orgs import service as orgs
    from sobre.web import service
    from sobre.web.app import build_registry

    table = build_registry().permissions
    with session_scope(settings(ctx, home).database_url) as session:
        user = service.get_user(session, email)
        org_id = orgs.get(session, org).id
        owner_role = service.role_in(session, user.id, org_id)
        if owner_role is None:
            raise SobreError(f"{email} has no role in {org}; grant one first with 'sobre user grant'")
        allowed = table.grantable_roles(owner_role)
        token, text = service.create_token(
            session, user, org_id, role, name, allowed_roles=allowed, expires_days=days or None
        )
        token_id = token.id
    err_console.print(f"Token {token_id} for {email} in {org} as {role} (shown once):", highlight=False)
    sys.stdout.write(text + "\n")


@token_app.command("list")
@friendly_errors
def token_list(
    ctx: typer.Context,
    email: str = typer.Argument(None, help="Only this owner's tokens."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
    home: str = _HOME,
) -> None:
    """List API tokens (never their secret)."""
    from sobre.core.db import session_scope
    from sobre.web import service

    with session_scope(settings(ctx, home).database_url) as session:
        users = [service.get_user(session, email)] if email else service.list_users(session)
        rows = [
            {
                "id": tok.id,
                "owner": u.email,
                "org": org_name,
                "role": tok.role,
                "name": tok.name,
                "prefix": tok.prefix,
                "state": service.token_state(tok),
                "expires_at": tok.expires_at.isoformat() if tok.expires_at else None,
            }
            for u in users
            for tok, org_name in service.list_tokens(session, u.id)
        ]
    if as_json:
        print_json(rows)
        return
    table = Table("id", "owner", "org", "role", "name", "prefix", "state", "expires")
    for r in rows:
        table.add_row(
            *(
                str(r[k] or "")
                for k in ("id", "owner", "org", "role", "name", "prefix", "state", "expires_at")
            )
        )
    console.print(table)


@token_app.command("revoke")
@friendly_errors
def token_revoke(
    ctx: typer.Context, token_id: int = typer.Argument(..., help="Token id."), home: str = _HOME
) -> None:
    """Revoke an API token."""
    from sobre.core.db import session_scope
    from sobre.web import service

    with session_scope(settings(ctx, home).database_url) as session:
        service.revoke_token(session, None, token_id)
    console.print(f"Token {token_id} revoked.", highlight=False)


@friendly_errors
def serve(
    ctx: typer.Context,
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, max=64, help="Worker processes."),
    home: str = _HOME,
    forwarded_allow_ips: str = typer.Option(
        "127.0.0.1",
        "--forwarded-allow-ips",
        help="Reverse proxies trusted for X-Forwarded-For/-Proto (client address, HTTPS).",
    ),
    log_level: str = typer.Option("info", "--log-level", help="critical, error, warning, info or debug."),
) -> None:
    """Serve the web application and the JSON API (/api/v1, OpenAPI at /api/v1/openapi.json)."""
    import uvicorn

    from sobre.core.db import session_scope
    from sobre.web import service

    cfg = settings(ctx, home)
    # Migrate once here, so that several workers never race to do it.
    with session_scope(cfg.database_url) as session:
        accounts = len(service.list_users(session))
    os.environ["SOBRE_HOME"] = str(cfg.home)
    if not os.environ.get("SOBRE_DATABASE_URL"):
        os.environ["SOBRE_DATABASE_URL"] = cfg.database_url
    console.print(f"Sobre on http://{host}:{port}/  (data: {cfg.home}; {workers} worker(s))", highlight=False)
    if not accounts:
        console.print("No account yet: create one with 'sobre user create EMAIL --admin'.", highlight=False)
    uvicorn.run(
        "sobre.web.app:app_from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        proxy_headers=True,
        forwarded_allow_ips=forwarded_allow_ips,
        server_header=False,
        log_level=log_level,
    )


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
    app.add_typer(user_app, name="user")
    app.add_typer(token_app, name="token")
