"""A live ``sobre serve`` on a free loopback port, and the page budgets checked in a real browser.

Reusable by every capability's page tests:

- :func:`live_server` serves Sobre over a home folder and/or a database (uvicorn in a thread; a real
  ``sobre serve`` process for several workers);
- :func:`launch_chromium` drives Debian's Chromium headless through Playwright (nothing is downloaded);
- :func:`measure` loads one page as a first visit (no cache, the cookies of the given state) and returns its
  requests, transferred bytes, DOM node count, EcoIndex, external resources and axe-core violations;
- :func:`assert_budgets` checks a measure against Sobre's budgets (≤ 150 KB, ≤ 10 requests, no external
  resource, EcoIndex ≥ 75, no serious or critical axe violation).
"""

from __future__ import annotations

import copy
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from sobre.ecodesign import ecoindex
from sobre.ecodesign import measure as measure_module

CHROMIUM = Path(measure_module.CHROMIUM)
#: The product's flags (no sandbox as root, no background connections: the network is closed), so that the
#: one browser the tests share measures as ``sobre ecoindex`` does.
CHROMIUM_ARGS = list(measure_module.CHROMIUM_ARGS)
MAX_KB = 150
MAX_REQUESTS = 10
MIN_ECOINDEX = 75


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_server(home: Path, database_url: str | None = None, workers: int = 1) -> Iterator[str]:
    """Serve Sobre over ``home`` until the block ends; yields its base URL once ``/healthz`` answers.

    One worker: the application ``sobre serve`` builds, on uvicorn with ``sobre serve``'s options, in a
    thread of the test process (a ``sobre serve`` process re-imported everything: ~4 s of CPU for each of
    a dozen modules). More workers: a real ``sobre serve`` process, which the PostgreSQL test needs.
    """
    server = (
        _thread_server(home, database_url) if workers == 1 else _serve_process(home, database_url, workers)
    )
    with server as base:
        try:
            yield base
        finally:
            # A later server may get the same port: its users' sessions are not these.
            for key in [k for k in _STATES if k[0] == base]:
                del _STATES[key]


#: Signed-in storage states by (server, e-mail, JavaScript): each user signs in through the form once per
#: server, and the tests that need them share the session (the sign-in form has tests of its own).
_STATES: dict[tuple[str, str, bool], Any] = {}


def signed_in_state(browser: Any, base: str, email: str, *, javascript: bool = True) -> Any:
    """The storage state of ``email`` signed in through the French sign-in form of the server at ``base``."""
    key = (base, email, javascript)
    if key not in _STATES:
        _STATES[key] = _sign_in_through_the_form(browser, base, email, javascript=javascript)
    return copy.deepcopy(_STATES[key])


def _sign_in_through_the_form(browser: Any, base: str, email: str, *, javascript: bool) -> Any:
    from tests.web.harness import PASSWORD

    context = browser.new_context(java_script_enabled=javascript, locale="fr-FR")
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.get_by_label("Adresse électronique").fill(email)
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_load_state()
    state = context.storage_state()
    context.close()
    return state


@contextmanager
def _thread_server(home: Path, database_url: str | None) -> Iterator[str]:
    import threading

    import uvicorn

    from sobre.core.settings import load_settings
    from sobre.web.app import create_app

    # As ``sobre serve`` without SOBRE_DATABASE_URL: the home's own SQLite database unless one is given.
    settings = load_settings(home, database_url or f"sqlite:///{Path(home).resolve() / 'sobre.db'}")
    config = uvicorn.Config(
        create_app(settings),
        host="127.0.0.1",
        port=free_port(),
        proxy_headers=True,
        forwarded_allow_ips="127.0.0.1",
        server_header=False,
        log_level="warning",
        # Once, at the end of a module, a connection still open kept the server waiting (the cause not found)
        # and the test 30 s on the join below: 5 s, then the server cancels what is left.
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"sobre-serve-{config.port}", daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{config.port}"
    try:
        deadline = time.monotonic() + 240
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError(f"the server on {base} stopped before it started")
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start within 240 s")
            time.sleep(0.01)
        assert httpx.get(f"{base}/healthz", timeout=30).status_code == 200
        yield base
    finally:
        server.should_exit = True
        thread.join(timeout=30)


@contextmanager
def _serve_process(home: Path, database_url: str | None, workers: int) -> Iterator[str]:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("SOBRE_HOME", "SOBRE_DATABASE_URL")}
    if database_url:
        env["SOBRE_DATABASE_URL"] = database_url
    log = (home.parent / f"serve-{port}.log").open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sobre",
            "serve",
            "--home",
            str(home),
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        stdout=log,
        stderr=subprocess.STDOUT,
        env=env,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 240  # a loaded machine takes long to import and migrate
        while True:
            if process.poll() is not None:
                raise RuntimeError(
                    f"sobre serve stopped: {(home.parent / f'serve-{port}.log').read_text()[-2000:]}"
                )
            try:
                if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("sobre serve did not answer within 240 s")
            time.sleep(0.05)  # poll often: a dozen modules each wait for their server
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()


@contextmanager
def launch_chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        pytest.skip(
            "Debian's Chromium (/usr/bin/chromium) is not installed; scripts/setup.sh --dev installs it"
        )
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class Measure:
    url: str
    status: int
    requests: int
    bytes: int
    dom: int
    external: list[str] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def kilobytes(self) -> float:
        return self.bytes / 1024

    @property
    def ecoindex(self) -> float:
        # The product's EcoIndex, which counts size in kB of 1,000 bytes as the reference does.
        return ecoindex.score(self.dom, self.requests, self.bytes / 1000)

    def line(self) -> str:
        return (
            f"{self.url}: {self.requests} requests, {self.kilobytes:.1f} KB, {self.dom} nodes, "
            f"EcoIndex {self.ecoindex:.0f} ({ecoindex.grade(self.ecoindex)})"
        )


#: One context and page per (browser, signed-in state, language), reused by the measures that follow: a new
#: context costs a renderer process (about 0.3 s) and injecting axe-core into a loaded page 0.2 s more. The
#: page loads with the browser's cache off and the context's cookies reset to ``storage_state``, so each
#: load is still a first visit.
_visitors: dict[tuple[int, str, str], tuple[Any, Any, Any]] = {}


def _visitor(browser: Any, storage_state: Any, lang: str) -> Any:
    """The page to measure from, as a first visit by the holder of ``storage_state`` would see it."""
    from axe_playwright_python.sync_playwright import Axe

    key = (id(browser), json.dumps(storage_state, sort_keys=True), lang)
    found = _visitors.get(key)
    if found is None or found[0] not in browser.contexts or found[1].is_closed():
        context = browser.new_context(storage_state=storage_state, locale=lang)
        # Defined before any script of the page runs (and before the page's CSP applies), in every load.
        context.add_init_script(script=Axe().axe_script)
        page = context.new_page()
        devtools = context.new_cdp_session(page)
        devtools.send("Network.enable")
        devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
        found = _visitors[key] = (context, page, devtools)
    context, page, _ = found
    context.clear_cookies()
    if storage_state and storage_state.get("cookies"):
        context.add_cookies(storage_state["cookies"])
    return page


def measure(browser: Any, base: str, path: str, storage_state: Any = None, *, lang: str = "fr") -> Measure:
    """Load ``path`` as a first visit (no cache, the cookies of ``storage_state`` only) and measure it,
    axe-core included."""
    page = _visitor(browser, storage_state, lang)
    sizes: list[int] = []
    urls: list[str] = []
    started: set[Any] = set()
    ended: set[Any] = set()

    def begun(request: Any) -> None:
        started.add(request)

    def finished(request: Any) -> None:
        ended.add(request)
        if request.url.startswith("data:"):  # inline, never on the network
            return
        urls.append(request.url)
        try:
            s = request.sizes()
            sizes.append(int(s["responseHeadersSize"]) + int(s["responseBodySize"]))
        except Exception:  # a request without a response (aborted) weighs nothing
            sizes.append(0)

    def failed(request: Any) -> None:
        ended.add(request)

    listeners = {"request": begun, "requestfinished": finished, "requestfailed": failed}
    for event, listener in listeners.items():
        page.on(event, listener)
    try:
        # The pages are server-rendered without scripts: every request starts before the load event
        # (styles, images). Waiting for each to end is complete and deterministic, where "networkidle"
        # waited a fixed 500 ms of quiet on every page.
        response = page.goto(base + path, wait_until="load")
        deadline = time.monotonic() + 30
        while started - ended and time.monotonic() < deadline:
            page.wait_for_timeout(10)  # lets Playwright deliver the pending events
    finally:
        for event, listener in listeners.items():
            page.remove_listener(event, listener)
    dom = int(page.evaluate("document.getElementsByTagName('*').length"))
    violations = page.evaluate("axe.run({resultTypes: ['violations']}).then(results => results.violations)")
    serious = [v for v in violations if v.get("impact") in ("serious", "critical")]
    status = response.status if response else 0
    external = [u for u in urls if not u.startswith(base) and not u.startswith("data:")]
    return Measure(path, status, len(urls), sum(sizes), dom, external, serious)


def assert_budgets(m: Measure) -> None:
    assert not m.external, f"{m.url} loads external resources: {m.external}"
    assert m.requests <= MAX_REQUESTS, m.line()
    assert m.kilobytes <= MAX_KB, m.line()
    assert m.ecoindex >= MIN_ECOINDEX, m.line()
    problems = [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in m.violations
    ]
    assert not problems, f"{m.url}: accessibility violations: {problems}"
