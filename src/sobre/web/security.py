"""Secrets and the rules around them: password hashing, session ids, API tokens, CSRF tokens, throttling.

Pure functions over plain values (no database): the service and the request guard call them.

- Passwords: argon2id through argon2-cffi with its defaults (RFC 9106's second recommended profile:
  3 passes, 64 MiB, 4 lanes); 12 to 1,024 characters, no composition rules (OWASP ASVS 4.0 V2.1.1–2.1.9).
- Session ids and API token secrets: 32 random bytes; stored as SHA-256 (they carry 256 bits of entropy, so a
  slow hash adds nothing), compared in constant time.
- CSRF tokens: an HMAC of the session (or pre-session) id under the installation secret.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from sobre.core.errors import InputError, SobreError

MIN_PASSWORD = 12
MAX_PASSWORD = 1024
TOKEN_PREFIX = "sobre"


#: ``SOBRE_PASSWORD_HASH_COST=test`` selects a cheap argon2id for test suites, which hash and check passwords
#: hundreds of times (each costs 64 MiB and ~0.1 s of CPU otherwise). Never for an installation: such
#: hashes are weak, and a production process rehashes them at the next sign-in (``needs_rehash``).
HASH_COST_VARIABLE = "SOBRE_PASSWORD_HASH_COST"


@cache
def _hasher():  # type: ignore[no-untyped-def]
    import os

    from argon2 import PasswordHasher

    cost = os.environ.get(HASH_COST_VARIABLE, "").strip().lower()
    if cost in ("", "production"):
        return PasswordHasher()  # argon2id, RFC 9106 low-memory profile
    if cost == "test":
        return PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    raise SobreError(f"{HASH_COST_VARIABLE} must be 'production' or 'test', not {cost!r}")


def check_password_rules(password: str, email: str | None = None) -> None:
    """Refuse a password that breaks the rules, naming the rule."""
    if len(password) < MIN_PASSWORD:
        raise InputError(f"the password must have at least {MIN_PASSWORD} characters", column="password")
    if len(password) > MAX_PASSWORD:
        raise InputError(f"the password must have at most {MAX_PASSWORD} characters", column="password")
    if email and password.strip().lower() == email.strip().lower():
        raise InputError("the password must not be the e-mail address", column="password")


def hash_password(password: str) -> str:
    return str(_hasher().hash(password))


def verify_password(stored: str | None, password: str) -> bool:
    """Whether ``password`` matches ``stored``; with no stored hash, spend the same time and say no."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if stored is None:
        stored = _dummy_hash()
        password = password + "\0"  # never matches
    try:
        return bool(_hasher().verify(stored, password))
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(stored: str) -> bool:
    return bool(_hasher().check_needs_rehash(stored))


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def random_password() -> str:
    """A password to show once (demo administrator, reset by an administrator): 20 characters, ~120 bits."""
    return secrets.token_urlsafe(15)


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


@dataclass(frozen=True)
class TokenParts:
    prefix: str
    secret: str

    @property
    def text(self) -> str:
        return f"{TOKEN_PREFIX}_{self.prefix}_{self.secret}"


def new_api_token() -> TokenParts:
    return TokenParts(secrets.token_hex(6), new_secret())


def parse_api_token(text: str) -> TokenParts | None:
    """``sobre_<prefix>_<secret>`` → its parts, or ``None`` when it is not shaped like a token."""
    head, sep, rest = text.strip().partition("_")
    prefix, sep2, secret = rest.partition("_")
    if head != TOKEN_PREFIX or not sep or not sep2 or not prefix or len(prefix) > 16 or not secret:
        return None
    return TokenParts(prefix, secret)


def csrf_token(key: str, session_key: str) -> str:
    """The CSRF token of a session (or pre-session): stable for the session, unguessable without the key."""
    return hmac.new(key.encode(), f"csrf:{session_key}".encode(), hashlib.sha256).hexdigest()


def csrf_ok(key: str, session_key: str | None, presented: str | None) -> bool:
    if not session_key or not presented:
        return False
    return same(csrf_token(key, session_key), presented)


@dataclass(frozen=True)
class Throttle:
    """Sign-in throttling: failures within a window, per account and per client address.

    Defaults: 5 failures of one account, or 20 from one address, within 15 minutes lock further attempts
    until the oldest counted failure leaves the window (OWASP ASVS 4.0 V2.2.1 asks for such a limit; NIST
    SP 800-63B 5.2.2 allows at most 100 consecutive failures).
    """

    per_account: int = 5
    per_address: int = 20
    window: timedelta = timedelta(minutes=15)

    def wait(self, now: datetime, account: list[datetime], address: list[datetime]) -> timedelta | None:
        """How long before another attempt may be made (``None``: now), from the failures' times."""
        waits = []
        for limit, times in ((self.per_account, account), (self.per_address, address)):
            recent = sorted(t for t in times if t > now - self.window)
            if len(recent) >= limit:
                # The attempt is possible again once enough of the recent failures have aged out.
                waits.append(recent[len(recent) - limit] + self.window - now)
        return max(waits) if waits else None
