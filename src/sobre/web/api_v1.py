"""The shell's JSON endpoints: the caller, organisations, members, API tokens, the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from fastapi import Query, Request, Response
from pydantic import BaseModel, Field

from sobre.core import audit
from sobre.core.errors import InputError, NotFound
from sobre.orgs import service as orgs
from sobre.web import service
from sobre.web.api import Page, Paging, page_of
from sobre.web.context import Ctx
from sobre.web.models import ApiToken, Membership, User
from sobre.web.paging import PageResult, paginate
from sobre.web.params import Id
from sobre.web.permissions import ROLES, SIGNED_IN
from sobre.web.registry import CapabilityRegistry

Role = Literal["admin", "manager", "technician", "referent", "viewer"]
assert set(Role.__args__) == set(ROLES)  # type: ignore[attr-defined]


class OrgOut(BaseModel):
    id: int
    name: str
    role: Role
    employees: int | None = None
    inhabitants: int | None = None
    country: str | None = None


class MembershipOut(BaseModel):
    org_id: int
    org_name: str
    role: Role


class MeOut(BaseModel):
    id: int
    email: str
    name: str | None
    language: str | None
    #: The token's organisation and role (an API token is scoped to one organisation).
    token_org_id: int | None
    token_role: Role | None
    permissions: list[str]
    memberships: list[MembershipOut]


class MemberOut(BaseModel):
    user_id: int
    email: str
    name: str | None
    role: Role
    since: datetime


class MemberIn(BaseModel):
    email: str = Field(max_length=254, examples=["ana@example.org"])
    role: Role


class RoleIn(BaseModel):
    role: Role


class TokenOut(BaseModel):
    id: int
    name: str
    org_id: int
    org_name: str
    role: Role
    prefix: str
    state: Literal["active", "expired", "revoked"]
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None


class TokenIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    role: Role
    expires_days: int | None = Field(default=90, ge=1, le=3650)


class TokenCreated(TokenOut):
    #: The token itself: shown this once, stored only as a hash.
    token: str


class AuditOut(BaseModel):
    id: int
    at: str
    actor: str
    via: str
    address: str | None
    org_id: int | None
    action: str
    entity: str
    entity_id: str | None
    summary: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _token_out(token: Any, org_name: str) -> dict[str, Any]:
    return {
        "id": token.id,
        "name": token.name,
        "org_id": token.org_id,
        "org_name": org_name,
        "role": token.role,
        "prefix": token.prefix,
        "state": service.token_state(token),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
    }


def register(registry: CapabilityRegistry) -> None:
    api = registry.api

    @api("/me", permission=SIGNED_IN, org=False, name="web.api_me", response_model=MeOut)
    def me(ctx: Ctx) -> dict[str, Any]:
        """The caller: account, the token's scope, and the permissions it carries there."""
        assert ctx.user is not None
        with ctx.session() as s:
            token = s.get(ApiToken, ctx.token_id) if ctx.token_id else None
            role = service.role_in(s, ctx.user.id, token.org_id) if token else None
        held = ctx.state.permissions.of_role(token.role if token else None) & ctx.state.permissions.of_role(
            role
        )
        return {
            "id": ctx.user.id,
            "email": ctx.user.email,
            "name": ctx.user.name,
            "language": ctx.user.language,
            "token_org_id": token.org_id if token else None,
            "token_role": token.role if token else None,
            "permissions": sorted(held),
            "memberships": [
                {"org_id": m.org_id, "org_name": m.org_name, "role": m.role} for m in ctx.memberships
            ],
        }

    def org_out(ctx: Ctx, org_id: int, role: str) -> dict[str, Any]:
        with ctx.session() as s:
            org = orgs.get_by_id(s, org_id)
            return {
                "id": org.id,
                "name": org.name,
                "role": role,
                "employees": org.employees,
                "inhabitants": org.inhabitants,
                "country": org.country,
            }

    @api("/orgs", permission=SIGNED_IN, org=False, name="web.api_orgs", response_model=Page[OrgOut])
    def list_orgs(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """Organisations the caller may reach with this token (its own organisation)."""
        mine = ctx.memberships
        chunk = mine[paging.offset : paging.offset + paging.per_page]
        result = PageResult([], len(mine), paging.page, paging.per_page)
        return page_of(request, result, [org_out(ctx, m.org_id, m.role) for m in chunk])

    @api("", permission="org.view", name="web.api_org", response_model=OrgOut)
    def get_org(ctx: Ctx) -> dict[str, Any]:
        assert ctx.org is not None and ctx.role is not None
        return org_out(ctx, ctx.org.id, ctx.role)

    @api("/members", permission="members.view", name="web.api_members", response_model=Page[MemberOut])
    def list_members(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        assert ctx.org is not None
        stmt = (
            sa.select(User, Membership)
            .join(Membership, Membership.user_id == User.id)
            .where(Membership.org_id == ctx.org.id)
            .order_by(User.email)
        )
        with ctx.session() as s:
            result = paginate(s, stmt, paging, scalars=False)
            items = [
                {"user_id": u.id, "email": u.email, "name": u.name, "role": m.role, "since": m.created_at}
                for u, m in result.items
            ]
        return page_of(request, result, items)

    def member_out(ctx: Ctx, user_id: int) -> dict[str, Any]:
        assert ctx.org is not None
        with ctx.session() as s:
            for user, role in service.members(s, ctx.org.id):
                if user.id == user_id:
                    since = s.scalar(
                        sa.select(Membership.created_at).where(
                            Membership.user_id == user_id, Membership.org_id == ctx.org.id
                        )
                    )
                    return {
                        "user_id": user.id,
                        "email": user.email,
                        "name": user.name,
                        "role": role,
                        "since": since,
                    }
        raise NotFound(f"user {user_id} is not a member")

    def not_yourself(ctx: Ctx, user_id: int) -> None:
        assert ctx.user is not None
        if user_id == ctx.user.id:
            raise InputError("you cannot change your own role", column="user_id", value=user_id)

    @api(
        "/members",
        permission="members.manage",
        methods=("POST",),
        name="web.api_member_add",
        response_model=MemberOut,
        status_code=201,
    )
    def add_member(ctx: Ctx, body: MemberIn) -> dict[str, Any]:
        """Give an existing account a role in the organisation (or change its role)."""
        assert ctx.org is not None
        with ctx.write_session() as s:
            user = service.get_user(s, body.email)
            not_yourself(ctx, user.id)
            service.grant(s, user, ctx.org.id, body.role)
            user_id = user.id
        return member_out(ctx, user_id)

    @api(
        "/members/{user_id}",
        permission="members.manage",
        methods=("PUT",),
        name="web.api_member_set",
        response_model=MemberOut,
    )
    def set_member(ctx: Ctx, user_id: Id, body: RoleIn) -> dict[str, Any]:
        assert ctx.org is not None
        not_yourself(ctx, user_id)
        with ctx.write_session() as s:
            service.grant(s, service.user_by_id(s, user_id), ctx.org.id, body.role)
        return member_out(ctx, user_id)

    @api(
        "/members/{user_id}",
        permission="members.manage",
        methods=("DELETE",),
        name="web.api_member_remove",
        status_code=204,
    )
    def remove_member(ctx: Ctx, user_id: Id) -> Response:
        assert ctx.org is not None
        not_yourself(ctx, user_id)
        with ctx.write_session() as s:
            service.revoke(s, service.user_by_id(s, user_id), ctx.org.id)
        return Response(status_code=204)

    @api("/tokens", permission=SIGNED_IN, org=False, name="web.api_tokens", response_model=Page[TokenOut])
    def list_tokens(ctx: Ctx, request: Request, paging: Paging) -> dict[str, Any]:
        """The caller's API tokens (never their secret)."""
        assert ctx.user is not None
        with ctx.session() as s:
            rows = service.list_tokens(s, ctx.user.id)
        chunk = rows[paging.offset : paging.offset + paging.per_page]
        result = PageResult([], len(rows), paging.page, paging.per_page)
        return page_of(request, result, [_token_out(t, name) for t, name in chunk])

    @api(
        "/tokens",
        permission="org.view",
        methods=("POST",),
        name="web.api_token_create",
        response_model=TokenCreated,
        status_code=201,
    )
    def create_token(ctx: Ctx, body: TokenIn) -> dict[str, Any]:
        """A new token for the caller in this organisation, with a role within the calling token's."""
        assert ctx.org is not None and ctx.user is not None and ctx.role is not None
        allowed = [r for r in ROLES if ctx.state.permissions.of_role(r) <= ctx.permissions]
        with ctx.write_session() as s:
            user = service.user_by_id(s, ctx.user.id)
            token, text = service.create_token(
                s,
                user,
                ctx.org.id,
                body.role,
                body.name,
                allowed_roles=allowed,
                expires_days=body.expires_days,
            )
            out = _token_out(token, ctx.org.name)
        return {**out, "token": text}

    @api(
        "/tokens/{token_id}",
        permission=SIGNED_IN,
        org=False,
        methods=("DELETE",),
        name="web.api_token_revoke",
        status_code=204,
    )
    def revoke_token(ctx: Ctx, token_id: Id) -> Response:
        """Revoke one of the caller's tokens (the calling token included)."""
        assert ctx.user is not None
        with ctx.write_session() as s:
            service.revoke_token(s, ctx.user.id, token_id)
        return Response(status_code=204)

    @api("/audit", permission="audit.view", name="web.api_audit", response_model=Page[AuditOut])
    def list_audit(
        ctx: Ctx,
        request: Request,
        paging: Paging,
        entity: Annotated[str | None, Query(max_length=100)] = None,
        action: Annotated[str | None, Query(max_length=10)] = None,
        actor: Annotated[str | None, Query(max_length=100)] = None,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> dict[str, Any]:
        """The organisation's audit log, newest first."""
        assert ctx.org is not None
        stmt = audit.query(
            org_id=ctx.org.id, entity=entity, action=action, actor=actor, since=since, until=until
        )
        with ctx.session() as s:
            result = paginate(s, stmt, paging)
            items = [audit.as_dict(e) for e in result.items]
        return page_of(request, result, items)
