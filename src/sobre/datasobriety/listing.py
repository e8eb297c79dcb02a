"""Object-store and file listings: read them, and find ROT data in them without touching the objects.

Two kinds of input (``docs/datasobriety.md`` shows examples):

- **S3 Inventory**: a ``manifest.json`` whose ``fileSchema`` names the columns of its data files (gzipped CSV
  without a header, keys URL-encoded; or Parquet with snake_case columns).  Only current versions count
  (``IsLatest``, not ``IsDeleteMarker``); older versions are counted apart.  The ETag is the content digest:
  equal size and ETag mean equal content (a multipart ETag is the MD5 of the parts' MD5s; objects encrypted
  with SSE-KMS or SSE-C have ETags that are not digests, so they never match each other).
- **A listing file** (CSV with a header, Parquet, or JSON lines) with columns path, size, mtime, owner,
  checksum and optionally file_id (same value for hard links); common aliases are accepted (key, bytes,
  last_modified, etag, sha256…).  ``mtime`` is epoch seconds or an ISO 8601 date-time.

:func:`detect` runs the same rules as :mod:`sobre.datasobriety.rot` with Polars, vectorised, and returns
the same :class:`~sobre.datasobriety.rot.Findings`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import polars as pl

from sobre.core.errors import InputError
from sobre.datasobriety import rot
from sobre.datasobriety.rot import DuplicateFile, DuplicateGroup, Findings, Item

#: Sobre's listing columns and the names other tools give them (lower case, without spaces, - or _).
ALIASES: dict[str, tuple[str, ...]] = {
    "path": ("path", "key", "name", "filename", "file", "objectkey", "fullpath"),
    "size": ("size", "bytes", "sizebytes", "length", "contentlength"),
    "mtime": ("mtime", "lastmodified", "lastmodifieddate", "modified", "modificationtime", "lastwritetime"),
    "owner": ("owner", "objectowner", "user", "uid"),
    "checksum": ("checksum", "etag", "sha256", "blake3", "md5", "digest", "hash", "contentmd5"),
    "file_id": ("fileid", "inode", "fileindex"),
}
REQUIRED = ("path", "size", "mtime")
#: A digest written in hexadecimal (compared whatever its case).
HEX = r"^[0-9A-Fa-f]+$"
#: Columns of a read listing.
SCHEMA = {
    "path": pl.Utf8,
    "size": pl.Int64,
    "mtime": pl.Float64,
    "owner": pl.Utf8,
    "digest": pl.Utf8,
    "file_id": pl.Utf8,
}


def _squash(name: str) -> str:
    return "".join(ch for ch in name.lower() if ch.isalnum())


def column_map(columns: list[str]) -> dict[str, str]:
    """Sobre column → the listing's own column name, for the columns found."""
    found: dict[str, str] = {}
    squashed = {_squash(c): c for c in columns}
    for target, names in ALIASES.items():
        for name in names:
            if name in squashed:
                found[target] = squashed[name]
                break
    return found


def checksum_prefix(column: str) -> str:
    """How a digest is labelled, after its column: ``etag:…`` is not the same claim as ``blake3:…``."""
    return _squash(column)


# ------------------------------------------------------------------ S3 Inventory


def read_manifest(path: Path) -> dict[str, Any]:
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise InputError(f"not a readable S3 Inventory manifest: {exc}", file=str(path)) from None
    for key in ("fileFormat", "fileSchema", "files"):
        if key not in manifest:
            raise InputError("S3 Inventory manifest without this key", file=str(path), column=key)
    return manifest


def manifest_files(path: Path, manifest: dict[str, Any]) -> list[Path]:
    """The manifest's data files, found beside it (in ``data/`` of the same configuration, or its folder)."""
    out = []
    for item in manifest["files"]:
        name = Path(str(item["key"])).name
        for folder in (path.parent, path.parent.parent / "data", path.parent / "data"):
            if (folder / name).is_file():
                out.append(folder / name)
                break
        else:
            raise InputError(
                "data file of the manifest not found beside it", file=str(path), column="files", value=name
            )
    return out


def inventory_columns(manifest: dict[str, Any]) -> list[str]:
    """CSV column names in file order, from ``fileSchema`` (CSV: ``"Bucket, Key, Size"``)."""
    return [c.strip() for c in str(manifest["fileSchema"]).split(",") if c.strip()]


def _s3_frame(path: Path) -> tuple[pl.DataFrame, str, dict[str, int]]:
    manifest = read_manifest(path)
    files = manifest_files(path, manifest)
    fmt = str(manifest["fileFormat"]).upper()
    if fmt == "CSV":
        columns = inventory_columns(manifest)
        frames = [
            pl.read_csv(f, has_header=False, new_columns=columns, infer_schema=False, quote_char='"')
            for f in files
        ]
        raw = pl.concat(frames) if frames else pl.DataFrame(schema={c: pl.Utf8 for c in columns})
        raw = raw.with_columns(pl.col("Key").map_elements(_unquote, return_dtype=pl.Utf8))
    elif fmt == "PARQUET":
        raw = pl.concat([pl.read_parquet(f) for f in files])
        # Parquet inventories use snake_case names; bring them to the CSV names.
        rename = {
            "bucket": "Bucket",
            "key": "Key",
            "size": "Size",
            "last_modified_date": "LastModifiedDate",
            "e_tag": "ETag",
            "is_latest": "IsLatest",
            "is_delete_marker": "IsDeleteMarker",
            "object_owner": "ObjectOwner",
        }
        raw = raw.rename({k: v for k, v in rename.items() if k in raw.columns})
    else:
        raise InputError(
            "unsupported S3 Inventory format",
            file=str(path),
            column="fileFormat",
            value=fmt,
            expected="CSV or Parquet",
        )
    skipped: dict[str, int] = {}
    if "IsLatest" in raw.columns or "IsDeleteMarker" in raw.columns:
        latest = _truthy(pl.col("IsLatest")) if "IsLatest" in raw.columns else pl.lit(True)
        marker = _truthy(pl.col("IsDeleteMarker")) if "IsDeleteMarker" in raw.columns else pl.lit(False)
        old = raw.filter(~latest & ~marker)
        skipped = {
            "delete_markers": raw.filter(marker).height,
            "noncurrent_versions": old.height,
            "noncurrent_version_bytes": int(old["Size"].cast(pl.Int64, strict=False).sum() or 0),
        }
        raw = raw.filter(latest & ~marker)
    bucket = str(manifest.get("sourceBucket") or (raw["Bucket"][0] if raw.height else ""))
    frame = raw.select(
        pl.col("Key").alias("path"),
        pl.col("Size").alias("size"),
        (pl.col("LastModifiedDate") if "LastModifiedDate" in raw.columns else pl.lit(None)).alias("mtime"),
        (pl.col("ObjectOwner") if "ObjectOwner" in raw.columns else pl.lit(None, pl.Utf8)).alias("owner"),
        (pl.lit("etag:") + pl.col("ETag").cast(pl.Utf8).str.strip_chars('"')).alias("digest")
        if "ETag" in raw.columns
        else pl.lit(None, pl.Utf8).alias("digest"),
        pl.lit(None, pl.Utf8).alias("file_id"),
    )
    return frame, f"s3://{bucket}/", skipped


def _unquote(value: str | None) -> str | None:
    from urllib.parse import unquote_plus

    return None if value is None else unquote_plus(value)


def _truthy(expr: pl.Expr) -> pl.Expr:
    return expr.cast(pl.Utf8).str.to_lowercase().is_in(["true", "1"]).fill_null(False)


# ------------------------------------------------------------------ generic listings


def _generic_frame(path: Path) -> pl.DataFrame:
    suffix = "".join(path.suffixes[-2:]).lower()
    try:
        if suffix.endswith(".parquet"):
            raw = pl.read_parquet(path)
        elif suffix.endswith((".jsonl", ".ndjson")):
            raw = pl.read_ndjson(path, infer_schema_length=None)
        else:
            sep = _sniff_separator(path)
            raw = pl.read_csv(path, separator=sep, infer_schema=False, encoding="utf8-lossy")
    except pl.exceptions.PolarsError as exc:
        raise InputError(f"cannot read the listing: {exc}", file=str(path)) from None
    found = column_map(raw.columns)
    missing = [c for c in REQUIRED if c not in found]
    if missing:
        raise InputError(
            "listing without a required column",
            file=str(path),
            column=missing[0],
            expected=f"columns {', '.join(REQUIRED)} (and owner, checksum, file_id if known)",
        )
    checksum = found.get("checksum")
    if checksum:
        value = pl.col(checksum).cast(pl.Utf8).str.strip_chars('" ')
        # Hex digests are the same in either case (Get-FileHash writes upper case, sha256sum lower);
        # base64 ones are not, so only hex is folded.
        value = pl.when(value.str.contains(HEX)).then(value.str.to_lowercase()).otherwise(value)
        digest = pl.lit(checksum_prefix(checksum) + ":") + value
    else:
        digest = pl.lit(None, pl.Utf8)
    return raw.select(
        pl.col(found["path"]).cast(pl.Utf8).alias("path"),
        pl.col(found["size"]).alias("size"),
        pl.col(found["mtime"]).alias("mtime"),
        (pl.col(found["owner"]).cast(pl.Utf8) if "owner" in found else pl.lit(None, pl.Utf8)).alias("owner"),
        pl.when(digest.str.ends_with(":")).then(None).otherwise(digest).alias("digest"),
        (pl.col(found["file_id"]).cast(pl.Utf8) if "file_id" in found else pl.lit(None, pl.Utf8)).alias(
            "file_id"
        ),
    )


def _sniff_separator(path: Path) -> str:
    with path.open("rb") as f:
        head = f.readline().decode("utf-8", "replace")
    return max((",", ";", "\t", "|"), key=head.count)


def _typed(frame: pl.DataFrame, file: str) -> pl.DataFrame:
    """Types checked row by row: a bad size or date names its row (1 = first data row), column and value."""
    raw_size, raw_mtime = frame["size"], frame["mtime"]
    if raw_size.dtype.is_integer():
        size = raw_size.cast(pl.Int64)
    else:
        size = raw_size.cast(pl.Utf8).str.strip_chars().cast(pl.Int64, strict=False)
    if raw_mtime.dtype.is_numeric():
        mtime = raw_mtime.cast(pl.Float64)
    elif isinstance(raw_mtime.dtype, pl.Datetime):
        mtime = raw_mtime.dt.epoch("us").cast(pl.Float64) / 1e6
    else:
        text = raw_mtime.cast(pl.Utf8).str.strip_chars()
        epoch = text.cast(pl.Float64, strict=False)
        iso = (
            text.str.to_datetime(time_zone="UTC", strict=False, ambiguous="earliest").dt.epoch("ms") / 1000.0
        )
        mtime = epoch.fill_null(iso)
    path = (
        frame["path"]
        .str.replace_all("\\", "/", literal=True)
        .str.strip_chars_start("/")
        .str.strip_prefix("./")
    )
    checks = [
        ("path", path.is_null() | (path == ""), frame["path"]),
        ("size", size.is_null() | (size < 0), frame["size"]),
        ("mtime", mtime.is_null(), frame["mtime"]),
    ]
    for column, bad, raw in checks:
        if bad.any():
            row = int(bad.arg_true()[0])
            raise InputError(
                f"{int(bad.sum())} bad value(s) in the listing; nothing was read",
                file=file,
                row=row + 1,
                column=column,
                value=raw[row],
                expected={
                    "path": "a relative path",
                    "size": "bytes, an integer ≥ 0",
                    "mtime": "epoch seconds or an ISO 8601 date-time",
                }[column],
            )
    return frame.with_columns(path=path, size=size, mtime=mtime)


def read_listing(path: Path) -> tuple[pl.DataFrame, str, dict[str, int]]:
    """A listing as a frame of :data:`SCHEMA` columns, its root label and what was left out."""
    if not path.exists():
        raise InputError("listing not found", file=str(path))
    if path.is_dir():
        manifest = path / "manifest.json"
        if not manifest.is_file():
            raise InputError("folder without a manifest.json (S3 Inventory)", file=str(path))
        path = manifest
    if path.name.endswith("manifest.json"):
        frame, root, skipped = _s3_frame(path)
    else:
        frame, root, skipped = _generic_frame(path), path.name, {}
    return _typed(frame, str(path)).select(list(SCHEMA)).cast(SCHEMA), root, skipped  # type: ignore[arg-type]


# ------------------------------------------------------------------ detection


def detect(
    frame: pl.DataFrame,
    findings: Findings,
    *,
    patterns: tuple[str, ...] = rot.DEFAULT_TRIVIAL_PATTERNS,
    known_users: frozenset[str] | None = None,
    retention: tuple[rot.RetentionRule, ...] = (),
) -> Findings:
    """The ROT categories over a listing frame, with the rules of :mod:`~sobre.datasobriety.rot`."""
    limit = rot.cutoff(findings.as_of, findings.obsolete_after).timestamp()
    name = pl.col("path").str.split("/").list.last()
    pattern_of = pl.lit(None, pl.Utf8)
    for p in reversed(patterns):  # the first pattern that matches wins
        pattern_of = pl.when(name.str.contains(rot.pattern_regex(p))).then(pl.lit(p)).otherwise(pattern_of)
    category = pl.lit(None, pl.Utf8)
    for rule in reversed(retention):  # the first rule that applies wins
        older = rot.cutoff(findings.as_of, rule.older_than).timestamp()
        hit = pl.any_horizontal(
            [
                (pl.col("path") if rule.on_path(p) else name).str.contains(rot.pattern_regex(p))
                for p in rule.patterns
            ]
        )
        category = pl.when((pl.col("mtime") < older) & hit).then(pl.lit(rule.category)).otherwise(category)
    frame = frame.with_columns(pattern=pattern_of, category=category, user=_normalised(pl.col("owner")))
    findings.files = frame.height
    findings.bytes = int(frame["size"].sum() or 0)

    def items(rows: pl.DataFrame, reason: str | None = None) -> list[Item]:
        rows = rows.sort("path")
        reasons = rows[reason].to_list() if reason else [""] * rows.height
        return [
            Item(p, s, m, o, r or "")
            for p, s, m, o, r in zip(
                rows["path"], rows["size"], rows["mtime"], rows["owner"], reasons, strict=True
            )
        ]

    findings.obsolete = items(frame.filter(pl.col("mtime") < limit))
    findings.trivial = items(frame.filter(pl.col("pattern").is_not_null()), "pattern")
    findings.empty = items(frame.filter(pl.col("size") == 0))
    if known_users is not None:
        users = sorted({u for u in map(rot.normalise_user, known_users) if u})
        orphans = frame.filter(~pl.col("user").is_in(users) | pl.col("user").is_null())
        findings.orphans = items(orphans.with_columns(reason=pl.col("owner").fill_null("no owner")), "reason")
    findings.retention = items(frame.filter(pl.col("category").is_not_null()), "category")
    findings.duplicate_groups, findings.unverified = _duplicates(frame)
    return findings


def _normalised(owner: pl.Expr) -> pl.Expr:
    """The Polars twin of :func:`rot.normalise_user`."""
    text = owner.str.strip_chars().str.to_lowercase().str.split("\\").list.last().str.split("@").list.first()
    return pl.when(text == "").then(None).otherwise(text)


def _duplicates(frame: pl.DataFrame) -> tuple[list[DuplicateGroup], list[dict[str, str]]]:
    files = frame.filter(pl.col("size") > 0).with_columns(
        identity=pl.coalesce(pl.col("file_id"), pl.lit("path:") + pl.col("path"))
    )
    # One row per stored file: hard links (same file_id) count once, under their first path.
    links = (
        files.filter(pl.col("file_id").is_not_null())
        .group_by("identity")
        .agg(pl.col("path").sort().alias("names"))
        .filter(pl.col("names").list.len() > 1)
    )
    stored = files.sort("path").unique("identity", keep="first", maintain_order=True)
    same_size = stored.filter(pl.len().over("size") > 1)
    unverified = [
        {"path": p, "reason": "no checksum"}
        for p in same_size.filter(pl.col("digest").is_null())["path"].sort()
    ]
    groups = (
        same_size.filter(pl.col("digest").is_not_null())
        .group_by("size", "digest")
        .agg(pl.struct("path", "mtime", "owner", "identity").sort_by("path").alias("files"))
        .filter(pl.col("files").list.len() > 1)
    )
    names = dict(zip(links["identity"], links["names"], strict=True))
    out = []
    for size, digest, members in groups.iter_rows():
        out.append(
            DuplicateGroup(
                size,
                digest,
                tuple(
                    DuplicateFile(
                        m["path"],
                        m["mtime"],
                        m["owner"],
                        tuple(n for n in names.get(m["identity"], []) if n != m["path"]),
                    )
                    for m in members
                ),
            )
        )
    return rot.sort_groups(out), unverified
