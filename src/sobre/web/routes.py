"""The shell's own pages and endpoints, registered like any capability's."""

from __future__ import annotations

from sobre.web import api_v1, pages_account, pages_admin, pages_org
from sobre.web.permissions import INSTALLATION_ADMIN, SIGNED_IN, declare_shell_permissions
from sobre.web.registry import CapabilityRegistry


def register(registry: CapabilityRegistry) -> None:
    declare_shell_permissions(registry.permissions)
    pages_account.register(registry)
    pages_org.register(registry)
    pages_admin.register(registry)
    api_v1.register(registry)
    menu = registry.menu
    menu("web.menu.org_home", "web.org_home", permission="org.view", order=0)
    menu("web.menu.members", "web.members", permission="members.view", order=900)
    menu("web.menu.audit", "web.audit", permission="audit.view", order=910)
    menu("web.menu.tokens", "web.tokens", permission=SIGNED_IN, order=10, section="account")
    menu("web.menu.admin_orgs", "web.admin_orgs", permission=INSTALLATION_ADMIN, order=20, section="account")
    menu(
        "web.menu.admin_users", "web.admin_users", permission=INSTALLATION_ADMIN, order=21, section="account"
    )
    menu(
        "web.menu.admin_audit", "web.admin_audit", permission=INSTALLATION_ADMIN, order=22, section="account"
    )
