"""The page measure every browser test relies on: it finds violations, and each load is a first visit.

``tests.web.live.measure`` reuses one browser context per signed-in state and language; these tests check
that this changes nothing a fresh context would see: the stylesheet is fetched again, a cookie the page
set is gone, and axe-core still reports what is wrong with a page.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from tests.web.live import measure

BAD = (
    b'<!doctype html><html lang="en"><head><title>Bad</title><link rel="stylesheet" href="/style.css">'
    b'</head><body><main><h1>Bad</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
    b'<form><input type="text" name="q"></form></main></body></html>'
)
GOOD = (
    b'<!doctype html><html lang="en"><head><title>Good</title><link rel="stylesheet" href="/style.css">'
    b"</head><body><main><h1>Good</h1><p>Plain text.</p></main></body></html>"
)


class _Site(BaseHTTPRequestHandler):
    #: (path, Cookie header) of each request, in order.
    seen: list[tuple[str, str | None]] = []

    def do_GET(self) -> None:  # noqa: N802 - the standard library's name
        type(self).seen.append((self.path, self.headers.get("Cookie")))
        body, kind = {
            "/bad": (BAD, "text/html"),
            "/good": (GOOD, "text/html"),
            "/style.css": (b"body { color: #111; background: #fff; }", "text/css"),
        }.get(self.path, (b"", "text/plain"))
        self.send_response(200 if body else 404)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=3600")  # cached, were the cache on
        if self.path.endswith("bad"):
            self.send_header("Set-Cookie", "visited=1; Path=/")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def site() -> Iterator[str]:
    _Site.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_violations_are_found_and_each_load_is_a_first_visit(browser: Any, site: str) -> None:
    first = measure(browser, site, "/bad", lang="en")
    again = measure(browser, site, "/bad", lang="en")
    good = measure(browser, site, "/good", lang="en")
    found = {v["id"] for v in first.violations}
    assert {"image-alt", "label"} <= found, found
    assert {v["id"] for v in again.violations} == found
    assert good.violations == []
    # Page and stylesheet each time: the cache is off although the server allows an hour of it.
    assert (first.requests, again.requests, good.requests) == (2, 2, 2)
    assert first.bytes == again.bytes > 0
    # The cookie a load set goes with its own stylesheet, not with the next load: the cookies are reset.
    # (The browser's own icon request, which no measure counts, is left out.)
    assert [s for s in _Site.seen if s[0] != "/favicon.ico"] == [
        ("/bad", None),
        ("/style.css", "visited=1"),
        ("/bad", None),
        ("/style.css", "visited=1"),
        ("/good", None),
        ("/style.css", None),
    ]
