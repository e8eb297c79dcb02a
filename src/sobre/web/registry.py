"""What a capability's ``register(registry)`` receives: pages, API routes, permissions and menu entries.

A capability names ``web="sobre.<cap>.routes:register"`` in its ``CAPABILITY``; the shell calls
``register(registry)`` with a :class:`CapabilityRegistry` bound to that capability::

    def register(registry):
        registry.permission("inventory.view", ROLES, "inventory.perm.view")
        registry.menu("inventory.menu.items", "inventory.items", permission="inventory.view")

        @registry.page("/items", permission="inventory.view")
        def items(ctx: Ctx, page: int = 1):
            with ctx.session() as s:
                ...
            return ctx.render("inventory/items.html", rows=rows)

        @registry.api("/items", permission="inventory.view", response_model=Paginated[Item])
        def api_items(ctx: Ctx, paging: Paging):
            ...

Pages of an organisation live under ``/o/{org}``, API routes under ``/api/v1/orgs/{org}``; ``org=False``
makes a route global (then ``permission`` is :data:`PUBLIC`, :data:`SIGNED_IN` or
:data:`INSTALLATION_ADMIN`).  Every route is recorded in :attr:`WebRegistry.routes`, the route table that the
tests walk for every role and organisation.

Machines that post to Sobre (monitoring agents, webhooks) authenticate with credentials of their own, not
with a person's session or API token: ``registry.endpoints(build, auth=EndpointAuth(...))`` adds a FastAPI
router served as it is, outside the guard (no session, no CSRF, no role), its routes listed in the table
with the name of their authentication (kind ``"endpoint"``).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends

from sobre.web.permissions import (
    INSTALLATION_ADMIN,
    LEVELS,
    PUBLIC,
    SIGNED_IN,
    DeclarationError,
    PermissionTable,
)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
ORG_PAGE_PREFIX = "/o/{org:int}"
ORG_API_PREFIX = "/orgs/{org}"


@dataclass(frozen=True)
class RouteSpec:
    """One route of the table: how it is reached and the permission it needs."""

    #: "page", "api", or "endpoint" (own authentication; ``permission`` then names an :class:`EndpointAuth`).
    kind: str
    name: str
    #: Full path as served (API paths include ``/api/v1``), with ``{org}`` for organisation routes.
    path: str
    methods: tuple[str, ...]
    permission: str
    org_scoped: bool
    capability: str

    @property
    def changes(self) -> bool:
        """Whether the route may change data (any method other than GET, HEAD, OPTIONS)."""
        return any(m not in SAFE_METHODS for m in self.methods)

    @property
    def plain_path(self) -> str:
        return self.path.replace("{org:int}", "{org}")


@dataclass(frozen=True)
class EndpointAuth:
    """How the callers of a capability's endpoints authenticate (agent tokens, webhook secrets…).

    The endpoints check the credentials themselves and find the organisation from them, never from the
    URL or the body; a person's session or API token gives no access through them.
    """

    #: Listed in the route table as the routes' permission, e.g. ``"supervision.agent-token"``.
    name: str
    #: Message key of a one-line description.
    description: str
    #: ``(database_url, org_id) -> headers`` carrying a new valid credential of that organisation: how an
    #: administrator's tooling (and the route-table tests) obtain one.
    credentials: Callable[[str, int], dict[str, str]] | None = None


@dataclass(frozen=True)
class MenuEntry:
    label: str  # message key
    route: str  # route name
    permission: str
    order: int
    capability: str
    #: "org": the organisation's navigation; "account": the header's account menu.
    section: str = "org"


@dataclass
class WebRegistry:
    """Everything the capabilities registered; the application is built from it."""

    permissions: PermissionTable = field(default_factory=PermissionTable)
    pages: APIRouter = field(default_factory=APIRouter)
    api: APIRouter = field(default_factory=APIRouter)
    routes: list[RouteSpec] = field(default_factory=list)
    menu: list[MenuEntry] = field(default_factory=list)
    templates: dict[str, Path] = field(default_factory=dict)
    static: dict[str, Path] = field(default_factory=dict)
    #: Routers with their own authentication, included in the application as they are.
    endpoint_routers: list[APIRouter] = field(default_factory=list)
    endpoint_auth: dict[str, EndpointAuth] = field(default_factory=dict)
    #: How each endpoint router was built, so that a copy bound to another database builds its own.
    endpoint_builders: list[Callable[[Callable[[], str]], APIRouter]] = field(default_factory=list)
    #: The database the application serves, bound by the application factory (endpoints read it lazily).
    database_url: str | None = None

    def bound_database_url(self) -> str:
        if self.database_url is None:
            raise RuntimeError("the web registry is not bound to a database (create_app binds it)")
        return self.database_url

    def bound(self, database_url: str) -> WebRegistry:
        """A copy serving ``database_url``: the route table, routers and permissions are shared (built once,
        read-only once built); the endpoint routers, which hold state of their own (ingest buffers,
        metrics), are built again for the copy and read its database."""
        copy = replace(
            self,
            routes=list(self.routes),
            menu=list(self.menu),
            templates=dict(self.templates),
            static=dict(self.static),
            endpoint_auth=dict(self.endpoint_auth),
            endpoint_builders=list(self.endpoint_builders),
            endpoint_routers=[],
            database_url=database_url,
        )
        copy.endpoint_routers = [build(copy.bound_database_url) for build in self.endpoint_builders]
        return copy

    def is_endpoint(self, path: str) -> bool:
        """Whether ``path`` is served by an endpoint router (its errors are answered as the API's are)."""
        for router in self.endpoint_routers:
            for route in router.routes:
                pattern = getattr(route, "path_regex", None)
                if pattern is not None and pattern.match(path):
                    return True
        return False

    def capability(self, name: str, folder: Path | None = None) -> CapabilityRegistry:
        if folder is not None:
            if (folder / "templates").is_dir():
                self.templates[name] = folder / "templates"
            if (folder / "static").is_dir():
                self.static[name] = folder / "static"
        return CapabilityRegistry(self, name)

    def check(self) -> None:
        """Refuse a route naming an unknown permission (a programming error, found at start-up)."""
        for route in self.routes:
            if route.kind == "endpoint":
                if route.permission not in self.endpoint_auth:
                    raise DeclarationError(f"endpoint {route.name} names unknown authentication")
            elif route.permission not in self.permissions:
                raise DeclarationError(
                    f"route {route.name} ({route.path}) needs unknown permission {route.permission!r}"
                )
        names = [r.name for r in self.routes]
        for entry in self.menu:
            if entry.permission not in self.permissions:
                raise DeclarationError(
                    f"menu entry {entry.label} needs unknown permission {entry.permission!r}"
                )
            if entry.route not in names:
                raise DeclarationError(f"menu entry {entry.label} points to unknown route {entry.route!r}")
        duplicates = {n for n in names if names.count(n) > 1}
        if duplicates:
            raise DeclarationError(f"route names registered twice: {sorted(duplicates)}")

    def menu_for(self, section: str, can: Callable[[str], bool]) -> list[MenuEntry]:
        return sorted(
            (m for m in self.menu if m.section == section and can(m.permission)),
            key=lambda m: (m.order, m.label),
        )


def _inject_context(endpoint: Callable[..., Any]) -> None:
    """A parameter named ``ctx`` receives the request context, whatever its annotation says.

    (With ``from __future__ import annotations`` an annotation is a string that FastAPI resolves in the
    module's globals; a ``Ctx`` imported inside a function would silently become a query parameter.)
    """
    from sobre.web.context import Ctx

    signature = inspect.signature(endpoint)
    if "ctx" in signature.parameters:
        parameters = [
            p.replace(annotation=Ctx) if p.name == "ctx" else p for p in signature.parameters.values()
        ]
        endpoint.__signature__ = signature.replace(parameters=parameters)  # type: ignore[attr-defined]


class CapabilityRegistry:
    """The registry as one capability sees it (routes and permissions are filed under its name)."""

    def __init__(self, registry: WebRegistry, name: str) -> None:
        self._registry = registry
        self.name = name

    @property
    def permissions(self) -> PermissionTable:
        return self._registry.permissions

    def permission(self, name: str, roles: Sequence[str], description: str) -> None:
        """Declare a permission and the roles that hold it (``description`` is a message key)."""
        self._registry.permissions.declare(name, roles, description, self.name)

    def menu(
        self, label: str, route: str, *, permission: str, order: int = 100, section: str = "org"
    ) -> None:
        """Add a navigation entry to route ``route``, shown to those who hold ``permission``."""
        self._registry.menu.append(MenuEntry(label, route, permission, order, self.name, section))

    def endpoints(self, build: Callable[[Callable[[], str]], APIRouter], *, auth: EndpointAuth) -> None:
        """Add a router of routes with their own authentication (``auth``), served outside the guard.

        ``build(database_url)`` receives a function returning the served database's URL (call it per
        request, not at build time) and returns a FastAPI ``APIRouter``; every route it holds is listed in
        the route table under ``auth.name``.  Its errors are answered as RFC 9457 problem documents.
        """
        previous = self._registry.endpoint_auth.get(auth.name)
        if previous is not None and previous != auth:
            raise DeclarationError(f"endpoint authentication {auth.name!r} declared twice differently")
        self._registry.endpoint_auth[auth.name] = auth
        router = build(self._registry.bound_database_url)
        for route in router.routes:
            path = getattr(route, "path", None)
            methods = getattr(route, "methods", None)
            if path is None or not methods:
                raise DeclarationError(f"endpoint router of {self.name} holds a route without path or method")
            name = f"{self.name}.{getattr(route, 'name', path)}"
            spec = RouteSpec("endpoint", name, path, tuple(sorted(methods)), auth.name, False, self.name)
            self._registry.routes.append(spec)
        self._registry.endpoint_routers.append(router)
        self._registry.endpoint_builders.append(build)

    def page(
        self,
        path: str,
        *,
        permission: str,
        methods: Sequence[str] = ("GET",),
        name: str | None = None,
        org: bool = True,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A server-rendered page (HTML, forms with CSRF tokens checked on every unsafe method)."""
        return self._route("page", path, permission, methods, name, org, {})

    def api(
        self,
        path: str,
        *,
        permission: str,
        methods: Sequence[str] = ("GET",),
        name: str | None = None,
        org: bool = True,
        **options: Any,
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """A JSON endpoint under ``/api/v1`` (token auth); ``options`` go to FastAPI (response_model…)."""
        if permission == INSTALLATION_ADMIN:
            raise DeclarationError("API tokens are scoped to an organisation: no installation-wide API route")
        return self._route("api", path, permission, methods, name, org, options)

    def _route(
        self,
        kind: str,
        path: str,
        permission: str,
        methods: Sequence[str],
        name: str | None,
        org: bool,
        options: dict[str, Any],
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        from sobre.web.context import guard

        if org and permission in LEVELS:
            raise DeclarationError(f"{path}: an organisation route needs an organisation permission")
        if not org and permission not in (PUBLIC, SIGNED_IN, INSTALLATION_ADMIN):
            raise DeclarationError(
                f"{path}: a global route takes {PUBLIC}, {SIGNED_IN} or {INSTALLATION_ADMIN}"
            )
        methods = tuple(m.upper() for m in methods)

        def decorate(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            route_name = name or f"{self.name}.{endpoint.__name__}"
            _inject_context(endpoint)
            if kind == "page":
                full = (ORG_PAGE_PREFIX + path) if org else path
                router, served = self._registry.pages, full
                extra: dict[str, Any] = {"include_in_schema": False, "response_model": None}
            else:
                full = (ORG_API_PREFIX + path) if org else path
                router, served = self._registry.api, "/api/v1" + full
                extra = {"tags": [self.name], **options}
            spec = RouteSpec(kind, route_name, served, methods, permission, org, self.name)
            self._registry.routes.append(spec)
            router.add_api_route(
                full,
                endpoint,
                methods=list(methods),
                name=route_name,
                dependencies=[Depends(guard(spec))],
                **extra,
            )
            return endpoint

        return decorate
