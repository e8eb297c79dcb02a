"""The ``sobre`` command.  Each capability adds its own commands; this module only assembles them."""

from __future__ import annotations

import typer

from sobre import __version__
from sobre.footprint import cli as footprint_cli
from sobre.inventory import cli as inventory_cli
from sobre.orgs import cli as orgs_cli
from sobre.reporting import cli as reporting_cli

app = typer.Typer(
    name="sobre",
    help="Sobre: map, measure and reduce the environmental footprint of an information system.",
    no_args_is_help=True,
    pretty_exceptions_show_locals=False,
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"sobre {__version__}")
        raise typer.Exit()


@app.callback()
def root(
    ctx: typer.Context,
    home: str = typer.Option(
        None, "--home", help="Data folder (default: $SOBRE_HOME, else a per-user folder)."
    ),
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version."
    ),
) -> None:
    ctx.obj = {"home": home}


for module in (orgs_cli, inventory_cli, footprint_cli, reporting_cli):
    module.register(app)


def main() -> None:
    app()
