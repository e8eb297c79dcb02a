"""ROT detection over listings of billions of objects, on Apache Spark (PySpark).

Local mode by default (``local[*]``, one machine), or the cluster given by ``master``.  The rules are
those of :mod:`sobre.datasobriety.rot` and :func:`sobre.datasobriety.listing.detect`, written as Spark
DataFrame operations: reading a listing is split across tasks, duplicates are found by grouping on
(size, digest) after one row per stored file is kept.  Results either come back as
:class:`~sobre.datasobriety.rot.Findings` (``collect=True``, for listings whose findings fit in memory)
or are written as Parquet datasets (one per category) with only the totals returned.
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sobre.core.errors import InputError, SobreError
from sobre.datasobriety import listing, rot
from sobre.datasobriety.rot import DuplicateFile, DuplicateGroup, Findings, Item

if TYPE_CHECKING:  # pragma: no cover
    from pyspark.sql import Column, DataFrame, SparkSession


def session(master: str | None = None, *, memory: str = "1g", partitions: int = 8) -> SparkSession:
    """A Spark session: ``local[*]`` unless ``master`` names a cluster (``spark://host:7077``, ``yarn``…)."""
    # PySpark warns at import about pandas versions it was not tested with; Sobre does not use pandas here.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support", category=FutureWarning)
    try:
        from pyspark.sql import SparkSession
    except ImportError:
        raise SobreError(
            "the Spark path needs PySpark: pip install 'sobre[spark]' (and a Java 17 runtime)"
        ) from None
    builder = (
        SparkSession.builder.appName("sobre-rot")
        .master(master or "local[*]")
        .config("spark.driver.memory", memory)
        .config("spark.sql.shuffle.partitions", str(partitions))
        .config("spark.sql.session.timeZone", "UTC")
        # A listing's bad values become nulls, which the reader then reports with their column and value.
        .config("spark.sql.ansi.enabled", "false")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
    )
    if not master:
        # Local mode listens on loopback only.
        os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
        builder = builder.config("spark.driver.host", "127.0.0.1").config(
            "spark.driver.bindAddress", "127.0.0.1"
        )
    try:
        spark = builder.getOrCreate()
    except Exception as exc:  # Java missing, cluster unreachable: say so in one line
        raise SobreError(
            f"cannot start Spark ({master or 'local mode'}): {str(exc).splitlines()[0]}"
        ) from None
    spark.sparkContext.setLogLevel("ERROR")
    return spark


# ------------------------------------------------------------------ reading


def _digest_expr(F: Any, column: str) -> Column:
    value = F.trim(F.regexp_replace(F.col(column).cast("string"), '"', ""))
    value = F.when(value.rlike(listing.HEX), F.lower(value)).otherwise(value)  # hex in either case
    return F.when((value.isNull()) | (value == ""), F.lit(None)).otherwise(
        F.concat(F.lit(listing.checksum_prefix(column) + ":"), value)
    )


def read(spark: SparkSession, path: Path) -> tuple[DataFrame, str, dict[str, int]]:
    """A listing (same formats as :func:`listing.read_listing`) as a Spark frame of listing columns."""
    from pyspark.sql import functions as F

    if path.is_dir():
        path = path / "manifest.json"
    if not path.exists():
        raise InputError("listing not found", file=str(path))
    skipped: dict[str, int] = {}
    if path.name.endswith("manifest.json"):
        manifest = listing.read_manifest(path)
        files = [str(f) for f in listing.manifest_files(path, manifest)]
        if str(manifest["fileFormat"]).upper() == "CSV":
            columns = listing.inventory_columns(manifest)
            schema = ", ".join(f"`{c}` STRING" for c in columns)
            raw = spark.read.csv(files, schema=schema, header=False, quote='"')
            raw = raw.withColumn("Key", F.expr("url_decode(Key)"))
        else:
            raw = spark.read.parquet(*files)
            names = {
                "key": "Key",
                "size": "Size",
                "last_modified_date": "LastModifiedDate",
                "e_tag": "ETag",
                "is_latest": "IsLatest",
                "is_delete_marker": "IsDeleteMarker",
                "object_owner": "ObjectOwner",
            }
            for old, new in names.items():
                if old in raw.columns:
                    raw = raw.withColumnRenamed(old, new)
        if "IsLatest" in raw.columns or "IsDeleteMarker" in raw.columns:

            def truthy(c: str) -> Column:
                return (
                    F.lower(F.col(c).cast("string")).isin("true", "1")
                    if c in raw.columns
                    else F.lit(c == "IsLatest")
                )

            latest, marker = truthy("IsLatest"), truthy("IsDeleteMarker")
            counts = raw.agg(
                F.sum(F.when(marker, 1).otherwise(0)).alias("markers"),
                F.sum(F.when(~latest & ~marker, 1).otherwise(0)).alias("old"),
                F.sum(F.when(~latest & ~marker, F.col("Size").cast("long")).otherwise(0)).alias("old_bytes"),
            ).head(1)[0]
            skipped = {
                "delete_markers": int(counts["markers"] or 0),
                "noncurrent_versions": int(counts["old"] or 0),
                "noncurrent_version_bytes": int(counts["old_bytes"] or 0),
            }
            raw = raw.filter(latest & ~marker)
        frame = raw.select(
            F.col("Key").alias("path"),
            F.col("Size").alias("size"),
            (F.col("LastModifiedDate") if "LastModifiedDate" in raw.columns else F.lit(None)).alias("mtime"),
            (F.col("ObjectOwner") if "ObjectOwner" in raw.columns else F.lit(None))
            .cast("string")
            .alias("owner"),
            (_digest_expr(F, "ETag") if "ETag" in raw.columns else F.lit(None).cast("string")).alias(
                "digest"
            ),
            F.lit(None).cast("string").alias("file_id"),
        )
        root = f"s3://{manifest.get('sourceBucket', '')}/"
    else:
        suffix = path.name.lower()
        if suffix.endswith(".parquet"):
            raw = spark.read.parquet(str(path))
        elif suffix.endswith((".jsonl", ".ndjson")):
            raw = spark.read.json(str(path))
        else:
            raw = spark.read.csv(str(path), header=True, sep=listing._sniff_separator(path))
        found = listing.column_map(raw.columns)
        missing = [c for c in listing.REQUIRED if c not in found]
        if missing:
            raise InputError("listing without a required column", file=str(path), column=missing[0])

        def pick(name: str) -> Column:
            return F.col(f"`{found[name]}`").cast("string") if name in found else F.lit(None).cast("string")

        frame = raw.select(
            pick("path").alias("path"),
            pick("size").alias("size"),
            pick("mtime").alias("mtime"),
            pick("owner").alias("owner"),
            (_digest_expr(F, found["checksum"]) if "checksum" in found else F.lit(None).cast("string")).alias(
                "digest"
            ),
            pick("file_id").alias("file_id"),
        )
        root = path.name
    return _typed(frame, str(path)), root, skipped


def _typed(frame: DataFrame, file: str) -> DataFrame:
    from pyspark.sql import functions as F

    text = F.trim(F.col("mtime").cast("string"))
    mtime = F.coalesce(text.cast("double"), F.unix_micros(F.to_timestamp(text)) / F.lit(1e6))
    path = F.regexp_replace(F.regexp_replace(F.col("path"), r"\\", "/"), r"^(\./|/+)", "")
    typed = frame.select(
        path.alias("path"),
        F.trim(F.col("size").cast("string")).cast("long").alias("size"),
        mtime.alias("mtime"),
        "owner",
        "digest",
        "file_id",
        F.col("size").cast("string").alias("raw_size"),
        F.col("mtime").cast("string").alias("raw_mtime"),
    )
    bad = (
        typed.filter(
            F.col("path").isNull()
            | (F.col("path") == "")
            | F.col("size").isNull()
            | (F.col("size") < 0)
            | F.col("mtime").isNull()
        )
        .limit(1)
        .collect()
    )
    if bad:
        row = bad[0]
        column = "path" if not row["path"] else "size" if row["size"] is None or row["size"] < 0 else "mtime"
        value = {"path": row["path"], "size": row["raw_size"], "mtime": row["raw_mtime"]}[column]
        raise InputError("bad value in the listing; nothing was read", file=file, column=column, value=value)
    return typed.drop("raw_size", "raw_mtime")


# ------------------------------------------------------------------ detection


@dataclass
class SparkScan:
    findings: Findings
    #: Totals per category computed by Spark (count and bytes), whether or not the rows were collected.
    totals: dict[str, dict[str, int | None]] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)


def detect(
    frame: DataFrame,
    findings: Findings,
    *,
    patterns: tuple[str, ...] = rot.DEFAULT_TRIVIAL_PATTERNS,
    known_users: frozenset[str] | None = None,
    retention: tuple[rot.RetentionRule, ...] = (),
    collect: bool = True,
    out: Path | None = None,
) -> SparkScan:
    """The four ROT categories on Spark; rows come back (``collect``) and/or go to Parquet under ``out``."""
    from pyspark.sql import Window
    from pyspark.sql import functions as F

    limit = rot.cutoff(findings.as_of, findings.obsolete_after).timestamp()
    name = F.element_at(F.split(F.col("path"), "/"), -1)
    pattern: Column = F.lit(None).cast("string")
    for p in reversed(patterns):
        pattern = F.when(name.rlike(rot.pattern_regex(p)), F.lit(p)).otherwise(pattern)
    category: Column = F.lit(None).cast("string")
    for rule in reversed(retention):
        older = rot.cutoff(findings.as_of, rule.older_than).timestamp()
        hit = F.lit(False)
        for p in rule.patterns:
            hit = hit | (F.col("path") if rule.on_path(p) else name).rlike(rot.pattern_regex(p))
        category = F.when((F.col("mtime") < older) & hit, F.lit(rule.category)).otherwise(category)
    user = F.substring_index(F.substring_index(F.lower(F.trim(F.col("owner"))), "\\", -1), "@", 1)
    frame = (
        frame.withColumn("pattern", pattern)
        .withColumn("category", category)
        .withColumn("user", F.when(user == "", None).otherwise(user))
    )
    frame = frame.cache()

    parts: dict[str, DataFrame] = {
        "obsolete": frame.filter(F.col("mtime") < limit),
        "trivial": frame.filter(F.col("pattern").isNotNull()),
        "empty": frame.filter(F.col("size") == 0),
        "retention": frame.filter(F.col("category").isNotNull()),
    }
    if known_users is not None:
        users = sorted({u for u in map(rot.normalise_user, known_users) if u})
        parts["orphans"] = frame.filter(F.col("user").isNull() | ~F.col("user").isin(users))

    files = frame.filter(F.col("size") > 0).withColumn(
        "identity", F.coalesce(F.col("file_id"), F.concat(F.lit("path:"), F.col("path")))
    )
    first = files.groupBy("identity").agg(
        F.min(F.struct("path", "mtime", "owner", "size", "digest")).alias("f"),
        F.sort_array(F.collect_list("path")).alias("names"),
    )
    stored = first.select("identity", "names", "f.*")
    same_size = stored.withColumn("n", F.count("*").over(Window.partitionBy("size"))).filter(F.col("n") > 1)
    groups = (
        same_size.filter(F.col("digest").isNotNull())
        .groupBy("size", "digest")
        .agg(F.sort_array(F.collect_list(F.struct("path", "mtime", "owner", "names"))).alias("files"))
        .filter(F.size("files") > 1)
        .cache()  # counted, then written or collected
    )
    unverified = same_size.filter(F.col("digest").isNull()).select("path")

    totals_row = frame.agg(
        F.count("*").alias("files"),
        F.sum("size").alias("bytes"),
        F.sum(F.when(F.col("mtime") < limit, 1).otherwise(0)).alias("obsolete_n"),
        F.sum(F.when(F.col("mtime") < limit, F.col("size")).otherwise(0)).alias("obsolete_b"),
        F.sum(F.when(F.col("pattern").isNotNull(), 1).otherwise(0)).alias("trivial_n"),
        F.sum(F.when(F.col("pattern").isNotNull(), F.col("size")).otherwise(0)).alias("trivial_b"),
        F.sum(F.when(F.col("size") == 0, 1).otherwise(0)).alias("empty_n"),
        F.sum(F.when(F.col("category").isNotNull(), 1).otherwise(0)).alias("retention_n"),
        F.sum(F.when(F.col("category").isNotNull(), F.col("size")).otherwise(0)).alias("retention_b"),
    ).head(1)[0]
    dup = groups.agg(
        F.sum(F.size("files") - 1).alias("n"), F.sum((F.size("files") - 1) * F.col("size")).alias("b")
    ).head(1)[0]
    findings.files = int(totals_row["files"] or 0)
    findings.bytes = int(totals_row["bytes"] or 0)
    totals: dict[str, dict[str, int | None]] = {
        "duplicates": {"count": int(dup["n"] or 0), "bytes": int(dup["b"] or 0)},
        "obsolete": {
            "count": int(totals_row["obsolete_n"] or 0),
            "bytes": int(totals_row["obsolete_b"] or 0),
        },
        "trivial": {"count": int(totals_row["trivial_n"] or 0), "bytes": int(totals_row["trivial_b"] or 0)},
        "empty": {"count": int(totals_row["empty_n"] or 0), "bytes": 0},
        "retention": {
            "count": int(totals_row["retention_n"] or 0),
            "bytes": int(totals_row["retention_b"] or 0),
        },
    }
    if "orphans" in parts:
        o = parts["orphans"].agg(F.count("*").alias("n"), F.sum("size").alias("b")).head(1)[0]
        totals["orphans"] = {"count": int(o["n"] or 0), "bytes": int(o["b"] or 0)}
    else:
        totals["orphans"] = {"count": None, "bytes": None}

    totals = {kind: totals[kind] for kind in rot.KINDS}  # the order of every other report
    written: dict[str, str] = {}
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
        for kind, part in {**parts, "duplicate_groups": groups, "unverified": unverified}.items():
            target = out / kind
            part.write.mode("overwrite").parquet(str(target))
            written[kind] = str(target)
    if collect:
        _collect(findings, parts, groups, unverified)
    groups.unpersist()
    frame.unpersist()
    return SparkScan(findings, totals, written)


def _collect(
    findings: Findings, parts: dict[str, DataFrame], groups: DataFrame, unverified: DataFrame
) -> None:
    def items(part: DataFrame, reason: str | None = None) -> list[Item]:
        rows = part.select("path", "size", "mtime", "owner", *([reason] if reason else [])).orderBy("path")
        return [
            Item(
                r["path"], int(r["size"]), float(r["mtime"]), r["owner"], (r[reason] or "") if reason else ""
            )
            for r in rows.toLocalIterator()
        ]

    findings.obsolete = items(parts["obsolete"])
    findings.trivial = items(parts["trivial"], "pattern")
    findings.empty = items(parts["empty"])
    findings.retention = items(parts["retention"], "category")
    if "orphans" in parts:
        from pyspark.sql import functions as F

        findings.orphans = items(
            parts["orphans"].withColumn("reason", F.coalesce(F.col("owner"), F.lit("no owner"))), "reason"
        )
    out = []
    for row in groups.toLocalIterator():
        files = tuple(
            DuplicateFile(
                f["path"], float(f["mtime"]), f["owner"], tuple(n for n in f["names"] if n != f["path"])
            )
            for f in row["files"]
        )
        out.append(DuplicateGroup(int(row["size"]), row["digest"], files))
    findings.duplicate_groups = rot.sort_groups(out)
    findings.unverified = [
        {"path": r["path"], "reason": "no checksum"} for r in unverified.orderBy("path").collect()
    ]
