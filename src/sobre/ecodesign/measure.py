"""Measure pages and user journeys in headless Chromium (Playwright), the way the EcoIndex reference does.

For each page, in a fresh browser context (no cache, cookies or storage), at 1920 × 1080:

1. open the URL and wait for the ``load`` event; the page must answer 200 with ``text/html``;
2. wait (3 s by default), scroll to the bottom, wait again — lazy content loads as a reader would see it;
3. count **requests** as the Chrome DevTools ``Network.loadingFinished`` events and the **transferred
   size** as the sum of their ``encodedDataLength`` (bytes on the wire, headers included), in kB of 1,000
   bytes as the reference scraper does; count **DOM elements** as every element (``*``, shadow roots
   included, as Playwright's locator counts them) minus the descendants of ``svg`` elements.

A **journey** is a list of steps played in one context (so the cache works as for a real visitor); each
step is measured on its own: the requests and bytes it caused, and the DOM when it ends.  Journey files are
JSON or TOML (``docs/ecodesign.md``)::

    name = "Demande d'acte de naissance"
    [[steps]]
    name = "Accueil"
    goto = "https://demarches.ville.fr/"
    [[steps]]
    name = "Formulaire"
    click = "text=Demander un acte"
    [[steps]]
    name = "Envoi"
    fill = { "#nom" = "Dupont", "#prenom" = "Marie" }
    click = "button[type=submit]"
"""

from __future__ import annotations

import json
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sobre.core.errors import InputError, SobreError
from sobre.ecodesign import ecoindex

CHROMIUM = "/usr/bin/chromium"
#: Flags for a headless Chromium on a closed network (no background calls to the outside).
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
)
_ACTIONS = ("goto", "fill", "click", "press", "wait")


@dataclass
class Options:
    wait_before_scroll: float = 3.0
    wait_after_scroll: float = 3.0
    width: int = 1920
    height: int = 1080
    timeout_s: float = 30.0
    chromium: str = CHROMIUM


@dataclass
class PageMeasure:
    url: str
    step: str | None = None  # journey step name; None for a single page
    journey: str | None = None
    dom: int | None = None
    requests: int | None = None
    bytes: int | None = None
    score: int | None = None
    grade: str | None = None
    ghg_g: float | None = None
    water_cl: float | None = None
    error: str | None = None
    measured_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    browser: str = ""
    width: int = 1920
    height: int = 1080

    @property
    def size_kb(self) -> float | None:
        return None if self.bytes is None else self.bytes / 1000

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["measured_at"] = self.measured_at.isoformat()
        data["size_kb"] = self.size_kb
        return data


@dataclass
class Step:
    name: str
    actions: list[tuple[str, Any]]


@dataclass
class Journey:
    name: str
    steps: list[Step]


def read_journey(path: Path) -> Journey:
    """A journey file (JSON or TOML); each step needs a name and at least one action, the first a ``goto``."""
    try:
        text = path.read_text(encoding="utf-8")
        data = tomllib.loads(text) if path.suffix.lower() == ".toml" else json.loads(text)
    except (OSError, ValueError) as exc:
        raise InputError(f"cannot read the journey: {exc}", file=str(path)) from None
    return journey_of(data, str(path), path.stem)


def parse_journey(text: str, source: str = "journey") -> Journey:
    """A journey typed in a form: JSON when it starts with ``{``, TOML otherwise."""
    try:
        data = json.loads(text) if text.lstrip().startswith("{") else tomllib.loads(text)
    except ValueError as exc:
        raise InputError(f"cannot read the journey: {exc}", file=source, column="journey") from None
    return journey_of(data, source, source)


def journey_of(data: Any, source: str, default_name: str) -> Journey:
    """A journey from its parsed document (``source`` names it in errors)."""
    steps_raw = data.get("steps") if isinstance(data, dict) else None
    if not isinstance(steps_raw, list) or not steps_raw:
        raise InputError("a journey needs a list of steps", file=source, column="steps")
    steps = []
    for n, raw in enumerate(steps_raw, 1):
        if not isinstance(raw, dict):
            raise InputError("a step is a table of actions", file=source, row=n, value=raw)
        unknown = set(raw) - set(_ACTIONS) - {"name"}
        if unknown:
            raise InputError(
                "unknown step action",
                file=source,
                row=n,
                column=sorted(unknown)[0],
                expected=", ".join(_ACTIONS),
            )
        actions = [(k, raw[k]) for k in _ACTIONS if k in raw]
        if not actions:
            raise InputError("a step needs an action", file=source, row=n, expected=", ".join(_ACTIONS))
        if n == 1 and actions[0][0] != "goto":
            raise InputError("the first step must open a page (goto)", file=source, row=1, column="goto")
        _check_actions(actions, source, n)
        steps.append(Step(str(raw.get("name") or f"step {n}"), actions))
    return Journey(str(data.get("name") or default_name), steps)


def _check_actions(actions: list[tuple[str, Any]], source: str, n: int) -> None:
    """Arguments of the right shape, so that a bad journey fails here, not halfway through the browser."""
    for action, arg in actions:
        if action == "fill":
            ok = isinstance(arg, dict) and all(isinstance(k, str) for k in arg)
        elif action == "wait":
            ok = isinstance(arg, int | float) and not isinstance(arg, bool) and 0 <= arg <= 60
        else:
            ok = isinstance(arg, str) and bool(arg.strip())
        if not ok:
            raise InputError("invalid step action", file=source, row=n, column=action, value=arg)


class _Network:
    """Requests finished and bytes received, from the DevTools protocol, since the last reset.

    The browser's own favicon fetch is left out: the page does not ask for it, Chromium sends it only
    sometimes (it keeps a favicon cache across contexts), and Playwright's network events, on which the
    reference scraper's HAR rests, do not report it either.  A favicon the page links to is counted.
    """

    def __init__(self, cdp: Any) -> None:
        self.count = 0
        self.bytes = 0
        self._browser_own: set[str] = set()
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.send("Network.enable")

    def _sent(self, event: dict[str, Any]) -> None:
        url = str(event.get("request", {}).get("url", ""))
        initiator = (event.get("initiator") or {}).get("type")
        if (
            url.split("?", 1)[0].endswith("/favicon.ico")
            and initiator == "other"
            and event.get("type") != "Document"
        ):
            self._browser_own.add(str(event.get("requestId")))

    def _finished(self, event: dict[str, Any]) -> None:
        if str(event.get("requestId")) in self._browser_own:
            return
        self.count += 1
        self.bytes += int(event.get("encodedDataLength") or 0)

    def take(self) -> tuple[int, int]:
        out = (self.count, self.bytes)
        self.count = self.bytes = 0
        return out


def _dom_count(page: Any) -> int:
    """Elements of the page, SVG children excluded (the reference method's counting)."""
    return int(page.locator("*").count()) - int(page.locator("xpath=//*[local-name()='svg']//*").count())


def _settle(page: Any, options: Options) -> None:
    page.wait_for_load_state("load")
    time.sleep(options.wait_before_scroll)
    page.keyboard.press("ArrowDown")
    page.evaluate("window.scrollTo({top: document.body ? document.body.scrollHeight : 0})")
    time.sleep(options.wait_after_scroll)


def _check(response: Any, url: str) -> None:
    if response is None:
        raise SobreError(f"{url}: no response")
    if response.status != 200:
        raise SobreError(f"{url}: HTTP {response.status} {response.status_text}".strip())
    kind = response.headers.get("content-type", "")
    if kind and "text/html" not in kind:
        raise SobreError(f"{url}: not an HTML page ({kind})")


def _finish(m: PageMeasure, page: Any, network: _Network) -> PageMeasure:
    m.dom = _dom_count(page)
    m.requests, m.bytes = network.take()
    result = ecoindex.compute(m.dom, m.requests, m.bytes / 1000)
    m.score, m.grade, m.ghg_g, m.water_cl = result.score, result.grade, result.ghg_g, result.water_cl
    return m


class Browser:
    """One headless Chromium for a batch of measurements (start it once, measure many pages).

    ``browser`` is a Playwright browser already running (the caller launched it and closes it): Playwright's
    sync API allows one ``sync_playwright()`` per thread, so a caller that drives its own cannot start ours.
    Without it, one is launched here and closed with this object (the CLI's case).
    """

    def __init__(self, options: Options | None = None, browser: Any = None) -> None:
        self.options = options or Options()
        self._pw: Any = None
        if browser is not None:
            self._browser = browser
            self.version = str(browser.version)
            return
        if not Path(self.options.chromium).exists():
            raise SobreError(
                f"Chromium not found at {self.options.chromium} (Debian: apt-get install chromium)"
            )
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            raise SobreError("EcoIndex measurement needs Playwright: pip install playwright") from None
        self._pw = sync_playwright().start()
        self._browser = self._pw.chromium.launch(
            executable_path=self.options.chromium, headless=True, args=list(CHROMIUM_ARGS)
        )
        self.version = str(self._browser.version)

    def close(self) -> None:
        if self._pw is None:  # the caller's browser: the caller closes it
            return
        self._browser.close()
        self._pw.stop()
        self._pw = None

    def __enter__(self) -> Browser:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _context(self) -> tuple[Any, Any, _Network]:
        o = self.options
        context = self._browser.new_context(
            viewport={"width": o.width, "height": o.height}, screen={"width": o.width, "height": o.height}
        )
        context.set_default_timeout(o.timeout_s * 1000)
        page = context.new_page()
        return context, page, _Network(context.new_cdp_session(page))

    def _blank(self, url: str, step: str | None = None, journey: str | None = None) -> PageMeasure:
        return PageMeasure(
            url=url,
            step=step,
            journey=journey,
            browser=self.version,
            width=self.options.width,
            height=self.options.height,
        )

    def page(self, url: str) -> PageMeasure:
        """Measure one page; a failure is recorded in ``error`` (the figures stay unknown)."""
        m = self._blank(url)
        context, page, network = self._context()
        try:
            _check(page.goto(url, wait_until="load"), url)
            _settle(page, self.options)
            return _finish(m, page, network)
        except Exception as exc:  # any browser failure is one page's error, never a crash of the batch
            m.error = _message(exc)
            return m
        finally:
            context.close()

    def journey(self, journey: Journey) -> list[PageMeasure]:
        """Measure each step of a journey in one context; a failed step ends the journey there."""
        context, page, network = self._context()
        out: list[PageMeasure] = []
        try:
            for step in journey.steps:
                m = self._blank(page.url if page.url != "about:blank" else "", step.name, journey.name)
                try:
                    for action, arg in step.actions:
                        if action == "goto":
                            m.url = str(arg)
                            _check(page.goto(str(arg), wait_until="load"), str(arg))
                        elif action == "fill":
                            for selector, value in dict(arg).items():
                                page.fill(selector, str(value))
                        elif action == "click":
                            page.click(str(arg))
                        elif action == "press":
                            page.keyboard.press(str(arg))
                        elif action == "wait":
                            time.sleep(float(arg))
                    _settle(page, self.options)
                    m.url = page.url
                    out.append(_finish(m, page, network))
                except Exception as exc:
                    m.error = _message(exc)
                    out.append(m)
                    break
        finally:
            context.close()
        return out


def _message(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__


def measure(
    urls: list[str],
    journey: Journey | None = None,
    options: Options | None = None,
    progress: Callable[[PageMeasure], None] | None = None,
) -> list[PageMeasure]:
    """Measure each URL, then the journey if any, in one browser."""
    out: list[PageMeasure] = []
    with Browser(options) as browser:
        for url in urls:
            out.append(browser.page(url))
            if progress:
                progress(out[-1])
        if journey is not None:
            for m in browser.journey(journey):
                out.append(m)
                if progress:
                    progress(m)
    return out
