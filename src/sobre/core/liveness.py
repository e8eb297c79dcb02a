"""Is the process computing a ``running`` job (a footprint run, a scenario) still there?

A run records its owner (host name, process id and the process's start time) and a heartbeat it refreshes
while it works.  On the owner's own host the answer is certain: the process exists with the same start
time, or it does not (killed, machine restarted).  From another host (a PostgreSQL database shared by
several machines) only the heartbeat can tell: a run silent for :data:`STALE_AFTER` is taken as dead.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

#: How often a running run refreshes its heartbeat, and how long a silent one is still taken as alive.
HEARTBEAT_EVERY_S = 30.0
STALE_AFTER = timedelta(minutes=10)


@dataclass(frozen=True)
class Owner:
    host: str
    pid: int
    started: int | None


def _start_ticks(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (Linux ``/proc``); None where unavailable."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            text = fh.read().decode("ascii", "replace")
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces: count fields after its end.
    fields = text[text.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22 of the whole line
    except (IndexError, ValueError):
        return None


def me() -> Owner:
    """This process, as a run's owner."""
    return Owner(socket.gethostname()[:255], os.getpid(), _start_ticks(os.getpid()))


def alive(owner: Owner, heartbeat_at: datetime | None, now: datetime) -> bool:
    """Whether the owner of a running run may still be working on it."""
    if owner.host == socket.gethostname()[:255] and owner.pid:
        try:
            os.kill(owner.pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            pass  # another user's process: it exists
        if owner.started is not None:
            started = _start_ticks(owner.pid)
            if started is not None and started != owner.started:
                return False  # the pid was reused by a later process
        return True
    if heartbeat_at is None:
        return False
    if heartbeat_at.tzinfo is None:  # SQLite hands back naive datetimes (stored as UTC)
        now = now.replace(tzinfo=None)
    return now - heartbeat_at < STALE_AFTER


class Heartbeat:
    """Calls ``beat`` every :data:`HEARTBEAT_EVERY_S` seconds in a daemon thread until stopped.  A failing
    beat (a busy database) is skipped: the next one will do."""

    def __init__(self, beat: Callable[[], None], every: float = HEARTBEAT_EVERY_S) -> None:
        self._beat, self._every = beat, every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="sobre-run-heartbeat", daemon=True)

    def _loop(self) -> None:
        while not self._stop.wait(self._every):
            # A missed beat is harmless (the next one will do); the run must not fail for it.
            with contextlib.suppress(Exception):
                self._beat()

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
