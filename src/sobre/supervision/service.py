"""Use cases of supervision, gathered: hosts, agent tokens, ingestion, metrics, energy, events.

Other capabilities use supervision through this module only: :func:`annual_energy` gives the footprint
the measured yearly energy of supervised equipment, and :func:`on_alert_fired` hands a major or critical
alert that starts firing to the capability that ``provides`` ``servicedesk.incident_from_alert``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sobre.supervision.energy import annual_energy, compute_energy, energy_days, measured_energy
from sobre.supervision.hosts import (
    DEFAULT_PUE,
    DOWN_AFTER_INTERVALS,
    HOST_CLASSES,
    add_host,
    host_ids,
    list_hosts,
    org_id,
    org_name,
    remove_host,
    sync_prometheus_hosts,
    update_host,
)
from sobre.supervision.ingest import (
    AuthError,
    authenticate,
    create_token,
    ingest,
    latest_metrics,
    list_tokens,
    metric_series,
    revoke_token,
    validate_payload,
)

__all__ = [
    "DEFAULT_PUE",
    "DOWN_AFTER_INTERVALS",
    "HOST_CLASSES",
    "INCIDENT_PROVIDER",
    "AlertFired",
    "AuthError",
    "add_host",
    "annual_energy",
    "authenticate",
    "compute_energy",
    "create_token",
    "energy_days",
    "host_ids",
    "ingest",
    "latest_metrics",
    "list_hosts",
    "list_tokens",
    "measured_energy",
    "metric_series",
    "on_alert_fired",
    "org_id",
    "org_name",
    "remove_host",
    "revoke_token",
    "sync_prometheus_hosts",
    "update_host",
    "validate_payload",
]


# ---------------------------------------------------------------- events for other capabilities


@dataclass(frozen=True)
class AlertFired:
    """What a subscriber (the service desk) learns when a major or critical alert starts firing."""

    database_url: str
    org: str
    alert_id: int
    alertname: str
    grade: str
    host: str | None
    equipment_id: int | None
    vm_id: int | None
    summary: str
    labels: dict[str, str]
    started_at: datetime


#: The name under which a capability (the service desk) ``provides`` the function that opens an incident
#: from an alert: ``open_incident(event: AlertFired) -> str | None`` returns the incident's reference.
INCIDENT_PROVIDER = "servicedesk.incident_from_alert"


def on_alert_fired(event: AlertFired) -> list[str]:
    """Hand a major or critical alert to the capability that opens incidents; the reference it returns."""
    from sobre.core.capabilities import provider

    open_incident = provider(INCIDENT_PROVIDER)
    if open_incident is None:
        return []
    ref = open_incident(event)
    return [str(ref)] if ref else []
