"""Scenarios computed from a page in a thread of the server, as footprint runs are
(:mod:`sobre.footprint.runs.background`): the page returns at once and the scenario's page follows the
computation.

The state is kept on the scenario's row (``run_status``, ``run_step``, the owner process and its
heartbeat), so the progress shows from any worker and after the launching page was closed.  A server
stopped mid-computation leaves a ``running`` scenario whose owner is gone: :func:`state` reports it
failed, and a new computation may start.
"""

from __future__ import annotations

import contextvars
import json
import logging
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from sobre.core import liveness
from sobre.core.db import session_scope, write_session
from sobre.core.errors import InputError, SobreError
from sobre.strategy import service
from sobre.strategy.models import Scenario

log = logging.getLogger("sobre.strategy")

STEPS = ("baseline", "compute", "store")


@dataclass(frozen=True)
class RunState:
    """Where a scenario's background computation is: ``running`` (at ``step``), ``failed`` (``error``) or
    ``idle`` (none under way; the effect, if any, is the last one computed).  ``error`` is a message key
    with its values (a use case's refusal, ``interrupted``), or the error's English text under ``text``."""

    status: str
    step: str | None = None
    error: dict[str, Any] | None = None
    started_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        started = self.started_at.isoformat() if self.started_at else None
        return {"status": self.status, "step": self.step, "error": self.error, "started_at": started}


def _now() -> datetime:
    return datetime.now(UTC)


def _error(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        stored = json.loads(text)
    except ValueError:
        stored = None
    return stored if isinstance(stored, dict) else {"text": text}


def error_text(error: dict[str, Any] | None, lang: str) -> str | None:
    """A computation's failure in ``lang``: its message key worded with its values, else its text."""
    from sobre.core import i18n

    if error is None:
        return None
    if "key" in error and i18n.has(error["key"]):
        return i18n.t(error["key"], lang, **error.get("values", {}))
    return str(error.get("text") or error)


def _alive(row: Scenario, now: datetime) -> bool:
    owner = liveness.Owner(row.run_owner_host or "", row.run_owner_pid or 0, row.run_owner_started)
    return liveness.alive(owner, row.run_heartbeat_at, now)


def state(session: Session, org: str, scenario_id: int) -> RunState:
    """The scenario's background computation as its page shows it."""
    row = service.scenario_row(session, org, scenario_id)
    if row.run_status == "running" and not _alive(row, _now()):
        return RunState("failed", row.run_step, {"key": "st.run.interrupted"}, row.run_started_at)
    if row.run_status in ("running", "failed"):
        return RunState(row.run_status, row.run_step, _error(row.run_error), row.run_started_at)
    return RunState("idle")


def _mark(database_url: str, scenario_id: int, **values: Any) -> None:
    """Write the computation's state; a failure to (a database gone away) is logged, not raised: the
    state then reads as interrupted once this process is gone."""
    try:
        with session_scope(database_url) as session:
            row = session.get(Scenario, scenario_id)
            if row is not None:
                for key, value in values.items():
                    setattr(row, key, value)
    except Exception:
        log.warning("cannot record the state of scenario %s", scenario_id, exc_info=True)


def launch(database_url: str, org: str, scenario_id: int) -> None:
    """Start computing the scenario in the background.  Refused while a computation of it is under way
    (by a live process); the baseline's errors (no footprint run yet) are the thread's and shown as the
    scenario's failure."""
    owner = liveness.me()
    now = _now()
    with write_session(database_url) as session:
        row = service.scenario_row(session, org, scenario_id)
        if row.run_status == "running" and _alive(row, now):
            raise InputError.keyed("st.refuse.running", column="run", value=row.name)
        name = row.name
        row.run_status, row.run_step, row.run_error = "running", "baseline", None
        row.run_started_at, row.run_heartbeat_at = now, now
        row.run_owner_host, row.run_owner_pid, row.run_owner_started = owner.host, owner.pid, owner.started

    def progress(step: str) -> None:
        _mark(database_url, scenario_id, run_step=step, run_heartbeat_at=_now())

    def work() -> None:
        beat = liveness.Heartbeat(lambda: _mark(database_url, scenario_id, run_heartbeat_at=_now()))
        try:
            with beat:
                service.run_scenario(database_url, org, name, progress=progress)
        except Exception as exc:  # kept on the scenario, shown by its page in the reader's language
            if isinstance(exc, InputError) and exc.key:
                error = {"key": exc.key, "values": {k: str(v) for k, v in exc.values.items()}}
            else:
                text = str(exc) if isinstance(exc, SobreError) else f"{type(exc).__name__}: {exc}"
                error = {"text": text[:4000]}
            _mark(database_url, scenario_id, run_status="failed", run_error=json.dumps(error))
            return
        _mark(database_url, scenario_id, run_status=None, run_step=None, run_error=None)

    # The thread runs in a copy of the request's context: the audit log files its changes under the caller.
    context = contextvars.copy_context()
    threading.Thread(
        target=context.run, args=(work,), name=f"scenario-run-{scenario_id}", daemon=True
    ).start()


__all__ = ["STEPS", "RunState", "error_text", "launch", "state"]
