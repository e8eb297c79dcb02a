"""``sobre data scan|findings|policy|plan|scans``: ROT data, its savings, retention and the clean-up plan."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, err_console, friendly_errors, print_json, settings
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.datasobriety import rot, service, storage
from sobre.datasobriety.plan import Policy, default_policies, human

data_app = typer.Typer(
    help="Data sobriety: ROT scans, findings and savings, retention policies, plan.", no_args_is_help=True
)
policy_app = typer.Typer(
    help="Retention policies per data category (GDPR and legal periods).", no_args_is_help=True
)
data_app.add_typer(policy_app, name="policy")

_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_ORG = typer.Option(..., "--org", help="Organisation name.")
_JSON = typer.Option(False, "--json", help="Print JSON.")


def register(app: typer.Typer) -> None:
    app.add_typer(data_app, name="data")


def _fmt_estimate(e: dict | None) -> str:
    if not e or e.get("value") is None:
        return "unknown"
    return f"{e['value']:.3g} [{e['low']:.3g}–{e['high']:.3g}] {e['unit']}"


def _storage(
    media: str | None, replicas: float | None, backups: float | None, country: str | None, pue: float | None
) -> storage.StorageParams:
    return storage.StorageParams.described(media, replicas, backups, country, pue)


@data_app.command("scan")
@friendly_errors
def scan(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="Folder to scan, or a listing (with --listing or --spark)."),
    as_of: str = typer.Option(
        None, "--as-of", help="Reference time: epoch seconds or YYYY-MM-DD (default now)."
    ),
    obsolete_after: str = typer.Option(
        rot.DEFAULT_OBSOLETE_AFTER, "--obsolete-after", help="Age of an obsolete file: 3y, 18m, 6w, 90d."
    ),
    json_out: Path = typer.Option(
        None, "--json", help="Write the findings as JSON to this file ('-': stdout)."
    ),
    detail: bool = typer.Option(False, "--detail", help="Add sizes, dates, ages and owners to the JSON."),
    org: str = typer.Option(
        None, "--org", help="Record the scan for this organisation (its users and policies apply)."
    ),
    users: Path = typer.Option(None, "--users", help="File of known users (one login a line) for orphans."),
    pattern: list[str] = typer.Option(
        None, "--trivial", help="Debris pattern (repeatable; adds to the defaults)."
    ),
    no_default_patterns: bool = typer.Option(
        False, "--no-default-patterns", help="Use only --trivial patterns."
    ),
    is_listing: bool = typer.Option(
        False, "--listing", help="PATH is a listing (CSV, Parquet, JSON lines, S3 Inventory)."
    ),
    spark: bool = typer.Option(False, "--spark", help="Run on Apache Spark (local mode unless --master)."),
    master: str = typer.Option(None, "--master", help="Spark master URL (implies --spark)."),
    spark_out: Path = typer.Option(
        None, "--spark-out", help="Write Spark findings as Parquet here (totals only kept)."
    ),
    spark_memory: str = typer.Option("2g", "--spark-memory", help="Spark driver memory."),
    checkpoint: Path = typer.Option(
        None, "--checkpoint", help="Checkpoint file (outside the tree; default in the data folder)."
    ),
    resume: bool = typer.Option(False, "--resume", help="Go on from the checkpoint of a stopped scan."),
    one_file_system: bool = typer.Option(
        False, "--one-file-system", help="Do not enter other mounted file systems."
    ),
    threads: int = typer.Option(2, "--threads", help="Reading threads."),
    media: str = typer.Option(None, "--media", help="Storage media of the data: hdd (default) or ssd."),
    replicas: float = typer.Option(
        None, "--replicas", help="Copies kept online, the primary included (default 1)."
    ),
    backups: float = typer.Option(None, "--backups", help="Backup copies (default 1)."),
    country: str = typer.Option(None, "--country", help="Country of the data centre (default FR)."),
    pue: float = typer.Option(None, "--pue", help="PUE of the data centre (default: the factor set's)."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress display."),
    home: str = _HOME,
) -> None:
    """Find redundant, obsolete and trivial data (and orphans) in a tree or an object-store listing."""
    from sobre.datasobriety.run import ScanRequest, default_checkpoint, run_scan

    cfg = settings(ctx, home)
    patterns = (
        tuple(pattern or ()) if no_default_patterns else rot.DEFAULT_TRIVIAL_PATTERNS + tuple(pattern or ())
    )
    is_spark = spark or master is not None
    tree = not (is_listing or is_spark)
    if tree and not path.is_dir():
        raise InputError("not a folder; add --listing to read a listing file", value=str(path))
    request = ScanRequest(
        path=path,
        as_of=rot.parse_as_of(as_of),
        obsolete_after=obsolete_after,
        patterns=patterns,
        org=org,
        users_file=users,
        listing=is_listing,
        spark=is_spark,
        master=master,
        spark_out=spark_out,
        spark_memory=spark_memory,
        checkpoint=(checkpoint or default_checkpoint(cfg.home, path)) if tree else None,
        resume=resume,
        one_file_system=one_file_system,
        threads=threads,
        storage=_storage(media, replicas, backups, country, pue),
    )
    rot.cutoff(request.as_of, obsolete_after)  # a bad duration fails before any reading
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=True,
        disable=quiet,
    ) as bar:
        task = bar.add_task("scanning", total=None)

        def progress(phase: str, done: int, total: int | None) -> None:
            bar.update(task, description=phase, completed=done, total=total)

        result = run_scan(cfg.database_url, request, progress=progress)
    doc = rot.to_json(result.findings, detail=detail)
    if result.totals:
        doc["totals"] = result.totals
    if result.written:
        doc["written"] = result.written
    if result.scan_id is not None:
        doc["scan_id"] = result.scan_id
    if json_out is not None:
        text = json.dumps(doc, ensure_ascii=False, indent=2)
        if str(json_out) == "-":
            typer.echo(text)
            return
        json_out.write_text(text + "\n", encoding="utf-8")
    _print_totals(doc)
    if result.scan_id is not None:
        console.print(Text(f"Recorded as scan {result.scan_id}; see 'sobre data findings --org {org}'."))


def _print_totals(doc: dict) -> None:
    table = Table(
        "finding", "files", "size", title=f"{doc['root']}: {doc['files']:,} files, {human(doc['bytes'])}"
    )
    for kind, t in doc["totals"].items():
        count = "unknown (no users given)" if t["count"] is None else f"{t['count']:,}"
        table.add_row(kind, count, human(t["bytes"]))
    console.print(table)
    console.print(
        Text(
            f"Reclaimable by removing duplicate copies: {human(doc['reclaimable_bytes'])} "
            f"in {len(doc['duplicate_groups']):,} groups."
        )
    )
    if doc["unreadable"]:
        console.print(Text(f"{len(doc['unreadable'])} unreadable entries (listed in the JSON output)."))


@data_app.command("findings")
@friendly_errors
def findings(
    ctx: typer.Context,
    org: str = _ORG,
    scan_id: int = typer.Option(None, "--scan", help="Scan id (default: the latest)."),
    kind: str = typer.Option(
        None, "--kind", help="duplicates, obsolete, trivial, empty, orphans or retention."
    ),
    sort: str = typer.Option("size", "--sort", help="size, age or path."),
    limit: int = typer.Option(50, "--limit", help="Rows to show (0: all)."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Findings of a recorded scan, with what keeping them costs each year."""
    with session_scope(settings(ctx, home).database_url) as session:
        view = service.findings(session, org, scan_id=scan_id, kind=kind, sort=sort, limit=limit or None)
    data = view.to_dict()
    if as_json:
        print_json(data)
        return
    table = Table("kind", "files", "size", "climate change per year")
    for name, s in data["savings"].items():
        table.add_row(
            name,
            "unknown" if s["count"] is None else f"{s['count']:,}",
            human(s["bytes"]),
            _fmt_estimate(s["footprint"].get("climate_change")),
        )
    console.print(table)
    rows = Table("kind", "path", "size", "age (days)", "owner", "why")
    for r in data["rows"]:
        why = r["reason"] or (f"group {r['group']}" if r["group"] else "")
        rows.add_row(
            r["kind"],
            Text(r["path"]),
            human(r["size"]),
            f"{r['age_days']:.0f}",
            Text(r["owner"] or "-"),
            Text(why),
        )
    console.print(rows)
    console.print(Text(f"{len(data['rows'])} of {data['total_rows']} rows shown."))


@data_app.command("scans")
@friendly_errors
def scans(ctx: typer.Context, org: str = _ORG, as_json: bool = _JSON, home: str = _HOME) -> None:
    """The organisation's recorded scans."""
    with session_scope(settings(ctx, home).database_url) as session:
        rows = service.list_scans(session, org)
    if as_json:
        print_json(rows)
        return
    table = Table("id", "root", "source", "as of", "files", "size", "reclaimable")
    for r in rows:
        table.add_row(
            str(r["id"]),
            Text(r["root"]),
            r["source"],
            r["as_of"][:10],
            f"{r['files']:,}",
            human(r["bytes"]),
            human(r["totals"].get("duplicates", {}).get("bytes")),
        )
    console.print(table)


@data_app.command("plan")
@friendly_errors
def plan(
    ctx: typer.Context,
    org: str = _ORG,
    scan_id: int = typer.Option(None, "--scan", help="Scan id (default: the latest)."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """The deletion and archiving plan of a scan (items ready to become actions and scenarios)."""
    with session_scope(settings(ctx, home).database_url) as session:
        view = service.plan(session, org, scan_id)
    data = view.to_dict()
    if as_json:
        print_json(data)
        return
    table = Table("item", "action", "files", "size", "climate change avoided per year", "owner")
    for i in data["items"]:
        table.add_row(
            i["kind"],
            i["action"],
            f"{i['files']:,}",
            human(i["bytes"]),
            _fmt_estimate(i["footprint"].get("climate_change")),
            i["owner_role"],
        )
    console.print(table)
    total = view.total()
    if total is not None and total.value is not None:
        console.print(
            Text(
                f"Plan total: {human(data['bytes'])}, {total.value:.3g} kgCO2e per year "
                f"[{total.low:.3g}–{total.high:.3g}]."
            )
        )


@policy_app.command("list")
@friendly_errors
def policy_list(
    ctx: typer.Context,
    org: str = typer.Option(None, "--org", help="Organisation (omit to see Sobre's catalogue)."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """The organisation's retention policies (or Sobre's catalogue of legal periods)."""
    if org:
        with session_scope(settings(ctx, home).database_url) as session:
            policies = service.list_policies(session, org)
    else:
        policies = list(default_policies())
    if as_json:
        print_json([p.__dict__ for p in policies])
        return
    table = Table("category", "retention", "action", "files", "legal basis")
    for p in policies:
        table.add_row(p.category, p.retention, p.action, Text("; ".join(p.patterns)), Text(p.legal_basis))
    console.print(table)


@policy_app.command("set")
@friendly_errors
def policy_set(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="Data category (recruitment, payroll, video…)."),
    org: str = _ORG,
    retention: str = typer.Option(..., "--retention", help="How long files are kept: 2y, 18m, 1m…"),
    action: str = typer.Option("delete", "--action", help="delete, archive, anonymise or review."),
    pattern: list[str] = typer.Option(
        ..., "--pattern", help="File name glob, or path glob with '/' (repeatable)."
    ),
    description: str = typer.Option("", "--description"),
    legal_basis: str = typer.Option(
        "", "--legal-basis", help="Law, regulation or decision behind the period."
    ),
    home: str = _HOME,
) -> None:
    """Add or change the retention policy of a data category."""
    policy = Policy(category, retention, action, tuple(pattern), description, legal_basis)
    with session_scope(settings(ctx, home).database_url) as session:
        service.set_policy(session, org, policy)
    console.print(Text(f"Policy {category}: keep {retention}, then {action}."))


@policy_app.command("defaults")
@friendly_errors
def policy_defaults(
    ctx: typer.Context,
    org: str = _ORG,
    category: list[str] = typer.Option(None, "--category", help="Only these categories (repeatable)."),
    home: str = _HOME,
) -> None:
    """Install Sobre's catalogue of retention periods (French law, CNIL guidance) for the organisation."""
    with session_scope(settings(ctx, home).database_url) as session:
        done = service.install_default_policies(session, org, category or None)
    console.print(Text(f"Installed {len(done)} policies: {', '.join(p.category for p in done)}."))


@policy_app.command("remove")
@friendly_errors
def policy_remove(
    ctx: typer.Context,
    category: str = typer.Argument(...),
    org: str = _ORG,
    home: str = _HOME,
) -> None:
    """Remove the retention policy of a data category."""
    with session_scope(settings(ctx, home).database_url) as session:
        service.remove_policy(session, org, category)
    console.print(Text(f"Removed policy {category}."))
