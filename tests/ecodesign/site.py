"""A local test site on a free loopback port, whose server counts every request and byte it sends."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

#: Elements of the home page as the reference counts them: every element, SVG children excluded:
#: html head meta title link body header h1 nav a a main p p p svg img div carte-ville img script (21),
#: the 2 divs the script adds, and the 2 elements of the custom element's open shadow root.
HOME_DOM = 25
HOME = b"""<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><title>Mairie</title>
<link rel="stylesheet" href="/style.css"></head>
<body><header><h1>Mairie de Sobreville</h1>
<nav><a href="/demarches">D\xc3\xa9marches</a> <a href="/contact">Contact</a></nav></header>
<main><p>Bienvenue.</p><p>Horaires</p><p>Acc\xc3\xa8s</p>
<svg width="20" height="20" aria-hidden="true">
<g><rect width="9" height="9"/><circle cx="15" cy="15" r="4"/></g></svg>
<img src="/logo.png" alt="Logo">
<div style="height:6000px"></div>
<carte-ville></carte-ville>
<img src="/bas.png" alt="Plan" loading="lazy">
</main>
<script src="/app.js"></script></body></html>
"""
APP_JS = b"""customElements.define('carte-ville', class extends HTMLElement {
  constructor() { super(); const r = this.attachShadow({mode: 'open'});
    r.innerHTML = '<p>Plan</p><span>Centre</span>'; } });
for (let i = 0; i < 2; i++) document.body.appendChild(document.createElement('div'));
"""
DEMARCHES = b"""<!doctype html><html lang="fr"><head><meta charset="utf-8">
<title>D\xc3\xa9marches</title></head>
<body><form action="/envoi" method="get"><label for="nom">Nom</label><input id="nom" name="nom">
<button type="submit">Envoyer</button></form></body></html>"""
ENVOI = b"""<!doctype html><html lang="fr"><head><meta charset="utf-8"><title>Merci</title></head>
<body><p>Demande re\xc3\xa7ue.</p></body></html>"""


def png(width: int, height: int, seed: int) -> bytes:
    """A valid PNG of noisy pixels (a browser reads a valid image to its end; a broken one it may not)."""
    import random
    import struct
    import zlib

    rng = random.Random(seed)
    raw = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


PAGES: dict[str, tuple[str, bytes]] = {
    "/": ("text/html; charset=utf-8", HOME),
    "/style.css": ("text/css", b"body{font-family:sans-serif;color:#222}" * 20),
    "/logo.png": ("image/png", png(40, 40, 1)),
    "/bas.png": ("image/png", png(24, 24, 2)),
    "/app.js": ("text/javascript", APP_JS),
    "/demarches": ("text/html; charset=utf-8", DEMARCHES),
    "/envoi": ("text/html; charset=utf-8", ENVOI),
    "/data.json": ("application/json", b'{"a": 1}'),
}


class Site:
    def __init__(self, pages: dict[str, tuple[str, bytes]]) -> None:
        self.pages = pages
        self.log: list[tuple[str, int]] = []  # (path, bytes sent: status line, headers and body)
        self.url = ""

    def sent(self, since: int = 0) -> tuple[int, int]:
        """Requests answered (the favicon excepted) and bytes sent, since log entry ``since``."""
        rows = [r for r in self.log[since:] if r[0] != "/favicon.ico"]
        return len(rows), sum(b for _, b in rows)


def _handler(site: Site) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            path = self.path.split("?", 1)[0]
            kind, body = site.pages.get(path, ("text/plain", b"not found"))
            status = 200 if path in site.pages else 404
            head = (
                f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Found'}\r\n"
                f"Content-Type: {kind}\r\nContent-Length: {len(body)}\r\nCache-Control: no-store\r\n\r\n"
            ).encode()
            self.wfile.write(head + body)
            self.wfile.flush()
            site.log.append((path, len(head) + len(body)))

        def log_message(self, *args: Any) -> None:
            pass

    return Handler


@contextmanager
def serve(pages: dict[str, tuple[str, bytes]] = PAGES) -> Iterator[Site]:
    """Serve ``pages`` on 127.0.0.1 at a port the system picks."""
    site = Site(pages)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(site))
    site.url = f"http://127.0.0.1:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield site
    finally:
        server.shutdown()
        server.server_close()
