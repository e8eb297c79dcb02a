"""Reading what the lifecycle computations need from the database, as plain values (one place, one query
per table): item events, purchase lines, the fleet (through the inventory's service) and the parameters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from sobre.core.db import session_scope
from sobre.inventory import service as inventory
from sobre.lifecycle.agec import PurchaseLine
from sobre.lifecycle.models import Event, Purchase, Supplier
from sobre.lifecycle.parameters import Table
from sobre.lifecycle.reuse import ItemEvent
from sobre.orgs import service as orgs


@dataclass
class LifecycleData:
    organisation: str
    org_id: int
    inhabitants: int | None
    employees: int | None
    country: str | None
    events: list[ItemEvent]
    purchases: list[PurchaseLine]
    fleet: list[dict[str, Any]]
    table: Table
    details: dict[int, dict[str, Any]]  # event id → fields the reports show (counterpart, cost, price…)


def gather(database_url: str, org: str) -> LifecycleData:
    from sobre.lifecycle.service import parameter_table

    with session_scope(database_url) as session:
        organisation = orgs.get(session, org)
        oid = organisation.id
        events, details = [], {}
        for e in session.scalars(
            sa.select(Event).where(Event.org_id == oid).order_by(Event.event_date, Event.id)
        ):
            # The item's key: the inventory row when it still exists, else the name it had.
            key = f"#{e.equipment_id}" if e.equipment_id else e.item_name
            events.append(
                ItemEvent(
                    key,
                    e.kind,
                    e.event_date,
                    e.quantity,
                    e.category,
                    e.purchase_date,
                    e.reuse_commitment,
                    e.restricted,
                    e.id,
                    e.reason,
                    e.item_name,
                )
            )
            details[e.id] = {
                "item": e.item_name,
                "counterpart": e.counterpart,
                "cost": e.cost,
                "price": e.price,
                "reason": e.reason,
                "weight_kg": e.weight_kg,
                "approved_body": e.approved_body,
            }
        suppliers = dict(
            session.execute(sa.select(Supplier.id, Supplier.name).where(Supplier.org_id == oid)).all()
        )
        purchases = [
            PurchaseLine(
                p.id,
                p.purchase_date,
                p.category,
                p.quantity,
                p.unit_price,
                p.condition,
                p.acquisition,
                p.recycled_content_pct,
                suppliers.get(p.supplier_id) if p.supplier_id else None,
                p.model,
            )
            for p in session.scalars(sa.select(Purchase).where(Purchase.org_id == oid).order_by(Purchase.id))
        ]
        fleet = inventory.equipment_records(session, oid)
        return LifecycleData(
            organisation.name,
            oid,
            organisation.inhabitants,
            organisation.employees,
            organisation.country,
            events,
            purchases,
            fleet,
            parameter_table(session, oid),
            details,
        )
