"""Fixtures of the web tests: a world of two organisations on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.web.harness import World, build_world


@pytest.fixture
def world(db_url: str, tmp_path: Path) -> Iterator[World]:
    """Two organisations with one member per role, on both database backends."""
    w = build_world(db_url, tmp_path / "home")
    yield w
    w.close()


@pytest.fixture
def sqlite_world(sqlite_url: str, tmp_path: Path) -> Iterator[World]:
    """The same world on SQLite only (tests of page details that do not depend on the backend)."""
    w = build_world(sqlite_url, tmp_path / "home")
    yield w
    w.close()
