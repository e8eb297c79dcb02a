"""Listings: a generated one gives the local scanner's findings; S3 Inventory as AWS writes it; bad rows."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import polars as pl
import pytest

from sobre.core.errors import InputError
from sobre.datasobriety import listing, rot
from sobre.datasobriety.rot import Findings
from sobre.datasobriety.scanner import ScanOptions, scan_tree
from tests.datasobriety.tree import AS_OF, Expected, write_listing

COMPARED = (
    "duplicate_groups",
    "reclaimable_bytes",
    "obsolete",
    "trivial",
    "empty",
    "orphans",
    "retention",
    "files",
    "bytes",
    "totals",
)
RULES = (rot.RetentionRule("minutes", "2y", ("mairie/*",)),)


def _findings(source: str, root: str = ".") -> Findings:
    return Findings(root=root, as_of=AS_OF, obsolete_after="3y", source=source)


def compare(a: dict, b: dict) -> None:
    for key in COMPARED:
        assert a[key] == b[key], key
    for key in ("obsolete", "trivial", "empty", "orphans", "retention"):
        assert a["details"][key] == b["details"][key], key
    strip = [[{k: v for k, v in f.items()} for f in g["files"]] for g in a["details"]["duplicate_groups"]]
    assert strip == [g["files"] for g in b["details"]["duplicate_groups"]]


def test_listing_gives_the_scanner_findings(share: tuple[Path, Expected], tmp_path: Path) -> None:
    root, _ = share
    users = frozenset({"alice"})
    tree = rot.to_json(
        scan_tree(root, ScanOptions(as_of=AS_OF, known_users=users, retention=RULES)), detail=True
    )
    frame, label, _ = listing.read_listing(write_listing(root, tmp_path / "listing.csv"))
    got = rot.to_json(
        listing.detect(frame, _findings("listing", label), known_users=users, retention=RULES), detail=True
    )
    compare(tree, got)
    assert got["root"] == "listing.csv"


def _inventory(tmp_path: Path, fmt: str = "CSV") -> Path:
    """An S3 Inventory delivery laid out as AWS writes it: manifest.json and gzipped, headerless CSV data."""
    dest = tmp_path / "inventory" / "bucket-mairie" / "daily"
    (dest / "data").mkdir(parents=True)
    (dest / "2026-11-30T01-00Z").mkdir()
    schema = "Bucket, Key, VersionId, IsLatest, IsDeleteMarker, Size, LastModifiedDate, ETag, StorageClass"
    rows = [
        (
            "bucket-mairie",
            "scans/acte%20de%20naissance.pdf",
            "v1",
            "true",
            "false",
            "5000",
            "2020-03-02T10:00:00.000Z",
            "9b2cf535f27731c974343645a3985328",
            "STANDARD",
        ),
        (
            "bucket-mairie",
            "archives/acte+de+naissance+%28copie%29.pdf",
            "v1",
            "true",
            "false",
            "5000",
            "2026-01-05T08:30:00.000Z",
            "9b2cf535f27731c974343645a3985328",
            "STANDARD_IA",
        ),
        (
            "bucket-mairie",
            "archives/autre.pdf",
            "v1",
            "true",
            "false",
            "5000",
            "2026-01-05T08:30:00.000Z",
            "0c1f0e2c4aa4f3a1d8bd31d7e1d3e111-2",
            "STANDARD",
        ),
        (
            "bucket-mairie",
            "tmp/export.tmp",
            "v3",
            "true",
            "false",
            "120",
            "2026-11-01T00:00:00.000Z",
            "aa",
            "STANDARD",
        ),
        (
            "bucket-mairie",
            "tmp/export.tmp",
            "v2",
            "false",
            "false",
            "900000",
            "2025-11-01T00:00:00.000Z",
            "bb",
            "STANDARD",
        ),
        ("bucket-mairie", "old.docx", "v9", "true", "true", "", "2026-02-01T00:00:00.000Z", "", ""),
    ]
    if fmt == "CSV":
        body = "\n".join(",".join(f'"{v}"' for v in r) for r in rows) + "\n"
        name = "3f1b6f6c-6c5a-4b46-9f7a-0a4e1b0c2d11.csv.gz"
        (dest / "data" / name).write_bytes(gzip.compress(body.encode()))
    else:
        from urllib.parse import unquote_plus

        frame = pl.DataFrame(
            [list(r) for r in rows],
            schema=[
                "bucket",
                "key",
                "version_id",
                "is_latest",
                "is_delete_marker",
                "size",
                "last_modified_date",
                "e_tag",
                "storage_class",
            ],
            orient="row",
        )
        frame = frame.with_columns(
            pl.col("key").map_elements(unquote_plus, return_dtype=pl.Utf8),
            pl.col("is_latest") == "true",
            pl.col("is_delete_marker") == "true",
            pl.col("size").replace("", None).cast(pl.Int64),
            pl.col("last_modified_date").str.to_datetime(time_zone="UTC"),
        )
        name = "3f1b6f6c.parquet"
        frame.write_parquet(dest / "data" / name)
        schema = "message s3.inventory { required binary bucket (UTF8); required binary key (UTF8); ... }"
    manifest = {
        "sourceBucket": "bucket-mairie",
        "destinationBucket": "arn:aws:s3:::inventaires",
        "version": "2016-11-30",
        "creationTimestamp": "1796000000000",
        "fileFormat": fmt,
        "fileSchema": schema,
        "files": [{"key": f"bucket-mairie/daily/data/{name}", "size": 1, "MD5checksum": "00"}],
    }
    path = dest / "2026-11-30T01-00Z" / "manifest.json"
    path.write_text(json.dumps(manifest, indent=2))
    return path


@pytest.mark.parametrize("fmt", ["CSV", "Parquet"])
def test_s3_inventory(tmp_path: Path, fmt: str) -> None:
    frame, root, skipped = listing.read_listing(_inventory(tmp_path, fmt))
    assert root == "s3://bucket-mairie/"
    assert skipped == {"delete_markers": 1, "noncurrent_versions": 1, "noncurrent_version_bytes": 900000}
    f = listing.detect(frame, _findings("listing", root))
    # URL-encoded keys decoded; equal size and ETag; a multipart ETag of another content is not a copy
    assert [g.paths for g in f.duplicate_groups] == [
        ["archives/acte de naissance (copie).pdf", "scans/acte de naissance.pdf"]
    ]
    assert [i.path for i in f.obsolete] == ["scans/acte de naissance.pdf"]
    assert [i.path for i in f.trivial] == ["tmp/export.tmp"]  # the current version only
    assert f.files == 4


def test_bad_rows_name_file_row_column_value(tmp_path: Path) -> None:
    bad = tmp_path / "export.csv"
    bad.write_text("Key;Size;LastModified;ETag\na.txt;10;2024-01-01T00:00:00Z;x\nb.txt;dix;2024-01-01;y\n")
    with pytest.raises(InputError) as err:
        listing.read_listing(bad)
    assert (err.value.file, err.value.row, err.value.column, err.value.value) == (str(bad), 2, "size", "dix")
    bad.write_text("path,size,mtime\na,1,hier\n")
    with pytest.raises(InputError, match="mtime"):
        listing.read_listing(bad)
    bad.write_text("name,bytes\na,1\n")
    with pytest.raises(InputError, match="required column") as err:
        listing.read_listing(bad)
    assert err.value.column == "mtime"


def test_aliases_separators_and_windows_paths(tmp_path: Path) -> None:
    path = tmp_path / "partage.csv"
    path.write_text(
        "Full Path;Bytes;Last Write Time;Owner;SHA256\n"
        "\\\\Compta\\2019\\bilan.xlsx;2048;1546300800;VILLE\\jdupont;ab12\n"
        "Compta\\2019\\bilan (2).xlsx;2048;2019-01-01T00:00:00+01:00;jdupont@ville.fr;ab12\n"
        "Compta\\~$bilan.xlsx;165;1700000000;;\n"
    )
    frame, _, _ = listing.read_listing(path)
    f = listing.detect(frame, _findings("listing"), known_users=frozenset({"JDupont"}))
    assert f.duplicate_groups[0].paths == ["Compta/2019/bilan (2).xlsx", "Compta/2019/bilan.xlsx"]
    assert f.duplicate_groups[0].digest == "sha256:ab12"
    assert [i.path for i in f.orphans or []] == ["Compta/~$bilan.xlsx"]  # no owner: not a known user
    assert [i.reason for i in f.trivial] == ["~$*"]
