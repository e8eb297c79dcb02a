"""The JSON API framework under ``/api/v1``: token auth, pagination, errors as RFC 9457 problem details.

Capabilities add endpoints with ``registry.api(...)``; the OpenAPI document is ``/api/v1/openapi.json``.
Every error is ``application/problem+json``: ``type``, ``title``, ``status``, ``detail``, ``instance``, and
for invalid input an ``errors`` list naming each field (``location``, ``field``, ``message``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Annotated, Any, Generic, TypeVar
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from sobre import __version__
from sobre.core import i18n
from sobre.core.errors import InputError, NotFound, SobreError
from sobre.web.context import Refused, RequestContext, SignInRequired, negotiate_language
from sobre.web.paging import DEFAULT_PER_PAGE, MAX_PER_PAGE, PageRequest, PageResult, paginate

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from sobre.web.state import WebState

log = logging.getLogger("sobre.web.api")
PROBLEM = "application/problem+json"
T = TypeVar("T")

_TITLES = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden",
    404: "Not Found",
    405: "Method Not Allowed",
    409: "Conflict",
    422: "Unprocessable Content",
    429: "Too Many Requests",
    500: "Internal Server Error",
}


class FieldProblem(BaseModel):
    location: str
    field: str
    message: str


class Problem(BaseModel):
    """An RFC 9457 problem details document."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str | None = None
    instance: str | None = None
    errors: list[FieldProblem] | None = None


class Page(BaseModel, Generic[T]):
    """One page of a list; ``next``/``prev`` are the links to the neighbouring pages."""

    items: list[T]
    page: int
    per_page: int
    total: int
    pages: int
    next: str | None = None
    prev: str | None = None


def paging(
    page: Annotated[int, Query(ge=1, le=1_000_000, description="Page number, from 1")] = 1,
    per_page: Annotated[int, Query(ge=1, le=MAX_PER_PAGE, description="Items per page")] = DEFAULT_PER_PAGE,
) -> PageRequest:
    return PageRequest(page, per_page)


Paging = Annotated[PageRequest, Depends(paging)]


def page_of(request: Request, result: PageResult, items: list[Any]) -> dict[str, Any]:
    """The :class:`Page` body of a result, with links that keep the request's other query parameters."""

    def link(number: int) -> str:
        query = {**request.query_params, "page": str(number), "per_page": str(result.per_page)}
        return f"{request.url.path}?{urlencode(query)}"

    return {
        "items": items,
        "page": result.page,
        "per_page": result.per_page,
        "total": result.total,
        "pages": result.pages,
        "next": link(result.page + 1) if result.has_next else None,
        "prev": link(result.page - 1) if result.has_prev else None,
    }


def list_page(
    ctx: RequestContext,
    request: Request,
    paging: PageRequest,
    stmt: Any,
    shape: Callable[[Session, list[Any]], list[Any]],
    *,
    scalars: bool = True,
) -> dict[str, Any]:
    """A list endpoint's :class:`Page` body: ``stmt`` (a ``SELECT``, or a function of the session that makes
    one) counted and cut in the database, its rows made into items by ``shape(session, rows)``."""
    with ctx.session() as session:
        query = stmt(session) if callable(stmt) else stmt
        result = paginate(session, query, paging, scalars=scalars)
        return page_of(request, result, shape(session, result.items))


def problem(
    request: Request,
    status: int,
    detail: str | None = None,
    *,
    errors: list[dict[str, str]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": _TITLES.get(status, "Error"),
        "status": status,
        "instance": request.url.path,
    }
    if detail:
        body["detail"] = detail
    if errors is not None:
        body["errors"] = errors
    return JSONResponse(body, status_code=status, media_type=PROBLEM, headers=headers)


def _detail(request: Request, key: str) -> str:
    lang = negotiate_language(request, fallback="en")
    return i18n.t(key, lang) if i18n.has(key) else key


def api_error_handlers() -> list[tuple[type[Exception], Any]]:
    """The exception handlers that answer problem documents (the API's, and endpoints' in the pages' app)."""

    async def on_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        headers = {"www-authenticate": 'Bearer realm="sobre"'} if exc.status == 401 else None
        return problem(request, exc.status, _detail(request, exc.reason), headers=headers)

    async def on_sign_in(request: Request, exc: Exception) -> Response:
        return problem(request, 401, _detail(request, "web.error.unauthenticated"))

    async def on_http(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, StarletteHTTPException)
        headers = dict(exc.headers) if exc.headers else None
        return problem(request, exc.status_code, str(exc.detail) if exc.detail else None, headers=headers)

    async def on_validation(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, RequestValidationError)
        errors = []
        for e in exc.errors():
            loc = [str(p) for p in e.get("loc", ())]
            errors.append(
                {
                    "location": loc[0] if loc else "",
                    "field": ".".join(loc[1:]),
                    "message": str(e.get("msg", "")),
                }
            )
        return problem(request, 422, "The request has invalid fields.", errors=errors)

    async def on_sobre(request: Request, exc: Exception) -> Response:
        if isinstance(exc, NotFound):
            return problem(request, 404, str(exc))
        if isinstance(exc, InputError):
            # A refusal with a message key reads in the caller's language; the others as worded.
            reason = exc.reason(negotiate_language(request, fallback="en")) if exc.key else str(exc)
            errors = [{"location": "body", "field": exc.column or "", "message": reason}]
            return problem(request, 422, reason, errors=errors)
        return problem(request, 409, str(exc))

    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("unhandled API error on %s %s", request.method, request.url.path, exc_info=exc)
        return problem(request, 500, "An unexpected error occurred; it has been logged.")

    return [
        (Refused, on_refused),
        (SignInRequired, on_sign_in),
        (StarletteHTTPException, on_http),
        (RequestValidationError, on_validation),
        (SobreError, on_sobre),
        (Exception, on_crash),
    ]


def install_api_errors(app: FastAPI) -> None:
    for exc_class, handler in api_error_handlers():
        app.add_exception_handler(exc_class, handler)


_PROBLEM_RESPONSES: dict[int | str, dict[str, Any]] = {
    code: {"model": Problem, "content": {PROBLEM: {}}, "description": _TITLES[code]}
    for code in (401, 403, 404, 422)
}


def create_api(state: WebState) -> FastAPI:
    """The API application (mounted at ``/api/v1`` by the web application)."""
    api = FastAPI(
        title="Sobre API",
        version=__version__,
        summary="Responsible digital (Green IT): organisations, accounts, and every capability's data.",
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        responses=_PROBLEM_RESPONSES,
    )
    api.state.sobre = state
    api.include_router(state.registry.api)
    install_api_errors(api)
    return api


__all__ = ["Field", "Page", "Paging", "Problem", "create_api", "page_of", "problem"]
