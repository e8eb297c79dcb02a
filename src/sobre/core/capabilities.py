"""The registry of capabilities: the shell (CLI, web, migrations, catalogues) finds them without naming them.

Each capability is a sub-package of ``sobre`` whose ``__init__.py`` declares ``CAPABILITY = Capability(...)``.
The declaration is data only (dotted paths, command names): reading it imports nothing heavy, so
``sobre --version`` and ``sobre --help`` stay fast and each command loads only the code it runs.

What a capability can declare:

- ``commands``: top-level CLI command names with their one-line help, and ``cli``: the dotted path of a
  ``register(app: typer.Typer)`` function that adds those commands; it is imported only when one of them runs;
- ``models``: the dotted path of its SQLAlchemy models module (gathered for Alembic and the tests);
- ``migrations``: its own Alembic versions folder (``<capability>/migrations``), found automatically;
- ``locale``: its gettext catalogues (``<capability>/locale/<lang>/LC_MESSAGES/<name>.po``), found
  automatically;
- ``web``: the dotted path of a ``register(registry)`` function that adds its pages and API routes to the web
  application;
- ``extends``: subcommands added to another capability's command group, e.g.
  ``{"report": "sobre.lifecycle.cli:register_report"}``: a ``register(group: typer.Typer)`` function called
  when ``sobre report`` loads;
- ``demo``: the dotted path of a ``seed(ctx: DemoContext) -> list[Path | str]`` function that ``sobre demo``
  calls after the demo town's footprint run (in capability order), to give the town this capability's data
  out of the box; it returns the files it wrote (documents shown at the end of the demo) and, as strings,
  short notes that the demo prints once at its end (e.g. the demo administrator's password);
- ``report``: the dotted path of a ``sections(database_url, org, lang) -> list[ReportSection]`` function whose
  sections the diagnosis report adds after its own (the maturity of the organisation…), so the report names no
  capability;
- ``provides``: named functions other capabilities may call without importing this one by name, e.g.
  ``{"reen.strategy": "sobre.strategy.reen:content"}``; the consumer looks them up with :func:`provider`
  and documents the contract (arguments, returned data) next to where it calls it.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import sobre


@dataclass(frozen=True)
class DemoContext:
    """What a capability's demo seed receives: the demo database, organisation and its first footprint run."""

    database_url: str
    org_name: str
    reference_date: date
    run_id: int
    home: Path
    out: Path
    lang: str
    seed: int


@dataclass(frozen=True)
class ReportSection:
    """A section another capability adds to the diagnosis report: an HTML fragment it rendered (escaped)."""

    id: str
    title: str
    #: The body under the section's heading: paragraphs, an accessible chart and its data table.
    html: str
    #: One line per figure, for the report's summary or exports.
    summary: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Capability:
    name: str
    #: Position in ``sobre --help`` and in menus (smaller first).
    order: int = 100
    #: Top-level command name → one-line help, listed without importing the capability's CLI.
    commands: dict[str, str] = field(default_factory=dict)
    cli: str | None = None
    models: str | None = None
    web: str | None = None
    extends: dict[str, str] = field(default_factory=dict)
    demo: str | None = None
    report: str | None = None
    provides: dict[str, str] = field(default_factory=dict)

    @property
    def package(self) -> str:
        return f"sobre.{self.name}"

    @property
    def folder(self) -> Path:
        return Path(sobre.__file__).parent / self.name

    @property
    def migrations(self) -> Path | None:
        path = self.folder / "migrations"
        return path if path.is_dir() else None

    @property
    def locale(self) -> Path | None:
        path = self.folder / "locale"
        return path if path.is_dir() else None


def load(dotted: str) -> Any:
    """Import ``package.module:attribute`` (or a module when there is no attribute)."""
    module_name, _, attribute = dotted.partition(":")
    module = importlib.import_module(module_name)
    return getattr(module, attribute) if attribute else module


@cache
def all_capabilities() -> tuple[Capability, ...]:
    """Every capability of the installed package, in ``order``."""
    found: list[Capability] = []
    for info in pkgutil.iter_modules(sobre.__path__):
        if not info.ispkg or info.name == "core":
            continue
        module = importlib.import_module(f"sobre.{info.name}")
        capability = getattr(module, "CAPABILITY", None)
        if isinstance(capability, Capability):
            if capability.name != info.name:
                raise RuntimeError(f"sobre.{info.name} declares a capability named {capability.name!r}")
            found.append(capability)
    return tuple(sorted(found, key=lambda c: (c.order, c.name)))


def command_owner(command: str) -> Capability | None:
    for capability in all_capabilities():
        if command in capability.commands:
            return capability
    return None


def import_models() -> None:
    """Import every capability's models so that ``Base.metadata`` holds the whole schema."""
    for capability in all_capabilities():
        if capability.models:
            load(capability.models)


def migration_folders() -> list[Path]:
    """Alembic version locations: the core's history, then each capability's own folder."""
    core = Path(__file__).parent / "migrations" / "versions"
    return [core] + [c.migrations for c in all_capabilities() if c.migrations is not None]


def extensions_of(command: str) -> list[Callable[[Any], None]]:
    """``register`` functions that other capabilities add to the ``command`` group."""
    return [load(c.extends[command]) for c in all_capabilities() if command in c.extends]


def demo_seeds() -> list[Callable[[DemoContext], list[Path | str]]]:
    return [load(c.demo) for c in all_capabilities() if c.demo]


def provider(name: str) -> Callable[..., Any] | None:
    """The function that a capability provides under ``name`` (first in order), or None when none does."""
    for capability in all_capabilities():
        if name in capability.provides:
            return load(capability.provides[name])
    return None


def web_registrars() -> list[Callable[[Any], None]]:
    """The ``register`` functions of capabilities that add pages and API routes."""
    return [load(c.web) for c in all_capabilities() if c.web]


def report_sections(database_url: str, org: str, lang: str) -> list[ReportSection]:
    """The sections other capabilities add to an organisation's diagnosis report, in capability order."""
    return [s for c in all_capabilities() if c.report for s in load(c.report)(database_url, org, lang)]
