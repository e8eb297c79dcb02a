"""The scan use case: a tree or a listing, here or on Spark, recorded for an organisation or not."""

from __future__ import annotations

import hashlib
import shutil
import tempfile
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO

from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.datasobriety import listing, rot, service, storage
from sobre.datasobriety.rot import Findings
from sobre.datasobriety.scanner import Progress, ScanOptions, TreeScanner


@dataclass
class ScanRequest:
    path: Path
    as_of: datetime
    obsolete_after: str = rot.DEFAULT_OBSOLETE_AFTER
    patterns: tuple[str, ...] = rot.DEFAULT_TRIVIAL_PATTERNS
    org: str | None = None
    users_file: Path | None = None
    listing: bool = False
    spark: bool = False
    master: str | None = None
    spark_out: Path | None = None
    spark_memory: str = "2g"
    checkpoint: Path | None = None
    resume: bool = False
    one_file_system: bool = False
    threads: int = 2
    storage: storage.StorageParams = field(default_factory=storage.StorageParams)


@dataclass
class ScanResult:
    findings: Findings
    scan_id: int | None
    totals: dict[str, Any] | None = None
    written: dict[str, str] = field(default_factory=dict)


def default_checkpoint(home: Path, root: Path) -> Path:
    """Where a tree scan keeps its checkpoint: the data folder, never the scanned tree."""
    key = hashlib.sha256(str(root.resolve()).encode()).hexdigest()[:16]
    return home / "scans" / f"{key}.checkpoint"


def run_scan(
    database_url: str,
    request: ScanRequest,
    *,
    progress: Progress | None = None,
    should_stop: Any = None,
) -> ScanResult:
    """Scan, then record the findings when an organisation is named (its policies and users apply)."""
    users: frozenset[str] | None = None
    rules: tuple[rot.RetentionRule, ...] = ()
    if request.org:
        with session_scope(database_url) as session:
            rules = service.retention_rules(session, request.org)
        users = service.known_users(database_url, request.org, request.users_file)
    elif request.users_file:
        users = frozenset(service.read_users(request.users_file))
    totals: dict[str, Any] | None = None
    written: dict[str, str] = {}
    if request.listing or request.spark:
        findings, totals, written = _scan_listing(request, users, rules)
    else:
        options = ScanOptions(
            as_of=request.as_of,
            obsolete_after=request.obsolete_after,
            patterns=request.patterns,
            known_users=users,
            retention=rules,
            one_file_system=request.one_file_system,
            threads=request.threads,
        )
        findings = TreeScanner(
            request.path,
            options,
            checkpoint=request.checkpoint,
            resume=request.resume,
            progress=progress,
            should_stop=should_stop,
        ).run()
    scan_id = None
    if request.org:
        with session_scope(database_url) as session:
            scan_id = service.record_scan(
                session,
                request.org,
                findings,
                request.storage,
                options={"patterns": list(request.patterns), "retention": [r.category for r in rules]},
                totals=totals,
                rows_complete=not written,
            )
    return ScanResult(findings, scan_id, totals, written)


def _scan_listing(
    request: ScanRequest, users: frozenset[str] | None, rules: tuple[rot.RetentionRule, ...]
) -> tuple[Findings, dict[str, Any] | None, dict[str, str]]:
    if request.spark:
        from sobre.datasobriety import spark

        session = spark.session(request.master, memory=request.spark_memory)
        sframe, root, skipped = spark.read(session, request.path)
        findings = Findings(
            root=root,
            as_of=request.as_of,
            obsolete_after=request.obsolete_after,
            source="spark",
            skipped=skipped,
        )
        result = spark.detect(
            sframe,
            findings,
            patterns=request.patterns,
            known_users=users,
            retention=rules,
            collect=request.spark_out is None,
            out=request.spark_out,
        )
        return result.findings, result.totals, result.written
    frame, root, skipped = listing.read_listing(request.path)
    findings = Findings(
        root=root,
        as_of=request.as_of,
        obsolete_after=request.obsolete_after,
        source="listing",
        skipped=skipped,
    )
    listing.detect(frame, findings, patterns=request.patterns, known_users=users, retention=rules)
    return findings, None, {}


#: Listing files a scan accepts by upload (an S3 Inventory delivery, several files, goes through the CLI).
UPLOAD_SUFFIXES = (".csv", ".tsv", ".txt", ".csv.gz", ".parquet", ".jsonl", ".ndjson")


def upload_name(filename: str | None) -> str:
    """The name an uploaded listing is kept under: its base name, with one of :data:`UPLOAD_SUFFIXES`."""
    base = Path((filename or "").replace("\\", "/")).name.strip()
    safe = "".join(ch if ch.isalnum() or ch in "._- " else "_" for ch in base)[-120:].lstrip(".")
    if not safe or not safe.lower().endswith(UPLOAD_SUFFIXES):
        raise InputError(
            "not a listing file",
            column="file",
            value=filename or "",
            expected="a listing: " + ", ".join(UPLOAD_SUFFIXES),
        )
    return safe


def scan_upload(
    database_url: str,
    org: str,
    filename: str | None,
    source: BinaryIO,
    request: ScanRequest,
) -> ScanResult:
    """Scan an uploaded listing for ``org`` and record it; errors name the uploaded file, never a server path.

    ``request`` carries the reference time, threshold, patterns and storage; its path is replaced by the
    uploaded file, written to a private temporary folder removed afterwards.
    """
    import polars as pl

    name = upload_name(filename)
    with tempfile.TemporaryDirectory(prefix="sobre-listing-") as folder:
        path = Path(folder) / name
        with path.open("wb") as out:
            shutil.copyfileobj(source, out, 1 << 20)
        try:
            return run_scan(database_url, replace(request, path=path, org=org, listing=True, spark=False))
        except InputError as exc:
            raise _renamed(exc, str(path), name) from None
        except (pl.exceptions.PolarsError, UnicodeError, ValueError) as exc:
            detail = str(exc).replace(str(path), name).strip().splitlines()
            raise InputError(
                f"cannot read the listing: {detail[0] if detail else type(exc).__name__}", file=name
            ) from None


def _renamed(exc: InputError, path: str, name: str) -> InputError:
    out = InputError(str(exc).replace(path, name))
    out.file, out.row, out.column = name, exc.row, exc.column
    out.value, out.expected = exc.value, exc.expected
    return out
