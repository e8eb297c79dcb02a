"""The web application: pages (server-rendered), the JSON API under ``/api/v1``, static files.

It names no capability: every page and endpoint comes from a capability's ``register(registry)``
(``CAPABILITY.web``), the shell's own included.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from sobre import __version__
from sobre.core.capabilities import all_capabilities, load
from sobre.core.db import get_engine
from sobre.core.settings import Settings, load_settings
from sobre.web import security, service
from sobre.web.api import create_api
from sobre.web.registry import WebRegistry
from sobre.web.responses import SecurityHeaders, install_page_errors
from sobre.web.state import WebState
from sobre.web.templating import build_environment, static_versions


def build_registry(extra: Sequence[tuple[str, Path | None, Callable[[Any], None]]] = ()) -> WebRegistry:
    """Every capability's pages, endpoints, permissions, menu entries, templates and static files.

    ``extra`` adds (name, folder, register) triples, as a capability would (tests, plugins).
    """
    registry = WebRegistry()
    for capability in all_capabilities():
        if capability.web:
            load(capability.web)(registry.capability(capability.name, capability.folder))
    for name, folder, register in extra:
        register(registry.capability(name, folder))
    registry.check()
    return registry


@lru_cache(maxsize=16)
def _shared_registry(extra: tuple[tuple[str, Path | None, Callable[[Any], None]], ...]) -> WebRegistry:
    """The registry of the capabilities (and ``extra``), built once per process and copied (bound) for each
    application.

    Registering every route costs most of an application's build (FastAPI analyses every endpoint's
    signature); the test suite builds hundreds of applications, each with its own settings and database.
    """
    return build_registry(extra)


def create_app(
    settings: Settings | None = None,
    *,
    policy: service.SessionPolicy | None = None,
    throttle: security.Throttle | None = None,
    extra: Sequence[tuple[str, Path | None, Callable[[Any], None]]] = (),
) -> FastAPI:
    """The application over ``settings``' database; ``extra`` registers more routes (see build_registry)."""
    settings = settings or load_settings()
    get_engine(settings.database_url)  # migrate before the first request
    registry = _shared_registry(tuple(extra)).bound(settings.database_url)
    state = WebState(
        settings,
        registry,
        policy or service.SessionPolicy(),
        throttle or security.Throttle(),
        build_environment(registry),
    )
    state.static_versions = static_versions(registry)
    app = FastAPI(title="Sobre", version=__version__, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.sobre = state
    app.include_router(registry.pages)
    for router in registry.endpoint_routers:  # agents, webhooks: their own authentication
        app.include_router(router)
    app.mount("/api/v1", create_api(state))
    for name, folder in registry.static.items():
        app.mount(f"/static/{name}", StaticFiles(directory=folder), name=f"static-{name}")
    install_page_errors(app)
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """The factory ``sobre serve`` hands to uvicorn (each worker builds its own application)."""
    return create_app(load_settings(os.environ.get("SOBRE_HOME") or None))
