"""Shared fixtures: a fresh database on SQLite and on a real PostgreSQL server, the shared data folder."""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.pgserver import PgServer

# Property tests must not fail because a shared machine is slow: no per-example deadline, no "too slow" check.
settings.register_profile("sobre", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sobre")

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
G4IT = SHARED / "data" / "g4it"

_counter = itertools.count()


@pytest.fixture(autouse=True)
def _fresh_actor() -> Iterator[None]:
    """Each test starts as ``system`` (a CLI command run in-process binds its actor for the whole thread)."""
    from sobre.core import actor

    token = actor._current.set(None)
    yield
    actor._current.reset(token)


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not beside the checkout")
    return SHARED


@pytest.fixture(scope="session")
def g4it_dir(shared_dir: Path) -> Path:
    return shared_dir / "data" / "g4it"


@pytest.fixture(scope="session")
def pg_server() -> Iterator[PgServer]:
    server = PgServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database URL: one run per backend."""
    from sobre.core.db import close_engine

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'sobre.db'}"
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        url = server.create_database(f"t{os.getpid()}_{next(_counter)}")
    yield url
    # Engines live as long as the process: without this, every PostgreSQL test would keep its pool open.
    close_engine(url)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sobre.db'}"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh SOBRE_HOME for CLI tests."""
    path = tmp_path / "home"
    monkeypatch.setenv("SOBRE_HOME", str(path))
    monkeypatch.delenv("SOBRE_DATABASE_URL", raising=False)
    return path


@pytest.fixture(autouse=True, scope="session")
def _results_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Local copies of PostgreSQL runs' results go to a temporary folder, not the user's cache."""
    previous = os.environ.get("SOBRE_CACHE_DIR")
    os.environ["SOBRE_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
    yield
    if previous is None:
        os.environ.pop("SOBRE_CACHE_DIR", None)
    else:
        os.environ["SOBRE_CACHE_DIR"] = previous


@pytest.fixture(autouse=True)
def _fresh_actor() -> Iterator[None]:
    """Each test starts as the ``system`` actor: a CLI invocation in an earlier test binds its own for the
    rest of the thread's context, which would leak into the next test's audit entries."""
    from sobre.core.actor import SYSTEM, acting_as

    with acting_as(SYSTEM):
        yield
