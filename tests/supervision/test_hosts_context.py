"""The hosts' list reads the inventory items of the hosts it lists, not the whole estate, and their
criticality still flows from what runs on them."""

from __future__ import annotations

from typing import Any

import pytest

from sobre.inventory import service as inventory
from sobre.supervision import service
from tests.supervision.conftest import ORG


def test_a_host_list_reads_only_its_hosts_items_with_their_whole_criticality(
    estate: tuple[str, dict[str, int]], monkeypatch: pytest.MonkeyPatch
) -> None:
    url, ids = estate
    service.add_host(url, ORG, "srv-db")  # linked by name to the server that carries the payroll VM
    full = inventory.asset_context(url, ORG)
    part = inventory.asset_context(url, ORG, equipment_ids={ids["srv-db"]}, vm_ids=set())
    assert set(part["equipment"]) == {ids["srv-db"]}  # neither srv-web nor the office PC
    assert part["equipment"][ids["srv-db"]] == full["equipment"][ids["srv-db"]]
    assert part["equipment"][ids["srv-db"]]["effective_criticality"] == "critical"  # from the VM's app
    vm = inventory.asset_context(url, ORG, vm_ids=[ids["vm"]])
    assert vm["equipment"] == {} and vm["vms"] == {ids["vm"]: full["vms"][ids["vm"]]}
    assert inventory.asset_context(url, ORG, equipment_ids=[], vm_ids=[]) == {"equipment": {}, "vms": {}}

    asked: list[dict[str, Any]] = []
    real = inventory.asset_context

    def spy(*args: Any, **kwargs: Any) -> dict[str, dict[int, dict[str, Any]]]:
        asked.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(inventory, "asset_context", spy)
    (host,) = service.list_hosts(url, ORG)
    assert asked == [{"equipment_ids": {ids["srv-db"]}, "vm_ids": set()}]
    assert host["equipment"] == "srv-db" and host["criticality"] == "critical"
