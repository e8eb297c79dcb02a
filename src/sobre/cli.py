"""The ``sobre`` command.

It names no capability: each one declares its top-level commands in its ``CAPABILITY`` (see
``sobre.core.capabilities``), and a command's code is imported only when that command runs, so that
``sobre --version`` or ``sobre --help`` does not pay for the libraries of every capability.
"""

from __future__ import annotations

from functools import cache
from typing import Any

import typer
from typer.core import TyperCommand, TyperGroup

from sobre import __version__
from sobre.core.actor import Actor, bind_actor
from sobre.core.capabilities import all_capabilities, command_owner, extensions_of, load


@cache
def _capability_group(name: str, command: str) -> TyperGroup:
    """The group holding the commands that capability ``name`` registers, ready to run ``command``."""
    capability = next(c for c in all_capabilities() if c.name == name)
    sub = typer.Typer(pretty_exceptions_show_locals=False)
    load(capability.cli or "")(sub)
    # Other capabilities may add subcommands to this one's groups (``sobre report reen``…): only to the
    # group that runs, so that ``sobre import`` does not load what ``sobre service`` is extended with.
    for info in sub.registered_groups:
        if info.name == command and info.typer_instance is not None:
            for register in extensions_of(info.name):
                register(info.typer_instance)
    return typer.main.get_group(sub)


class LazyGroup(TyperGroup):
    """A root group whose commands come from the capability registry and load on first use."""

    def list_commands(self, ctx: Any) -> list[str]:
        names = [name for c in all_capabilities() for name in c.commands if c.cli]
        return names + [n for n in super().list_commands(ctx) if n not in names]

    def _real_command(self, ctx: Any, name: str) -> Any:
        capability = command_owner(name)
        if capability is None or capability.cli is None:
            return None
        return _capability_group(capability.name, name).get_command(ctx, name)

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if cmd_name in self.commands:
            return self.commands[cmd_name]
        capability = command_owner(cmd_name)
        if capability is None:
            return None
        # Listing commands (help, completion) needs only their names and help: a stand-in avoids
        # importing every capability; resolve_command swaps in the real command before it runs.
        text = capability.commands[cmd_name]
        return TyperCommand(name=cmd_name, help=text, short_help=text)

    def resolve_command(self, ctx: Any, args: list[str]) -> tuple[str | None, Any, list[str]]:
        if args and args[0] not in self.commands:
            real = self._real_command(ctx, args[0])
            if real is not None:
                self.add_command(real, args[0])
        return super().resolve_command(ctx, args)


app = typer.Typer(
    name="sobre",
    cls=LazyGroup,
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
    # The audit log names the operating-system account behind every change made from the command line.
    bind_actor(Actor(f"cli:{_os_user()}", "cli"))


def _os_user() -> str:
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (some containers)
        return "unknown"


def main() -> None:
    app()
