"""Who is acting: the person (or process) that the audit log names for every change.

Kept apart from :mod:`sobre.core.audit` and free of heavy imports so that the CLI root can name its actor
without loading SQLAlchemy.  The web shell binds the signed-in user (or API token) per request; the CLI binds
the operating-system account that runs it; anything else is ``system``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who made a change, and through which face of Sobre."""

    #: What the audit log shows: an e-mail address, ``cli:<os user>``, ``system``.
    label: str
    #: ``web``, ``api``, ``cli`` or ``system``.
    via: str = "system"
    user_id: int | None = None
    #: Client address of a web or API request.
    address: str | None = None


SYSTEM = Actor("system", "system")

_current: ContextVar[Actor | None] = ContextVar("sobre_actor", default=None)


def current_actor() -> Actor:
    """The actor bound to this context, else ``system``."""
    return _current.get() or SYSTEM


def bind_actor(actor: Actor) -> None:
    """Name the actor for the rest of this context (a CLI invocation, a request's task)."""
    _current.set(actor)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    """Name the actor inside the block only."""
    token = _current.set(actor)
    try:
        yield actor
    finally:
        _current.reset(token)
