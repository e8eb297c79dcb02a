"""Pages of the signed-in person: sign-in, sign-out, language, account, API tokens, organisations."""

from __future__ import annotations

import math
from typing import Annotated

import sqlalchemy as sa
from fastapi import Form as F
from fastapi.responses import JSONResponse, Response

from sobre.core import audit
from sobre.core.errors import InputError, NotFound
from sobre.core.i18n import LANGUAGES
from sobre.web import security, service
from sobre.web.context import Ctx, client_address
from sobre.web.forms import Form
from sobre.web.permissions import PUBLIC, ROLES, SIGNED_IN
from sobre.web.registry import CapabilityRegistry
from sobre.web.responses import clear_session_cookie, set_language_cookie, set_session_cookie

TOKEN_DAYS = 90


def safe_next(target: str | None) -> str:
    """Only a path of this site (no ``//host``, no scheme): a sign-in link cannot send people elsewhere."""
    if (
        not target
        or not target.startswith("/")
        or target.startswith(("//", "/\\"))
        or any(c in target for c in "\r\n")
    ):
        return "/"
    return target


def register(registry: CapabilityRegistry) -> None:
    page = registry.page

    @page("/healthz", permission=PUBLIC, org=False, name="web.healthz")
    def healthz(ctx: Ctx) -> Response:
        """For probes: the application answers and its database too."""
        with ctx.session() as s:
            s.execute(sa.text("SELECT 1"))
        return JSONResponse({"status": "ok", "database": "ok"})

    @page("/", permission=SIGNED_IN, org=False, name="web.home")
    def home(ctx: Ctx) -> Response:
        if len(ctx.memberships) == 1:
            return ctx.redirect(ctx.state.url("web.org_home", org=ctx.memberships[0].org_id))
        return ctx.redirect("/orgs")

    @page("/sign-in", permission=PUBLIC, org=False, name="web.sign_in")
    def sign_in_form(ctx: Ctx, next: str = "/") -> Response:
        if ctx.user is not None:
            return ctx.redirect(safe_next(next))
        return ctx.render("web/sign_in.html", form=Form(), next=safe_next(next))

    @page("/sign-in", permission=PUBLIC, org=False, methods=("POST",), name="web.sign_in_post")
    def sign_in(
        ctx: Ctx,
        email: Annotated[str, F()] = "",
        password: Annotated[str, F()] = "",
        next: Annotated[str, F()] = "/",
    ) -> Response:
        form = Form({"email": email})
        if not email.strip():
            form.error("email", ctx.t("web.form.required"))
        if not password:
            form.error("password", ctx.t("web.form.required"))
        if not form.ok:
            return ctx.render("web/sign_in.html", 422, form=form, next=safe_next(next))
        refused: service.SignInRefused | None = None
        with ctx.write_session() as s:
            try:
                user = service.sign_in(
                    s, email, password, address=client_address(ctx.request), throttle=ctx.state.throttle
                )
            except service.SignInRefused as exc:
                refused = exc  # the failure is recorded: commit it, then answer
            else:
                # A new session id at every sign-in (no fixation); a previous session of this browser ends.
                if ctx.user is not None and ctx.session_key:
                    service.close_session(s, ctx.session_key)
                raw = service.open_session(
                    s,
                    user,
                    address=client_address(ctx.request),
                    user_agent=ctx.request.headers.get("user-agent"),
                    policy=ctx.state.policy,
                )
        if refused is not None:
            if refused.reason == "throttled" and refused.wait is not None:
                minutes = max(1, math.ceil(refused.wait.total_seconds() / 60))
                form.error("email", ctx.t("web.sign_in.throttled", minutes=minutes))
                response = ctx.render("web/sign_in.html", 429, form=form, next=safe_next(next))
                response.headers["retry-after"] = str(int(refused.wait.total_seconds()) + 1)
                return response
            form.error("password", ctx.t("web.sign_in.failed"))
            return ctx.render("web/sign_in.html", 400, form=form, next=safe_next(next))
        done = ctx.redirect(safe_next(next))
        set_session_cookie(ctx.request, done, raw)
        return done

    @page("/sign-out", permission=SIGNED_IN, org=False, methods=("POST",), name="web.sign_out")
    def sign_out(ctx: Ctx) -> Response:
        assert ctx.user is not None
        with ctx.write_session() as s:
            service.close_session(s, ctx.session_key)
            audit.record(
                s,
                action="sign-out",
                entity="web_user",
                entity_id=ctx.user.id,
                summary=f"{ctx.user.email} signed out",
            )
        response = ctx.redirect("/sign-in", notice="web.notice.signed_out")
        clear_session_cookie(ctx.request, response)
        return response

    @page("/language", permission=PUBLIC, org=False, methods=("POST",), name="web.language")
    def language(ctx: Ctx, lang: Annotated[str, F()] = "", next: Annotated[str, F()] = "/") -> Response:
        if lang not in LANGUAGES:
            raise InputError("unknown language", column="lang", value=lang, expected="fr or en")
        if ctx.user is not None:
            with ctx.write_session() as s:
                service.set_language(s, service.user_by_id(s, ctx.user.id), lang)
        response = ctx.redirect(safe_next(next))
        set_language_cookie(ctx.request, response, lang)
        return response

    # --- account --------------------------------------------------------------------------------------

    def account_page(ctx: Ctx, form: Form | None = None, status: int = 200) -> Response:
        return ctx.render("web/account.html", status, form=form or Form())

    @page("/account", permission=SIGNED_IN, org=False, name="web.account")
    def account(ctx: Ctx) -> Response:
        return account_page(ctx)

    @page(
        "/account/language", permission=SIGNED_IN, org=False, methods=("POST",), name="web.account_language"
    )
    def account_language(ctx: Ctx, language: Annotated[str, F()] = "") -> Response:
        assert ctx.user is not None
        choice = language or None
        if choice is not None and choice not in LANGUAGES:
            form = Form({"language": language}, {"language": ctx.t("web.form.choose")})
            return account_page(ctx, form, 422)
        with ctx.write_session() as s:
            service.set_language(s, service.user_by_id(s, ctx.user.id), choice)
        response = ctx.redirect("/account", notice="web.notice.saved")
        if choice:
            set_language_cookie(ctx.request, response, choice)
        return response

    @page(
        "/account/password", permission=SIGNED_IN, org=False, methods=("POST",), name="web.account_password"
    )
    def account_password(
        ctx: Ctx,
        current: Annotated[str, F()] = "",
        new: Annotated[str, F()] = "",
        confirm: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.user is not None
        form = Form()
        with ctx.write_session() as s:
            user = service.user_by_id(s, ctx.user.id)
            if not security.verify_password(user.password_hash, current):
                form.error("current", ctx.t("web.account.wrong_password"))
            elif new != confirm:
                form.error("confirm", ctx.t("web.account.mismatch"))
            else:
                try:
                    service.set_password(s, user, new, keep_session=ctx.session_key)
                except InputError:
                    form.error("new", ctx.t("web.account.password_rules", n=security.MIN_PASSWORD))
        if not form.ok:
            return account_page(ctx, form, 422)
        return ctx.redirect("/account", notice="web.notice.password_changed")

    # --- API tokens -----------------------------------------------------------------------------------

    def tokens_page(
        ctx: Ctx, form: Form | None = None, status: int = 200, created: str | None = None
    ) -> Response:
        assert ctx.user is not None
        with ctx.session() as s:
            tokens = [
                (tok, org, service.token_state(tok)) for tok, org in service.list_tokens(s, ctx.user.id)
            ]
        return ctx.render(
            "web/tokens.html",
            status,
            form=form or Form({"expires_days": TOKEN_DAYS}),
            tokens=tokens,
            created=created,
            roles=ROLES,
        )

    @page("/account/tokens", permission=SIGNED_IN, org=False, name="web.tokens")
    def tokens(ctx: Ctx) -> Response:
        return tokens_page(ctx)

    @page("/account/tokens", permission=SIGNED_IN, org=False, methods=("POST",), name="web.token_create")
    def token_create(
        ctx: Ctx,
        name: Annotated[str, F()] = "",
        org_id: Annotated[str, F()] = "",
        role: Annotated[str, F()] = "",
        expires_days: Annotated[str, F()] = "",
    ) -> Response:
        assert ctx.user is not None
        form = Form({"name": name, "org_id": org_id, "role": role, "expires_days": expires_days})
        membership = next((m for m in ctx.memberships if str(m.org_id) == org_id), None)
        if membership is None:
            form.error("org_id", ctx.t("web.form.choose"))
        if not name.strip():
            form.error("name", ctx.t("web.form.required"))
        days: int | None = None
        if expires_days.strip():
            try:
                days = int(expires_days)
                if not 1 <= days <= 3650:
                    raise ValueError
            except ValueError:
                form.error("expires_days", ctx.t("web.tokens.days_rule"))
        allowed = ctx.state.permissions.grantable_roles(membership.role) if membership else []
        if membership is not None and role not in allowed:
            form.error("role", ctx.t("web.tokens.role_rule", roles=", ".join(allowed)))
        if not form.ok or membership is None:
            return tokens_page(ctx, form, 422)
        with ctx.write_session() as s:
            user = service.user_by_id(s, ctx.user.id)
            _, text = service.create_token(
                s, user, membership.org_id, role, name, allowed_roles=allowed, expires_days=days
            )
        return tokens_page(ctx, created=text)

    @page(
        "/account/tokens/{token_id}/revoke",
        permission=SIGNED_IN,
        org=False,
        methods=("POST",),
        name="web.token_revoke",
    )
    def token_revoke(ctx: Ctx, token_id: int) -> Response:
        assert ctx.user is not None
        with ctx.write_session() as s:
            service.revoke_token(s, ctx.user.id, token_id)
        return ctx.redirect("/account/tokens", notice="web.notice.token_revoked")

    # --- organisations --------------------------------------------------------------------------------

    @page("/orgs", permission=SIGNED_IN, org=False, name="web.orgs")
    def orgs(ctx: Ctx) -> Response:
        return ctx.render("web/orgs.html")

    @page("/switch", permission=SIGNED_IN, org=False, name="web.switch")
    def switch(ctx: Ctx, org: int = 0) -> Response:
        if not any(m.org_id == org for m in ctx.memberships):
            raise NotFound(f"no organisation {org}")
        return ctx.redirect(ctx.state.url("web.org_home", org=org))
