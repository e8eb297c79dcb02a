"""Jinja2 for the pages: one loader per capability (``"<capability>/<file>"``), the shell's globals.

A capability's template ``src/sobre/inventory/templates/items.html`` is ``"inventory/items.html"``; it
extends ``"web/layout.html"`` and imports the shared macros from ``"web/macros/…"``.  Every template gets:

- ``t(key, **values)``: the message in the language of the request; ``lang``;
- ``ctx`` (the :class:`~sobre.web.context.RequestContext`), ``user``, ``org``, ``role``, ``can(permission)``;
- ``csrf_token`` and ``csrf_field()`` (the hidden input every form carries);
- ``url(name, **params)``, ``static(path)``, and the filters ``number``, ``figure`` (significant digits),
  ``when``.
"""

from __future__ import annotations

import hashlib
import math
from contextvars import ContextVar
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import jinja2
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup, escape

from sobre.core import i18n
from sobre.web import charts
from sobre.web.paging import query_with
from sobre.web.permissions import ROLES

if TYPE_CHECKING:
    from sobre.web.context import RequestContext
    from sobre.web.registry import WebRegistry


#: The request being rendered: the globals below read it, so that imported macros need no ``with context``.
_rendering: ContextVar[RequestContext] = ContextVar("sobre_rendering")


def _ctx() -> RequestContext:
    return _rendering.get()


def _t(key: str, **values: Any) -> str:
    return i18n.t(key, _ctx().lang, **values)


def _csrf_field() -> Markup:
    return Markup('<input type="hidden" name="csrf_token" value="{}">').format(escape(_ctx().csrf_token))


def _url(name: str, **params: Any) -> str:
    return _ctx().url(name, **params)


def _static(path: str) -> str:
    version = _ctx().state.static_versions.get(path)
    return f"/static/{path}" + (f"?v={version}" if version else "")


def build_environment(registry: WebRegistry) -> jinja2.Environment:
    loader = jinja2.PrefixLoader(
        {name: jinja2.FileSystemLoader(str(path)) for name, path in registry.templates.items()}
    )
    env = jinja2.Environment(
        loader=loader,
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
        # Templates ship with the code: no stat of every template file at every page (restart to see edits).
        auto_reload=False,
    )
    env.globals.update(
        charts=charts,
        t=_t,
        csrf_field=_csrf_field,
        url=_url,
        static=_static,
        query_with=query_with,
        number=lambda value, digits=0: _number(value, _ctx().lang, digits),
        figure=lambda value, significant=3: _figure(value, _ctx().lang, significant),
        when=lambda value: _when(value, _ctx().lang),
        can=lambda permission: _ctx().can(permission),
    )
    env.filters["pair"] = lambda value: (value, value)
    return env


def static_versions(registry: WebRegistry) -> dict[str, str]:
    """``"<capability>/<file>"`` → a short content hash, so static URLs change when the file does."""
    versions = {}
    for name, folder in registry.static.items():
        for path in Path(folder).rglob("*"):
            if path.is_file():
                key = f"{name}/{path.relative_to(folder).as_posix()}"
                versions[key] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return versions


def _number(value: float | int | None, lang: str, digits: int = 0) -> str:
    return "—" if value is None else i18n.format_number(float(value), lang, digits)


def _figure(value: float | int | None, lang: str, significant: int = 3) -> str:
    """A figure with ``significant`` digits whatever its size (0.00312, 31.2, 3 120; 2 rather than 2.00):
    footprints span many orders of magnitude, so a fixed number of decimals would show most of them as 0."""
    if value is None:
        return "—"
    v = float(value)
    if v == 0 or not math.isfinite(v):
        return i18n.format_number(v, lang, 0) if math.isfinite(v) else str(v)
    digits = min(12, max(0, significant - 1 - math.floor(math.log10(abs(v)))))
    while digits and round(v, digits - 1) == round(v, digits):  # no trailing zeros: 2, not 2.00
        digits -= 1
    return i18n.format_number(v, lang, digits)


def _when(value: datetime | None, lang: str) -> str:
    if value is None:
        return "—"
    return value.strftime("%d/%m/%Y %H:%M" if lang == "fr" else "%Y-%m-%d %H:%M") + " UTC"


def render(ctx: RequestContext, template: str, status_code: int, values: dict[str, Any]) -> Response:
    """Render a page for this request and attach what the browser must keep (pre-session cookie)."""
    from sobre.web.responses import finish

    state = ctx.state
    lang = ctx.lang
    notice = ctx.request.query_params.get("notice")
    if notice and not (".notice." in notice and i18n.has(notice)):
        notice = None
    context: dict[str, Any] = {
        "lang": lang,
        "languages": i18n.LANGUAGES,
        "ctx": ctx,
        "user": ctx.user,
        "org": ctx.org,
        "role": ctx.role,
        "csrf_token": ctx.csrf_token,
        "notice": notice,
        "menu": state.registry.menu_for("org", ctx.can) if ctx.org else [],
        "account_menu": state.registry.menu_for("account", ctx.can),
        "role_options": [(r, i18n.t(f"web.role.{r}", lang)) for r in ROLES],
        "org_options": [(m.org_id, m.org_name) for m in ctx.memberships],
        "path": ctx.request.url.path,
        "query": str(ctx.request.url.query),
    }
    context.update(values)
    token = _rendering.set(ctx)
    try:
        html = state.templates.get_template(template).render(context)
    finally:
        _rendering.reset(token)
    return finish(ctx, HTMLResponse(html, status_code=status_code))
