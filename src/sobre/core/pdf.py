"""Sobre's documents printed to PDF by WeasyPrint (the diagnosis report, strategy and life-cycle documents,
declarations, knowledge-base articles): WeasyPrint imported once per process and warmed in the background,
a document's stylesheet parsed once, the garbage collector paused while it runs, inline SVG charts printed
as images with their alternative text."""

from __future__ import annotations

import base64
import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from types import ModuleType
from typing import Any

from sobre.core import collector

__all__ = ["html_to_pdf", "lift_style", "svg_as_images", "warm"]


def html_to_pdf(html: str, path: Path, *, base_url: str, pdf_variant: str | None = None) -> Path:
    """``html`` printed to ``path`` by WeasyPrint, inline SVG charts as images (:func:`svg_as_images`).

    The one way Sobre's documents become PDF: WeasyPrint imported once and warmed (:func:`warm`), the
    page's stylesheet parsed once per process, the collector paused while it runs
    (:func:`sobre.core.collector.paused`).
    """
    weasyprint = _weasyprint()
    path.parent.mkdir(parents=True, exist_ok=True)
    printed, stylesheets = lift_style(svg_as_images(html))
    with collector.paused():
        document = weasyprint.HTML(string=printed, base_url=base_url)
        document.write_pdf(str(path), stylesheets=stylesheets, pdf_variant=pdf_variant)
    return path


def warm(stylesheets: Callable[[], Iterable[str]] = tuple) -> threading.Thread:
    """Import and warm WeasyPrint in a daemon thread (parsing the ``stylesheets`` a document will hold,
    as its ``<style>`` text), and return that thread (already started).

    Call it when a PDF is asked for, before reading its data: the import (about 0.4 s: WeasyPrint's
    user-agent stylesheets, the fonts' C bindings) and the set-up of the fonts (fontconfig, Pango) then
    happen while the data is read, not before the PDF.  Once per process: later calls return the same
    thread (a stylesheet they name is parsed by the first PDF that holds it).  A PDF made after warming is
    the same as one made without; :func:`html_to_pdf` waits for the thread if it is still running, and a
    failure while warming is left for the PDF itself to report.
    """
    global _warm_thread
    with _warm_lock:
        if _warm_thread is None:
            _warm_thread = threading.Thread(
                target=_warm, args=(stylesheets,), name="sobre-pdf-warm", daemon=True
            )
            _warm_thread.start()
        return _warm_thread


_warm_lock = threading.Lock()
_warm_thread: threading.Thread | None = None
#: A page that sets up what every PDF needs (fonts in regular and bold, a table, the tagged PDF's
#: structure) without depending on any document.
_WARM_PAGE = (
    '<!DOCTYPE html><html lang="fr"><head><title>-</title></head><body><h1>Sobre</h1>'
    '<table><caption>-</caption><thead><tr><th scope="col">a</th></tr></thead>'
    "<tbody><tr><td>1</td></tr></tbody></table></body></html>"
)


def _warm(stylesheets: Callable[[], Iterable[str]]) -> None:
    try:
        # The import alone sets off two full collections (0.3 s here) while the data is read beside it.
        with collector.paused():
            weasyprint = _weasyprint()
            for text in stylesheets():
                _stylesheet(text)
            weasyprint.HTML(string=_WARM_PAGE).write_pdf(pdf_variant="pdf/ua-1")
    except Exception:  # noqa: BLE001  (an optimisation only: the PDF asked for reports its own errors)
        logging.getLogger(__name__).debug("warming WeasyPrint failed", exc_info=True)


def _weasyprint() -> ModuleType:
    """WeasyPrint, imported on first use (not with the reporting package: the web app and the CLI's
    other commands do not need it)."""
    thread = _warm_thread
    if thread is not None and thread is not threading.current_thread():
        # Pango's font set-up is not to be shared half-done between two threads; the warm-up is short.
        thread.join()
    import weasyprint

    # WeasyPrint logs every CSS property it ignores (e.g. screen-only rules) at WARNING; that is noise here.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    return weasyprint


#: The document's only stylesheet, when it is one plain ``<style>`` element (Sobre's documents inline
#: theirs) and nothing else links one.
_STYLE = re.compile(r"<style>(.*?)</style>", re.S)
#: What a stylesheet parsed apart from its document would read differently: relative URLs and imports
#: (no base URL), web fonts (registered with the document's fonts), layers and counter styles (shared
#: with the document's sheets), and ``!important`` (its origin changes, see :func:`_lift_style`).
_NOT_SELF_CONTAINED = ("!important", "url(", "@import", "@font-face", "@layer", "@counter-style")


def lift_style(html: str) -> tuple[str, list[Any] | None]:
    """``html`` without its ``<style>`` element, and that stylesheet parsed (once per process per text).

    Equivalent for the cascade: the lifted sheet is then the only one above WeasyPrint's own (as a "user"
    sheet instead of an "author" one, which matters only against another author sheet or ``!important``,
    both ruled out here).  Anything else is left in the page, parsed with it as before.
    """
    styles = _STYLE.findall(html)
    if (
        len(styles) != 1
        or any(word in styles[0] for word in _NOT_SELF_CONTAINED)
        or re.search(r"<link\b[^>]*stylesheet", html)
    ):
        return html, None
    return _STYLE.sub("", html, count=1), [_stylesheet(styles[0].strip())]


@functools.lru_cache(maxsize=16)
def _stylesheet(text: str) -> Any:
    return _weasyprint().CSS(string=text)


_INLINE_SVG = re.compile(r"<svg\b.*?</svg>", re.S)
_SVG_TITLE = re.compile(r'<title id="[^"]*">(.*?)</title>', re.S)


def svg_as_images(html: str) -> str:
    """Inline charts → ``<img>`` with the same SVG as a data URI and the chart's title as ``alt``.

    As images, the charts are drawn by WeasyPrint's SVG renderer without the CSS cascade, and the PDF's
    structure tree gets one figure with its alternative text per chart.
    """

    def replace(match: re.Match[str]) -> str:
        svg = match.group(0)
        if "xmlns=" not in svg[: svg.index(">")]:
            svg = svg.replace("<svg", '<svg xmlns="http://www.w3.org/2000/svg"', 1)
        title = _SVG_TITLE.search(svg)
        alt = title.group(1) if title else ""  # already escaped for HTML by charts.bar_chart
        data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
        return f'<img class="chart" alt="{alt}" src="data:image/svg+xml;base64,{data}">'

    return _INLINE_SVG.sub(replace, html)
