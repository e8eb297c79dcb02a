"""What the assessment commands share: the ``sobre assess`` group, its options and figure formatting."""

from __future__ import annotations

from typing import Any

import typer

from sobre.core.cli_support import settings
from sobre.core.errors import InputError

assess_app = typer.Typer(
    help="Assessments: maturity of the organisation, RGESN eco-design and RGAA accessibility of a service.",
    no_args_is_help=True,
)

_ORG = typer.Option(..., "--org", help="Organisation name.")
_BY = typer.Option(..., "--by", help="Who acts (name or e-mail); recorded with the time.")
_JSON = typer.Option(False, "--json", help="Print JSON.")
_LANG = typer.Option("fr", "--lang", help="Language: fr or en.")
_HOME = typer.Option(None, "--home", help="Data folder (default: $SOBRE_HOME).")


def _url(ctx: typer.Context, home: str | None) -> str:
    return settings(ctx, home).database_url


def _pct(figure: dict[str, Any]) -> str:
    if figure.get("value") is None:
        return f"unknown ({figure.get('reason') or 'no data'})"
    text = f"{figure['value']:.1f} %"
    low, high = figure.get("low"), figure.get("high")
    if (
        low is not None
        and high is not None
        and (abs(low - figure["value"]) > 0.05 or abs(high - figure["value"]) > 0.05)
    ):
        text += f" [{low:.1f}–{high:.1f}]"
    return text


def _lang(lang: str) -> str:
    from sobre.core.i18n import check_language

    try:
        return check_language(lang)
    except ValueError as exc:
        raise InputError("unsupported language", column="--lang", value=lang, expected="fr or en") from exc
