"""One-click actions from a ROT finding (data sobriety) and from an incident (service desk).

:func:`create_action_from` is the stable entry point the pages call: ``create_action_from(session, org_id,
origin, ref) -> Action``.  It reads the other capabilities through their public functions only
(``sobre.datasobriety.service.plan``, ``sobre.servicedesk.views.view``).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, SobreError
from sobre.core.estimate import Estimate
from sobre.core.i18n import t
from sobre.orgs import service as orgs
from sobre.strategy.models import Action, Scenario, ScenarioChange
from sobre.strategy.scenarios import check_spec, evaluate

#: Origins :func:`create_action_from` knows, and the form of their reference.
REFERENCES = {"rot": "SCAN[:KIND] (a data scan's id and a finding kind of its plan)", "incident": "NUMBER"}
BYTES_PER_GB = 1e9


def _database_url(session: Session) -> str:
    return session.get_bind().engine.url.render_as_string(hide_password=False)


def rot_deletion(session: Session, org: str, scan_id: int, finding: str | None = None) -> tuple[float, list]:
    """GB the data-sobriety plan of scan ``scan_id`` deletes (its ``delete`` items, of kind ``finding``
    when given) and those plan items."""
    from sobre.datasobriety import service as data

    items = [i for i in data.plan(session, org, scan_id).items if i.action == "delete" and i.files]
    chosen = [i for i in items if finding in (None, i.kind)]
    if not chosen:
        raise InputError.keyed(
            "st.refuse.rot_kind",
            column="rot_finding",
            value=finding or "",
            expected=", ".join(sorted({i.kind for i in items})) or "no deletion in that plan",
        )
    return sum(i.bytes for i in chosen) / BYTES_PER_GB, chosen


def _parse_rot(ref: str) -> tuple[int, str | None]:
    scan, _, kind = str(ref).strip().partition(":")
    if not scan.isdigit():
        raise InputError.keyed("st.refuse.rot_ref", column="ref", value=str(ref), expected=REFERENCES["rot"])
    return int(scan), kind.strip() or None


def _from_rot(session: Session, org: str, ref: str, lang: str, volume: str | None) -> dict[str, Any]:
    from sobre.strategy import service, steering

    scan_id, finding = _parse_rot(ref)
    gb, items = rot_deletion(session, org, scan_id, finding)
    files = sum(len(i.files) for i in items)
    kinds = ", ".join(t(f"datasobriety.kind.{i.kind.split(':')[0]}", lang) for i in items)
    title = t("strategy.from_rot.title", lang, files=files, gb=gb, kinds=kinds, scan=scan_id)
    params: dict[str, Any] = {"gb": gb, "rot_scan": scan_id}
    if finding:
        params["rot_finding"] = finding
    if volume:
        params["volume"] = volume
    spec = check_spec("delete_data", params)
    fields: dict[str, Any] = {
        "title": title,
        "origin": "rot",
        "origin_ref": f"{scan_id}:{finding}" if finding else str(scan_id),
        "owner_role": items[0].owner_role,
        "effort": max((i.effort for i in items), key=("low", "medium", "high").index),
        "horizon": "short",
    }
    # The avoided impact comes from the engine (the deletion as a scenario change on the inventory's
    # volumes); when it cannot run (no footprint run, no storage volume), from the plan's own estimate of
    # keeping those bytes a year, said so in the description.
    try:
        from sobre.footprint.engine import compute

        base = service.baseline(_database_url(session), org)
        effect = evaluate([spec], base.inventory, base.factors, base.result, compute, **base.options)
    except (InputError, SobreError) as err:
        if volume and getattr(err, "column", None) == "volume":
            raise  # a volume named wrongly is the user's to fix, not a reason to estimate otherwise
        plan: dict[str, Estimate] = {}
        for item in items:
            for code, estimate in item.footprint.items():
                plan[code] = estimate if code not in plan else plan[code] + estimate
        fields["avoided"] = {
            c: {"value": e.value, "low": e.low, "high": e.high, "unit": e.unit} for c, e in plan.items()
        }
        fields["description"] = t("strategy.from_rot.plan_estimate", lang, reason=str(err))
        return fields
    org_id = orgs.get(session, org).id
    name = _free_name(session, org_id, t("strategy.from_rot.scenario", lang, ref=fields["origin_ref"]))
    row = Scenario(org_id=org_id, name=name, description=title, effect=effect.to_dict())
    row.baseline_run_id = base.run_id
    session.add(row)
    session.flush()
    session.add(
        ScenarioChange(
            org_id=row.org_id, scenario_id=row.id, position=0, kind=spec.kind, params=dict(spec.params)
        )
    )
    fields["scenario_id"] = row.id
    fields["avoided"] = steering.avoided_impact(effect.to_dict())
    fields["description"] = t("strategy.from_rot.engine", lang, gb=gb, scenario=name)
    return fields


def _free_name(session: Session, org_id: int, wanted: str) -> str:
    """``wanted``, or ``wanted (2)``… when the organisation has a scenario of that name."""
    taken = set(session.scalars(sa.select(Scenario.name).where(Scenario.org_id == org_id)))
    name, n = wanted, 1
    while name in taken:
        n += 1
        name = f"{wanted} ({n})"
    return name


def _from_incident(session: Session, org_id: int, ref: str, lang: str) -> dict[str, Any]:
    from sobre.servicedesk import views

    if not str(ref).strip().lstrip("#").isdigit():
        raise InputError.keyed("st.refuse.incident_ref", column="ref", value=str(ref), expected="NUMBER")
    number = int(str(ref).strip().lstrip("#"))
    ticket = views.view(session, org_id, number)
    if ticket["kind"] != "incident":
        raise InputError.keyed("st.refuse.not_incident", column="ref", value=str(number))
    fields: dict[str, Any] = {
        "title": t("strategy.from_incident.title", lang, number=number, title=ticket["title"][:180]),
        "origin": "incident",
        "origin_ref": f"#{number}",
        "owner_role": ticket.get("group") or t("strategy.from_incident.owner", lang),
        "effort": "medium",
        "horizon": "short",
    }
    assessed = ticket.get("assessment") or {}
    kg, cost = assessed.get("kgco2e") or {}, assessed.get("cost_eur") or {}
    if kg.get("value") is not None:
        # What one more incident like it would emit: the impact a fix of its cause avoids each time.
        fields["avoided"] = {
            "climate_change": {
                "value": kg["value"],
                "low": kg.get("low"),
                "high": kg.get("high"),
                "unit": kg.get("unit") or "kgCO2e",
            }
        }
    if cost.get("value") is not None:
        fields["savings_eur"] = float(cost["value"])
    fields["description"] = "\n".join(
        filter(
            None,
            [
                t("strategy.from_incident.description", lang, number=number),
                ticket.get("description") or "",
                t("strategy.from_incident.impact", lang, kg=kg["value"])
                if kg.get("value") is not None
                else "",
            ],
        )
    )
    return fields


def create_action_from(
    session: Session,
    org_id: int,
    origin: str,
    ref: str,
    *,
    lang: str = "fr",
    volume: str | None = None,
    **fields: Any,
) -> Action:
    """One click: an action of ``origin`` ``rot`` (``ref`` = ``SCAN[:KIND]``) or ``incident`` (``ref`` = its
    number), pre-filled from the finding or the incident: title, origin and reference, expected avoided
    impact (a ROT finding's volume through the ``delete_data`` scenario change, computed by the engine; an
    incident's assessed emissions, per occurrence), owner role, effort and horizon.  ``fields`` override
    any of them (as :func:`sobre.strategy.steering.add_action` takes them); ``volume`` names the storage
    volume the ROT data lives on (else the deletion is spread over the volumes by stored GB)."""
    from sobre.strategy import steering

    org = orgs.get_by_id(session, org_id).name
    if origin == "rot":
        proposed = _from_rot(session, org, ref, lang, volume)
    elif origin == "incident":
        proposed = _from_incident(session, org_id, ref, lang)
    else:
        raise InputError.keyed(
            "st.refuse.origin",
            column="origin",
            value=origin,
            expected=", ".join(REFERENCES),
        )
    proposed.update({k: v for k, v in fields.items() if v is not None})
    title = proposed.pop("title")
    action_id = steering.add_action(session, org, title, **proposed)
    action = session.get(Action, action_id)
    assert action is not None
    return action


__all__ = ["REFERENCES", "create_action_from", "rot_deletion"]
