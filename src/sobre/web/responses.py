"""Headers, cookies and error pages shared by every response of the application."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from sobre.core.actor import Actor
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.web.context import (
    LANG_COOKIE,
    Refused,
    RequestContext,
    SignInRequired,
    is_https,
    negotiate_language,
    pre_cookie_name,
    session_cookie_name,
)

if TYPE_CHECKING:
    from sobre.web.state import WebState

log = logging.getLogger("sobre.web")

#: No inline script or style anywhere: pages, charts (SVG attributes, not style attributes) and forms.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
STATIC_CACHE = "public, max-age=31536000, immutable"


def security_headers(https: bool, path: str, versioned: bool) -> dict[str, str]:
    """The headers every response carries (OWASP Secure Headers; ASVS 4.0 V14.4)."""
    headers = {
        "content-security-policy": CSP,
        "x-content-type-options": "nosniff",
        "referrer-policy": "same-origin",
        "x-frame-options": "DENY",
        "cross-origin-opener-policy": "same-origin",
        "cross-origin-resource-policy": "same-origin",
        "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=()",
        # Static files carry a content hash in their URL; everything else may hold personal data.
        "cache-control": STATIC_CACHE if path.startswith("/static/") and versioned else "no-store",
    }
    if https:
        headers["strict-transport-security"] = "max-age=31536000; includeSubDomains"
    return headers


class SecurityHeaders:
    """Pure ASGI middleware: adds :func:`security_headers` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        https = scope.get("scheme") == "https"
        path = scope.get("path", "")
        versioned = b"v=" in scope.get("query_string", b"")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for key, value in security_headers(https, path, versioned).items():
                    if key == "cache-control" and key in headers:
                        continue  # a handler chose its own caching (exports)
                    headers[key] = value
            await send(message)

        await self.app(scope, receive, send_with_headers)


def finish(ctx: RequestContext, response: Response) -> Response:
    """Set the pre-session cookie of a first visit (it anchors the CSRF token of anonymous forms)."""
    if ctx.new_pre_session:
        response.set_cookie(
            pre_cookie_name(ctx.request),
            ctx.new_pre_session,
            httponly=True,
            secure=is_https(ctx.request),
            samesite="lax",
            path="/",
        )
    return response


def set_session_cookie(request: Request, response: Response, raw: str) -> None:
    response.set_cookie(
        session_cookie_name(request), raw, httponly=True, secure=is_https(request), samesite="lax", path="/"
    )


def clear_session_cookie(request: Request, response: Response) -> None:
    response.delete_cookie(
        session_cookie_name(request), httponly=True, secure=is_https(request), samesite="lax", path="/"
    )


def set_language_cookie(request: Request, response: Response, lang: str) -> None:
    response.set_cookie(
        LANG_COOKIE,
        lang,
        max_age=365 * 24 * 3600,
        httponly=True,
        secure=is_https(request),
        samesite="lax",
        path="/",
    )


# --- error pages ------------------------------------------------------------------------------------------

#: Statuses with their own title and text in the catalogue; others fall back to 400 or 500.
_KNOWN = {400, 401, 403, 404, 405, 413, 422, 429, 500}


def _error_context(request: Request) -> RequestContext:
    ctx = getattr(request.state, "ctx", None)
    if isinstance(ctx, RequestContext):
        return ctx
    state: WebState = request.app.state.sobre
    return RequestContext(request, state, None, negotiate_language(request), Actor("anonymous", "web"))


def error_page(
    request: Request, status: int, reason: str | None = None, detail: str | None = None
) -> Response:
    """The error page in the request's language (403, 404, 422, 500…)."""
    ctx = _error_context(request)
    code = status if status in _KNOWN else (500 if status >= 500 else 400)
    try:
        response = ctx.render(
            "web/error.html",
            status_code=status,
            status=status,
            title_key=f"web.error.{code}.title",
            text_key=reason or f"web.error.{code}.text",
            detail=detail,
        )
    except Exception:  # the error page itself failed: plain text, still with the headers
        log.exception("error page failed")
        response = HTMLResponse(f"<!doctype html><title>{status}</title><p>{status}</p>", status_code=status)
    for key, value in security_headers(is_https(request), request.url.path, False).items():
        response.headers[key] = value
    return response


def install_page_errors(app: Any) -> None:
    """Exception handlers of the pages' application."""

    async def on_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return error_page(request, exc.status, exc.reason)

    async def on_sign_in(request: Request, exc: Exception) -> Response:
        from urllib.parse import quote

        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/sign-in?next={quote(target, safe='')}", status_code=303)

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        response = error_page(request, exc.status_code)
        for key, value in (exc.headers or {}).items():
            response.headers[key] = value
        return response

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        fields = "; ".join(
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:])}: {e.get('msg', '')}" for e in exc.errors()
        )
        return error_page(request, 422, detail=fields)

    async def on_sobre(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotFound):
            return error_page(request, 404)
        status = 422 if isinstance(exc, InputError) else 400
        return error_page(request, status, detail=str(exc))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_page(request, 500)

    from sobre.web.api import api_error_handlers

    problems = dict(api_error_handlers())
    pages = [
        (Refused, on_refused),
        (SignInRequired, on_sign_in),
        (StarletteHTTPException, on_http),
        (RequestValidationError, on_validation),
        (SobreError, on_sobre),
        (Exception, on_crash),
    ]
    for exc_class, on_page in pages:
        app.add_exception_handler(exc_class, _unless_endpoint(on_page, problems[exc_class]))


def _unless_endpoint(on_page: Any, on_problem: Any) -> Any:
    """Machines calling a capability's endpoints (agents, webhooks) get problem documents, not pages."""

    async def handle(request: Request, exc: Exception) -> Response:
        state: WebState = request.app.state.sobre
        if state.registry.is_endpoint(request.url.path):
            return await on_problem(request, exc)  # type: ignore[no-any-return]
        return await on_page(request, exc)  # type: ignore[no-any-return]

    return handle
