"""The request guard and the context every page and endpoint receives.

Every route registered through the registry runs :func:`guard` first: it finds the signed-in user (session
cookie) or the API token, the organisation named by the URL and the caller's role there, checks the CSRF
token of unsafe page requests and the route's permission, then binds the audit actor and the language.
Order matters: no role in the organisation → 404 (its existence is not even confirmed), then CSRF → 403,
then permission → 403.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Annotated, Any

from fastapi import Depends, Path, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from sobre.core import i18n
from sobre.core.actor import Actor, bind_actor
from sobre.core.db import session_scope, write_session
from sobre.web import service
from sobre.web.params import Id
from sobre.web.permissions import INSTALLATION_ADMIN, PUBLIC, SIGNED_IN
from sobre.web.registry import SAFE_METHODS, RouteSpec

if TYPE_CHECKING:
    from sobre.web.state import WebState

SESSION_COOKIE = "sobre_session"
SECURE_SESSION_COOKIE = "__Host-sobre_session"
PRE_COOKIE = "sobre_pre"
SECURE_PRE_COOKIE = "__Host-sobre_pre"
LANG_COOKIE = "sobre_lang"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"
WEB_FALLBACK_LANGUAGE = "fr"
#: How API calls authenticate (named in the OpenAPI document); module-level so annotations resolve.
BEARER = HTTPBearer(auto_error=False, description="An API token: sobre_<prefix>_<secret>")


class SignInRequired(Exception):
    """A page needs a signed-in user: the browser is sent to the sign-in page."""


class Refused(Exception):
    """The guard's refusal, turned into an error page or a problem document."""

    def __init__(self, status: int, reason: str) -> None:
        self.status, self.reason = status, reason
        super().__init__(reason)


@dataclass(frozen=True)
class CurrentUser:
    id: int
    email: str
    name: str | None
    is_admin: bool
    language: str | None

    @property
    def display(self) -> str:
        return self.name or self.email


@dataclass(frozen=True)
class CurrentOrg:
    id: int
    name: str


@dataclass
class RequestContext:
    """What a page or endpoint knows about its request (the ``ctx`` argument)."""

    request: Request
    state: WebState
    spec: RouteSpec | None
    lang: str
    actor: Actor
    user: CurrentUser | None = None
    org: CurrentOrg | None = None
    role: str | None = None
    permissions: frozenset[str] = frozenset()
    memberships: list[service.OrgRole] = field(default_factory=list)
    #: The session (or pre-session) id the CSRF token is derived from.
    session_key: str | None = None
    #: A pre-session id to set as a cookie (a first visit).
    new_pre_session: str | None = None
    token_id: int | None = None

    # --- what handlers use ------------------------------------------------------------------------------

    @property
    def database_url(self) -> str:
        return self.state.settings.database_url

    @property
    def csrf_token(self) -> str:
        from sobre.web import security

        return security.csrf_token(self.state.csrf_key(), self.session_key or "")

    def can(self, permission: str) -> bool:
        """Whether the caller holds ``permission`` (in the current organisation, or an access level)."""
        if permission == PUBLIC:
            return True
        if permission == SIGNED_IN:
            return self.user is not None
        if permission == INSTALLATION_ADMIN:
            return self.user is not None and self.user.is_admin
        return permission in self.permissions

    def t(self, key: str, **values: object) -> str:
        return i18n.t(key, self.lang, **values)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A unit of work whose changes the audit log files under the caller."""
        with session_scope(self.database_url) as s:
            s.info["actor"] = self.actor
            yield s

    @contextmanager
    def write_session(self) -> Iterator[Session]:
        """The same for work that reads then writes beside other writers: it holds the right to write from
        its first statement (``BEGIN IMMEDIATE`` on SQLite, see :func:`sobre.core.db.write_session`)."""
        with write_session(self.database_url) as s:
            s.info["actor"] = self.actor
            yield s

    def url(self, name: str, **params: Any) -> str:
        """The path of route ``name``; ``org`` defaults to the current organisation."""
        params.setdefault("org", self.org.id if self.org else None)
        return self.state.url(name, **params)

    def render(self, template: str, status_code: int = 200, **values: Any) -> Response:
        """Render a template with the shell's globals (``t``, ``ctx``, ``user``, ``org``, ``csrf_token``…)."""
        from sobre.web.templating import render

        return render(self, template, status_code, values)

    def redirect(self, path: str, *, notice: str | None = None) -> RedirectResponse:
        """303 to ``path`` (after a form), with a one-time notice (a message key) shown by the layout."""
        if notice:
            path += ("&" if "?" in path else "?") + f"notice={notice}"
        return RedirectResponse(path, status_code=303)


def context_of(request: Request) -> RequestContext:
    """The context the guard put on the request (the ``ctx`` dependency)."""
    ctx = getattr(request.state, "ctx", None)
    if ctx is None:
        raise RuntimeError("route registered outside the web registry: no request context")
    return ctx  # type: ignore[no-any-return]


Ctx = Annotated[RequestContext, Depends(context_of)]


def is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def session_cookie_name(request: Request) -> str:
    return SECURE_SESSION_COOKIE if is_https(request) else SESSION_COOKIE


def pre_cookie_name(request: Request) -> str:
    return SECURE_PRE_COOKIE if is_https(request) else PRE_COOKIE


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def negotiate_language(
    request: Request, user_language: str | None = None, fallback: str = WEB_FALLBACK_LANGUAGE
) -> str:
    """The user's choice, else the language cookie, else the browser's Accept-Language, else ``fallback``."""
    for choice in (user_language, request.cookies.get(LANG_COOKIE)):
        if choice in i18n.LANGUAGES:
            return str(choice)
    ranked = []
    for part in request.headers.get("accept-language", "").split(","):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((quality, tag.split("-")[0].lower()))
    for _, lang in sorted(ranked, key=lambda x: -x[0]):
        if lang in i18n.LANGUAGES:
            return lang
    return fallback


def _resolve(
    state: WebState, request: Request, spec: RouteSpec, org_id: int | None, bearer: str | None
) -> RequestContext:
    address = client_address(request)
    with session_scope(state.settings.database_url) as s:
        user = None
        session_key = None
        token_role = member_role = None
        token_org = token_id = None
        if spec.kind == "page":
            raw = request.cookies.get(session_cookie_name(request))
            found = service.find_session(s, raw, policy=state.policy) if raw else None
            if found is not None:
                user, session_key = found[1], raw
        elif bearer:
            identity = service.authenticate_token(s, bearer)
            if identity is not None:
                user, member_role = identity.user, identity.member_role
                token_role, token_org, token_id = (
                    identity.token.role,
                    identity.token.org_id,
                    identity.token.id,
                )
        current = (
            CurrentUser(user.id, user.email, user.name, user.is_admin, user.language)
            if user is not None
            else None
        )
        lang = negotiate_language(
            request,
            current.language if current else None,
            WEB_FALLBACK_LANGUAGE if spec.kind == "page" else "en",
        )
        actor = Actor(
            current.email if current else "anonymous",
            "web" if spec.kind == "page" else "api",
            current.id if current else None,
            address,
        )
        ctx = RequestContext(
            request, state, spec, lang, actor, current, session_key=session_key, token_id=token_id
        )
        request.state.ctx = ctx  # error pages, too, know the caller (never the refused organisation)
        if spec.kind == "page" and session_key is None:
            pre = request.cookies.get(pre_cookie_name(request))
            if not pre or len(pre) > 100:
                pre = ctx.new_pre_session = service.security.new_secret()
            ctx.session_key = "pre:" + pre
        if spec.permission == PUBLIC:
            if current is not None:
                ctx.memberships = service.memberships(s, current.id)
            return ctx
        if current is None:
            if spec.kind == "page":
                raise SignInRequired()
            raise Refused(401, "web.error.unauthenticated")
        ctx.memberships = service.memberships(s, current.id)
        if spec.kind == "api":
            # A token works for its own organisation only, and never beyond its owner's current role.
            ctx.memberships = [m for m in ctx.memberships if m.org_id == token_org]
        if spec.org_scoped:
            mine = next((m for m in ctx.memberships if m.org_id == org_id), None)
            if mine is None:
                raise Refused(404, "web.error.not_found")
            ctx.org = CurrentOrg(mine.org_id, mine.org_name)
            if spec.kind == "api":
                ctx.role = token_role
                ctx.permissions = state.permissions.of_role(token_role) & state.permissions.of_role(
                    member_role
                )
            else:
                ctx.role = mine.role
                ctx.permissions = state.permissions.of_role(mine.role)
        if spec.permission == INSTALLATION_ADMIN and not current.is_admin:
            raise Refused(403, "web.error.forbidden")
        return ctx


def guard(spec: RouteSpec) -> Any:
    """The dependency that runs before the route's handler (see the module docstring)."""

    async def enter(
        request: Request, org_id: int | None, bearer: HTTPAuthorizationCredentials | None
    ) -> None:
        state: WebState = request.app.state.sobre
        token = bearer.credentials if bearer is not None else None
        ctx = await run_in_threadpool(_resolve, state, request, spec, org_id, token)
        request.state.ctx = ctx
        # Bound in the request's own context: the handler's thread inherits both.
        bind_actor(ctx.actor)
        i18n.bind_language(ctx.lang)
        if spec.kind == "page" and request.method not in SAFE_METHODS:
            await _check_csrf(ctx, request)
        if spec.org_scoped and not ctx.can(spec.permission):
            raise Refused(403, "web.error.forbidden")

    if spec.kind == "api" and spec.permission != PUBLIC:
        if spec.org_scoped:

            async def api_org(
                request: Request,
                org: Annotated[Id, Path(description="Organisation id")],
                bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)],
            ) -> None:
                await enter(request, org, bearer)

            return api_org

        async def api_global(
            request: Request, bearer: Annotated[HTTPAuthorizationCredentials | None, Depends(BEARER)]
        ) -> None:
            await enter(request, None, bearer)

        return api_global
    if spec.org_scoped:

        async def page_org(request: Request) -> None:
            await enter(request, request.path_params.get("org"), None)

        return page_org

    async def plain(request: Request) -> None:
        await enter(request, None, None)

    return plain


async def _check_csrf(ctx: RequestContext, request: Request) -> None:
    presented = request.headers.get(CSRF_HEADER)
    if presented is None and request.headers.get("content-type", "").startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        form = await request.form()
        value = form.get(CSRF_FIELD)
        presented = value if isinstance(value, str) else None
    from sobre.web import security

    if not security.csrf_ok(ctx.state.csrf_key(), ctx.session_key, presented):
        raise Refused(403, "web.error.csrf")
