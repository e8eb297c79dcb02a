"""Standalone documents of the service desk (an article as a page or a PDF): Jinja2, autoescaped, in the
document's own language."""

from __future__ import annotations

from pathlib import Path
from typing import Any

TEMPLATES = Path(__file__).parent / "templates" / "documents"


def render(name: str, *, lang: str, **values: Any) -> str:
    from sobre import __version__
    from sobre.core.documents import environment
    from sobre.core.i18n import check_language, t

    check_language(lang)
    env = environment(TEMPLATES)
    css = (TEMPLATES / "document.css").read_text(encoding="utf-8")
    return env.get_template(name).render(
        css=css, lang=lang, version=__version__, t=lambda key, **kw: t(key, lang, **kw), **values
    )
