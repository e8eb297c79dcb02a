"""``sobre ecoindex URL...`` and the eco-design subcommands of ``sobre service`` (reviews, objectives)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table
from rich.text import Text

from sobre.core.cli_support import console, err_console, friendly_errors, print_json, settings
from sobre.core.db import session_scope
from sobre.core.errors import InputError
from sobre.ecodesign import ecoindex, objectives, opportunity, service

_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
_ORG = typer.Option(..., "--org", help="Organisation name.")
_JSON = typer.Option(False, "--json", help="Print JSON.")


def register(app: typer.Typer) -> None:
    app.command("ecoindex")(ecoindex_cmd)


@friendly_errors
def ecoindex_cmd(
    ctx: typer.Context,
    urls: list[str] = typer.Argument(None, help="Pages to measure."),
    journey: Path = typer.Option(
        None, "--journey", help="A user journey to measure step by step (JSON or TOML)."
    ),
    org: str = typer.Option(None, "--org", help="Record the measures for this organisation."),
    service_name: str = typer.Option(None, "--service", help="Digital service the pages belong to."),
    wait: float = typer.Option(3.0, "--wait", help="Seconds to wait before and after scrolling."),
    width: int = typer.Option(1920, "--width"),
    height: int = typer.Option(1080, "--height"),
    chromium: str = typer.Option("/usr/bin/chromium", "--chromium", help="Chromium executable."),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Measure pages and journeys in headless Chromium: DOM, requests, size; EcoIndex, grade, gCO2e, water."""
    from sobre.ecodesign.measure import Options, measure, read_journey

    if not urls and journey is None:
        raise InputError("give at least one URL or a --journey file")
    for url in urls or []:
        if not url.startswith(("http://", "https://", "file://")):
            raise InputError("not a web address", value=url, expected="http:// or https://")
    plan = read_journey(journey) if journey else None
    options = Options(
        wait_before_scroll=wait, wait_after_scroll=wait, width=width, height=height, chromium=chromium
    )
    measures = measure(
        list(urls or []),
        plan,
        options,
        progress=None if as_json else lambda m: err_console.print(Text(f"measured {m.url}")),
    )
    if org:
        with session_scope(settings(ctx, home).database_url) as session:
            service.record_measures(session, org, measures, service_name)
    if as_json:
        print_json(
            {"method": ecoindex.METHOD, "source": ecoindex.SOURCE, "pages": [m.to_dict() for m in measures]}
        )
    else:
        table = Table("page", "step", "DOM", "requests", "kB", "score", "grade", "gCO2e", "cl water")
        for m in measures:
            if not m.error:
                table.add_row(
                    Text(m.url),
                    Text(m.step or ""),
                    str(m.dom),
                    str(m.requests),
                    f"{m.size_kb:.1f}",
                    str(m.score),
                    m.grade or "",
                    f"{m.ghg_g:.2f}",
                    f"{m.water_cl:.2f}",
                )
        console.print(table)
        for m in measures:
            if m.error:
                console.print(Text(f"Not measured: {m.error}"))
        console.print(Text(f"Method: {ecoindex.SOURCE}"))
    if any(m.error for m in measures):
        raise typer.Exit(1)


# ------------------------------------------------------------------ sobre service …

review_app = typer.Typer(
    help="Opportunity reviews before build, periodic reviews against objectives.", no_args_is_help=True
)
objective_app = typer.Typer(
    help="Eco-design objectives of a service (EcoIndex grade, page weight…).", no_args_is_help=True
)


def register_service(group: typer.Typer) -> None:
    group.add_typer(review_app, name="review")
    group.add_typer(objective_app, name="objective")
    group.command("ecoindex")(history_cmd)


@friendly_errors
def history_cmd(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    url: str = typer.Option(None, "--url", help="Only this page."),
    limit: int = typer.Option(50, "--limit"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """EcoIndex history of a service, newest first."""
    with session_scope(settings(ctx, home).database_url) as session:
        rows = service.history(session, org, service=name, url=url, limit=limit or None)
    if as_json:
        print_json(rows)
        return
    table = Table("measured", "page", "step", "score", "grade", "kB", "requests", "DOM")
    for r in rows:
        table.add_row(
            r["measured_at"][:16],
            Text(r["url"]),
            Text(r["step"] or ""),
            str(r["score"] or "-"),
            r["grade"] or "-",
            "-" if r["size_kb"] is None else f"{r['size_kb']:.1f}",
            str(r["requests"] or "-"),
            str(r["dom"] or "-"),
        )
    console.print(table)


def _show_review(view: service.ReviewView, as_json: bool) -> None:
    if as_json:
        print_json(view.to_dict())
        return
    console.print(Text(f"{view.kind} review of {view.service}: {view.recommendation}", style="bold"))
    for r in view.reasons:
        console.print(Text(f"- {r['text']}"))
    infra = view.results.get("infrastructure", {}).get("climate_change")
    if infra:
        value = "unknown" if infra["value"] is None else f"{infra['value']:.1f} kgCO2e/year"
        console.print(Text(f"Expected infrastructure: {value}"))
    usage = view.results.get("usage_climate_change")
    if usage and usage["value"] is not None:
        console.print(Text(f"Expected usage (EcoIndex, whole chain): {usage['value']:.1f} kgCO2e/year"))


@review_app.command("opportunity")
@friendly_errors
def review_opportunity(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    need: str = typer.Option("", "--need", help="The need the service answers."),
    users: int = typer.Option(None, "--users", help="Expected users per year."),
    alternative: list[str] = typer.Option(None, "--alternative", help="An alternative studied (repeatable)."),
    alternative_sufficient: bool = typer.Option(
        False, "--alternative-sufficient", help="An existing alternative meets the need."
    ),
    servers: float = typer.Option(0, "--servers", help="Dedicated physical servers."),
    cloud_instances: float = typer.Option(0, "--cloud-instances", help="Cloud instances."),
    cloud_vcpu: float = typer.Option(2, "--cloud-vcpu", help="vCPU per cloud instance."),
    storage_gb: float = typer.Option(0, "--storage-gb", help="Expected data volume (GB)."),
    page_views: float = typer.Option(None, "--page-views", help="Expected page views per year."),
    expected_score: int = typer.Option(None, "--expected-score", help="EcoIndex score targeted (0–100)."),
    country: str = typer.Option("FR", "--country"),
    min_grade: str = typer.Option("C", "--min-grade", help="Worst EcoIndex grade accepted."),
    budget: float = typer.Option(None, "--budget", help="kgCO2e per user and year accepted."),
    reviewer: str = typer.Option(None, "--reviewer"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Review a planned service: expected footprint and a go / rework / no-go recommendation."""
    if expected_score is not None and not 0 <= expected_score <= 100:
        raise InputError("EcoIndex scores go from 0 to 100", column="--expected-score", value=expected_score)
    objectives.check_target("ecoindex_grade", min_grade)
    expectation = opportunity.Expectation(
        need=need,
        users=users,
        alternatives=list(alternative or []),
        alternative_sufficient=alternative_sufficient,
        servers=servers,
        cloud_instances=cloud_instances,
        cloud_vcpu=cloud_vcpu,
        storage_gb=storage_gb,
        page_views=page_views,
        expected_score=expected_score,
        country=country.upper(),
    )
    rules = opportunity.Rules(min_grade=min_grade.upper(), budget_kg_per_user=budget)
    with session_scope(settings(ctx, home).database_url) as session:
        view = service.opportunity_review(session, org, name, expectation, rules=rules, reviewer=reviewer)
    _show_review(view, as_json)


@review_app.command("periodic")
@friendly_errors
def review_periodic(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    reviewer: str = typer.Option(None, "--reviewer"),
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """Review a service against its objectives with its latest EcoIndex measures."""
    with session_scope(settings(ctx, home).database_url) as session:
        view = service.periodic_review(session, org, name, reviewer=reviewer)
    _show_review(view, as_json)


@review_app.command("list")
@friendly_errors
def review_list(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = _ORG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """The reviews of a service."""
    with session_scope(settings(ctx, home).database_url) as session:
        views = service.list_reviews(session, org, name)
    if as_json:
        print_json([v.to_dict() for v in views])
        return
    table = Table("id", "date", "kind", "recommendation", "reviewer")
    for v in views:
        table.add_row(
            str(v.id), v.reviewed_at.isoformat()[:10], v.kind, v.recommendation, Text(v.reviewer or "-")
        )
    console.print(table)


@objective_app.command("set")
@friendly_errors
def objective_set(
    ctx: typer.Context,
    name: str = typer.Argument(..., help="Service name."),
    org: str = _ORG,
    kind: str = typer.Option(..., "--kind", help=", ".join(objectives.KINDS)),
    target: str = typer.Option(..., "--target", help="A grade (A–G) or a number."),
    due: str = typer.Option(None, "--due", help="Date to reach it (YYYY-MM-DD)."),
    note: str = typer.Option(None, "--note"),
    home: str = _HOME,
) -> None:
    """Set an eco-design objective of a service."""
    try:
        due_date = date.fromisoformat(due) if due else None
    except ValueError:
        raise InputError("not a date", column="--due", value=due, expected="YYYY-MM-DD") from None
    with session_scope(settings(ctx, home).database_url) as session:
        row = service.set_objective(session, org, name, kind, target, due=due_date, note=note)
    console.print(Text(f"Objective of {name}: {row['label']} {row['target']}."))


@objective_app.command("list")
@friendly_errors
def objective_list(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = _ORG,
    as_json: bool = _JSON,
    home: str = _HOME,
) -> None:
    """The eco-design objectives of a service."""
    with session_scope(settings(ctx, home).database_url) as session:
        rows = service.list_objectives(session, org, name)
    if as_json:
        print_json(rows)
        return
    table = Table("objective", "target", "due", "note")
    for r in rows:
        table.add_row(r["label"], r["target"], r["due"] or "-", Text(r["note"] or ""))
    console.print(table)


@objective_app.command("remove")
@friendly_errors
def objective_remove(
    ctx: typer.Context,
    name: str = typer.Argument(...),
    org: str = _ORG,
    kind: str = typer.Option(..., "--kind"),
    home: str = _HOME,
) -> None:
    """Remove one objective of a service."""
    with session_scope(settings(ctx, home).database_url) as session:
        service.remove_objective(session, org, name, kind)
    console.print(Text(f"Removed the {kind} objective of {name}."))
