"""Pages and JSON API of assessments, registered with the web shell.

Permissions: everyone with a role in the organisation reads assessments and referentials (and downloads
declarations, exports and evidence); a referent, a manager or an administrator starts assessments, answers,
sets details and the RGAA sample, imports answers and submits; a manager or an administrator validates,
sends back and deletes.  The person acting and their role are always the signed-in user's (or the API token
owner's), never a form field.  Installing a referential changes what every organisation of the installation
sees, so only an installation administrator does it.

The pages live in ``routes_referentials``, ``routes_assessments``, ``routes_answers`` and
``routes_files``; the API in ``routes_api``.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from fastapi.responses import Response

from sobre.web.context import RequestContext
from sobre.web.permissions import INSTALLATION_ADMIN, ROLES
from sobre.web.registry import CapabilityRegistry

VIEW = "assessment.view"
ANSWER = "assessment.answer"
VALIDATE = "assessment.validate"
DELETE = "assessment.delete"
ANSWERING_ROLES = ("admin", "manager", "referent")
VALIDATING_ROLES = ("admin", "manager")


def register(registry: CapabilityRegistry) -> None:
    from sobre.assessment import (
        routes_answers,
        routes_api,
        routes_assessments,
        routes_files,
        routes_referentials,
    )

    registry.permission(VIEW, ROLES, "assessment.perm.view")
    registry.permission(ANSWER, ANSWERING_ROLES, "assessment.perm.answer")
    registry.permission(VALIDATE, VALIDATING_ROLES, "assessment.perm.validate")
    registry.permission(DELETE, VALIDATING_ROLES, "assessment.perm.delete")
    routes_referentials.register(registry)
    routes_assessments.register(registry)
    routes_answers.register(registry)
    routes_files.register(registry)
    routes_api.register(registry)
    registry.menu("assessment.menu.assessments", "assessment.assessments", permission=VIEW, order=50)
    registry.menu("assessment.menu.referentials", "assessment.referentials", permission=VIEW, order=51)
    registry.menu(
        "assessment.menu.install",
        "assessment.install_form",
        permission=INSTALLATION_ADMIN,
        order=30,
        section="account",
    )


def actor(ctx: RequestContext) -> tuple[str, str]:
    """Who acts and in which role: the signed-in person (or the token's owner) and their role here."""
    assert ctx.user is not None
    return ctx.user.display, ctx.role or "viewer"


def render(ctx: RequestContext, template: str, status: int = 200, **values: Any) -> Response:
    """A page with the helpers every assessment template uses (texts quoted in their own language…)."""
    from sobre.assessment import documents, page_data

    package = values.get("package")
    if package is not None:
        values.setdefault("choice_label", lambda code: page_data.choice_label(package.kind, code, ctx.lang))
        values.setdefault(
            "theme_label", lambda code, fallback="": page_data.theme_label(package, code, fallback, ctx.lang)
        )
    return ctx.render(
        template,
        status,
        quoted=page_data.quoted,
        role_label=lambda role: documents.role_label(role, ctx.lang),
        describe=lambda series: page_data.describe(series, ctx.lang),
        roles=ROLES,
        **values,
    )


def org_name(ctx: RequestContext) -> str:
    assert ctx.org is not None
    return ctx.org.name


def attachment(content: bytes, name: str, media_type: str) -> Response:
    """A download: never shown inline, with the file name in ASCII and in UTF-8 (RFC 6266)."""
    fallback = "".join(c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in name)
    disposition = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    return Response(content, media_type=media_type, headers={"content-disposition": disposition})


MEDIA = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}
