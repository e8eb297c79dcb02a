"""``sobre factors``: list, show and import factor sets."""

from __future__ import annotations

import typer

factors_app = typer.Typer(help="Factor sets (versioned emission and resource factors).", no_args_is_help=True)
