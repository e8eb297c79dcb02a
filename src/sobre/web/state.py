"""What the running application holds: settings, the registry, the policies, the templates."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import jinja2

from sobre.core.db import session_scope, write_session
from sobre.core.settings import Settings
from sobre.web import security, service
from sobre.web.permissions import PermissionTable
from sobre.web.registry import RouteSpec, WebRegistry

_PARAM = re.compile(r"\{(\w+)(?::\w+)?\}")


@dataclass
class WebState:
    settings: Settings
    registry: WebRegistry
    policy: service.SessionPolicy
    throttle: security.Throttle
    templates: jinja2.Environment
    #: Static asset path → version tag (content hash) for cache-busting URLs.
    static_versions: dict[str, str] = field(default_factory=dict)
    _csrf_key: str | None = None

    @property
    def permissions(self) -> PermissionTable:
        return self.registry.permissions

    def csrf_key(self) -> str:
        if self._csrf_key is None:
            with session_scope(self.settings.database_url) as s:
                key = service.stored_csrf_key(s)
            if key is None:  # deleted since the migration made it: made again, in a write transaction
                with write_session(self.settings.database_url) as s:
                    key = service.csrf_key(s)
            self._csrf_key = key
        return self._csrf_key

    def route(self, name: str) -> RouteSpec:
        for spec in self.registry.routes:
            if spec.name == name:
                return spec
        raise KeyError(f"no route named {name!r}")

    def url(self, name: str, org: int | None = None, **params: Any) -> str:
        """Path of a page or API route by name; ``org`` is used only by organisation routes."""
        spec = self.route(name)
        if spec.org_scoped:
            if org is None:
                raise ValueError(f"route {name} needs an organisation")
            params["org"] = org

        def fill(match: re.Match[str]) -> str:
            if match.group(1) not in params:
                raise ValueError(f"route {name}: missing parameter {match.group(1)!r}")
            return quote(str(params[match.group(1)]), safe="")

        return _PARAM.sub(fill, spec.path)
