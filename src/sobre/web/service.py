"""Use cases of accounts, memberships, sessions and API tokens, called by the CLI, the pages and the API."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core import audit
from sobre.core.actor import Actor, current_actor
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.core.i18n import LANGUAGES
from sobre.orgs import service as orgs
from sobre.web import security
from sobre.web.models import ApiToken, Membership, Secret, SignInFailure, User, WebSession
from sobre.web.permissions import ROLES

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def now_utc() -> datetime:
    return datetime.now(UTC)


def _aware(value: datetime) -> datetime:
    """SQLite hands back naive datetimes for timezone-aware columns: they are UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)


# --- accounts ---------------------------------------------------------------------------------------------


def normalise_email(email: str) -> str:
    value = (email or "").strip().lower()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InputError("not an e-mail address", column="email", value=email, expected="name@example.org")
    return value


def create_user(
    session: Session,
    email: str,
    password: str | None,
    *,
    name: str | None = None,
    is_admin: bool = False,
    language: str | None = None,
) -> User:
    """Create an account; ``password=None`` makes one that cannot sign in until a password is set."""
    email = normalise_email(email)
    if session.scalar(sa.select(User.id).where(User.email == email)) is not None:
        raise SobreError(f"a user {email!r} already exists")
    if language is not None and language not in LANGUAGES:
        raise InputError("unknown language", column="language", value=language, expected="fr or en")
    user = User(email=email, name=(name or "").strip() or None, is_admin=is_admin, language=language)
    if password is not None:
        security.check_password_rules(password, email)
        user.password_hash = security.hash_password(password)
        user.password_changed_at = now_utc()
    session.add(user)
    session.flush()
    return user


def get_user(session: Session, email: str) -> User:
    user = session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        raise NotFound(f"no user {email!r}; create one with 'sobre user create EMAIL'")
    return user


def user_by_id(session: Session, user_id: int) -> User:
    user = session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    return user


def list_users(session: Session) -> list[User]:
    return list(session.scalars(sa.select(User).order_by(User.email)))


def set_password(session: Session, user: User, password: str, *, keep_session: str | None = None) -> None:
    """Change a password and end the user's other sessions (a stolen session dies with the old password)."""
    security.check_password_rules(password, user.email)
    user.password_hash = security.hash_password(password)
    user.password_changed_at = now_utc()
    close_all_sessions(session, user.id, keep=keep_session)
    session.flush()


def set_active(session: Session, user: User, active: bool) -> None:
    user.is_active = active
    if not active:
        close_all_sessions(session, user.id)
    session.flush()


def set_language(session: Session, user: User, language: str | None) -> None:
    if language is not None and language not in LANGUAGES:
        raise InputError("unknown language", column="language", value=language, expected="fr or en")
    user.language = language
    session.flush()


# --- memberships ------------------------------------------------------------------------------------------


def check_role(role: str) -> str:
    if role not in ROLES:
        raise InputError("unknown role", column="role", value=role, expected=", ".join(ROLES))
    return role


def grant(session: Session, user: User, org_id: int, role: str) -> Membership:
    """Give ``user`` the ``role`` in an organisation (replacing a previous role there)."""
    check_role(role)
    orgs.get_by_id(session, org_id)
    membership = session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.org_id == org_id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, org_id=org_id, role=role)
        session.add(membership)
    else:
        membership.role = role
    session.flush()
    return membership


def revoke(session: Session, user: User, org_id: int) -> None:
    """Take away ``user``'s role in an organisation, and the API tokens scoped to it."""
    membership = session.scalar(
        sa.select(Membership).where(Membership.user_id == user.id, Membership.org_id == org_id)
    )
    if membership is None:
        raise NotFound(f"{user.email} has no role in organisation {org_id}")
    session.delete(membership)
    for token in session.scalars(
        sa.select(ApiToken).where(
            ApiToken.user_id == user.id, ApiToken.org_id == org_id, ApiToken.revoked_at.is_(None)
        )
    ):
        token.revoked_at = now_utc()
    session.flush()


def role_in(session: Session, user_id: int, org_id: int) -> str | None:
    return session.scalar(
        sa.select(Membership.role).where(Membership.user_id == user_id, Membership.org_id == org_id)
    )


@dataclass(frozen=True)
class OrgRole:
    org_id: int
    org_name: str
    role: str


def memberships(session: Session, user_id: int) -> list[OrgRole]:
    """The organisations a user has a role in, by name."""
    rows = list(
        session.execute(sa.select(Membership.org_id, Membership.role).where(Membership.user_id == user_id))
    )
    names = orgs.names(session, {org_id for org_id, _ in rows})
    found = [OrgRole(org_id, names[org_id], role) for org_id, role in rows if org_id in names]
    return sorted(found, key=lambda m: m.org_name.lower())


def members(session: Session, org_id: int) -> list[tuple[User, str]]:
    rows = session.execute(
        sa.select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.org_id == org_id)
        .order_by(User.email)
    )
    return [(user, role) for user, role in rows]


# --- sessions ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionPolicy:
    """Idle and absolute lifetimes (OWASP ASVS 4.0 V3.3.2: sign in again after 30 min idle or 12 h)."""

    idle: timedelta = timedelta(minutes=30)
    absolute: timedelta = timedelta(hours=12)
    #: ``last_seen_at`` is written at most this often, not on every request.
    touch_every: timedelta = timedelta(minutes=1)


def open_session(
    session: Session,
    user: User,
    *,
    address: str | None,
    user_agent: str | None,
    policy: SessionPolicy,
    now: datetime | None = None,
) -> str:
    """A new session for ``user``: returns the raw id for the cookie (only its digest is stored)."""
    now = now or now_utc()
    raw = security.new_secret()
    session.add(
        WebSession(
            id=security.digest(raw),
            user_id=user.id,
            created_at=now,
            last_seen_at=now,
            expires_at=now + policy.absolute,
            address=(address or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    session.flush()
    return raw


def find_session(
    session: Session, raw: str | None, *, policy: SessionPolicy, now: datetime | None = None
) -> tuple[WebSession, User] | None:
    """The live session behind a cookie value and its user, or ``None`` (expired, idle, unknown, disabled)."""
    if not raw or len(raw) > 200:
        return None
    now = now or now_utc()
    found = session.execute(
        sa.select(WebSession, User)
        .join(User, User.id == WebSession.user_id)
        .where(WebSession.id == security.digest(raw))
    ).first()
    if found is None:
        return None
    web_session, user = found
    if (
        not user.is_active
        or _aware(web_session.expires_at) <= now
        or _aware(web_session.last_seen_at) + policy.idle <= now
    ):
        _if_free(session, lambda: session.delete(web_session))
        return None
    if _aware(web_session.last_seen_at) + policy.touch_every <= now:
        _if_free(session, lambda: setattr(web_session, "last_seen_at", now))
    return web_session, user


def _if_free(session: Session, change: Callable[[], None]) -> None:
    """A write the request guard can do without (a session's last-seen time, an expired session's row, a
    token's last use),
    in a savepoint of the guard's read transaction.  SQLite refuses at once to turn a read transaction
    into a write when another connection committed since it began (busy timeout or not): then the change
    is skipped, and the next request of that session makes it, instead of the page failing."""
    try:
        with session.begin_nested():
            change()
    except sa.exc.OperationalError as exc:
        text = str(exc).lower()
        if "database is locked" not in text and "database is busy" not in text:
            raise


def close_session(session: Session, raw: str | None) -> None:
    if raw:
        session.execute(sa.delete(WebSession).where(WebSession.id == security.digest(raw)))


def close_all_sessions(session: Session, user_id: int, *, keep: str | None = None) -> None:
    stmt = sa.delete(WebSession).where(WebSession.user_id == user_id)
    if keep:
        stmt = stmt.where(WebSession.id != security.digest(keep))
    session.execute(stmt)


def purge_expired(session: Session, now: datetime | None = None) -> None:
    """Drop expired sessions and old sign-in failures (called now and then, at sign-in)."""
    now = now or now_utc()
    session.execute(sa.delete(WebSession).where(WebSession.expires_at <= now))
    session.execute(sa.delete(SignInFailure).where(SignInFailure.at <= now - timedelta(days=1)))


# --- signing in -------------------------------------------------------------------------------------------


class SignInRefused(SobreError):
    """Wrong credentials, or too many recent failures (``wait`` tells how long)."""

    def __init__(self, reason: str, wait: timedelta | None = None) -> None:
        self.reason, self.wait = reason, wait
        super().__init__(reason)


def sign_in(
    session: Session,
    email: str,
    password: str,
    *,
    address: str,
    throttle: security.Throttle,
    now: datetime | None = None,
) -> User:
    """Check credentials under the throttle; record failures; return the user.

    The same answer is given for an unknown account and a wrong password, in the same time.
    """
    now = now or now_utc()
    email = (email or "").strip().lower()[:254]
    address = (address or "unknown")[:64]
    since = now - throttle.window
    account_failures = list(
        session.scalars(
            sa.select(SignInFailure.at).where(SignInFailure.email == email, SignInFailure.at > since)
        )
    )
    address_failures = list(
        session.scalars(
            sa.select(SignInFailure.at).where(SignInFailure.address == address, SignInFailure.at > since)
        )
    )
    wait = throttle.wait(now, [_aware(t) for t in account_failures], [_aware(t) for t in address_failures])
    if wait is not None:
        raise SignInRefused("throttled", wait)
    user = session.scalar(sa.select(User).where(User.email == email))
    ok = security.verify_password(user.password_hash if user else None, password or "")
    if not ok or user is None or not user.is_active:
        session.add(SignInFailure(at=now, email=email, address=address))
        session.flush()
        raise SignInRefused("credentials")
    if user.password_hash and security.needs_rehash(user.password_hash):
        user.password_hash = security.hash_password(password)
    session.execute(sa.delete(SignInFailure).where(SignInFailure.email == email))
    purge_expired(session, now)
    base = session.info.get("actor") or current_actor()
    audit.record(
        session,
        action="sign-in",
        entity="web_user",
        entity_id=user.id,
        summary=f"{email} signed in",
        actor=Actor(user.email, base.via, user.id, base.address),
    )
    session.flush()
    return user


# --- API tokens -------------------------------------------------------------------------------------------


def create_token(
    session: Session,
    user: User,
    org_id: int,
    role: str,
    name: str,
    *,
    allowed_roles: list[str],
    expires_days: int | None = None,
) -> tuple[ApiToken, str]:
    """A token for the JSON API: returns the row and the token text, which is never shown again.

    ``allowed_roles`` are the roles the user may hand to a token in that organisation (those within their
    own role), so a token never carries more than its owner.
    """
    check_role(role)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InputError("a token needs a name of 1 to 100 characters", column="name", value=name)
    if role not in allowed_roles:
        raise InputError(
            "this role is beyond yours in the organisation",
            column="role",
            value=role,
            expected=", ".join(allowed_roles),
        )
    if expires_days is not None and not 1 <= expires_days <= 3650:
        raise InputError("expiry must be 1 to 3650 days", column="expires_days", value=expires_days)
    parts = security.new_api_token()
    now = now_utc()
    token = ApiToken(
        user_id=user.id,
        org_id=org_id,
        role=role,
        name=name,
        prefix=parts.prefix,
        secret_hash=security.digest(parts.secret),
        created_at=now,
        expires_at=now + timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    return token, parts.text


def list_tokens(session: Session, user_id: int) -> list[tuple[ApiToken, str]]:
    """A user's tokens with their organisation's name, newest first."""
    tokens = list(
        session.scalars(
            sa.select(ApiToken)
            .where(ApiToken.user_id == user_id)
            .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )
    names = orgs.names(session, {t.org_id for t in tokens})
    return [(token, names.get(token.org_id, "?")) for token in tokens]


def revoke_token(session: Session, user_id: int | None, token_id: int) -> ApiToken:
    """Revoke a token; ``user_id=None`` (an installation administrator) may revoke anyone's."""
    token = session.get(ApiToken, token_id)
    if token is None or (user_id is not None and token.user_id != user_id):
        raise NotFound(f"no token {token_id}")
    if token.revoked_at is None:
        token.revoked_at = now_utc()
        session.flush()
    return token


def token_state(token: ApiToken, now: datetime | None = None) -> str:
    now = now or now_utc()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and _aware(token.expires_at) <= now:
        return "expired"
    return "active"


@dataclass(frozen=True)
class TokenIdentity:
    token: ApiToken
    user: User
    #: The owner's current role in the token's organisation (``None``: no longer a member).
    member_role: str | None


def authenticate_token(
    session: Session, text: str | None, now: datetime | None = None
) -> TokenIdentity | None:
    """The live token behind an ``Authorization: Bearer`` value, or ``None``."""
    parts = security.parse_api_token(text or "")
    if parts is None:
        return None
    now = now or now_utc()
    token = session.scalar(sa.select(ApiToken).where(ApiToken.prefix == parts.prefix))
    if token is None or not security.same(token.secret_hash, security.digest(parts.secret)):
        return None
    if token_state(token, now) != "active":
        return None
    user = session.get(User, token.user_id)
    if user is None or not user.is_active:
        return None
    if token.last_used_at is None or _aware(token.last_used_at) + timedelta(minutes=1) <= now:
        # The guard's read transaction: like a session's last-seen time, a token's last use is a write the
        # request can do without (the next call, a minute on, makes it), never a reason to fail the call.
        def touch() -> None:
            token.last_used_at = now
            session.flush()

        _if_free(session, touch)
    return TokenIdentity(token, user, role_in(session, user.id, token.org_id))


# --- installation secret ----------------------------------------------------------------------------------


def stored_csrf_key(session: Session) -> str | None:
    """The installation's CSRF signing key, or ``None`` if someone deleted it (a read only)."""
    return session.scalar(sa.select(Secret.value).where(Secret.key == "csrf"))


def csrf_key(session: Session) -> str:
    """The installation's CSRF signing key (made by the migration; made here if someone deleted it).

    Call it in a write session (``BEGIN IMMEDIATE``): two requests that both found no key then serialise,
    and the second reads the first's key instead of failing on the unique key."""
    value = stored_csrf_key(session)
    if value is None:
        value = security.new_secret()
        session.add(Secret(key="csrf", value=value))
        session.flush()
    return value


def member_counts(session: Session) -> dict[int, int]:
    """Organisation id → number of members."""
    rows = session.execute(sa.select(Membership.org_id, sa.func.count()).group_by(Membership.org_id))
    return {org_id: count for org_id, count in rows}
