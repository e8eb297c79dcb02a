"""Start-up: a small command imports only what it needs (timings are measured by benchmarks, not here)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from alembic.script import ScriptDirectory

from sobre.core import db

#: Libraries that cost tens to hundreds of milliseconds to import.
HEAVY = (
    "alembic",
    "polars",
    "numpy",
    "pandas",
    "openpyxl",
    "rapidfuzz",
    "httpx",
    "rich.progress",
    "matplotlib",
    "weasyprint",
    "fastapi",
    "pycountry",
)


def _loaded(home: Path, *argv: str) -> set[str]:
    script = (
        "import sys\n"
        "from sobre.cli import app\n"
        "try:\n"
        f"    app({['--home', str(home), *argv]!r})\n"
        "except SystemExit:\n"
        "    pass\n"
        f"print('loaded:' + ','.join(m for m in {(*HEAVY, 'sqlalchemy')!r} if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    last = out.stdout.strip().splitlines()[-1]
    assert last.startswith("loaded:"), out.stdout + out.stderr
    return {m for m in last.removeprefix("loaded:").split(",") if m}


@pytest.mark.parametrize(
    "argv",
    [("import", "--help"), ("inventory", "stats", "--help"), ("export", "--help"), ("org", "--help")],
)
def test_help_of_inventory_commands_loads_nothing_heavy(tmp_path: Path, argv: tuple[str, ...]) -> None:
    assert _loaded(tmp_path, *argv) == set()


def test_org_list_needs_the_database_only(tmp_path: Path) -> None:
    # The first run creates the database (Alembic runs); the next ones find it up to date without it.
    _loaded(tmp_path, "org", "list")
    assert _loaded(tmp_path, "org", "list") == {"sqlalchemy"}


def test_known_heads_are_alembic_heads() -> None:
    script = ScriptDirectory.from_config(db.alembic_config("sqlite://"))
    assert db.known_heads() == frozenset(script.get_heads())
