"""The Spark path, in local mode: the same findings as the local scanner on a generated listing."""

from __future__ import annotations

from pathlib import Path

import pytest

from sobre.datasobriety import rot, spark
from sobre.datasobriety.scanner import ScanOptions, scan_tree
from tests.datasobriety.test_listing import RULES, _findings, _inventory, compare
from tests.datasobriety.tree import AS_OF, Expected, write_listing

pytestmark = pytest.mark.spark


def test_spark_gives_the_scanner_findings(
    share: tuple[Path, Expected], tmp_path: Path, spark_session
) -> None:  # type: ignore[no-untyped-def]
    root, _ = share
    users = frozenset({"alice"})
    tree = rot.to_json(
        scan_tree(root, ScanOptions(as_of=AS_OF, known_users=users, retention=RULES)), detail=True
    )
    frame, label, _ = spark.read(spark_session, write_listing(root, tmp_path / "listing.csv"))
    result = spark.detect(frame, _findings("spark", label), known_users=users, retention=RULES)
    got = rot.to_json(result.findings, detail=True)
    compare(tree, got)
    assert result.totals == tree["totals"]


def test_spark_s3_inventory_and_parquet_output(tmp_path: Path, spark_session) -> None:  # type: ignore[no-untyped-def]
    frame, root, skipped = spark.read(spark_session, _inventory(tmp_path))
    assert skipped["noncurrent_versions"] == 1 and skipped["delete_markers"] == 1
    out = tmp_path / "out"
    result = spark.detect(frame, _findings("spark", root), collect=False, out=out)
    assert result.totals["duplicates"] == {"count": 1, "bytes": 5000}
    assert result.findings.duplicate_groups == []  # not collected: rows are in Parquet
    import polars as pl

    groups = pl.read_parquet(out / "duplicate_groups" / "*.parquet")
    paths = [f["path"] for f in groups["files"][0]]
    assert paths == ["archives/acte de naissance (copie).pdf", "scans/acte de naissance.pdf"]
