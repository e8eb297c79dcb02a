"""Pages and JSON API of the lifecycle capability: permissions, menu entries, and the routes of each part.

Who may do what:

- everyone with a role reads everything (events, proofs, purchases, suppliers, figures, documents, watch);
- ``lifecycle.record`` (administrators, managers, technicians): record events, import batches, attach proofs;
- ``lifecycle.manage`` (administrators, managers): purchases, suppliers and their ESG assessments, the
  organisation's own regulatory parameters;
- ``watch.contribute`` (referents too): propose a watch entry, which waits to be assessed;
- ``watch.manage`` (administrators, managers): feeds, fetching them, and the decision on each entry.
"""

from __future__ import annotations

from sobre.web.permissions import ROLES
from sobre.web.registry import CapabilityRegistry


def register(registry: CapabilityRegistry) -> None:
    from sobre.lifecycle import (
        routes_api,
        routes_api_purchases,
        routes_events,
        routes_purchases,
        routes_reports,
        routes_watch,
    )

    permission = registry.permission
    permission("lifecycle.view", ROLES, "lc.perm.view")
    permission("lifecycle.record", ("admin", "manager", "technician"), "lc.perm.record")
    permission("lifecycle.manage", ("admin", "manager"), "lc.perm.manage")
    permission("watch.contribute", ("admin", "manager", "technician", "referent"), "lc.perm.watch_contribute")
    permission("watch.manage", ("admin", "manager"), "lc.perm.watch_manage")

    routes_events.register(registry)
    routes_purchases.register(registry)
    routes_reports.register(registry)
    routes_watch.register(registry)
    routes_api.register(registry)
    routes_api_purchases.register(registry)

    menu = registry.menu
    menu("lc.menu.lifecycle", "lifecycle.events", permission="lifecycle.view", order=50)
    menu("lc.menu.purchases", "lifecycle.purchases", permission="lifecycle.view", order=51)
    menu("lc.menu.suppliers", "lifecycle.suppliers", permission="lifecycle.view", order=52)
    menu("lc.menu.regulatory", "lifecycle.regulatory", permission="lifecycle.view", order=53)
    menu("lc.menu.watch", "lifecycle.watch", permission="lifecycle.view", order=54)
