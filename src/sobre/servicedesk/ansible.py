"""The inventory as an Ansible inventory (YAML), so that installs and maintenance run from the same records.

Hosts are the machines one manages remotely: servers, storage arrays, network equipment and VMs, plus any
other item whose documentation gives an ``ansible_host``.  Groups: ``site_<site>``, ``category_<category>``,
``application_<application>`` (the VMs and machines it runs on), ``criticality_<level>`` and
``maintenance_due`` (items with a preventive task due within 30 days).  Host variables: the item's
documentation settings (``ansible_*`` keys as they are, others prefixed ``sobre_``; an ``ip`` or ``address``
setting becomes ``ansible_host`` when none is set), and its inventory facts (``sobre_site``,
``sobre_category``, ``sobre_model``, ``sobre_criticality``).  Confidential fields are never exported: only
their names are listed (``sobre_secrets``), for a vault lookup in the playbook.

The file is YAML written with JSON-quoted scalars (valid YAML, read by Ansible's ``yaml`` inventory plugin).
"""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import date
from pathlib import Path
from typing import Any

MANAGED_CATEGORIES = frozenset(
    {
        "rack_server",
        "blade_server",
        "tower_server",
        "storage_array",
        "switch",
        "router",
        "firewall",
        "wifi_access_point",
    }
)


def group_name(prefix: str, text: str) -> str:
    """A valid Ansible group name: ASCII letters, digits and underscores."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return f"{prefix}_" + (re.sub(r"[^a-z0-9]+", "_", ascii_text).strip("_") or "unnamed")


def build(
    nodes: list[dict[str, Any]],
    records: dict[tuple[str, int], dict[str, Any]],
    secrets: dict[tuple[str, int], list[str]],
    due: set[tuple[str, int]],
    org: str,
) -> dict[str, Any]:
    """The inventory as data: ``{"all": {"vars": …, "hosts": …, "children": …}}``."""
    by_key = {(n["kind"], n["id"]): n for n in nodes}
    hosts: dict[str, dict[str, Any]] = {}
    keys: dict[tuple[str, int], str] = {}
    for key, node in by_key.items():
        if node["kind"] not in ("equipment", "vm"):
            continue
        doc = records.get(key, {})
        managed = node["kind"] == "vm" or node.get("category") in MANAGED_CATEGORIES or "ansible_host" in doc
        if not managed:
            continue
        hostvars: dict[str, Any] = {}
        for name, value in sorted(doc.items()):
            hostvars[name if name.startswith("ansible_") else "sobre_" + re.sub(r"\W+", "_", name)] = value
        if "ansible_host" not in hostvars:
            for candidate in ("sobre_ip", "sobre_address", "sobre_adresse_ip", "sobre_fqdn"):
                if candidate in hostvars:
                    hostvars["ansible_host"] = hostvars[candidate]
                    break
        site = _site(node, by_key)
        facts = {
            "sobre_kind": node["kind"],
            "sobre_category": node.get("category"),
            "sobre_site": site,
            "sobre_model": " ".join(filter(None, (node.get("manufacturer"), node.get("model")))) or None,
            "sobre_criticality": node.get("criticality"),
        }
        if node["kind"] == "vm":
            host = next((by_key[p] for p in node["parents"] if p in by_key), None)
            facts["sobre_vm_host"] = host["name"] if host else None
        hostvars.update({k: v for k, v in facts.items() if v})
        if secrets.get(key):
            hostvars["sobre_secrets"] = sorted(secrets[key])
        hosts[node["name"]] = hostvars
        keys[key] = node["name"]
    children: dict[str, set[str]] = {}
    for key, name in keys.items():
        node = by_key[key]
        hv = hosts[name]
        if hv.get("sobre_site"):
            children.setdefault(group_name("site", hv["sobre_site"]), set()).add(name)
        children.setdefault(group_name("category", node.get("category") or node["kind"]), set()).add(name)
        if node.get("criticality"):
            children.setdefault(group_name("criticality", node["criticality"]), set()).add(name)
        if key in due:
            children.setdefault("maintenance_due", set()).add(name)
    for node in nodes:
        if node["kind"] == "application":
            members = {keys[p] for p in map(tuple, node["parents"]) if p in keys}
            if members:
                children.setdefault(group_name("application", node["name"]), set()).update(members)
    return {
        "all": {
            "vars": {"sobre_organisation": org},
            "hosts": hosts,
            "children": {g: {"hosts": {h: None for h in sorted(m)}} for g, m in sorted(children.items())},
        }
    }


def _site(node: dict[str, Any], by_key: dict[tuple[str, int], dict[str, Any]]) -> str | None:
    seen = set()
    current: dict[str, Any] | None = node
    while current is not None and (current["kind"], current["id"]) not in seen:
        seen.add((current["kind"], current["id"]))
        for parent in map(tuple, current["parents"]):
            if parent[0] == "site" and parent in by_key:
                return str(by_key[parent]["name"])
        current = next((by_key[p] for p in map(tuple, current["parents"]) if p in by_key), None)
    return None


def to_yaml(data: Any, indent: int = 0) -> str:
    """YAML for nested dicts of scalars and lists, every string JSON-quoted (so never misread)."""
    pad = "  " * indent
    lines: list[str] = []
    for key, value in data.items():
        k = json.dumps(str(key), ensure_ascii=False)
        if isinstance(value, dict):
            if value:
                lines.append(f"{pad}{k}:")
                lines.append(to_yaml(value, indent + 1))
            else:
                lines.append(f"{pad}{k}: {{}}")
        elif value is None:
            lines.append(f"{pad}{k}:")
        else:
            lines.append(f"{pad}{k}: {json.dumps(value, ensure_ascii=False, default=str)}")
    return "\n".join(line for line in lines if line)


def export(database_url: str, org: str, path: Path) -> int:
    """Write ``org``'s Ansible inventory to ``path``; returns the number of hosts.  This is the
    ``inventory.export.ansible`` function that ``sobre export --format ansible`` calls."""
    import sqlalchemy as sa

    from sobre.core.db import session_scope
    from sobre.inventory import service as inventory
    from sobre.orgs import service as orgs
    from sobre.servicedesk import techdoc
    from sobre.servicedesk.models import DocRecord, DocSecret

    with session_scope(database_url) as session:
        org_id = orgs.get(session, org).id
        nodes = inventory.topology(session, org_id)
        docs = {
            (r.item_kind, r.item_id): (r.id, r.settings or {})
            for r in session.scalars(sa.select(DocRecord).where(DocRecord.org_id == org_id))
        }
        by_record = {rid: key for key, (rid, _s) in docs.items()}
        secrets: dict[tuple[str, int], list[str]] = {}
        for record_id, name in session.execute(
            sa.select(DocSecret.record_id, DocSecret.name).where(DocSecret.org_id == org_id)
        ):
            secrets.setdefault(by_record[record_id], []).append(name)
        keys = {(n["kind"], n["name"]): (n["kind"], n["id"]) for n in nodes}
        due = {
            keys[(d["item"]["kind"], d["item"]["name"])]
            for d in techdoc.due(session, org_id, date.today(), within_days=30)
            if (d["item"]["kind"], d["item"]["name"]) in keys
        }
    data = build(nodes, {k: s for k, (_rid, s) in docs.items()}, secrets, due, org)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    header = f"# Ansible inventory of {org}, exported by Sobre on {date.today().isoformat()}.\n"
    path.write_text(header + "---\n" + to_yaml(data) + "\n", encoding="utf-8")
    return len(data["all"]["hosts"])
