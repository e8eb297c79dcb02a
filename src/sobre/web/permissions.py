"""The one permission table: which role may do what, for every page and endpoint of every capability.

Routes name the permission they need; capabilities declare new permissions with the roles that hold them
(``registry.permission(...)``); the shell assembles them here at start-up, refuses a route naming an unknown
permission, and prints the table (``sobre user permissions``, the ``/admin/permissions`` page).

Three access levels are not organisation permissions: :data:`PUBLIC` (anyone, e.g. the sign-in page),
:data:`SIGNED_IN` (any signed-in person: their own account) and :data:`INSTALLATION_ADMIN` (accounts and
organisations of the installation).  Everything else is checked against the caller's role in the
organisation named by the URL; a person without a role there gets 404 for all of it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

#: Roles per organisation, from the widest to the narrowest.
ROLES = ("admin", "manager", "technician", "referent", "viewer")

PUBLIC = "public"
SIGNED_IN = "signed-in"
INSTALLATION_ADMIN = "installation-admin"
LEVELS = (PUBLIC, SIGNED_IN, INSTALLATION_ADMIN)


@dataclass(frozen=True)
class Permission:
    name: str
    roles: frozenset[str]
    #: Message key of a one-line description (shown in the table).
    description: str
    #: The capability that declared it.
    owner: str


class DeclarationError(Exception):
    """A capability declared a permission badly (a programming error, raised at start-up)."""


class PermissionTable:
    """Permissions declared by the shell and the capabilities."""

    def __init__(self) -> None:
        self._permissions: dict[str, Permission] = {}

    def declare(self, name: str, roles: Iterable[str], description: str, owner: str) -> Permission:
        roles = frozenset(roles)
        unknown = roles - set(ROLES)
        if unknown:
            raise DeclarationError(f"permission {name!r}: unknown roles {sorted(unknown)}; roles are {ROLES}")
        if name in LEVELS or not name or " " in name:
            raise DeclarationError(f"{name!r} cannot name a permission")
        previous = self._permissions.get(name)
        if previous is not None and previous.roles != roles:
            raise DeclarationError(
                f"permission {name!r} declared by {previous.owner} and {owner} differently"
            )
        permission = Permission(name, roles, description, owner)
        self._permissions[name] = permission
        return permission

    def __contains__(self, name: object) -> bool:
        return name in self._permissions or name in LEVELS

    def get(self, name: str) -> Permission:
        return self._permissions[name]

    def allows(self, role: str | None, name: str) -> bool:
        """Whether ``role`` (in the organisation at hand) holds permission ``name``."""
        permission = self._permissions.get(name)
        return role is not None and permission is not None and role in permission.roles

    def of_role(self, role: str | None) -> frozenset[str]:
        """Every permission that ``role`` holds."""
        if role is None:
            return frozenset()
        return frozenset(p.name for p in self._permissions.values() if role in p.roles)

    def grantable_roles(self, role: str) -> list[str]:
        """Roles whose permissions are all held by ``role``: what a token made by its holder may carry."""
        held = self.of_role(role)
        return [r for r in ROLES if self.of_role(r) <= held]

    def all(self) -> list[Permission]:
        return sorted(self._permissions.values(), key=lambda p: (p.owner != "web", p.owner, p.name))


def declare_shell_permissions(table: PermissionTable) -> None:
    """The permissions of the shell's own organisation pages."""
    every = ROLES
    table.declare("org.view", every, "web.perm.org_view", "web")
    table.declare("members.view", ("admin", "manager"), "web.perm.members_view", "web")
    table.declare("members.manage", ("admin",), "web.perm.members_manage", "web")
    table.declare("audit.view", ("admin",), "web.perm.audit_view", "web")
    table.declare("audit.export", ("admin",), "web.perm.audit_export", "web")
