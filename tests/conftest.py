"""Shared fixtures: a fresh database on SQLite and on a real PostgreSQL server, the shared data folder."""

from __future__ import annotations

import dataclasses
import gc
import itertools
import os
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings
from playwright.sync_api import expect

from tests.pgserver import PgServer

# Property tests must not fail because a shared machine is slow: no per-example deadline, no "too slow" check.
settings.register_profile("sobre", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("sobre")
# A browser assertion waits for the page instead of reading it at once (a click returns when the next page's
# navigation is committed, before its body is parsed); a loaded CI machine needs more than the 5 s default.
expect.set_options(timeout=20_000)

# A cheap argon2id for the suite's hundreds of password hashes and sign-ins, in this process and in the
# servers it starts (they inherit the environment); tests/web/test_security.py checks the production profile.
os.environ.setdefault("SOBRE_PASSWORD_HASH_COST", "test")

ROOT = Path(__file__).resolve().parents[1]
# The shared data folder beside the checkout; SOBRE_TEST_SHARED names it for a checkout elsewhere.
SHARED = Path(os.environ.get("SOBRE_TEST_SHARED") or ROOT.parent / "shared")
G4IT = SHARED / "data" / "g4it"

_counter = itertools.count()

#: Markers of the suite's longest tests (a real browser, a Spark or BoaviztAPI start-up), run first.
_LONG = ("browser", "spark", "integration")


def _rank(item: pytest.Item) -> int:
    if item.get_closest_marker("long"):  # the minute-long ones, before the other long ones
        return 0
    return 1 if any(item.get_closest_marker(m) for m in _LONG) else 2


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Long tests first: with ``--dist worksteal`` the workers then end on short tests together, instead
    of one worker running a minutes-long browser test alone at the end.

    A module moves whole, at its longest test's rank: split, it would build its module fixtures (a seeded
    server) twice."""
    ranks: dict[str, int] = {}
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        ranks[module] = min(ranks.get(module, 2), _rank(item))
    items.sort(key=lambda item: ranks[item.nodeid.split("::", 1)[0]])


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session) -> None:
    """Collect the run's garbage before an xdist worker reports that it has finished.

    pytest collects it at unconfigure, after the worker's report; the controller then stops the worker,
    and execnet interrupts (SIGINT) a worker still busy 5 s later. On a loaded machine that collection
    (hundreds of thousands of objects: the applications of every page test) took longer, and the
    interrupt landed in Hypothesis's garbage-collector callback ("Exception ignored … KeyboardInterrupt").
    Frozen after it, what is left is not walked again by that last collection (0.4 s of CPU even with
    nothing to free)."""
    gc.collect()
    gc.freeze()


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
        server.stop(wait=False)


def _migrated(url: str) -> str:
    """Bring ``url`` to the newest schema, then close its pool: it becomes a template for copies."""
    from sobre.core.db import close_engine, get_engine

    get_engine(url)
    close_engine(url)
    return url


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite file with every migration applied, made once per test process."""
    path = tmp_path_factory.mktemp("template") / "sobre.db"
    _migrated(f"sqlite:///{path}")
    # Everything into the main file, so that copying that file alone copies the database.
    with sqlite3.connect(path) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return path


@pytest.fixture(scope="session")
def _pg_template(pg_server: PgServer) -> str:
    """A PostgreSQL database with every migration applied, made once per test process."""
    name = f"template_{os.getpid()}"
    _migrated(pg_server.create_database(name))
    return name


def _database(request: pytest.FixtureRequest, tmp_path: Path, *, migrated: bool) -> Iterator[str]:
    from sobre.core.db import close_engine

    if request.param == "sqlite":
        path = tmp_path / "sobre.db"
        if migrated:
            shutil.copyfile(request.getfixturevalue("_sqlite_template"), path)
        url = f"sqlite:///{path}"
    else:
        server: PgServer = request.getfixturevalue("pg_server")
        template = request.getfixturevalue("_pg_template") if migrated else None
        url = server.create_database(f"t{os.getpid()}_{next(_counter)}", template=template)
    yield url
    # Engines live as long as the process: without this, every PostgreSQL test would keep its pool open.
    close_engine(url)


_BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


@pytest.fixture(params=_BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database, as opening a new one leaves it (every migration applied): one run per backend.

    Copied from a template migrated once per test process (running every migration for each of the
    suite's hundreds of databases cost minutes); tests of the migrations themselves use ``empty_db_url``.
    """
    yield from _database(request, tmp_path, migrated=True)


@pytest.fixture(params=_BACKENDS)
def empty_db_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty database (no schema yet; opening it runs the migrations): one run per backend."""
    yield from _database(request, tmp_path, migrated=False)


@pytest.fixture
def sqlite_url(tmp_path: Path, _sqlite_template: Path) -> str:
    """A fresh SQLite database (every migration applied, copied from the template: see ``db_url``)."""
    path = tmp_path / "sobre.db"
    shutil.copyfile(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, _sqlite_template: Path) -> Path:
    """A fresh SOBRE_HOME for CLI tests; its database is there, as the first command leaves it (copied
    from the template: migrating it in each of a hundred CLI tests cost half a second of CPU each)."""
    path = tmp_path / "home"
    path.mkdir()
    shutil.copyfile(_sqlite_template, path / "sobre.db")
    monkeypatch.setenv("SOBRE_HOME", str(path))
    monkeypatch.delenv("SOBRE_DATABASE_URL", raising=False)
    return path


def _run_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder of this test run that every xdist worker sees (the controller's base temporary folder).

    Without xdist, the process's own base folder: its parent is shared with other runs on the machine."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


def _build_demo_town(root: Path) -> Any:
    """``sobre demo --lang fr`` into ``root``, keeping what ``run_demo`` returned and what the CLI printed."""
    import contextvars

    from typer.testing import CliRunner

    import sobre.demo.run
    from sobre.cli import app
    from sobre.core.db import close_engine
    from sobre.demo.run import DEMO_DB

    returned: list[Any] = []
    real = sobre.demo.run.run_demo

    def recording(*args: Any, **kwargs: Any) -> Any:
        returned.append(real(*args, **kwargs))
        return returned[-1]

    command = ["demo", "--home", str(root / "home"), "--out", str(root / "out"), "--lang", "fr"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(sobre.demo.run, "run_demo", recording)
        # The CLI binds its own actor for the rest of its context: keep that out of the requesting test's.
        res = contextvars.copy_context().run(CliRunner().invoke, app, command)
    assert res.exit_code == 0, res.output
    (demo,) = returned
    close_engine(demo.database_url)
    # Everything into the main file, so that copying the home folder copies the database.
    with sqlite3.connect(demo.home / DEMO_DB) as conn:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return DemoTown(demo, res.output)


@dataclasses.dataclass
class DemoTown:
    result: Any  # sobre.demo.run.DemoResult
    output: str  # what ``sobre demo`` printed


@pytest.fixture(scope="session")
def _demo_town_build(tmp_path_factory: pytest.TempPathFactory) -> DemoTown:
    """The demo town, built once per test run: the first worker to need it builds it under a file lock,
    the others wait for it and read what it left (each build imports, computes, seeds and renders the
    whole town: over a minute of CPU, which every worker used to spend)."""
    import fcntl
    import pickle

    root = _run_root(tmp_path_factory) / "demo-town"
    root.mkdir(exist_ok=True)
    done = root / "built.pickle"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes, even if the build fails
        if not done.exists():
            town = _build_demo_town(root)
            partial = done.with_suffix(".partial")
            partial.write_bytes(pickle.dumps((town.result, town.output)))
            partial.rename(done)
        result, output = pickle.loads(done.read_bytes())
    return DemoTown(result, output)


@pytest.fixture(scope="session")
def demo_town(_demo_town_build: DemoTown) -> Any:
    """The demo town as ``sobre demo --lang fr`` leaves it (``run_demo``'s result), shared by the whole
    test run: for tests that only read it. A test that writes takes :func:`demo_town_copy`."""
    return _demo_town_build.result


@pytest.fixture(scope="session")
def demo_town_output(_demo_town_build: DemoTown) -> str:
    """What ``sobre demo`` printed while building :func:`demo_town`."""
    return _demo_town_build.output


@pytest.fixture
def demo_town_copy(demo_town: Any, tmp_path: Path) -> Any:
    """A copy of :func:`demo_town`'s home (database, attachments) and output folders, for a test that writes.

    Its ``home``, ``out`` and ``database_url`` name the copy; its lists of files name the shared original.
    """
    from sobre.demo.run import DEMO_DB

    # Not the shared memory index of a reader's open connection: SQLite rebuilds it on the first open.
    shutil.copytree(demo_town.home, tmp_path / "home", ignore=shutil.ignore_patterns("*-shm"))
    shutil.copytree(demo_town.out, tmp_path / "out")
    home = tmp_path / "home"
    return dataclasses.replace(
        demo_town, home=home, out=tmp_path / "out", database_url=f"sqlite:///{home / DEMO_DB}"
    )


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Chromium per test process: starting it cost each browser module a second or more.

    Playwright's sync API allows one ``sync_playwright()`` per thread, so every browser test, and
    ``sobre.ecodesign.measure.Browser`` in tests, drives this one.
    """
    from tests.web.live import launch_chromium

    with launch_chromium() as browser:
        yield browser


@pytest.fixture
def browser(chromium: Any) -> Iterator[Any]:
    """The process's Chromium; the contexts a test opens are closed after it, so each test starts fresh."""
    before = set(chromium.contexts)
    yield chromium
    for context in chromium.contexts:
        if context not in before:
            context.close()


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
