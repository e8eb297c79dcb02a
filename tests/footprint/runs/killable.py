"""A footprint run that stops at a chosen step and waits there to be killed by a test.

    python -m tests.footprint.runs.killable DATABASE_URL STEP READY_FILE

STEP: ``compute`` (before the engine returns), ``write`` (the dataset half written), ``publish`` (the
dataset in place and the aggregates written, the ``done`` status not yet committed).  READY_FILE is created
once the run is held there.
"""

from __future__ import annotations

import sys
import time
from datetime import date
from pathlib import Path
from typing import Any


def main() -> None:
    url, step, ready = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    from sobre.footprint import engine
    from sobre.footprint.runs import dataset, service, store

    def hold() -> None:
        ready.write_text("held")
        time.sleep(300)

    if step == "compute":

        def compute(*_args: Any, **_kwargs: Any) -> Any:
            hold()

        engine.compute = compute  # type: ignore[assignment]
    elif step == "write":

        def write(folder: Path, _result: Any, wide: Any, _layout: Any) -> dict[str, int]:
            folder.mkdir(parents=True)
            wide.head(1).write_parquet(folder / dataset.RESULTS)  # a readable file, but not the run
            hold()
            return {}

        dataset.write = write  # type: ignore[assignment]
    elif step == "publish":
        real = store.write_aggregates

        def write_aggregates(conn: Any, run_id: int, table: Any) -> None:
            real(conn, run_id, table)
            hold()

        store.write_aggregates = write_aggregates  # type: ignore[assignment]
    else:
        raise SystemExit(f"unknown step {step!r}")
    service.run_footprint(url, "Ville A", reference_date=date(2025, 6, 30))


if __name__ == "__main__":
    main()
