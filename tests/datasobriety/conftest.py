from __future__ import annotations

from pathlib import Path

import pytest

from tests.datasobriety.tree import Expected, build


@pytest.fixture(scope="module")
def share(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Expected]:
    """The generated share (read-only for the tests: scans must not change it)."""
    root = tmp_path_factory.mktemp("share") / "share"
    root.mkdir()
    return root, build(root)


@pytest.fixture(scope="session")
def spark_session():  # type: ignore[no-untyped-def]
    """One small local Spark for the whole run: its start-up is paid once, by the Spark tests only."""
    pytest.importorskip("pyspark")
    from sobre.datasobriety import spark

    session = spark.session(memory="512m", partitions=4)
    yield session
    session.stop()
