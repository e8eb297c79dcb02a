"""``sobre footprint``: run the engine, show, explain and compare results."""

from __future__ import annotations

import typer

footprint_app = typer.Typer(help="Environmental footprint of the information system.", no_args_is_help=True)
