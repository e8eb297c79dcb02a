"""What the strategy command groups share: their common options and how they read dates and print figures."""

from __future__ import annotations

from datetime import date

import typer

from sobre.core.cli_support import settings
from sobre.core.errors import InputError

ORG = typer.Option(..., "--org", help="Organisation name.")
JSON = typer.Option(False, "--json", help="Print JSON.")
HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")
BY = typer.Option("cli", "--by", help="Who records it.")


def database_url(ctx: typer.Context, home: str | None) -> str:
    """The database of ``--home`` (else of $SOBRE_HOME)."""
    return settings(ctx, home).database_url


def day(text: str | None, column: str) -> date | None:
    """An ISO date option (None when not given), refused by naming the option."""
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InputError("not a date", column=column, value=text, expected="YYYY-MM-DD") from None


def number(value: float | None, digits: int = 1) -> str:
    """A figure for the terminal; "unknown" is never printed as 0."""
    return "unknown" if value is None else f"{value:,.{digits}f}"
