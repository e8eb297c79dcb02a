"""The Jinja environment of the documents Sobre writes (diagnosis report, strategy, declarations, life-cycle
and service-desk documents), shared so that each is configured once and alike."""

from __future__ import annotations

import functools
from pathlib import Path

import jinja2


@functools.cache
def environment(folder: Path, prefix: str | None = None) -> jinja2.Environment:
    """One environment per template folder (under ``prefix`` when templates name each other with one) and
    process: it keeps the compiled templates, and reloads one whose file changed.  Everything is escaped
    (inventory and ticket texts are user data and may hold markup) and an undefined name is an error, not
    an empty string."""
    files = jinja2.FileSystemLoader(folder)
    return jinja2.Environment(
        loader=jinja2.PrefixLoader({prefix: files}) if prefix else files,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
