"""What every CLI command shares: the settings in the Typer context, clean errors, JSON output."""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import typer
from rich.console import Console

from sobre.core.errors import SobreError
from sobre.core.settings import Settings, load_settings

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])


def settings(ctx: typer.Context, home: str | None = None) -> Settings:
    """Settings for this invocation: a command's own ``--home`` wins over the global one."""
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    return load_settings(home or obj.get("home"))


def friendly_errors(func: F) -> F:
    """Show a SobreError as one clear line and its exit code, never as a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SobreError as exc:
            err_console.print(f"[bold red]Error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None

    return wrapper  # type: ignore[return-value]


def print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
