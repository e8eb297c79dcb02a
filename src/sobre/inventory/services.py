"""Use cases of digital services: the services an organisation offers, and the applications they run on.

Assessments (RGESN, RGAA) and eco-design reviews are made of a digital service; other capabilities reach
services through these functions, never through the tables.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from sobre.core.errors import InputError, NotFound, SobreError
from sobre.inventory.models import Application, Department, DigitalService, DigitalServiceApplication
from sobre.inventory.taxonomy import Criticality, ServiceStatus
from sobre.orgs import service as orgs

#: Fields a caller may set on a service (besides its name).
EDITABLE = ("description", "owner", "url", "audience", "users", "status", "criticality", "department")


@dataclass
class ServiceView:
    """A digital service as callers see it: plain values, applications by name."""

    id: int
    org_id: int
    name: str
    description: str | None
    owner: str | None
    url: str | None
    audience: str | None
    users: int | None
    status: str
    criticality: str | None
    department: str | None
    created_at: datetime
    applications: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["created_at"] = self.created_at.isoformat()
        return data


def _check(fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise SobreError(f"unknown service field(s): {', '.join(sorted(unknown))}")
    checks = {"status": ServiceStatus, "criticality": Criticality}
    for name, enum in checks.items():
        value = fields.get(name)
        if value is not None and value not in {e.value for e in enum}:
            raise InputError(
                f"invalid {name}", column=name, value=value, expected=", ".join(e.value for e in enum)
            )
    users = fields.get("users")
    if users is not None and (not isinstance(users, int) or users < 0):
        raise InputError("invalid number of users", column="users", value=users, expected="an integer ≥ 0")
    url = fields.get("url")
    if url and not str(url).startswith(("http://", "https://")):
        raise InputError("invalid URL", column="url", value=url, expected="an http:// or https:// address")


def _department_id(session: Session, org_id: int, name: str | None) -> int | None:
    if not name:
        return None
    found = session.scalar(
        sa.select(Department.id).where(Department.org_id == org_id, Department.name == name)
    )
    if found is None:
        raise NotFound(f"no department named {name!r} in this organisation")
    return int(found)


def _get(session: Session, org_id: int, name: str) -> DigitalService:
    found = session.scalar(
        sa.select(DigitalService).where(DigitalService.org_id == org_id, DigitalService.name == name)
    )
    if found is None:
        raise NotFound(f"no digital service named {name!r}; create it with 'sobre service create'")
    return found


def _view(session: Session, service: DigitalService) -> ServiceView:
    department = session.get(Department, service.department_id) if service.department_id else None
    apps = session.execute(
        sa.select(Application.name, Application.environment)
        .join(DigitalServiceApplication, DigitalServiceApplication.application_id == Application.id)
        .where(DigitalServiceApplication.service_id == service.id)
        .order_by(Application.name, Application.environment)
    ).all()
    return ServiceView(
        id=service.id,
        org_id=service.org_id,
        name=service.name,
        description=service.description,
        owner=service.owner,
        url=service.url,
        audience=service.audience,
        users=service.users,
        status=service.status,
        criticality=service.criticality,
        department=department.name if department else None,
        created_at=service.created_at,
        applications=[{"name": n, "environment": e} for n, e in apps],
    )


def create(session: Session, org: str, name: str, **fields: Any) -> ServiceView:
    """Create a digital service of organisation ``org``."""
    name = name.strip()
    if not name:
        raise SobreError("a digital service needs a name")
    _check(fields)
    org_id = orgs.get(session, org).id
    exists = session.scalar(
        sa.select(DigitalService.id).where(DigitalService.org_id == org_id, DigitalService.name == name)
    )
    if exists is not None:
        raise SobreError(f"digital service {name!r} already exists")
    department = fields.pop("department", None)
    service = DigitalService(
        org_id=org_id,
        name=name,
        department_id=_department_id(session, org_id, department),
        **{k: v for k, v in fields.items() if v is not None},
    )
    session.add(service)
    session.flush()
    return _view(session, service)


def update(session: Session, org: str, name: str, **fields: Any) -> ServiceView:
    """Change some fields of a service (``None`` leaves a field as it is)."""
    _check(fields)
    org_id = orgs.get(session, org).id
    service = _get(session, org_id, name)
    if "department" in fields:
        department = fields.pop("department")
        if department is not None:
            service.department_id = _department_id(session, org_id, department)
    for key, value in fields.items():
        if value is not None:
            setattr(service, key, value)
    session.flush()
    return _view(session, service)


def get(session: Session, org: str, name: str) -> ServiceView:
    return _view(session, _get(session, orgs.get(session, org).id, name))


def get_by_id(session: Session, org_id: int, service_id: int) -> ServiceView:
    service = session.get(DigitalService, service_id)
    if service is None or service.org_id != org_id:
        raise NotFound(f"no digital service with id {service_id} in this organisation")
    return _view(session, service)


def list_services(session: Session, org: str, *, status: str | None = None) -> list[ServiceView]:
    org_id = orgs.get(session, org).id
    q = sa.select(DigitalService).where(DigitalService.org_id == org_id).order_by(DigitalService.name)
    if status:
        q = q.where(DigitalService.status == status)
    return [_view(session, s) for s in session.scalars(q)]


def link_application(
    session: Session, org: str, name: str, application: str, environment: str = "production"
) -> ServiceView:
    """Say that service ``name`` runs on ``application`` (in ``environment``); linking twice is harmless."""
    org_id = orgs.get(session, org).id
    service = _get(session, org_id, name)
    app_id = session.scalar(
        sa.select(Application.id).where(
            Application.org_id == org_id,
            Application.name == application,
            Application.environment == environment,
        )
    )
    if app_id is None:
        raise NotFound(f"no application {application!r} in environment {environment!r}")
    if session.get(DigitalServiceApplication, (service.id, app_id)) is None:
        session.add(DigitalServiceApplication(service_id=service.id, application_id=app_id))
        session.flush()
    return _view(session, service)


def unlink_application(
    session: Session, org: str, name: str, application: str, environment: str = "production"
) -> ServiceView:
    org_id = orgs.get(session, org).id
    service = _get(session, org_id, name)
    app_ids = sa.select(Application.id).where(
        Application.org_id == org_id, Application.name == application, Application.environment == environment
    )
    session.execute(
        sa.delete(DigitalServiceApplication).where(
            DigitalServiceApplication.service_id == service.id,
            DigitalServiceApplication.application_id.in_(app_ids),
        )
    )
    session.flush()
    return _view(session, service)


def delete(session: Session, org: str, name: str) -> None:
    org_id = orgs.get(session, org).id
    session.delete(_get(session, org_id, name))
    session.flush()


def application_ids(session: Session, org_id: int, service_id: int) -> list[int]:
    """Ids of the applications a service runs on (to follow it to its VMs, hosts and footprint)."""
    return list(
        session.scalars(
            sa.select(DigitalServiceApplication.application_id)
            .join(DigitalService, DigitalService.id == DigitalServiceApplication.service_id)
            .where(DigitalService.org_id == org_id, DigitalService.id == service_id)
        )
    )
