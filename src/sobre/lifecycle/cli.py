"""``sobre lifecycle record|list|import|show|certificate|attach|compare|kpis|report|params``, the
``purchase``, ``supplier`` and ``watch`` groups, and ``sobre report reen|agec|csrd`` (added to the
reporting capability's ``report`` group)."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors, print_json, print_listing, settings
from sobre.core.errors import InputError

lifecycle_app = typer.Typer(
    help="Equipment lifecycle: events, end of life with proof, repair or replace, yearly report.",
    no_args_is_help=True,
)
params_app = typer.Typer(
    help="Dated regulatory parameters (built-in table and the organisation's own).", no_args_is_help=True
)
lifecycle_app.add_typer(params_app, name="params")

ORG = typer.Option(..., "--org", help="Organisation name.")
HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
JSON = typer.Option(False, "--json", help="Print JSON.")
LANG = typer.Option("fr", "--lang", help="Language of the document: fr or en.")


def parse_day(text: str | None, column: str) -> date | None:
    if text is None:
        return None
    from sobre.lifecycle.importer import _date

    try:
        return _date(text)
    except ValueError:
        raise InputError(
            "not a date", column=column, value=text, expected="2025-03-14 or 14/03/2025"
        ) from None


def _as_dicts(views: list[Any]) -> list[Any]:
    return [v.to_dict() for v in views]


def _lang(lang: str) -> str:
    if lang not in ("fr", "en"):
        raise InputError("unsupported language", column="--lang", value=lang, expected="fr, en")
    return lang


@lifecycle_app.command("record")
@friendly_errors
def record(
    ctx: typer.Context,
    item: str = typer.Argument(..., help="Inventory item name."),
    kind: str = typer.Argument(
        ...,
        help="ordered, received, in_service, reassigned, repaired, in_stock, "
        "reused_internally, reformed, donated, resold, reuse_takeback, recycled, destroyed.",
    ),
    org: str = ORG,
    on: str = typer.Option(None, "--date", help="Date of the event (default: today)."),
    by: str = typer.Option(..., "--by", help="Who records it."),
    to: str = typer.Option(None, "--to", help="New user, recipient, buyer, WEEE body or eco-organism."),
    reason: str = typer.Option(
        None, help="Why it is reformed: failure, obsolete, end_of_lease, surplus, lost, other."
    ),
    cost: float = typer.Option(None, help="Repair cost, € excl. tax."),
    parts: str = typer.Option(None, help="Parts changed."),
    price: float = typer.Option(None, help="Resale price, € excl. tax."),
    certificate: str = typer.Option(None, help="Number of the WEEE treatment certificate or erasure report."),
    weight: float = typer.Option(None, "--weight", help="Weight handed over, kg."),
    approved: bool = typer.Option(None, "--approved/--not-approved", help="The WEEE body is approved."),
    commitment: bool = typer.Option(
        None,
        "--reuse-commitment/--no-reuse-commitment",
        help="The new holder commits to reuse it (REEN art. 16).",
    ),
    restricted: bool = typer.Option(False, "--restricted", help="Holds classified or security-bound data."),
    erasure: str = typer.Option(None, "--erasure", help="How data was erased or media destroyed."),
    attach: Path = typer.Option(None, "--attach", help="Proof to attach (PDF, PNG or JPEG)."),
    notes: str = typer.Option(None, help="Free notes."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Record one lifecycle event of an item; the item's status follows."""
    from sobre.lifecycle import service
    from sobre.lifecycle.events import EventFacts, parse_kind

    cfg = settings(ctx, home)
    facts = EventFacts(
        parse_kind(kind, "KIND"),
        parse_day(on, "--date") or date.today(),
        by,
        counterpart=to,
        reason=reason,
        cost=cost,
        parts=parts,
        price=price,
        certificate=certificate,
        weight_kg=weight,
        approved_body=approved,
        reuse_commitment=commitment,
        restricted=restricted,
        erasure_method=erasure,
        notes=notes,
    )
    view = service.record_event(cfg.database_url, cfg.home, org, item, facts, attachment=attach)
    if as_json:
        print_json(view.to_dict())
    else:
        console.print(Text(f"Recorded {view.kind} of {view.item} on {view.date} (event {view.id})."))


@lifecycle_app.command("list")
@friendly_errors
def list_command(
    ctx: typer.Context,
    org: str = ORG,
    item: str = typer.Option(None, help="Only this item."),
    kind: str = typer.Option(None, help="Only this kind of event."),
    year: int = typer.Option(None, help="Only this year."),
    limit: int = typer.Option(None, help="At most this many events."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """List lifecycle events, newest first."""
    from sobre.lifecycle import service

    def show(views: list[Any]) -> None:
        table = Table("date", "item", "event", "by", "to", "batch", "proof")
        for v in views:
            table.add_row(
                v.date,
                v.item,
                v.kind,
                v.by,
                v.counterpart or "",
                v.batch or "",
                v.certificate or v.attachment or "",
            )
        console.print(table)

    views = service.list_events(
        settings(ctx, home).database_url, org, item=item, kind=kind, year=year, limit=limit
    )
    print_listing(views, as_json, show, _as_dicts)


@lifecycle_app.command("import")
@friendly_errors
def import_command(
    ctx: typer.Context,
    path: Path = typer.Argument(..., help="CSV or XLSX of events: item, event, date, by, to, certificate…"),
    org: str = ORG,
    by: str = typer.Option(None, "--by", help="Who records the events, when the file has no 'by' column."),
    batch: str = typer.Option(None, "--batch", help="Name of the batch (default: file name and date)."),
    certificate: Path = typer.Option(
        None, "--certificate", help="Certificate of the whole batch (PDF/PNG/JPEG)."
    ),
    dry_run: bool = typer.Option(False, "--dry-run", help="Check the file; write nothing."),
    rejects: Path = typer.Option(None, "--rejects", help="Where to write the problems (CSV)."),
    sheet: str = typer.Option(None, "--sheet", help="XLSX sheet (default: the first)."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Import a batch of events; one bad row refuses the whole file (nothing half-written)."""
    from sobre.lifecycle import service

    cfg = settings(ctx, home)
    s = service.import_events(
        cfg.database_url,
        cfg.home,
        org,
        path,
        default_by=by,
        batch=batch,
        certificate=certificate,
        dry_run=dry_run,
        rejects=rejects,
        sheet=sheet,
    )
    if as_json:
        print_json(s.__dict__)
        return
    verb = "Would import" if s.dry_run else "Imported"
    console.print(
        Text(
            f"{verb} {s.rows} events of {s.items} items as batch {s.batch!r}."
            + (f" Certificate: {s.certificate}." if s.certificate else "")
        )
    )


@lifecycle_app.command("show")
@friendly_errors
def show(
    ctx: typer.Context,
    item: str = typer.Argument(...),
    org: str = ORG,
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """An item's history, newest first."""
    from sobre.lifecycle import service

    def show(views: list[Any]) -> None:
        if not views:
            console.print(Text(f"{item}: no lifecycle event yet."))
        for v in views:
            extra = ", ".join(f"{k}={val}" for k, val in v.details.items())
            console.print(
                Text(
                    f"{v.date}  {v.kind:<18} by {v.by}"
                    + (f" → {v.counterpart}" if v.counterpart else "")
                    + (f"  [{extra}]" if extra else "")
                )
            )

    print_listing(
        service.list_events(settings(ctx, home).database_url, org, item=item), as_json, show, _as_dicts
    )


@lifecycle_app.command("certificate")
@friendly_errors
def certificate_command(
    ctx: typer.Context,
    item: str = typer.Argument(..., help="Item whose end-of-life proof to get."),
    org: str = ORG,
    out: Path = typer.Option(None, "--out", help="File or folder to write (default: current folder)."),
    home: str = HOME,
) -> None:
    """Copy the WEEE certificate or proof of an item (its own, else its batch's)."""
    from sobre.lifecycle import service

    cfg = settings(ctx, home)
    proof = service.certificate_for_item(cfg.database_url, cfg.home, org, item)
    target = out or Path.cwd()
    if target.is_dir():
        target = target / proof.download_name
    shutil.copyfile(proof.path, target)
    console.print(
        Text(f"Written {target} ({proof.media_type}, {proof.size} bytes, sha256 {proof.sha256[:12]}…).")
    )


@lifecycle_app.command("attach")
@friendly_errors
def attach_command(
    ctx: typer.Context,
    batch: str = typer.Argument(..., help="Batch name."),
    path: Path = typer.Argument(..., help="Certificate (PDF, PNG or JPEG)."),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Attach a certificate to a batch; each item of the batch then offers it."""
    from sobre.lifecycle import service

    cfg = settings(ctx, home)
    name = service.attach_certificate(cfg.database_url, cfg.home, org, batch, path)
    console.print(Text(f"Attached {path.name} to batch {name!r}."))


@lifecycle_app.command("compare")
@friendly_errors
def compare_command(
    ctx: typer.Context,
    item: str = typer.Argument(..., help="Item to repair or replace."),
    org: str = ORG,
    repair_cost: float = typer.Option(..., "--repair-cost", help="Cost of the repair, € excl. tax."),
    extension: float = typer.Option(2.0, "--extension", help="Years the repair keeps it in service."),
    new_price: float = typer.Option(
        None,
        "--new-price",
        help="Price of a replacement (default: the average price of this category's purchases).",
    ),
    condition: str = typer.Option("new", "--replacement", help="new or refurbished replacement."),
    parts_kgco2e: float = typer.Option(None, "--parts-kgco2e", help="Manufacturing footprint of the parts."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Repair or replace: footprint (from the engine) and cost of each option over the same years."""
    from sobre.lifecycle import repair

    result = repair.compare(
        settings(ctx, home).database_url,
        org,
        item,
        repair_cost=repair_cost,
        extension_years=extension,
        new_price=new_price,
        replacement=condition,
        parts_kgco2e=parts_kgco2e,
    )
    if as_json:
        print_json(result)
        return
    table = Table("option", "kgCO2e over the period", "range", "cost (€)")
    for option in result["options"]:
        e = option["climate_change"]
        table.add_row(
            option["name"],
            f"{e['value']:.1f}" if e["value"] is not None else "unknown",
            f"{e['low']:.1f} – {e['high']:.1f}" if e["value"] is not None else e.get("reason", ""),
            f"{option['cost']:.2f}" if option["cost"] is not None else "unknown",
        )
    console.print(table)
    for line in result["notes"]:
        console.print(Text(f"• {line}"))


@lifecycle_app.command("kpis")
@friendly_errors
def kpis_command(
    ctx: typer.Context, org: str = ORG, year: int = typer.Option(..., "--year"), home: str = HOME
) -> None:
    """The year's lifecycle KPIs (JSON)."""
    from sobre.lifecycle import service

    print_json(service.kpis(settings(ctx, home).database_url, org, year))


@lifecycle_app.command("report")
@friendly_errors
def report_command(
    ctx: typer.Context,
    org: str = ORG,
    year: int = typer.Option(..., "--year"),
    fmt: str = typer.Option("html", "--format", help="html, pdf, xlsx or json."),
    lang: str = LANG,
    out: Path = typer.Option(None, "--out", help="File or folder (default: <home>/reports/)."),
    home: str = HOME,
) -> None:
    """The yearly lifecycle and purchasing report."""
    from sobre.lifecycle.reports_reen import yearly_document

    _write(ctx, home, out, fmt, "cycle-de-vie", lambda url: yearly_document(url, org, year, _lang(lang)))


def _write(
    ctx: typer.Context, home: str | None, out: Path | None, fmt: str, stem: str, build: Callable[[str], Any]
) -> None:
    from sobre.lifecycle.document import write

    cfg = settings(ctx, home)
    with console.status("Building the document…"):
        doc = build(cfg.database_url)
        path = write(doc, fmt, out or cfg.reports_dir, stem)
    console.print(f"Written: {path.resolve().as_uri()}", highlight=False, soft_wrap=True)
    for block in doc.to_write:
        console.print(Text(f"  to write: {block.title}"), style="yellow")


@params_app.command("list")
@friendly_errors
def params_list(
    ctx: typer.Context,
    org: str = ORG,
    prefix: str = typer.Option("", help="Key prefix."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """The parameter table: the organisation's rows first, then the built-in ones."""
    from sobre.lifecycle import service

    def show(rows: list[dict[str, Any]]) -> None:
        table = Table("key", "value", "unit", "from", "to", "instrument", "origin")
        for r in rows:
            table.add_row(
                r["key"],
                r["value"],
                r["unit"],
                r["valid_from"],
                r["valid_to"] or "",
                r["instrument"],
                r["origin"],
            )
        console.print(table)

    print_listing(service.parameters(settings(ctx, home).database_url, org, prefix), as_json, show)


@params_app.command("set")
@friendly_errors
def params_set(
    ctx: typer.Context,
    key: str = typer.Argument(..., help="e.g. csrd.electricity.market_factor.FR"),
    value: str = typer.Argument(...),
    org: str = ORG,
    unit: str = typer.Option(..., "--unit", help="ratio, kgCO2e/kWh, years, number, categories, date…"),
    valid_from: str = typer.Option(..., "--from", help="First day it applies."),
    valid_to: str = typer.Option(None, "--to", help="Last day it applies (default: open)."),
    source: str = typer.Option(
        ..., "--source", help="Where the figure comes from (document, contract, URL)."
    ),
    note: str = typer.Option(None, "--note"),
    home: str = HOME,
) -> None:
    """Add the organisation's own dated parameter (e.g. its electricity contract)."""
    from sobre.lifecycle import service

    start = parse_day(valid_from, "--from")
    assert start is not None
    row = service.set_parameter(
        settings(ctx, home).database_url,
        org,
        key,
        value,
        unit=unit,
        valid_from=start,
        valid_to=parse_day(valid_to, "--to"),
        source=source,
        note=note,
    )
    console.print(Text(f"Set {row['key']} = {row['value']} {row['unit']} from {row['valid_from']}."))


# ------------------------------------------------------------------------------- sobre report reen|agec|csrd


def register_report(report_app: typer.Typer) -> None:
    """Add ``reen``, ``agec`` and ``csrd`` to the ``sobre report`` group."""

    @report_app.command("reen")
    @friendly_errors
    def reen(
        ctx: typer.Context,
        org: str = ORG,
        year: int = typer.Option(..., "--year", help="Year of the yearly review."),
        fmt: str = typer.Option("html", "--format", help="html, pdf, xlsx or json."),
        lang: str = LANG,
        out: Path = typer.Option(None, "--out", help="File or folder (default: <home>/reports/)."),
        home: str = HOME,
    ) -> None:
        """REEN responsible-digital strategy (décret 2022-1084) with its yearly review."""
        from sobre.lifecycle.reports_reen import reen_document

        _write(
            ctx,
            home,
            out,
            fmt,
            "strategie-numerique-responsable",
            lambda url: reen_document(url, org, year, _lang(lang)),
        )

    @report_app.command("agec")
    @friendly_errors
    def agec(
        ctx: typer.Context,
        org: str = ORG,
        year: int = typer.Option(..., "--year"),
        fmt: str = typer.Option("html", "--format", help="html, pdf, xlsx or json."),
        lang: str = LANG,
        out: Path = typer.Option(None, "--out", help="File or folder (default: <home>/reports/)."),
        home: str = HOME,
    ) -> None:
        """AGEC art. 58 purchase shares and REEN art. 16 reuse rate, with targets and explain trails."""
        from sobre.lifecycle.reports import agec_document

        _write(ctx, home, out, fmt, "agec-reen", lambda url: agec_document(url, org, year, _lang(lang)))

    @report_app.command("csrd")
    @friendly_errors
    def csrd(
        ctx: typer.Context,
        org: str = ORG,
        run: int = typer.Option(None, "--run", help="Footprint run id (default: the latest)."),
        fmt: str = typer.Option("html", "--format", help="html, pdf, xlsx or json."),
        lang: str = LANG,
        out: Path = typer.Option(None, "--out", help="File or folder (default: <home>/reports/)."),
        home: str = HOME,
    ) -> None:
        """CSRD ESRS E1-5/E1-6 tables keyed by datapoint id, and the BEGES lines, from a footprint run."""
        from sobre.lifecycle.reports import csrd_document

        _write(ctx, home, out, fmt, "csrd-e1", lambda url: csrd_document(url, org, run, _lang(lang)))


def register(app: typer.Typer) -> None:
    """Add ``lifecycle``, ``purchase``, ``supplier`` and ``watch`` to the root app."""
    from sobre.lifecycle.cli_purchase import purchase_app, supplier_app
    from sobre.lifecycle.cli_watch import watch_app

    app.add_typer(lifecycle_app, name="lifecycle")
    app.add_typer(purchase_app, name="purchase")
    app.add_typer(supplier_app, name="supplier")
    app.add_typer(watch_app, name="watch")
