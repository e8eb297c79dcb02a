"""``sobre strategy …`` (vision, commitments, objectives, the check against the plan, the documents) and
``sobre objective …`` (objectives by id)."""

from __future__ import annotations

from pathlib import Path

import typer

from sobre.core.cli_support import console, friendly_errors, print_json
from sobre.core.db import session_scope
from sobre.strategy.cli_common import HOME, JSON, ORG, database_url, number

strategy_app = typer.Typer(
    help="Vision, commitments, objectives and the strategy document.", no_args_is_help=True
)
objective_app = typer.Typer(help="Objectives: list, change and delete them by id.", no_args_is_help=True)


@strategy_app.command("vision")
@friendly_errors
def strategy_vision(
    ctx: typer.Context,
    org: str = ORG,
    vision: str = typer.Option(None, "--vision"),
    scope: str = typer.Option(None, "--scope"),
    governance: str = typer.Option(None, "--governance"),
    home: str = HOME,
) -> None:
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        service.set_vision(session, org, vision=vision, scope=scope, governance=governance)
    console.print("Vision saved.")


@strategy_app.command("commit")
@friendly_errors
def strategy_commit(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    detail: str = typer.Option("", "--detail"),
    home: str = HOME,
) -> None:
    """Add a commitment (the charter is made of them)."""
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        service.add_commitment(session, org, title, detail)
    console.print("Commitment added.")


@strategy_app.command("objective")
@friendly_errors
def strategy_objective(
    ctx: typer.Context,
    title: str = typer.Argument(...),
    org: str = ORG,
    criterion: str = typer.Option("climate_change", "--criterion"),
    reduction: float = typer.Option(..., "--reduction", help="0.3 for −30 %."),
    baseline_year: int = typer.Option(..., "--baseline-year"),
    target_year: int = typer.Option(..., "--target-year"),
    per: str = typer.Option("total", "--per", help="total or agent."),
    baseline: float = typer.Option(None, "--baseline", help="Baseline figure (default: the latest run's)."),
    home: str = HOME,
) -> None:
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        service.add_objective(
            session,
            org,
            title,
            criterion=criterion,
            reduction=reduction,
            baseline_year=baseline_year,
            target_year=target_year,
            per=per,
            baseline_value=baseline,
        )
    console.print("Objective added.")


@strategy_app.command("check")
@friendly_errors
def strategy_check(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    """Is the plan enough to reach each objective?"""
    from sobre.strategy import service

    rows = service.check_objectives(database_url(ctx, home), org)
    if as_json:
        print_json(rows)
        return
    for o in rows:
        verdict = {True: "reached", False: "not reached", None: "unknown"}[o["reached"]]
        console.print(
            f"{o['title']}: target {number(o['target'])}, with the plan {number(o['with_plan'])} → {verdict}"
        )


@strategy_app.command("export")
@friendly_errors
def strategy_export(
    ctx: typer.Context,
    org: str = ORG,
    out: Path = typer.Option(Path("."), "--out", help="Folder written to."),
    lang: str = typer.Option("fr", "--lang", help="fr or en."),
    fmt: str = typer.Option("html", "--format", help="html or pdf."),
    document: str = typer.Option("strategy", "--document", help="strategy or charter."),
    home: str = HOME,
) -> None:
    """Write the strategy document or the responsible-digital charter."""
    from sobre.strategy import documents

    path = documents.export(database_url(ctx, home), org, out, lang=lang, fmt=fmt, document=document)
    console.print(f"Wrote {path}")


# The same command under ``sobre objective``, beside the ones that name an objective by id.
objective_app.command("add", help="Add a reduction objective (as 'sobre strategy objective').")(
    strategy_objective
)


@objective_app.command("list")
@friendly_errors
def objective_list(ctx: typer.Context, org: str = ORG, as_json: bool = JSON, home: str = HOME) -> None:
    """The objectives by target year, with their ids."""
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        rows = [service.objective_dict(o) for o in service.objectives(session, org)]
    if as_json:
        print_json(rows)
        return
    for o in rows:
        console.print(
            f"{o['id']}. {o['title']}: −{100 * o['reduction']:g} % {o['criterion']} ({o['per']}) "
            f"from {o['baseline_year']} by {o['target_year']}, baseline {number(o['baseline_value'])}"
        )


@objective_app.command("update")
@friendly_errors
def objective_update(
    ctx: typer.Context,
    objective_id: int = typer.Argument(..., help="Objective id ('sobre objective list')."),
    org: str = ORG,
    title: str = typer.Option(None, "--title"),
    criterion: str = typer.Option(None, "--criterion"),
    reduction: float = typer.Option(None, "--reduction", help="0.3 for −30 %."),
    baseline_year: int = typer.Option(None, "--baseline-year"),
    target_year: int = typer.Option(None, "--target-year"),
    per: str = typer.Option(None, "--per", help="total or agent."),
    baseline: float = typer.Option(None, "--baseline", help="Baseline figure."),
    runs_baseline: bool = typer.Option(
        False, "--runs-baseline", help="Forget the given baseline: take the runs' figure again."
    ),
    home: str = HOME,
) -> None:
    """Change an objective (the options not given keep their value)."""
    from sobre.strategy import service

    if runs_baseline and baseline is not None:
        from sobre.core.errors import InputError

        raise InputError("--baseline and --runs-baseline exclude each other", column="--runs-baseline")
    fields = {
        "title": title,
        "criterion": criterion,
        "reduction": reduction,
        "baseline_year": baseline_year,
        "target_year": target_year,
        "per": per,
    }
    changes: dict[str, object] = {k: v for k, v in fields.items() if v is not None}
    if baseline is not None or runs_baseline:
        changes["baseline_value"] = baseline
    with session_scope(database_url(ctx, home)) as session:
        if "baseline_value" not in changes:
            # None would mean "the runs' figure": an update that does not name the baseline keeps it.
            changes["baseline_value"] = service.objective_row(session, org, objective_id).baseline_value
        service.update_objective(session, org, objective_id, **changes)
    console.print(f"Objective {objective_id} updated.")


@objective_app.command("delete")
@friendly_errors
def objective_delete(
    ctx: typer.Context,
    objective_id: int = typer.Argument(..., help="Objective id ('sobre objective list')."),
    org: str = ORG,
    home: str = HOME,
) -> None:
    """Delete an objective."""
    from sobre.strategy import service

    with session_scope(database_url(ctx, home)) as session:
        service.delete_objective(session, org, objective_id)
    console.print(f"Objective {objective_id} deleted.")
