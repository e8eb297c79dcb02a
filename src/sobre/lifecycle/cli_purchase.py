"""``sobre purchase add|list|import|link|criteria`` and
``sobre supplier add|list|questionnaire|assess|rank``."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, friendly_errors, print_json, print_listing, settings
from sobre.lifecycle.cli import HOME, JSON, LANG, ORG, _lang, parse_day

purchase_app = typer.Typer(
    help="Purchases (new, refurbished, reused), ecolabels and purchasing criteria for tenders.",
    no_args_is_help=True,
)
supplier_app = typer.Typer(
    help="Suppliers, their ESG questionnaires, scores and ranking.", no_args_is_help=True
)


@purchase_app.command("add")
@friendly_errors
def add(
    ctx: typer.Context,
    category: str = typer.Argument(..., help="Category (laptop, smartphone, monitor… or a French name)."),
    quantity: float = typer.Argument(...),
    unit_price: float = typer.Argument(
        ..., help="Unit price, € excl. tax (for a donation: its flat-rate value)."
    ),
    org: str = ORG,
    on: str = typer.Option(None, "--date", help="Purchase date (default: today)."),
    supplier: str = typer.Option(None, "--supplier"),
    reference: str = typer.Option(None, "--reference", help="Order or contract number."),
    manufacturer: str = typer.Option(None, "--manufacturer"),
    model: str = typer.Option(None, "--model"),
    condition: str = typer.Option(None, "--condition", help="new, refurbished or reused (default: unknown)."),
    donation: bool = typer.Option(False, "--donation", help="A donation received, not a purchase."),
    recycled: float = typer.Option(None, "--recycled-content", help="Recycled content, % of the product."),
    label: list[str] = typer.Option([], "--label", help="Ecolabel (EPEAT Gold, TCO Certified, Blue Angel…)."),
    repairability: float = typer.Option(None, "--repairability", help="Repairability index, 0–10."),
    durability: float = typer.Option(None, "--durability", help="Durability index, 0–10."),
    warranty: float = typer.Option(None, "--warranty", help="Warranty, years."),
    item: list[str] = typer.Option([], "--item", help="Inventory item received (repeat)."),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Record a purchase line (or a donation received)."""
    from sobre.lifecycle import purchasing

    view = purchasing.add_purchase(
        settings(ctx, home).database_url,
        org,
        items=item,
        purchase_date=parse_day(on, "--date") or date.today(),
        category=purchasing.category(category, "CATEGORY"),
        quantity=quantity,
        unit_price=unit_price,
        supplier=supplier,
        reference=reference,
        manufacturer=manufacturer,
        model=model,
        condition=purchasing.condition(condition, "--condition"),
        acquisition="donation" if donation else "purchase",
        recycled_content_pct=recycled,
        ecolabels=purchasing.ecolabels(label, "--label"),
        repairability_index=repairability,
        durability_index=durability,
        warranty_years=warranty,
    )
    if as_json:
        print_json(view)
    else:
        console.print(
            Text(
                f"Purchase {view['id']}: {view['quantity']:g} × {view['category']} "
                f"({view['condition'] or 'condition unknown'}), {view['amount']:.2f} € excl. tax."
            )
        )


@purchase_app.command("list")
@friendly_errors
def list_command(
    ctx: typer.Context,
    org: str = ORG,
    year: int = typer.Option(None, "--year"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """List purchase lines."""
    from sobre.lifecycle import purchasing

    def show(rows: Any) -> None:
        table = Table(
            "id", "date", "supplier", "category", "qty", "€ excl. tax", "condition", "labels", "items"
        )
        for r in rows:
            table.add_row(
                str(r["id"]),
                r["date"],
                r["supplier"] or "",
                r["category"],
                f"{r['quantity']:g}",
                f"{r['amount']:.2f}",
                r["condition"] or "?",
                ", ".join(r["ecolabels"]),
                str(len(r["items"])),
            )
        console.print(table)

    rows = purchasing.list_purchases(settings(ctx, home).database_url, org, year)
    print_listing(rows, as_json, show)


@purchase_app.command("import")
@friendly_errors
def import_command(
    ctx: typer.Context, path: Path = typer.Argument(...), org: str = ORG, home: str = HOME
) -> None:
    """Import purchase lines (CSV or XLSX, French or English headers); a bad row refuses the file."""
    from sobre.lifecycle import purchasing

    n = purchasing.import_purchases(settings(ctx, home).database_url, org, path)
    console.print(Text(f"Imported {n} purchase lines."))


@purchase_app.command("link")
@friendly_errors
def link(
    ctx: typer.Context,
    purchase: int = typer.Argument(...),
    items: list[str] = typer.Argument(...),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Link inventory items to the purchase that delivered them."""
    from sobre.lifecycle import purchasing

    view = purchasing.link_items(settings(ctx, home).database_url, org, purchase, items)
    console.print(Text(f"Purchase {purchase}: {len(view['items'])} items linked."))


@purchase_app.command("criteria")
@friendly_errors
def criteria_command(
    ctx: typer.Context,
    category: str = typer.Option(None, "--category", help="Only the criteria for this category."),
    fmt: str = typer.Option("html", "--format", help="html, pdf, xlsx or json."),
    lang: str = LANG,
    out: Path = typer.Option(None, "--out"),
    home: str = HOME,
) -> None:
    """Purchasing criteria for a tender: requirements and weighted award criteria, with their references."""
    from sobre.lifecycle import purchasing
    from sobre.lifecycle.document import write

    code = purchasing.category(category) if category else None
    doc = purchasing.criteria_document(code, _lang(lang))
    path = write(doc, fmt, out or settings(ctx, home).reports_dir, "criteres-achat")
    console.print(f"Written: {path.resolve().as_uri()}", highlight=False, soft_wrap=True)


@supplier_app.command("add")
@friendly_errors
def supplier_add(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = ORG,
    country: str = typer.Option(None),
    contact: str = typer.Option(None),
    notes: str = typer.Option(None),
    home: str = HOME,
) -> None:
    """Add a supplier."""
    from sobre.lifecycle import purchasing

    purchasing.add_supplier(
        settings(ctx, home).database_url, org, name, country=country, contact=contact, notes=notes
    )
    console.print(Text(f"Supplier {name!r} added."))


@supplier_app.command("questionnaire")
@friendly_errors
def supplier_questionnaire(
    ctx: typer.Context,
    org: str = ORG,
    lang: str = LANG,
    out: Path = typer.Option(None, "--out", help="Write a CSV to fill in."),
    home: str = HOME,
) -> None:
    """The ESG questionnaire to send to suppliers (a CSV to fill in with --out)."""
    from sobre.lifecycle import purchasing

    rows = purchasing.questionnaire(settings(ctx, home).database_url, org, _lang(lang))
    if out:
        out.write_text(purchasing.questionnaire_csv(rows), encoding="utf-8-sig", newline="")
        console.print(Text(f"Written {out} ({len(rows)} questions)."))
        return
    print_json(rows)


@supplier_app.command("assess")
@friendly_errors
def supplier_assess(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Supplier."),
    answers: Path = typer.Option(
        ..., "--answers", help="The filled-in questionnaire (code, answer, evidence)."
    ),
    org: str = ORG,
    on: str = typer.Option(None, "--date", help="Date of the answers (default: today)."),
    assessor: str = typer.Option(None, "--by"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Score a supplier's answers (weighted, evidence required where asked) and keep them."""
    from sobre.lifecycle import purchasing

    result = purchasing.assess(
        settings(ctx, home).database_url,
        org,
        name,
        purchasing.read_answers(answers),
        assessed_on=parse_day(on, "--date") or date.today(),
        assessor=assessor,
    )
    if as_json:
        print_json(result)
        return
    console.print(Text(f"{name}: {result['score']:.1f}/100, coverage {result['coverage']:.0%}."))
    if result["unproven"]:
        console.print(
            Text(f"Without the evidence asked (scored 0): {', '.join(result['unproven'])}"), style="yellow"
        )


@supplier_app.command("rank")
@friendly_errors
def supplier_rank(
    ctx: typer.Context,
    org: str = ORG,
    year: int = typer.Option(None, "--year"),
    as_json: bool = JSON,
    home: str = HOME,
) -> None:
    """Suppliers by latest ESG score, with coverage, history and spend."""
    from sobre.lifecycle import purchasing

    def show(rows: Any) -> None:
        table = Table("rank", "supplier", "score", "coverage", "assessed", "assessments", "spend €")
        for r in rows:
            table.add_row(
                str(r["rank"] or "—"),
                r["supplier"],
                f"{r['score']:.1f}" if r["score"] is not None else "—",
                f"{r['coverage']:.0%}" if r["coverage"] is not None else "—",
                r["assessed_on"] or "—",
                str(len(r["history"])),
                f"{r['spend']:.2f}",
            )
        console.print(table)

    rows = purchasing.ranking(settings(ctx, home).database_url, org, year)
    print_listing(rows, as_json, show)


@supplier_app.command("list")
@friendly_errors
def supplier_list(ctx: typer.Context, org: str = ORG, home: str = HOME) -> None:
    """List suppliers (same as rank, alphabetical)."""
    from sobre.lifecycle import purchasing

    for r in sorted(purchasing.ranking(settings(ctx, home).database_url, org), key=lambda r: r["supplier"]):
        console.print(Text(r["supplier"]))
