"""Footprint runs launched from a page: computed in a thread of the server, followed by the run's id.

The run is recorded (status ``running``, with its heartbeat) by ``service.run_footprint`` itself, so its
progress page reads the database and works from any worker and after the launching page was closed; the
step it is at (compute, store) is known to the process computing it only and shown when that process
answers.  A server stopped mid-run leaves a run whose heartbeat stops: the next listing marks it failed.
"""

from __future__ import annotations

import threading
from datetime import date
from typing import Any

from sobre.core.errors import SobreError
from sobre.footprint.runs import service

#: run id → the step being computed, for runs of this process.
_steps: dict[int, str] = {}
#: How long a launch waits for the run to be recorded (loading a large inventory comes first).
START_TIMEOUT_S = 120.0


def step_of(run_id: int) -> str | None:
    """The current step of a run computed by this process, or None."""
    return _steps.get(run_id)


def launch(
    database_url: str,
    org: str,
    *,
    profile: str = "sobre",
    factor_set: str | None = None,
    reference_date: date | None = None,
) -> int:
    """Start a run in the background and return its id once it is recorded.  An error found before (an
    unknown organisation or factor set, an unreadable inventory) is raised here, to the page."""
    recorded = threading.Event()
    box: dict[str, Any] = {}

    def started(run_id: int) -> None:
        box["id"] = run_id
        _steps[run_id] = "compute"
        recorded.set()

    def progress(step: str) -> None:
        if "id" in box:
            _steps[box["id"]] = step

    def work() -> None:
        try:
            service.run_footprint(
                database_url,
                org,
                profile=profile,
                factor_set=factor_set,
                reference_date=reference_date,
                progress=progress,
                on_started=started,
            )
        except Exception as exc:  # recorded on the run (failed) or raised to the launching page below
            box["error"] = exc
        finally:
            _steps.pop(box.get("id", -1), None)
            recorded.set()

    threading.Thread(target=work, name=f"footprint-run-{org}", daemon=True).start()
    recorded.wait(START_TIMEOUT_S)
    if "id" in box:
        return int(box["id"])
    error = box.get("error")
    if isinstance(error, SobreError):
        raise error
    raise SobreError(f"the footprint run did not start: {error or 'timed out'}")
