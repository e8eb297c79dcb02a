"""Footprint commands: ``sobre footprint …`` and ``sobre factors …``."""

from __future__ import annotations

import typer

from sobre.footprint.factors.cli import factors_app
from sobre.footprint.runs.cli import footprint_app


def register(app: typer.Typer) -> None:
    app.add_typer(footprint_app, name="footprint")
    app.add_typer(factors_app, name="factors")
