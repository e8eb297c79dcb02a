"""The strategy capability's commands, one module per group: ``sobre scenario …``
(:mod:`~sobre.strategy.cli_scenario`), ``sobre action|kpi|review …`` (:mod:`~sobre.strategy.cli_plan`),
``sobre strategy|objective …`` (:mod:`~sobre.strategy.cli_strategy`) and the people commands under
``sobre strategy`` (:mod:`~sobre.strategy.cli_people`)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    from sobre.strategy import cli_people
    from sobre.strategy.cli_plan import action_app, kpi_app, review_app
    from sobre.strategy.cli_scenario import scenario_app
    from sobre.strategy.cli_strategy import objective_app, strategy_app

    cli_people.register(strategy_app)
    app.add_typer(scenario_app, name="scenario")
    app.add_typer(action_app, name="action")
    app.add_typer(kpi_app, name="kpi")
    app.add_typer(review_app, name="review")
    app.add_typer(strategy_app, name="strategy")
    app.add_typer(objective_app, name="objective")
