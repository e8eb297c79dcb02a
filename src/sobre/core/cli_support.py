"""What every CLI command shares: the settings in the Typer context, clean errors, safe output, JSON.

Every command is wrapped in :func:`friendly_errors`: a :class:`SobreError`, and the failures of the
environment that a user can fix (a data folder that is a file, a corrupt, read-only or unreachable
database, an unwritable output path, a full disk), print one line and exit non-zero, never a traceback.
Text that comes from data (names, file contents) goes through :func:`safe_text` before it reaches the
terminal: control and escape sequences are removed, and Rich markup is never interpreted in it.
"""

from __future__ import annotations

import functools
import json
import math
import re
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import typer
from rich.console import Console
from rich.text import Text

from sobre.core.errors import SobreError
from sobre.core.settings import Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

# ANSI/VT escape sequences (CSI, OSC…) first, then any other C0/C1 control character but tab and newline.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)?|\x1b[@-_]|\x9b[0-?]*[ -/]*[@-~]"
)
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def safe_text(value: object, *, newlines: bool = False) -> str:
    """``value`` as text fit for a terminal: escape sequences and control characters removed.

    Newlines become spaces unless ``newlines`` (a name must not fake a line of output); bidirectional
    overrides are removed too (they can make a name read backwards).
    """
    text = _CONTROLS.sub("", _ESCAPES.sub("", str(value)))
    return text if newlines else text.replace("\n", " ").replace("\t", " ")


def literal(value: object) -> Text:
    """A Rich ``Text`` that shows ``value`` literally (no markup, no control characters)."""
    return Text(safe_text(value))


def settings(ctx: typer.Context, home: str | None = None) -> Settings:
    """Settings for this invocation: a command's own ``--home`` wins over the global one."""
    root = ctx.find_root()
    obj = root.obj if isinstance(root.obj, dict) else {}
    return load_settings(home if home is not None else obj.get("home"))


def _environment_error(exc: BaseException) -> SobreError | None:
    """A one-line error for failures of the environment, or None when ``exc`` is a bug to show as is."""
    if isinstance(exc, OSError):
        where = f" {exc.filename}" if getattr(exc, "filename", None) else ""
        reason = exc.strerror or str(exc) or type(exc).__name__
        return SobreError(f"cannot use{where}: {reason}")
    module = type(exc).__module__
    if module.startswith(("sqlalchemy", "sqlite3", "psycopg")):
        from sobre.core.db import describe_error

        return describe_error(exc)
    return None


def friendly_errors(func: F) -> F:
    """Show a SobreError (or an environment failure) as one line and exit non-zero, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except (typer.Exit, typer.Abort, KeyboardInterrupt, SystemExit):
            raise
        except SobreError as exc:
            fail(exc)
        except Exception as exc:
            described = _environment_error(exc)
            if described is None:
                raise
            fail(described)

    return wrapper  # type: ignore[return-value]


def fail(exc: SobreError) -> None:
    """Print ``exc`` as one line on stderr and exit with its code."""
    line = Text("Error: ", style="bold red")
    line.append(safe_text(exc))
    err_console.print(line, highlight=False, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


def writable_file(path: Path, what: str = "output") -> Path:
    """Check that ``path`` can be written as a file (its folder is created); raise a clear error if not."""
    from sobre.core.errors import InputError

    path = Path(path)
    if path.is_dir():
        raise InputError(f"the {what} path is a folder, not a file", file=str(path), expected="a file path")
    parent = path.parent
    for ancestor in [parent, *parent.parents]:
        if ancestor.exists():
            if not ancestor.is_dir():
                raise InputError(
                    f"the {what} path is under {ancestor}, which is a file",
                    file=str(path),
                    expected="a folder",
                )
            break
    import tempfile

    try:
        parent.mkdir(parents=True, exist_ok=True)
        # Trying is the only reliable test (permissions, read-only mounts, pseudo file systems, root).
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".sobre-write-test-"):
            pass
        if path.exists():
            with path.open("ab"):
                pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InputError(f"the {what} path is not writable ({reason})", file=str(path)) from None
    return path


def _finite(data: Any) -> Any:
    """``data`` with every NaN or infinite float replaced by None (JSON has no such numbers)."""
    if isinstance(data, float):
        return data if math.isfinite(data) else None
    if isinstance(data, dict):
        return {k: _finite(v) for k, v in data.items()}
    if isinstance(data, list | tuple):
        return [_finite(v) for v in data]
    return data


def print_json(data: Any) -> None:
    """Print ``data`` as strict JSON (never NaN or Infinity)."""
    sys.stdout.write(
        json.dumps(_finite(data), ensure_ascii=False, indent=2, default=str, allow_nan=False) + "\n"
    )


def print_listing(
    data: T, as_json: bool, show: Callable[[T], None], to_json: Callable[[T], Any] | None = None
) -> None:
    """``data`` as JSON with ``--json`` (through ``to_json`` when the data are views), else ``show(data)``."""
    if as_json:
        print_json(data if to_json is None else to_json(data))
    else:
        show(data)


def listing(
    ctx: typer.Context,
    home: str | None,
    fetch: Callable[[Session], T],
    *,
    as_json: bool,
    show: Callable[[T], None],
    to_json: Callable[[T], Any] | None = None,
    session: Callable[[str], AbstractContextManager[Session]] | None = None,
) -> None:
    """The shape of a list command: open a session on the data folder, call one use case, print the result.

    ``fetch`` is the use case (given the session); the JSON is built while the session is open (views may
    read lazily), the table printed after it closed. ``session`` opens it (default: ``session_scope``).
    """
    from sobre.core.db import session_scope

    opener = session or session_scope
    with opener(settings(ctx, home).database_url) as open_session:
        data = fetch(open_session)
        payload = (data if to_json is None else to_json(data)) if as_json else None
    if as_json:
        print_json(payload)
    else:
        show(data)
