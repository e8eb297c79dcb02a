"""What the strategy pages share: figures and labels for the templates, and reading a posted form."""

from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import Response

from sobre.core import i18n
from sobre.web.context import RequestContext
from sobre.web.forms import Form


def num(value: float | None, lang: str, digits: int = 1) -> str:
    return "—" if value is None else i18n.format_number(value, lang, digits)


def translator(lang: str) -> Any:
    """``t`` for the strategy templates: the page's language unless one is given (as the documents do)."""

    def translate(key: str, language: str | None = None, **values: object) -> str:
        return i18n.t(key, language or lang, **values)

    return translate


def labeller(lang: str) -> Any:
    """``label(key, fallback)``: the message when the catalogue has it, else the fallback (a change kind or
    parameter another capability added before its texts)."""

    def label(key: str, fallback: str) -> str:
        return i18n.t(key, lang) if i18n.has(key) else fallback.replace("_", " ")

    return label


def render(ctx: RequestContext, template: str, status: int = 200, **values: Any) -> Response:
    return ctx.render(
        template, status, num=num, t=translator(ctx.lang), label=labeller(ctx.lang), lang=ctx.lang, **values
    )


async def posted(request: Request) -> Form:
    """The submitted fields (the CSRF token left out) as a :class:`Form`."""
    data = await request.form()
    return Form({k: str(v) for k, v in data.items() if k != "csrf_token"})


def who(ctx: RequestContext) -> str:
    return ctx.user.display if ctx.user else ctx.actor.label


def org_name(ctx: RequestContext) -> str:
    """The name of the organisation of the URL (the use cases take it)."""
    assert ctx.org is not None
    return ctx.org.name
